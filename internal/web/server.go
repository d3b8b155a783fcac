// Package web is postvakt's HTTP face: the JSON API under /api/v1, the
// server-rendered compliance UI (html/template, embedded), exports and the
// health check. It reads and writes only through the store; every view of
// personal data is written to the audit log.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/escalate"
	"postvakt/internal/model"
	"postvakt/internal/outage"
	"postvakt/internal/policy"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// ShipmentStore registers and reads shipments.
type ShipmentStore interface {
	Ping(ctx context.Context) error
	Writable(ctx context.Context) error
	Register(ctx context.Context, items []model.NewShipment, source, actor string) ([]store.Shipment, int, error)
	RegisterChecked(ctx context.Context, items []model.NewShipment, source, actor string, unit bool) ([]store.Shipment, int, store.RegisterNotes, error)
	ShipmentFacts(ctx context.Context, id string, scope store.Scope) (*store.Shipment, error)
	ShipmentEvidence(ctx context.Context, id string) (*store.Shipment, error)
	EventsBefore(ctx context.Context, shipmentID, cursor string, limit int) (*store.EventPage, error)
	ProofEvents(ctx context.Context, shipmentID string) ([]store.Event, error)
	OpenShipmentByID(ctx context.Context, id string) (*store.OpenShipment, error)
	OpenShipmentsByIDs(ctx context.Context, ids []string) (map[string]store.OpenShipment, error)
	Shipments(ctx context.Context, f store.ListFilter) (*store.Page, error)
	// BeginRegistration opens the CSV import's transaction
	// (importer.Registrar).
	BeginRegistration(ctx context.Context) (*store.Registration, error)
}

// AccessStore looks up who a request acts as.
type AccessStore interface {
	TokenBySecret(ctx context.Context, secret string) (*store.Token, error)
	UserByName(ctx context.Context, name string) (*store.User, error)
	UserNameTaken(ctx context.Context, name string) (bool, error)
	CreateSession(ctx context.Context, hash []byte, userID int64, csrf string, created, expires time.Time) error
	SessionByHash(ctx context.Context, hash []byte, now time.Time) (*store.Session, error)
	ExtendSession(ctx context.Context, hash []byte, now, until time.Time) (time.Time, error)
	DeleteSession(ctx context.Context, hash []byte) error
}

// AuditStore keeps the audit log.
type AuditStore interface {
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, f store.AuditFilter) (*store.AuditPage, error)
	AuditActors(ctx context.Context, senderOrg string) ([]string, error)
	AuditLetterObjects(ctx context.Context, senderOrg, letter string) ([]string, error)
	AuditPersonObjects(ctx context.Context, senderOrg, masked string, rid int64) ([]string, error)
}

// ListStore serves the compliance lists.
type ListStore interface {
	ListShipments(ctx context.Context, f store.ListFilter) (*store.ListPage, error)
	EachShipment(ctx context.Context, f store.ListFilter, fn func(*store.ListRow) error) error
	EachShipmentFacts(ctx context.Context, f store.ListFilter, fn func(*store.ListRow, *store.OpenShipment) error) error
	Summarise(ctx context.Context, f store.ListFilter, by store.GroupBy, offset, limit int) (*store.ListSummary, error)
	SummariseOrgs(ctx context.Context, f store.ListFilter, offset, limit int) (*store.ListSummary, int, error)
	PrintBatches(ctx context.Context, scope store.Scope, now time.Time) ([]store.PrintBatch, error)
	ManualQueue(ctx context.Context, scope store.Scope, limit int) ([]store.ManualItem, error)
	ManualDetailOf(ctx context.Context, shipmentID string) (*store.ManualDetail, error)
	RefusedOrdersIn(ctx context.Context, scope store.Scope, limit int) (*store.RefusedOrderList, error)
	RecipientInScope(ctx context.Context, ident string, scope store.Scope) (int64, error)
	RecipientByRow(ctx context.Context, rid int64, scope store.Scope) (store.Recipient, string, error)
	ListOrgs(ctx context.Context, f store.ListFilter) ([]string, error)
	RecipientReminders(ctx context.Context, rid int64, scope store.Scope, limit int) ([]store.OrgReminder, error)
}

