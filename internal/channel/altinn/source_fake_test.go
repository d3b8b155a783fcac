package altinn

// An independent fake of Altinn 3 Correspondence written from the
// service's own source (Altinn/altinn-correspondence @ da785168; the paths
// are in testdata/specs/README.md), for how it refuses tokens and how its
// search lists: not from the adapter, nor the other fakes, nor the
// simulator.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/logtest"
)

const srcResource = "urn:altinn:resource:src-post"

// srcToken is a bearer token the fake knows: its issuer ("altinn",
// "maskinporten", or "maskinporten-other": one of another Maskinporten
// environment, which neither the Altinn-token scheme nor the Maskinporten
// scheme takes) and scopes.
type srcToken struct {
	issuer string
	scopes []string
}

type srcLetter struct {
	id       string
	publish  time.Time // RequestedPublishTime: what the search filters and orders on
	statuses []string  // every status it has had, in order
	foreign  bool      // the caller is neither its sender nor its recipient
	coded403 bool      // not the service's own: a 403 with an error code for this letter
}

type srcAltinn struct {
	srv *httptest.Server

	mu       sync.Mutex
	tokens   map[string]srcToken
	letters  []*srcLetter // in the order PostgreSQL happens to give ties
	searches int
}

func newSrcAltinn(t *testing.T) *srcAltinn {
	t.Helper()
	f := &srcAltinn{tokens: map[string]srcToken{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+basePath, f.authorised(f.search))
	mux.HandleFunc("GET "+basePath+"/{id}/details", f.authorised(f.details))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *srcAltinn) setToken(tok string, t srcToken) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[tok] = t
}

// authorised is the endpoints' authentication and their SenderOrRecipient
// policy, as a sender meets them (Auth/DependencyInjection.cs,
// Auth/AltinnTokenEventsHelper.cs):
//   - no token, or one no scheme takes (unknown, expired): the framework's
//     401 without a body;
//   - a Maskinporten token neither scheme takes: the Altinn-token
//     scheme's challenge turns its issuer failure into a 403
//     ProblemDetails "IDX10205: Issuer validation failed";
//   - a token taken whose scopes the policy refuses (SenderScopePolicy: an
//     Altinn token needs altinn:correspondence.write, a Maskinporten one
//     also altinn:serviceowner): 403 without a body (Forbid).
func (f *srcAltinn) authorised(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		tok, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		f.mu.Unlock()
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		case tok.issuer == "maskinporten-other":
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]any{"title": "IDX10205: Issuer validation failed", "status": 403,
				"detail": "Maskinporten token is not valid. Exchange to Altinn token and try again. Read more at https://docs.altinn.studio/api/scenarios/authentication/#maskinporten-jwt-access-token-input"})
			return
		}
		write := slices.Contains(tok.scopes, "altinn:correspondence.write")
		if !write || tok.issuer == "maskinporten" && !slices.Contains(tok.scopes, "altinn:serviceowner") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		next(w, r)
	}
}

// problem writes ProblemDetailsHelper's answer for one of Errors.cs.
func srcProblem(w http.ResponseWriter, status, code int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "https://tools.ietf.org/html/rfc9110", "title": title,
		"status": status, "detail": detail, "code": fmt.Sprintf("CORR-%05d", code), "errorCode": code,
		"traceId": "00-src-01"})
}

