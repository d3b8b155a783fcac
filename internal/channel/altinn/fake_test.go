package altinn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
	"postvakt/internal/maskinporten"
)

// specFile is the repo's copy of the published Correspondence OpenAPI
// document. It is OpenAPI 3.1.0, which kin-openapi v0.153.0 loads and
// validates with JSON Schema 2020-12 semantics, so no conversion is needed.
// Two things about it need care, both narrow:
//
//   - It is older than the service (testdata/specs/README.md: "the notes
//     here win"): its status enum lacks AttachmentsDownloaded and
//     Forwarded, and CorrespondenceDetailsExt (additionalProperties: false)
//     lacks isConfidential. patchSpec adds exactly these three things.
//   - It is generated with OpenAPI 3.0's "nullable: true" although it says
//     3.1.0; under 3.1 "nullable" is an unknown keyword, so a null would
//     fail validation. The fake therefore leaves out fields it has no value
//     for instead of sending null; nothing is patched for this.
const specFile = "../../../testdata/specs/altinn/altinn-correspondence-v1.json"

func patchSpec(doc *openapi3.T) {
	status := doc.Components.Schemas["CorrespondenceStatusExt"].Value
	status.Enum = append(status.Enum, "AttachmentsDownloaded", "Forwarded")
	details := doc.Components.Schemas["CorrespondenceDetailsExt"].Value
	details.Properties["isConfidential"] = openapi3.NewBoolSchema().NewRef()
}

const (
	resourceID = "kommune-taushetsbelagt-post"
	mpToken    = "maskinporten-token-abc123"
	orgnr      = "910753614"
)

type event struct {
	Status  string
	Changed time.Time
}

type fakeCorr struct {
	id           string
	created      time.Time
	recipient    string
	title        string
	confidential bool
	history      []event
	noTopStatus  bool   // leave the top-level status out
	top          string // force the top-level status (default: the service's rule)
}

// fakeAltinn serves the Correspondence search and details operations
// (validated against the OpenAPI document) and the token exchange.
type fakeAltinn struct {
	t    *testing.T
	spec *spectest.Spec
	srv  *httptest.Server

	mu          sync.Mutex
	corr        map[string]*fakeCorr
	searches    [][2]time.Time
	answers     []int // ids per search answer
	exchanges   int
	revoked     string    // an Authorization answered 401 (a revoked token)
	exchange401 bool      // the exchange refuses the Maskinporten token
	wantAuth    string    // the bearer every correspondence request must carry
	tokenExp    time.Time // the exp of the tokens the exchange issues (fixed: a test names them in advance)

	details        atomic.Int32
	inflight, peak atomic.Int32
	delay          time.Duration
	exclusive      bool // search bounds exclusive (the default is inclusive)
	// afterSearch, if set, is called with a search's status once it is
	// answered, with mu held: letters may move between searches.
	afterSearch func(status string)
	// override, if set, may answer a details request instead (return true).
	override func(w http.ResponseWriter, r *http.Request, n int) bool
	// hangUp, if set, closes the connection of a request it is true for
	// without an answer (a reset, a crashed pod, a proxy dropping it).
	hangUp func(r *http.Request) bool
}

func newFake(t *testing.T) *fakeAltinn {
	t.Helper()
	f := &fakeAltinn{t: t, corr: map[string]*fakeCorr{}, wantAuth: "Bearer " + mpToken,
		tokenExp: time.Now().Add(30 * time.Minute).Truncate(time.Second)}
	f.spec = spectest.Load(t, patchSpec, specFile)
	mux := http.NewServeMux()
	mux.Handle("GET "+basePath, f.spec.Handler(t, f.auth(f.search)))
	mux.Handle("GET "+basePath+"/{id}/details", f.spec.Handler(t, f.auth(f.detailsHandler)))
	mux.HandleFunc("GET /authentication/api/v1/exchange/maskinporten", f.exchange)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.hangUp != nil && f.hangUp(r) {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAltinn) add(c *fakeCorr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.recipient == "" {
		c.recipient = "urn:altinn:organization:identifier-no:" + orgnr
	}
	f.corr[strings.ToLower(c.id)] = c
}

func (f *fakeAltinn) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		want, revoked := f.wantAuth, f.revoked
		f.mu.Unlock()
		if got := r.Header.Get("Authorization"); revoked != "" && got == revoked {
			spectestSkip(w)
			w.WriteHeader(http.StatusUnauthorized) // no code 4001: the token, not the letter
			return
		} else if got != want {
			f.t.Errorf("%s: Authorization %q, want %q", r.URL.Path, got, want)
		}
		next(w, r)
	}
}

func (f *fakeAltinn) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("resourceId") != resourceID || q.Get("role") != "Sender" {
		f.t.Errorf("search query %v", q)
	}
	from, err1 := time.Parse(time.RFC3339Nano, q.Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, q.Get("to"))
	if err1 != nil || err2 != nil {
		f.t.Errorf("search window %q – %q", q.Get("from"), q.Get("to"))
	}
	f.mu.Lock()
	var hits []*fakeCorr
	for _, c := range f.corr {
		in := !c.created.Before(from) && !c.created.After(to)
		if f.exclusive {
			in = c.created.After(from) && c.created.Before(to)
		}
		if s := q.Get("status"); s != "" && detailsJSON(c)["status"] != s {
			in = false
		}
		if in {
			hits = append(hits, c)
		}
	}
	slices.SortFunc(hits, func(a, b *fakeCorr) int { return b.created.Compare(a.created) }) // newest first
	if len(hits) > MaxSearchResults {
		hits = hits[:MaxSearchResults]
	}
	ids := make([]string, len(hits))
	for i, c := range hits {
		ids[i] = c.id
	}
	if f.afterSearch != nil {
		f.afterSearch(q.Get("status"))
	}
	f.searches = append(f.searches, [2]time.Time{from, to})
	f.answers = append(f.answers, len(ids))
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"ids": ids})
}