// FollowUpStore keeps the sending units' follow-up decisions.
type FollowUpStore interface {
	FollowUp(ctx context.Context, shipmentID string, scope store.Scope) (*store.FollowUp, error)
	ResentFrom(ctx context.Context, id string, scope store.Scope) (string, error)
	FollowUpsPage(ctx context.Context, scope store.Scope, all bool, cursor string, limit int) (*store.FollowUpPage, error)
	RecordFollowUp(ctx context.Context, d store.FollowUpDecision) error
}

// CockpitStore serves the overview, the print batches' letters, what an
// officer settles, and organisation names.
type CockpitStore interface {
	UnopenedByDay(ctx context.Context, scope store.Scope) ([]store.UnopenedDay, *time.Time, error)
	Weeks(ctx context.Context, scope store.Scope, since time.Time) ([]store.Week, *time.Time, error)
	Activity(ctx context.Context, scope store.Scope, from, now time.Time) (*store.Activity, error)
	SenderOrgName(ctx context.Context, orgnr string) (string, error)
	PrintBatchLetters(ctx context.Context, id int64, scope store.Scope) ([]store.BatchLetter, error)
	ResolveManual(ctx context.Context, shipmentID string, scope store.Scope, resolution, note, actor string, now time.Time) error
	NotificationsToSettle(ctx context.Context, scope store.Scope, only store.SettleFilter, limit int) ([]store.SettleNotification, error)
	ReleaseNotification(ctx context.Context, id int64, now time.Time) error
	ConfirmNotificationSent(ctx context.Context, id int64, messageID string, now time.Time) error
	AddContact(ctx context.Context, org, email string) error
	ContactEmailsOf(ctx context.Context, orgs []string) (map[string][]string, error)
}

// AdminStore keeps users and API tokens.
type AdminStore interface {
	Users(ctx context.Context, now time.Time) ([]store.UserRow, error)
	UserByID(ctx context.Context, id int64) (*store.UserRow, error)
	CreateUserAudited(ctx context.Context, u store.User, e *store.AuditEntry) (int64, error)
	SetUserAccessAudited(ctx context.Context, id int64, role, org, unit, email string, es []store.AuditEntry) error
	SetUserDisabledAudited(ctx context.Context, id int64, disabled bool, now time.Time, e *store.AuditEntry) (bool, error)
	SetUserPasswordAudited(ctx context.Context, id int64, hash string, e *store.AuditEntry) error
	SetUserLangAudited(ctx context.Context, id int64, lang string, e *store.AuditEntry) error
	Tokens(ctx context.Context) ([]store.TokenRow, error)
	TokenByID(ctx context.Context, id int64) (*store.TokenRow, error)
	CreateTokenAudited(ctx context.Context, t store.Token, audit func(id int64) store.AuditEntry) (int64, string, error)
	RevokeTokenAudited(ctx context.Context, id int64, now time.Time, e *store.AuditEntry) error
}

// Store is everything the web layer needs from storage.
type Store interface {
	ShipmentStore
	AccessStore
	AuditStore
	ListStore
	FollowUpStore
	CockpitStore
	AdminStore
	UnitStore
	HealthStore
}

// PrintApprovals releases or rejects a held print batch. It belongs to the
// print fallback (internal/printing), which knows what a release sets in
// motion (orders into the outbox); the UI only asks. Without one the print
// page lists the batches but offers no buttons.
//
// seen is what the officer saw: their scope and the batch's prints as the
// page listed them. A batch that no longer matches it (prints added or
// removed meanwhile, or any print outside the scope) must be left as it is,
// with an error wrapping store.ErrBatchChanged, checked under the batch's
// lock (store.ReleasePrintBatchSeen).
type PrintApprovals interface {
	ReleaseBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error)
	RejectBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error)
}

// Option configures a Server.
type Option func(*Server)

// WithSecureCookies marks the session cookie Secure even when the request
// did not arrive over TLS (postvakt behind a TLS-terminating proxy).
func WithSecureCookies(on bool) Option { return func(s *Server) { s.secureCookies = on } }

// WithPrintApprovals lets compliance officers release and reject print
// batches from the UI.
func WithPrintApprovals(p PrintApprovals) Option { return func(s *Server) { s.print = p } }

// WithChannels names the channels this deployment uses (those configured):
// the UI offers only them, in its filters and as a resend's channel.
// Without it (or with none) it offers every registered channel.
func WithChannels(names []string) Option {
	return func(s *Server) { s.channels = slices.Clone(names) }
}