// details: CorrespondenceNotFound (404, 1001) for a letter it does not
// have, NoAccessToResource (401, 4001) for one the caller neither sent nor
// received, else CorrespondenceDetailsExt.
func (f *srcAltinn) details(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	i := slices.IndexFunc(f.letters, func(l *srcLetter) bool { return l.id == r.PathValue("id") })
	var l srcLetter
	if i >= 0 {
		l = *f.letters[i]
	}
	f.mu.Unlock()
	switch {
	case i < 0:
		srcProblem(w, http.StatusNotFound, 1001, "Not Found", "The requested correspondence was not found")
		return
	case l.coded403:
		srcProblem(w, http.StatusForbidden, 4001, "Forbidden", "no access to this correspondence")
		return
	case l.foreign:
		srcProblem(w, http.StatusUnauthorized, 4001, "Unauthorized",
			"You must use an Altinn token, DialogToken or log in to IDPorten as someone with access to the resource and organization in Altinn Authorization")
		return
	}
	at := func(n int) string {
		return l.publish.Add(time.Duration(n) * time.Minute).Format("2006-01-02T15:04:05.999999-07:00")
	}
	var hist []map[string]any
	for n, s := range l.statuses {
		hist = append(hist, map[string]any{"status": s, "statusText": s, "statusChanged": at(n)})
	}
	last := len(l.statuses) - 1
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"correspondenceId": l.id, "resourceId": srcResource,
		"sender": "urn:altinn:organization:identifier-no:991825827", "recipient": "urn:altinn:organization:identifier-no:910753614",
		"created": at(0), "requestedPublishTime": at(0), "published": at(1), "read": nil, "isConfidential": false,
		"status": l.statuses[last], "statusText": l.statuses[last], "statusChanged": at(last), "statusHistory": hist,
		"content":       map[string]any{"language": "no", "messageTitle": "", "messageSummary": "", "messageBody": ""},
		"notifications": []any{}})
}

// search (GetCorrespondencesHandler, CorrespondenceRepository.
// GetCorrespondences, QueryableExtensions.FilterByStatus): role required,
// from after to 400 (1027), bounds exclusive on RequestedPublishTime, the
// status filter any status a letter has had (Fetched kept apart: never
// matched), newest first, ties as they come, Take(1000), {"ids":[…]} and
// nothing else: no paging.
func (f *srcAltinn) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// The resource as Altinn stores it: without its URN prefix
	// (InitializeCorrespondencesMapper), compared as asked for.
	if q.Get("role") == "" || q.Get("resourceId") != strings.TrimPrefix(srcResource, "urn:altinn:resource:") {
		srcProblem(w, http.StatusBadRequest, 0, "Bad Request", "role and resourceId are required")
		return
	}
	from, err1 := time.Parse(time.RFC3339Nano, q.Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, q.Get("to"))
	if err1 != nil || err2 != nil {
		srcProblem(w, http.StatusBadRequest, 0, "Bad Request", "from and to are date-times")
		return
	}
	if from.After(to) {
		srcProblem(w, http.StatusBadRequest, 1027, "Bad Request", "From date cannot be after to date")
		return
	}
	status := q.Get("status")
	f.mu.Lock()
	f.searches++
	var hits []*srcLetter
	for _, l := range f.letters {
		if l.publish.After(from) && l.publish.Before(to) && (status == "" || status != "Fetched" && slices.Contains(l.statuses, status)) {
			hits = append(hits, l)
		}
	}
	f.mu.Unlock()
	slices.SortStableFunc(hits, func(a, b *srcLetter) int { return b.publish.Compare(a.publish) })
	ids := []string{}
	for _, l := range hits[:min(len(hits), 1000)] {
		ids = append(ids, l.id)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
}

// srcTokens hands out its tokens in order: the first until a service
// refuses it (Invalidate), then the next, as maskinporten.Source renews.
type srcTokens struct {
	mu      sync.Mutex
	list    []string
	at      int
	renewed int
}

func (s *srcTokens) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list[min(s.at, len(s.list)-1)], nil
}

// Invalidate renews tok as the real sources do (maskinporten's Source and
// Exchanger): a token renewed meanwhile by another request is no reason
// to renew again (true: go once more with the new one), and a source
// renews only so often (RenewAtMostEvery): here once, so that a request
// whose first attempt already carried the new token and was refused gets
// its refusal as the answer, as it would in production. (It renewed again,
// and TestSourceFake403Again counted two renewals when the letters' calls
// overlapped.)
func (s *srcTokens) Invalidate(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.list[min(s.at, len(s.list)-1)] != tok {
		return true
	}
	if s.renewed > 0 {
		return false
	}
	s.at++
	s.renewed++
	return true
}

func (s *srcTokens) renewals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renewed
}

func srcAdapter(t *testing.T, f *srcAltinn, tokens TokenSource, log *slog.Logger) *Client {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: f.srv.URL, Logger: log, BackoffBase: time.Millisecond,
		BreakerThreshold: -1, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: f.srv.URL, ResourceID: srcResource, Logger: log}, hc, tokens)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func srcID(n int) string { return fmt.Sprintf("5ace0000-0000-4000-8000-%012d", n) }

