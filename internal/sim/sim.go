package sim

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Options configures a simulator beyond its scenario: credentials it expects
// and operational knobs. Empty credentials are derived from the seed, so the
// same seed gives the same credentials; Run prints them.
type Options struct {
	// KontoID is the SvarUt account (kontoId) the v2 status search accepts.
	KontoID string
	// IntegrasjonID and IntegrasjonPassord are the SvarUt v2 headers
	// IntegrasjonId and IntegrasjonPassord the simulator expects.
	IntegrasjonID      string
	IntegrasjonPassord string
	// SvarUtUser and SvarUtPassword are the HTTP Basic credentials of the
	// SvarUt v1 API (avsender name and password).
	SvarUtUser     string
	SvarUtPassword string
	// ClientID is the Maskinporten client id expected as the grant's iss;
	// empty: any non-empty iss.
	ClientID string
	// Audience is the expected aud of the grant; empty: any non-empty aud.
	Audience string
	// KeyID is the id of the client's key: with ClientPublicKeyPEM, a
	// grant's header must name it as kid (or carry the certificate, x5c),
	// as Maskinporten requires. Default: derived from the seed.
	KeyID string
	// ClientPublicKeyPEM is the client's RSA public key (PEM, PKIX or
	// PKCS#1). When set, grants must be RS256-signed with the matching key;
	// otherwise only the claims are checked.
	ClientPublicKeyPEM []byte
	// TokenTTL is the lifetime of issued access tokens, measured on the real
	// clock (the client measures it so too). Default 120s, as Maskinporten.
	TokenTTL time.Duration
	// RequireScopes makes the APIs answer 403 when the token's scopes fail
	// the real service's policy: ks:fiks for SvarUt; for Altinn each API's
	// own (altinnAuthorised: Correspondence altinn:correspondence.write, a
	// Maskinporten token also altinn:serviceowner, or
	// altinn:correspondence.read; Notifications
	// altinn:serviceowner/notifications.create; Profile
	// altinn:profile/correspondence.notificationsettings.read), 403 without
	// a body as ASP.NET's Forbid. Default off: any valid token of a kind
	// the API takes is accepted (Notifications and Profile take Altinn
	// tokens only, with or without it; postvakt sim, and so make run, turns
	// it on).
	RequireScopes bool
	// ResourceID is the Altinn resource the simulated correspondences belong
	// to (default "sim-taushetsbelagt-post").
	ResourceID string
	// DigitalPostSystemID and DigitalPostAPIToken are the Basic credentials
	// (systemId:apiToken) the Digital Post event log expects.
	DigitalPostSystemID string
	DigitalPostAPIToken string
	// CVRUser and CVRPassword are the HTTP Basic credentials of the CVR
	// search (System-til-system adgang).
	CVRUser     string
	CVRPassword string
	// PrintAPIKey, when set, is required as "Authorization: Bearer <key>" by
	// the print API.
	PrintAPIKey string
	// MaxRequestLog bounds the request log (default 100000 records; the
	// oldest are dropped).
	MaxRequestLog int
	// NoFaults switches fault injection off whatever the scenario says.
	NoFaults bool
	// Sleep waits for slow responses; nil waits on a real timer. Tests may
	// replace it.
	Sleep func(ctx context.Context, d time.Duration)
	// Logger receives the simulator's logs (default slog.Default()).
	Logger *slog.Logger
	// Start, when set, is the time the scenario's relative times (its
	// sent_from and sent_to, incidents, faults) count from, and the clock
	// is left as it is: a clock behind it sends the letters between while
	// it catches up (RunWith's Behind). Zero: the scenario's start, else
	// the clock's time at New.
	Start time.Time
}

// Sim is a running simulated world with its HTTP servers.
type Sim struct {
	sc      *Scenario
	seed    int64
	opts    Options
	clock   *simClock
	start   time.Time
	w       *world
	dp      *dpWorld // nil when the scenario has no Danish letters
	log     *requestLog
	tokens  *tokenStore
	prints  *printStore
	notes   *notifyStore
	faults  *faultInjector
	pubKey  *rsa.PublicKey
	logger  *slog.Logger
	handler http.Handler

	tokenRequests atomic.Int64
}

// New generates the scenario's world from the seed and returns a simulator
// whose time is the clock's time plus an offset that puts it at the
// scenario's start (or, without a start, at the clock's time). With
// opts.Start the world starts there and the clock is not moved.
func New(sc *Scenario, seed int64, clock Clock, opts Options) (*Sim, error) {
	if sc == nil {
		return nil, fmt.Errorf("new simulator: no scenario")
	}
	if clock == nil {
		clock = NewSpeedClock(sc.Speed)
	}
	now := clock.Now()
	start := now.Truncate(time.Second)
	if sc.Start.set {
		start = sc.Start.resolve(now)
	}
	offset := start.Sub(now)
	if !opts.Start.IsZero() {
		start, offset = opts.Start, 0
	}
	s := &Sim{sc: sc, seed: seed, opts: opts, start: start}
	s.clock = &simClock{base: clock, offset: offset}
	s.fillOptions()
	if len(opts.ClientPublicKeyPEM) > 0 {
		key, err := jwt.ParseRSAPublicKeyFromPEM(opts.ClientPublicKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("new simulator: read client public key: %w", err)
		}
		s.pubKey = key
	}
	w, err := generate(sc, seed, start)
	if err != nil {
		return nil, fmt.Errorf("new simulator for scenario %s: %w", sc.Name, err)
	}
	s.w = w
	if sc.DigitalPost != nil {
		if s.dp, err = genDigitalPost(sc.DigitalPost, seed, start); err != nil {
			return nil, fmt.Errorf("new simulator for scenario %s: %w", sc.Name, err)
		}
		// The CVR knows the Danish letters' sender and receiving companies.
		w.addCVR(sc.DigitalPost.Sender.CVR, sc.DigitalPost.Sender.Name, false)
		for _, l := range s.dp.letters {
			if l.kind == "org" {
				w.addCVR(l.recipientID, danishCompanyName(l.recipientID), false)
			}
		}
	}
	s.log = newRequestLog(s.opts.MaxRequestLog)
	s.tokens = newTokenStore()
	s.prints = newPrintStore()
	s.notes = newNotifyStore()
	s.faults = newFaultInjector(sc, seed, start, s.opts.NoFaults)
	s.handler = s.routes()
	s.logger.Info("simulator ready", "scenario", sc.Name, "seed", seed, "start", start.Format(time.RFC3339),
		"shipments", len(w.shipments), "organisations", len(w.orgs), "danish_letters", s.danishLetters())
	return s, nil
}