// WithNotificationOrders says whether reminders are also ordered through
// Altinn Notifications (POSTVAKT_NOTIFICATIONS_URL), or were until orders
// Altinn refused are still listed: without them the menu leaves out that
// list (/refused, which stays where it is), a page about Altinn a Digital
// Post deployment never fills. Without the option the menu has it.
func WithNotificationOrders(on bool) Option { return func(s *Server) { s.noOrders = !on } }

// WithFollowUpDays sets the deadline given to a follow-up that is first
// recorded from the UI (default 10 days).
func WithFollowUpDays(days int) Option { return func(s *Server) { s.followUpDays = days } }

// WithPreview lets the UI show what the next escalation run would do
// (/preview).
func WithPreview(p Previewer) Option {
	return func(s *Server) { s.preview = &sharedPreview{p: p} }
}

// WithEscalationRuns tells the UI when the escalation runs (serve's
// schedule of it, under its policies' send windows): /reminders says when
// a reminder that waits for the next run goes out. Without it (a process
// that does not schedule the escalation) the page names no time.
func WithEscalationRuns(r *escalate.Runs) Option { return func(s *Server) { s.runs = r } }

// WithLiveness makes /healthz answer 503 while l reports the process's
// background loops stalled (serve's job scheduler).
func WithLiveness(l Liveness) Option { return func(s *Server) { s.liveness = l } }

// WithStopping makes /readyz answer 503 {"status":"stopping"} once
// stopping is closed (serve's first SIGTERM): a load balancer takes the
// replica out of rotation while it drains, before its listener closes.
// The other routes answer as before until the server shuts down.
func WithStopping(stopping <-chan struct{}) Option { return func(s *Server) { s.stopping = stopping } }

// WithSessionTTL sets how long a login lasts, from the login or from its
// last "stay signed in" (default 8 hours; session_extend.go).
func WithSessionTTL(d time.Duration) Option { return func(s *Server) { s.sessionTTL = d } }

// WithMaxXLSXRows bounds the rows an XLSX export may hold (default
// report.MaxXLSXRows, the most a workbook built in memory should); a
// larger one is refused before anything is sent. Tests lower it.
func WithMaxXLSXRows(n int) Option { return func(s *Server) { s.xlsxRows = n } }

// Server serves the API and the UI.
type Server struct {
	store         Store
	log           *slog.Logger
	now           func() time.Time
	mux           *http.ServeMux
	pages         pages
	print         PrintApprovals
	channels      []string // WithChannels; nil = every registered channel
	noOrders      bool     // WithNotificationOrders(false): no Altinn Notifications orders are placed
	alerts        AlertSource
	preview       Previewer
	runs          *escalate.Runs // WithEscalationRuns; nil: not known
	policies      *policy.Set    // WithPolicies; nil: letters' outlooks are not shown
	healthRules   *policy.Health // WithHealthRules; nil: GET /rules does not know them
	secureCookies bool
	followUpDays  int
	sessionTTL    time.Duration
	xlsxRows      int // WithMaxXLSXRows
	throttle      *loginThrottle
	known         knownCredentials // confirmed credentials, for while the database gives no answer
	liveness      Liveness         // WithLiveness; nil: /healthz is 200 while HTTP is served
	readyLog      *outage.Log      // what /readyz found, logged once per outage
	stopping      <-chan struct{}  // WithStopping; nil: /readyz never says stopping
}

