package remind_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/logtest"
	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// TestProfileStrayEntryHoldsBackNoOther: Altinn Profile answers with an
// entry that names no organisation (organizationNumber null) whenever one
// organisation is asked (its entry is broken). The organisations of the
// same batch that have no addresses (not listed) are settled by asking
// them alone: found with none and cached, not unknown run after run
// because of another organisation's entry. Only that organisation stays
// unknown. Before the fix every unlisted organisation of its batch was
// unknown in every run.
func TestProfileStrayEntryHoldsBackNoOther(t *testing.T) {
	const good, broken, empty, none1, none2 = "910753614", "974760673", "964338531", "991825827", "912345678"
	srv := httpfake.New(t, httpfake.Bearer(nfBearer))
	srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Orgs []string `json:"organizationNumbers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var entries []string
		for _, o := range q.Orgs {
			switch o {
			case good:
				entries = append(entries, `{"organizationNumber":"`+good+`","addressOrigin":"`+good+`","partyId":1,"emailList":["post@firma.no"],"mobileNumberList":[]}`)
			case empty:
				entries = append(entries, `{"organizationNumber":"`+empty+`","addressOrigin":"`+empty+`","partyId":4,"emailList":[],"mobileNumberList":[]}`)
			case broken:
				entries = append(entries, `{"organizationNumber":null,"addressOrigin":"`+broken+`","partyId":2,"emailList":["post@kommune.no"],"mobileNumberList":[]}`)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"contactPointsList":[`+strings.Join(entries, ",")+`]}`)
	})
	pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
	st := storetest.Open(t)
	res := &remind.Resolver{Book: st, Profile: pr, Logger: slog.New(slog.DiscardHandler)}
	ask := []string{good, broken, empty, none1, none2}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(context.Background(), ask, now, false)
	if err != nil {
		t.Fatal(err)
	}
	for org, n := range map[string]int{good: 1, empty: 0, none1: 0, none2: 0} {
		if a, ok := got.Found[org]; !ok || len(a) != n || got.Unknown[org] {
			t.Errorf("%s: found %q (listed %v), unknown %v; want %d address(es)", org, a, ok, got.Unknown[org], n)
		}
	}
	if !got.Unknown[broken] || got.Found[broken] != nil {
		t.Errorf("%s: unknown %v, found %q; want unknown this run", broken, got.Unknown[broken], got.Found[broken])
	}
	need, err := st.OrgsNeedingLookup(context.Background(), ask, now.Add(time.Minute), 24*time.Hour)
	if err != nil || !slices.Equal(need, []string{broken}) {
		t.Errorf("to look up next run: %v %v, want only %s (the others' answers cached)", need, err, broken)
	}
}

// TestResolverStopsWhenRefused: Altinn Profile refusing a lookup with 401
// (a token it does not take, or none) or 403 (a token without the scope
// altinn:profile/correspondence.notificationsettings.read) refuses every
// lookup of the run alike: each batch of organisations was asked and
// refused all the same, an error logged for each. The batches after it are
// not asked this run (unknown, as when throttled); one error says so and
// names the scope.
func TestResolverStopsWhenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tokens remind.TokenSource
	}{
		{"403 without the scope", staticTokens("tok-none")},
		{"401 for a token not taken", staticTokens("tok-unknown")},
		{"401 without a token", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAltinn(t)
			logger, buf := logtest.New()
			orgs := []string{"974760673", "964338531", "910753614", "991825827", "987654325", "912345678"}
			res := &remind.Resolver{Book: storetest.Open(t), Batch: 2, Logger: logger,
				Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: tc.tokens}}
			got, err := res.Resolve(context.Background(), orgs, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range orgs {
				if !got.Unknown[o] {
					t.Errorf("%s: not unknown after Profile refused the lookup (found %v)", o, got.Found[o])
				}
			}
			f.mu.Lock()
			n := f.lookups
			f.mu.Unlock()
			if n != 1 {
				t.Errorf("%d lookups after Altinn Profile refused the first; want 1", n)
			}
			log := buf.String()
			if errs := strings.Count(log, "level=ERROR"); errs != 1 {
				t.Errorf("%d errors logged, want 1:\n%s", errs, log)
			}
			if !strings.Contains(log, remind.ProfileScope) {
				t.Errorf("the log does not name the scope %s:\n%s", remind.ProfileScope, log)
			}
		})
	}
}