func (f *fakeAltinn) detailsHandler(w http.ResponseWriter, r *http.Request) {
	n := int(f.details.Add(1))
	cur := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for p := f.peak.Load(); cur > p && !f.peak.CompareAndSwap(p, cur); p = f.peak.Load() {
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.override != nil && f.override(w, r, n) {
		return
	}
	f.mu.Lock()
	c, ok := f.corr[strings.ToLower(r.PathValue("id"))]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, 200, detailsJSON(c))
}

// statusNumber is CorrespondenceStatusExt's number of each status, by
// which the service ranks them.
var statusNumber = map[string]int{"Initialized": 0, "ReadyForPublish": 1, "Published": 2, "Fetched": 3, "Read": 4,
	"Replied": 5, "Confirmed": 6, "PurgedByRecipient": 7, "PurgedByAltinn": 8, "Archived": 9, "Reserved": 10,
	"Failed": 11, "AttachmentsDownloaded": 12, "Forwarded": 13}

// rank is a status's number; one the service does not have (a test's
// unknown status) ranks above all.
func rank(status string) int {
	if n, ok := statusNumber[status]; ok {
		return n
	}
	return len(statusNumber)
}

// hiddenFromSender are the statuses the service leaves out of the history
// it shows the sender (IsAvailableForSender).
var hiddenFromSender = map[string]bool{"PurgedByRecipient": true, "PurgedByAltinn": true, "Archived": true}

// detailsJSON renders a CorrespondenceDetailsExt the way the service does
// (altinn-correspondence's GetHighestStatus and IsAvailableForSender): the
// top-level status is the highest by number, not counting Fetched, and the
// history leaves out the purges and Archived.
func detailsJSON(c *fakeCorr) map[string]any {
	hist := []map[string]any{}
	var top *event
	for i, e := range c.history {
		if !hiddenFromSender[e.Status] {
			hist = append(hist, map[string]any{"status": e.Status, "statusText": "Status " + e.Status, "statusChanged": e.Changed.Format(time.RFC3339Nano)})
		}
		if e.Status != "Fetched" && (top == nil || rank(e.Status) >= rank(top.Status)) {
			top = &c.history[i]
		}
	}
	d := map[string]any{
		"correspondenceId":     c.id,
		"resourceId":           resourceID,
		"sender":               "urn:altinn:organization:identifier-no:991825827",
		"sendersReference":     "sak-2025/" + c.id[:8],
		"recipient":            c.recipient,
		"created":              c.created.Format(time.RFC3339Nano),
		"isConfirmationNeeded": false,
		"isConfidential":       c.confidential,
		"content": map[string]any{"language": "nb", "messageTitle": c.title, "messageSummary": "Sammendrag",
			"messageBody": "# Vedtak", "attachments": []any{}},
		"statusHistory": hist,
	}
	if c.top != "" {
		for i := range c.history {
			if c.history[i].Status == c.top {
				top = &c.history[i]
			}
		}
	}
	if top != nil && !c.noTopStatus {
		d["status"], d["statusText"], d["statusChanged"] = top.Status, "Status "+top.Status, top.Changed.Format(time.RFC3339Nano)
	}
	return d
}

// altinnToken returns an unsigned JWT-shaped Altinn token expiring at exp.
func altinnToken(n int, exp time.Time) string {
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(map[string]any{"exp": exp.Unix(), "n": n})
	return enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".c2lnbg"
}

func (f *fakeAltinn) exchange(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.exchanges++
	n, refuse := f.exchanges, f.exchange401
	f.mu.Unlock()
	if refuse {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer maskinporten-token") {
		f.t.Errorf("exchange without the Maskinporten bearer: %q", r.Header.Get("Authorization"))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, f.token(n))
}

// token is the n-th token the exchange issues.
func (f *fakeAltinn) token(n int) string { return altinnToken(n, f.tokenExp) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// mutableToken is a TokenSource whose token a test can change.
type mutableToken struct {
	mu  sync.Mutex
	tok string
}

func (m *mutableToken) Token(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok, nil
}

func (m *mutableToken) set(tok string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = tok
}

type setup struct {
	cfg      Config
	exchange bool // exchange the tokens at the fake's Altinn Authentication
	tokens   TokenSource
	logger   *slog.Logger
	clock    httpclient.Clock
	now      func() time.Time // the exchanger's clock; nil: time.Now
	timeout  time.Duration
	retries  int
	breaker  int           // httpclient.Options.BreakerThreshold (0: its default)
	cooldown time.Duration // httpclient.Options.BreakerCooldown
}

func newAdapter(t *testing.T, f *fakeAltinn, s setup) *Client {
	t.Helper()
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.tokens == nil {
		s.tokens = &mutableToken{tok: mpToken}
	}
	cfg := s.cfg
	cfg.BaseURL, cfg.ResourceID, cfg.Logger = f.srv.URL, resourceID, s.logger
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: cfg.BaseURL, Logger: s.logger, Clock: s.clock,
		Timeout: s.timeout, MaxRetries: s.retries, BackoffBase: time.Millisecond, MaxConcurrent: 64,
		BreakerThreshold: s.breaker, BreakerCooldown: s.cooldown})
	if err != nil {
		t.Fatal(err)
	}
	var tokens TokenSource = s.tokens
	if s.exchange {
		tokens = maskinporten.NewExchanger(f.srv.URL, hc, s.tokens, s.now)
	}
	c, err := New(cfg, hc, tokens)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uuid returns a deterministic UUID for test correspondence n.
func uuid(n int) string { return fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", n) }