// New returns a server over st. now is the clock (validating sent times,
// ages, session expiry); nil means time.Now.
func New(st Store, log *slog.Logger, now func() time.Time, opts ...Option) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{store: st, log: log, now: now, mux: http.NewServeMux(), pages: loadPages(),
		followUpDays: 10, sessionTTL: 8 * time.Hour, xlsxRows: report.MaxXLSXRows, throttle: newLoginThrottle(),
		readyLog: outage.New("readiness: ready again", "not_ready_for", "failed_probes")}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.health)
	m.HandleFunc("GET /readyz", s.ready)

	m.Handle("POST /api/v1/shipments", s.api(s.register, auth.ViewShipments))
	m.Handle("GET /api/v1/shipments", s.api(s.listShipments, auth.ViewShipments))
	m.Handle("GET /api/v1/shipments/{id}", s.api(s.getShipment, auth.ViewShipments))
	m.Handle("GET /api/v1/shipments/{id}/followup", s.api(s.apiFollowUp, auth.ViewShipments))
	m.Handle("POST /api/v1/shipments/{id}/followup", s.api(s.apiRecordFollowUp, auth.RecordFollowUp))
	m.Handle("GET /api/v1/followups", s.api(s.apiFollowUps, auth.ViewShipments))
	m.Handle("GET /api/v1/audit", s.api(s.apiAudit, auth.ViewAudit))
	m.Handle("GET /api/v1/summary", s.api(s.apiSummary, auth.ViewShipments))
	m.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	m.Handle("GET /api/v1/alerts", s.api(s.apiAlerts, auth.ViewAlerts))
	m.Handle("GET /api/v1/incidents/report", s.api(s.incidentExport, auth.ViewShipments))
	m.Handle("/api/", s.api(s.noSuchEndpoint, ""))

	m.Handle("GET /static/", noListing(http.FileServerFS(staticFS)))
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.Handle("POST /logout", s.ui(s.logout, ""))
	m.Handle("POST /session/extend", s.ui(s.extendSession, ""))
	m.Handle("GET /{$}", s.ui(s.home, ""))
	m.HandleFunc("/", s.noSuchPage)
	m.Handle("GET /unopened", s.ui(s.summaryPage(store.ByRecipient), auth.ViewShipments))
	m.Handle("GET /units", s.ui(s.summaryPage(store.ByUnit), auth.ViewShipments))
	m.Handle("GET /list", s.ui(s.listPage, auth.ViewShipments))
	m.Handle("GET /search", s.ui(s.searchPage, auth.ViewShipments))
	m.Handle("POST /search", s.ui(s.search, auth.ViewShipments))
	m.Handle("GET /export", s.ui(s.export, auth.ViewShipments))
	m.Handle("GET /shipments/{id}", s.ui(s.evidencePage, auth.ViewShipments))
	m.Handle("GET /shipments/{id}/evidence.json", s.ui(s.evidenceJSON, auth.ViewShipments))
	m.Handle("POST /shipments/{id}/followup", s.ui(s.recordFollowUp, auth.RecordFollowUp))
	m.Handle("GET /followups", s.ui(s.followUpsPage, auth.ViewShipments))
	m.Handle("GET /followups/export", s.ui(s.followUpsExport, auth.ViewShipments))
	m.Handle("GET /print", s.ui(s.printPage, auth.ApprovePrint))
	m.Handle("GET /print/{id}", s.ui(s.printBatchPage, auth.ApprovePrint))
	m.Handle("POST /print/{id}/{action}", s.ui(s.printDecision, auth.ApprovePrint))
	m.Handle("GET /manual", s.ui(s.manualPage, auth.ViewShipments))
	m.Handle("POST /manual/{id}/resolve", s.ui(s.resolveManual, auth.ResolveManual))
	m.Handle("GET /refused", s.ui(s.refusedPage, auth.ViewShipments))
	m.Handle("GET /reminders", s.ui(s.remindersPage, auth.Settle))
	m.Handle("POST /reminders/{id}/{action}", s.ui(s.settleReminder, auth.Settle))
	m.Handle("POST /contacts", s.ui(s.addContact, auth.Settle))
	m.Handle("GET /audit", s.ui(s.auditPage, auth.ViewAudit))
	m.Handle("POST /audit", s.ui(s.auditSearch, auth.ViewAudit))
	m.Handle("GET /audit/export", s.ui(s.auditExport, auth.ViewAudit))
	m.Handle("GET /ops", s.ui(s.operationsPage, auth.ViewOperations))
	m.Handle("GET /rules", s.ui(s.rulesPage, auth.ViewRules))
	m.Handle("GET /alerts", s.ui(s.alertsPage, auth.ViewAlerts))
	m.Handle("GET /alerts/{id}", s.ui(s.alertPage, auth.ViewAlerts))
	m.Handle("GET /incidents", s.ui(s.incidentPage, auth.ViewShipments))
	m.Handle("GET /incidents/export", s.ui(s.incidentExport, auth.ViewShipments))
	m.Handle("POST /incidents/followups", s.ui(s.incidentFollowUps, auth.RecordFollowUp))
	m.Handle("GET /admin/users", s.ui(s.usersPage, auth.ManageUsers))
	m.Handle("POST /admin/users", s.ui(s.createUser, auth.ManageUsers))
	m.Handle("POST /admin/users/{id}/{action}", s.ui(s.userAction, auth.ManageUsers))
	m.Handle("GET /admin/tokens", s.ui(s.tokensPage, auth.ManageUsers))
	m.Handle("POST /admin/tokens", s.ui(s.createToken, auth.ManageUsers))
	m.Handle("POST /admin/tokens/{id}/revoke", s.ui(s.revokeToken, auth.ManageUsers))
	m.Handle("GET /settings", s.ui(s.settingsPage, ""))
	m.Handle("POST /settings", s.ui(s.saveSettings, ""))
	m.Handle("GET /preview", s.ui(s.previewPage, auth.ViewShipments))
	m.Handle("GET /import", s.ui(s.importPage, auth.ImportLetters))
	m.Handle("POST /import", s.ui(s.importLetters, auth.ImportLetters))
	m.Handle("GET /admin/units", s.ui(s.unitsPage, auth.ManageUsers))
	m.Handle("POST /admin/units/import", s.ui(s.importUnits, auth.ManageUsers))
	m.Handle("POST /admin/units/{id}", s.ui(s.setUnit, auth.ManageUsers))
}