func (s *Sim) fillOptions() {
	o := &s.opts
	r := derivedRand(s.seed, "credentials")
	konto, integ, pass, user, bpass, client := newUUID(r), newUUID(r), newUUID(r), newUUID(r), newUUID(r), newUUID(r)
	dpr := derivedRand(s.seed, "credentials", "digitalpost")
	dpSystem, dpToken := newUUID(dpr), newUUID(dpr)
	if o.KontoID == "" {
		o.KontoID = konto
	}
	if o.IntegrasjonID == "" {
		o.IntegrasjonID = integ
	}
	if o.IntegrasjonPassord == "" {
		o.IntegrasjonPassord = strings.ReplaceAll(pass, "-", "")
	}
	if o.SvarUtUser == "" {
		o.SvarUtUser = "sim-avsender-" + user[:8]
	}
	if o.SvarUtPassword == "" {
		o.SvarUtPassword = strings.ReplaceAll(bpass, "-", "")
	}
	if o.ClientID == "" {
		o.ClientID = client
	}
	if o.KeyID == "" {
		o.KeyID = "sim-key-" + client[:8]
	}
	if o.DigitalPostSystemID == "" {
		o.DigitalPostSystemID = dpSystem
	}
	if o.DigitalPostAPIToken == "" {
		o.DigitalPostAPIToken = strings.ReplaceAll(dpToken, "-", "")
	}
	cr := derivedRand(s.seed, "credentials", "cvr")
	cvrUser, cvrPass := newUUID(cr), newUUID(cr)
	if o.CVRUser == "" {
		o.CVRUser = "sim_cvr_" + cvrUser[:8]
	}
	if o.CVRPassword == "" {
		o.CVRPassword = cvrPass
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 120 * time.Second
	}
	if o.ResourceID == "" {
		o.ResourceID = "sim-taushetsbelagt-post"
	}
	if o.MaxRequestLog <= 0 {
		o.MaxRequestLog = 100000
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
		}
	}
	s.logger = o.Logger
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.logger = s.logger.With("component", "sim")
}

// Handler returns the simulator's HTTP handler: every API and /sim/.
func (s *Sim) Handler() http.Handler { return s.handler }

// Now returns the simulated time.
func (s *Sim) Now() time.Time { return s.clock.now() }

// SetNow puts the simulated time at t.
func (s *Sim) SetNow(t time.Time) { s.clock.set(t) }

// Advance moves the simulated time by d.
func (s *Sim) Advance(d time.Duration) { s.clock.advance(d) }

// Start returns the simulated time the scenario started at.
func (s *Sim) Start() time.Time { return s.start }

// Scenario returns the scenario the simulator runs.
func (s *Sim) Scenario() *Scenario { return s.sc }

// Options returns the options in force, with derived credentials filled in.
func (s *Sim) Options() Options { return s.opts }

// danishLetters is the number of Danish letters (0 without Digital Post).
func (s *Sim) danishLetters() int {
	if s.dp == nil {
		return 0
	}
	return len(s.dp.letters)
}

// TokenRequests returns how many requests reached the token endpoint.
func (s *Sim) TokenRequests() int64 { return s.tokenRequests.Load() }

// routes builds the mux with every endpoint.
func (s *Sim) routes() http.Handler {
	mux := http.NewServeMux()
	s.svarutRoutes(mux)
	s.altinnRoutes(mux)
	s.tokenRoutes(mux)
	s.registerRoutes(mux)
	s.cvrRoutes(mux)
	s.printRoutes(mux)
	s.notifyRoutes(mux)
	s.digitalPostRoutes(mux)
	s.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "no such endpoint in the simulator")
	})
	return s.middleware(mux)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	writeJSONBody(w, v)
}

// writeJSONRaw answers with v as JSON in which the invalid-UTF-8 mark
// (see poisonedText) is replaced by raw invalid bytes.
func writeJSONRaw(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	writeJSONBody(&buf, v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(withRawBytes(buf.Bytes()))
}

// writeJSONBody writes v as JSON without touching the headers.
func writeJSONBody(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// errorBody is a Spring-style error, the shape SvarUt's ErrorMessage has;
// the other simulated services answer the same shape.
type errorBody struct {
	Timestamp int64  `json:"timestamp"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
	Message   string `json:"message"`
	Path      string `json:"path"`
}

// writeError answers status with a JSON error body.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, errorBody{
		Timestamp: time.Now().UnixMilli(), Status: status, Error: http.StatusText(status), Message: msg, Path: r.URL.Path,
	})
}

// decodeBody reads a JSON request body into v.
func decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("request body is not the expected JSON: %w", err)
	}
	return nil
}