// TestProfileUnreadableEntryMasked: an Altinn Profile entry whose
// organizationNumber is neither a string nor a number is quoted in the
// organisation's error, which the address lookup logs. A national id in it
// (a person's id where the organisation's should be) is masked there, and
// one the quote's end would cut is left out whole: never logged as sent.
func TestProfileUnreadableEntryMasked(t *testing.T) {
	const org, fnr = "974760673", "01029400470"
	for _, c := range []struct{ name, number string }{
		{"in an array", `["` + fnr + `"]`},
		{"in an object", `{"personIdentifier":"` + fnr + `"}`},
		{"with a separator", `{"id":"010294 00470"}`},
		{"cut by the quote's end", `{"organisationOfThePersonNamed":"` + fnr + `"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httpfake.New(t, httpfake.Bearer(nfBearer))
			srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"contactPointsList":[{"organizationNumber":`+c.number+`,"partyId":2,"emailList":["post@kommune.no"],"mobileNumberList":[]}]}`)
			})
			pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
			logger, logs := logtest.New()
			res := &remind.Resolver{Book: storetest.Open(t), Profile: pr, Logger: logger}
			got, err := res.Resolve(context.Background(), []string{org}, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), false)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Unknown[org] {
				t.Fatalf("%s: unknown %v, found %q; want unknown this run", org, got.Unknown[org], got.Found[org])
			}
			out := logs.String()
			if !strings.Contains(out, "is not an organisation number") {
				t.Fatalf("the entry's error is not logged:\n%s", out)
			}
			for _, leak := range []string{"0102940", "00470"} {
				if strings.Contains(out, leak) {
					t.Errorf("the log carries the national id (%s) unmasked:\n%s", leak, out)
				}
			}
		})
	}
}

// downTokens is a token source that cannot give a token (Maskinporten or
// the exchange down or refusing the client), counting how often it is asked.
type downTokens struct{ asked *atomic.Int32 }

func (d downTokens) Token(context.Context) (string, error) {
	d.asked.Add(1)
	return "", errors.New("maskinporten: token endpoint answered 503")
}

// TestResolverStopsWithoutToken: when no token for Altinn Profile can be
// had, every batch of the run would fail alike, each asking Maskinporten
// again and logging its own error. The batches after the first are not
// asked this run (unknown, as when refused or throttled); one error says so.
func TestResolverStopsWithoutToken(t *testing.T) {
	t.Parallel()
	f := newFakeAltinn(t)
	logger, buf := logtest.New()
	var asked atomic.Int32
	orgs := []string{"974760673", "964338531", "910753614", "991825827", "987654325", "912345678"}
	res := &remind.Resolver{Book: storetest.Open(t), Batch: 2, Logger: logger,
		Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: downTokens{&asked}}}
	got, err := res.Resolve(context.Background(), orgs, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if !got.Unknown[o] {
			t.Errorf("%s: not unknown without a token (found %v)", o, got.Found[o])
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the token source was asked %d times in the run; want 1", n)
	}
	if errs := strings.Count(buf.String(), "level=ERROR"); errs != 1 {
		t.Errorf("%d errors logged, want 1:\n%s", errs, buf.String())
	}
}

// TestResolverStopsWhenThrottled: Altinn Profile answering a lookup 429
// with a Retry-After asks postvakt to slow down. The organisations of
// the batches after it are not asked this run (each would be one more
// request Altinn said not to make, and with a shorter Retry-After the
// HTTP client's waits, batch after batch, held the run): they are
// unknown this run, and the next run asks them.
func TestResolverStopsWhenThrottled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFakeAltinn(t)
	f.ProfileFail = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "10800")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	orgs := []string{"974760673", "964338531", "910753614", "991825827", "987654325", "912345678"}
	res := &remind.Resolver{Book: storetest.Open(t), Batch: 2, Logger: slog.New(slog.DiscardHandler),
		Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-profile")}}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(ctx, orgs, now, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if !got.Unknown[o] {
			t.Errorf("%s: not unknown after the lookup was throttled (found %v)", o, got.Found[o])
		}
	}
	f.mu.Lock()
	n := f.lookups
	f.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d lookups after Altinn Profile answered 429 with Retry-After 3h; want 1", n)
	}
}

// One organisation's entry in Altinn Profile with an address no mail
// server takes (a local part of 3,000 characters: RFC 5321 allows 64, a
// path 256) concerns that organisation alone: the other organisations of
// the lookup get their addresses, and the lookup's answer is stored, so
// the escalation run goes on. Taken for an address, it made the store's
// insert of the whole batch's addresses fail (an index row holds at most
// about 2,700 bytes), and Resolve's error stopped every run.
func TestProfileOverlongAddressHoldsBackNoOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFakeAltinn(t)
	st := storetest.Open(t)
	const other = "910753614"
	rnd := rand.New(rand.NewPCG(1, 2))
	long := make([]byte, 3000)
	for i := range long {
		long[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rnd.IntN(36)]
	}
	f.Addresses[hnFirma] = []string{string(long) + "@firma.example.no"}
	f.Addresses[other] = []string{"post@other.example.no"}
	res := &remind.Resolver{Book: st, Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-profile")},
		Logger: slog.New(slog.DiscardHandler)}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(ctx, []string{hnFirma, other}, now, false)
	if err != nil {
		t.Fatalf("resolve: %v; one organisation's address stopped the lookup of all", err)
	}
	if len(got.Found[other]) != 1 || got.Unknown[other] {
		t.Fatalf("resolved %+v, want %s's address", got, other)
	}
	if len(got.Found[hnFirma]) != 0 {
		t.Fatalf("an address of %d characters taken for %s", len(got.Found[hnFirma][0]), hnFirma)
	}
}