// Protect wraps h so that only principals (bearer token or session) whose
// role grants perm, and who see every sender organisation, reach it: for
// handlers served beside this server, such as /metrics (auth.ViewOperations;
// its health alert metrics name every organisation's units). Without
// credentials: 401; with a role lacking perm, or scoped to an organisation:
// 403, logged and audited. Its answers carry the pages' security headers
// (securityHeaders).
func (s *Server) Protect(h http.Handler, perm auth.Permission) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header()) // served beside ServeHTTP, which sets them for the pages
		rq, err := s.identify(r)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, errNoCredentials) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postvakt"`)
			writeError(w, http.StatusUnauthorized, "a bearer token (or a session) is required")
			return
		}
		if err != nil {
			s.internalError(w, r, "authenticate", err)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, rq)
		if !rq.Can(perm) {
			s.forbidden(ctx, r, "role "+rq.Role+" lacks "+string(perm))
			writeError(w, http.StatusForbidden, "role "+rq.Role+" may not do this")
			return
		}
		if rq.SenderOrg != "" {
			s.forbidden(ctx, r, "scoped to one sender organisation")
			writeError(w, http.StatusForbidden, "this covers every sender organisation: use an unscoped token")
			return
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ServeHTTP logs every request (method, path, status, duration; never the
// query, which may carry a person id) and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	securityHeaders(rec.Header())
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		// url.Values drops a pair it cannot decode (a stray %, a
		// semicolon) without a word: the filter it carried would be gone,
		// and the whole list answered as if filtered.
		msg := "the query cannot be read: " + strings.TrimPrefix(err.Error(), "invalid URL escape ") + " (write % as %25)"
		var esc url.EscapeError
		switch {
		case isAPI(r):
			writeError(rec, http.StatusBadRequest, msg)
		case errors.As(err, &esc):
			s.badQuery(rec, r, "err.query_escape", "Value", strconv.Quote(string(esc)))
		default: // the only other: a semicolon between parameters
			s.badQuery(rec, r, "err.query_separator")
		}
	} else if name, ok := textQuery(r.URL.Query()); !ok {
		// No handler sees a query PostgreSQL cannot store or compare (a
		// NUL, bytes that are not UTF-8): its audit entry or its filter
		// would fail as a 500.
		if isAPI(r) {
			writeError(rec, http.StatusBadRequest, "query parameter "+strconv.QuoteToASCII(name)+" is not text (a NUL, or bytes that are not UTF-8)")
		} else {
			s.badQuery(rec, r, "err.query_not_text", "Name", strconv.QuoteToASCII(name))
		}
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	level := slog.LevelInfo
	switch {
	case (r.URL.Path == "/healthz" || r.URL.Path == "/readyz") && rec.status < 400:
		level = slog.LevelDebug // a probe every few seconds: its failures are what tell
	case r.URL.Path == "/readyz" && rec.status == http.StatusServiceUnavailable:
		// Its own answer: the readiness check logs what it found once per
		// outage (readyLog); a line per probe would flood the log.
		level = slog.LevelDebug
	}
	s.log.Log(r.Context(), level, "http request", "method", r.Method, "path", shownPath(r), "status", rec.status,
		"duration_ms", time.Since(start).Milliseconds())
}

// securityHeaders are the headers every answer carries, a page's and a
// handler's served beside this server (Protect: /metrics) alike: no
// sniffing a type, no framing, no referrer, no script.
func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
}