var srcT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

var (
	srcGood    = srcToken{issuer: "altinn", scopes: []string{"altinn:correspondence.write"}}
	srcNoScope = srcToken{issuer: "altinn", scopes: []string{"altinn:correspondence.read"}}
	srcOtherMP = srcToken{issuer: "maskinporten-other", scopes: []string{"altinn:serviceowner", "altinn:correspondence.write"}}
)

// TestSourceFake403RenewsTheTokenOnce: a 403 about the token (the policy
// refusing its scopes, or a Maskinporten token no scheme takes) gets one
// new token and the call goes on with it: Status reads every letter and
// Discover lists them, each after one renewal.
func TestSourceFake403RenewsTheTokenOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		first srcToken
	}{{"scopes refused (403, no body)", srcNoScope}, {"Maskinporten token refused (403 IDX10205)", srcOtherMP}} {
		t.Run(c.name, func(t *testing.T) {
			f := newSrcAltinn(t)
			for i := range 3 {
				f.letters = append(f.letters, &srcLetter{id: srcID(i), publish: srcT0, statuses: []string{"Initialized", "Published"}})
			}
			f.setToken("old", c.first)
			f.setToken("new", srcGood)
			tokens := &srcTokens{list: []string{"old", "new"}}
			obs, err := srcAdapter(t, f, tokens, nil).Status(context.Background(), []string{srcID(0), srcID(1), srcID(2)})
			if err != nil || tokens.renewals() != 1 {
				t.Fatalf("Status: %v, %d renewals; want the letters read after one renewal", err, tokens.renewals())
			}
			for _, o := range obs {
				if o.Err != nil {
					t.Errorf("%s: %v", o.ChannelID, o.Err)
				}
			}
			f.setToken("old2", c.first)
			tokens = &srcTokens{list: []string{"old2", "new"}}
			found, err := srcAdapter(t, f, tokens, nil).Discover(context.Background(), srcT0.Add(-time.Hour), srcT0.Add(time.Hour))
			if err != nil || len(found) != 3 || tokens.renewals() != 1 {
				t.Fatalf("Discover: %d found, %v, %d renewals; want 3 after one renewal", len(found), err, tokens.renewals())
			}
		})
	}
}

// TestSourceFake403Again: when the new token is refused too, the call
// fails as a whole (no observation blames a letter) with an error naming
// the likely cause: the token exchange for a Maskinporten token Altinn
// does not take, the scopes for a 403 without a body.
func TestSourceFake403Again(t *testing.T) {
	for _, c := range []struct {
		name  string
		token srcToken
		cause string
	}{
		{"Maskinporten token", srcOtherMP, "POSTVAKT_ALTINN_EXCHANGE_URL"},
		{"scopes", srcNoScope, "altinn:correspondence.write"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newSrcAltinn(t)
			for i := range 4 {
				f.letters = append(f.letters, &srcLetter{id: srcID(i), publish: srcT0, statuses: []string{"Initialized", "Published"}})
			}
			f.setToken("a", c.token)
			f.setToken("b", c.token)
			tokens := &srcTokens{list: []string{"a", "b"}}
			ad := srcAdapter(t, f, tokens, nil)
			obs, err := ad.Status(context.Background(), []string{srcID(0), srcID(1), srcID(2), srcID(3)})
			if !errors.Is(err, errTokenRefused) || obs != nil || !strings.Contains(err.Error(), c.cause) {
				t.Fatalf("Status: %v (%d observations); want the call's errTokenRefused naming %s", err, len(obs), c.cause)
			}
			if tokens.renewals() != 1 {
				t.Errorf("%d renewals, want 1: the refused token renewed once, the new one's refusal the answer", tokens.renewals())
			}
			// One letter alone: still the token's, not the letter's.
			if obs, err := ad.Status(context.Background(), []string{srcID(0)}); !errors.Is(err, errTokenRefused) || obs != nil {
				t.Errorf("Status of one letter: %v (%v); want the call's errTokenRefused", err, obs)
			}
			found, err := ad.Discover(context.Background(), srcT0.Add(-time.Hour), srcT0.Add(time.Hour))
			if !errors.Is(err, errTokenRefused) || found != nil || !strings.Contains(err.Error(), c.cause) {
				t.Errorf("Discover: %v (%d found); want errTokenRefused naming %s", err, len(found), c.cause)
			}
		})
	}
}