// shownPath is the request's path for the log and the audit, with any
// national id in it masked (a caller may put one where an id belongs). A
// path that is not text (%00, %ff: a NUL, bytes that are not UTF-8) is
// shown as it was sent, escaped: PostgreSQL stores neither, and a refusal
// whose audit entry held them would go unaudited.
func shownPath(r *http.Request) string {
	p := r.URL.Path
	if !store.IsText(p) {
		p = r.URL.EscapedPath()
	}
	return string(model.MaskNationalIDsIn([]byte(p)))
}

// textQuery reports whether every name and value of q is text: valid
// UTF-8 without a NUL. When not, it returns the first name that is not.
func textQuery(q url.Values) (string, bool) {
	for name, vs := range q {
		if !store.IsText(name) {
			return name, false
		}
		for _, v := range vs {
			if !store.IsText(v) {
				return name, false
			}
		}
	}
	return "", true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // letters' titles, person ids
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// byPathID loads what the path's {id} names with get. It answers 404 with
// notFound when the id is malformed or names nothing, 500 (logging what
// failed) when the look-up fails, and then returns ok false.
func byPathID[T any](s *Server, w http.ResponseWriter, r *http.Request, notFound, what string,
	get func(context.Context, int64) (T, error)) (v T, id int64, ok bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, notFound)
		return v, 0, false
	}
	v, err = get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, notFound)
		return v, 0, false
	}
	if err != nil {
		s.internalError(w, r, what, err)
		return v, 0, false
	}
	return v, id, true
}

// isAPI says whether r is the API's (its paths begin /api/): its answers,
// errors too, are JSON for programs; the UI's are pages for people. The
// one place this is decided.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// internalError logs err and answers 500 without detail: the API's JSON,
// or to the UI's reader the error page in their language. A statement the
// database ended for running past the requests' statement timeout
// (store.TooLong; store.Interactive) is a 503 that says so and what to do:
// the error page in the reader's language, or the API's JSON. A request
// whose client went away is answered nothing.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
		return
	}
	if store.TooLong(err) {
		s.log.Error(what+": the database ended a statement that ran too long", "error", err, "path", shownPath(r))
		w.Header().Set("Retry-After", "60")
		if isAPI(r) {
			writeError(w, http.StatusServiceUnavailable, "the database took too long with this request and stopped it "+
				"(the statement timeout, POSTVAKT_STATEMENT_TIMEOUT); try again, or narrow it down (a shorter period, one unit, a smaller limit)")
			return
		}
		s.renderError(w, r, http.StatusServiceUnavailable, "err.db_too_long")
		return
	}
	s.log.Error(what, "error", err)
	if isAPI(r) {
		writeError(w, http.StatusInternalServerError, "internal error; see the server log")
		return
	}
	s.renderError(w, r, http.StatusInternalServerError, "err.internal")
}

// renderFailed answers a page that could not be rendered: logged with key
// error, 500 in plain words (internalError's error page is a page too: its
// own failure must not render it again).
func (s *Server) renderFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
		return
	}
	s.log.Error(what, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error; see the server log")
}

// noSuchEndpoint answers an API request no route takes: 405 with the
// methods the path takes (Allow) when it names an endpoint (PUT or DELETE
// on /api/v1/shipments), else 404; so that a client using the wrong
// method is not told the endpoint does not exist.
func (s *Server) noSuchEndpoint(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method {
			continue
		}
		other := r.Clone(r.Context())
		other.Method = m
		if _, pattern := s.mux.Handler(other); pattern != "/api/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeError(w, http.StatusNotFound, "no such API endpoint")
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, http.StatusMethodNotAllowed, r.Method+" is not a method of this endpoint: it takes "+strings.Join(allow, ", "))
}

// badQuery answers a page's address whose query no handler may see
// (ServeHTTP): the error page (400) in the reader's language, with the
// menu to someone logged in, as noSuchPage's; not Go's plain English text.
func (s *Server) badQuery(w http.ResponseWriter, r *http.Request, key string, args ...any) {
	if rq, err := s.identify(r); err == nil {
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, rq))
	}
	s.renderError(w, r, http.StatusBadRequest, key, args...)
}

// noSuchPage answers an address no route has: to someone logged in, a page
// (its title, its language, the menu back), not Go's text "404 page not
// found"; to anyone else a plain 404 (no redirect to the login: a browser's
// own requests, /favicon.ico, would replace the login form's token).
func (s *Server) noSuchPage(w http.ResponseWriter, r *http.Request) {
	rq, err := s.identify(r)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, rq))
	s.renderError(w, r, http.StatusNotFound, "err.no_such_page")
}