// TestSourceFakePerLetterRefusal: Altinn's refusal of one letter (401,
// code 4001: the caller neither sent nor received it), and a 403 that
// carries an Altinn error code, are that letter's ErrRefused: the others
// are read and no token is renewed.
func TestSourceFakePerLetterRefusal(t *testing.T) {
	f := newSrcAltinn(t)
	for i := range 4 {
		f.letters = append(f.letters, &srcLetter{id: srcID(i), publish: srcT0, statuses: []string{"Initialized", "Published"}, foreign: i == 1})
	}
	f.setToken("good", srcGood)
	tokens := &srcTokens{list: []string{"good", "unused"}}
	// A 403 with an error code for letter 2 (a proxy or a later version
	// refusing that letter): about the letter, not the token.
	f.letters[2].coded403 = true
	obs, err := srcAdapter(t, f, tokens, nil).Status(context.Background(), []string{srcID(0), srcID(1), srcID(2), srcID(3)})
	if err != nil {
		t.Fatalf("Status: %v; want the batch answered", err)
	}
	for i, o := range obs {
		refused := i == 1 || i == 2
		if refused != errors.Is(o.Err, channel.ErrRefused) || !refused && o.Err != nil {
			t.Errorf("letter %d: %v; want refused only for 1 and 2", i, o.Err)
		}
	}
	if tokens.renewals() != 0 {
		t.Errorf("%d renewals; a letter's refusal renews no token", tokens.renewals())
	}
}

// TestSourceFakeBulkSendGap: 1,500 letters with one publish time, 300 of
// them Read. The search answers at most 1000 ids and cannot page, and its
// status filter matches any status a letter has had, so asked status by
// status the Read ones are all found but of the 1,200 unread only those in
// a full answer are: the result is what was found, with ErrIncomplete
// counting it and naming the full statuses, and a warning in the log with
// the counts; no search loops without end.
func TestSourceFakeBulkSendGap(t *testing.T) {
	f := newSrcAltinn(t)
	for i := range 1500 {
		st := []string{"Initialized", "ReadyForPublish", "Published"}
		if i%5 == 0 {
			st = append(st, "Fetched", "Read")
		}
		f.letters = append(f.letters, &srcLetter{id: srcID(i), publish: srcT0, statuses: st})
	}
	f.setToken("good", srcGood)
	log, buf := logtest.New()
	found, err := srcAdapter(t, f, &srcTokens{list: []string{"good"}}, log).Discover(context.Background(), srcT0.Add(-time.Hour), srcT0.Add(time.Hour))
	if !errors.Is(err, channel.ErrIncomplete) {
		t.Fatalf("Discover: %d found, %v; want what was found with ErrIncomplete", len(found), err)
	}
	read := 0
	ids := map[string]bool{}
	for _, fd := range found {
		ids[fd.ChannelID] = true
	}
	for i := 0; i < 1500; i += 5 {
		if ids[srcID(i)] {
			read++
		}
	}
	if read != 300 || len(ids) < MaxSearchResults || len(ids) >= 1500 {
		t.Fatalf("%d found, %d of 300 Read; want every Read one and at least 1000 of 1500", len(ids), read)
	}
	want := fmt.Sprintf("%d found, the answers for Initialized, ReadyForPublish, Published held 1000", len(ids))
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q; want it to say %q", err, want)
	}
	logged := buf.String()
	if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, fmt.Sprintf("found=%d", len(ids))) ||
		!strings.Contains(logged, "max_per_search=1000") || !strings.Contains(logged, "full_statuses=Initialized,ReadyForPublish,Published") {
		t.Errorf("log %q; want a warning with the counts", logged)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if limit := 2*len(lifecycle) + 64; f.searches > limit {
		t.Errorf("%d searches; want at most %d", f.searches, limit)
	}
}
