package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/store"
)

type principalKey struct{}

// request is who a request acts as and how it was authenticated.
type request struct {
	*auth.Principal
	csrf        string // the session's CSRF token; empty for a bearer token
	sessionHash []byte
	created     time.Time // the login (sessionCap); zero for a bearer token
	expires     time.Time // when the session ends; zero for a bearer token
	subject     string    // the sending organisation whose data the request reads (see subjectOf)
}

// principal returns who the request acts as.
func principal(ctx context.Context) *auth.Principal {
	if rq := current(ctx); rq != nil {
		return rq.Principal
	}
	return nil
}

func current(ctx context.Context) *request {
	rq, _ := ctx.Value(principalKey{}).(*request)
	return rq
}

// sessionCookie names the session cookie.
const sessionCookie = "pv_session"

// errNoCredentials means the request carried neither a token nor a session.
var errNoCredentials = errors.New("no credentials")

// bearer is the token of an Authorization header of the Bearer scheme,
// whose name is case-insensitive (RFC 9110 §11.1: "bearer" and "BEARER" as
// well), and ok false for any other scheme.
func bearer(h string) (token string, ok bool) {
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// bearerGiven says whether r carries an Authorization header of the
// Bearer scheme, postvakt's own. Another scheme is not postvakt's
// credential: a proxy with a login of its own (nginx's auth_basic) passes
// its "Basic …" on with every request, and the session cookie is what
// tells who the UI's reader is.
func bearerGiven(r *http.Request) bool {
	_, ok := bearer(r.Header.Get("Authorization"))
	return ok
}

// identify finds who the request acts as: a bearer token if one is given,
// else a session cookie. While the database gives no answer, a credential
// it confirmed lately stands (knownCredentials).
func (s *Server) identify(r *http.Request) (*request, error) {
	if secret, ok := bearer(r.Header.Get("Authorization")); ok {
		if secret == "" {
			return nil, errNoCredentials
		}
		return s.confirmed(r, credentialKey("token", secret), func(ctx context.Context) (*request, error) {
			tok, err := s.store.TokenBySecret(ctx, secret)
			if err != nil {
				return nil, err
			}
			return &request{Principal: auth.FromToken(tok)}, nil
		})
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errNoCredentials
	}
	hash := auth.HashSecret(c.Value)
	return s.confirmed(r, sessionKey(hash), func(ctx context.Context) (*request, error) {
		se, err := s.store.SessionByHash(ctx, hash, s.now())
		if err != nil {
			return nil, err
		}
		return &request{Principal: auth.FromUser(&se.User), csrf: se.CSRF, sessionHash: hash,
			created: se.CreatedAt, expires: se.ExpiresAt}, nil
	})
}

// sessionKey is a session's key in knownCredentials.
func sessionKey(hash []byte) [32]byte { return credentialKey("session", string(hash)) }

// lookupTimeout bounds a credential's lookup: a database that stops
// answering (connections open, no reply) gives no answer then, as one
// that refuses connections does, and /metrics and /ops go on with a
// remembered credential within Prometheus' default 10 s scrape timeout
// instead of waiting for as long as the database hangs.
const lookupTimeout = 3 * time.Second

// confirmed asks the database through look, for at most lookupTimeout; a
// credential it confirms is remembered, one it refuses forgotten, and when
// it gives no answer at all (an error, or none in time) a remembered one
// stands for an outage route.
func (s *Server) confirmed(r *http.Request, key [32]byte, look func(ctx context.Context) (*request, error)) (*request, error) {
	rq, err := store.Within(r.Context(), lookupTimeout, look)
	switch {
	case err == nil:
		s.known.remember(key, rq, s.now())
		return rq, nil
	case errors.Is(err, store.ErrNotFound):
		s.known.forget(key)
		return nil, err
	}
	if !outageRoute(r) {
		return nil, err
	}
	if rq, ok := s.known.recall(key, s.now()); ok {
		return rq, nil
	}
	return nil, err
}

// api authenticates an API request by bearer token: 401 without a valid
// one, 403 (logged and audited) when the role lacks perm (any role when perm
// is empty).
func (s *Server) api(next http.HandlerFunc, perm auth.Permission) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := bearer(r.Header.Get("Authorization")); !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postvakt"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		rq, err := s.identify(r)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, errNoCredentials) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postvakt", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "unknown or revoked token")
			return
		}
		if err != nil {
			s.internalError(w, r, "authenticate", err)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, rq)
		if perm != "" && !rq.Can(perm) {
			s.forbidden(ctx, r, "role "+rq.Role+" may not do this")
			writeError(w, http.StatusForbidden, "role "+rq.Role+" may not do this")
			return
		}
		next(w, r.WithContext(ctx))
	})
}

// ui authenticates a UI request by session cookie (or, for a GET or HEAD
// only, a bearer token: scripts fetching exports): without one, a GET is
// sent to the login page and anything else gets 401. A POST must come from
// a session and carry its CSRF token; a bearer token's gets 403 (tokenUI),
// logged and audited, as does a role without perm.
func (s *Server) ui(next http.HandlerFunc, perm auth.Permission) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.identify(r)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, errNoCredentials) {
			if r.Method == http.MethodGet && !bearerGiven(r) {
				// The path only: a query may carry filters that do not
				// belong in a login URL (or the server's access log).
				http.Redirect(w, r, "/login?next="+url.QueryEscape(loginNext(r)), http.StatusSeeOther)
				return
			}
			if r.Method == http.MethodPost && !bearerGiven(r) {
				// A form whose session ended: nothing is done; the
				// login page says so, a follow-up form kept (resume.go: carried).
				s.sessionEnded(w, r)
				return
			}
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		if err != nil {
			s.internalError(w, r, "authenticate", err)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, rq)
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && rq.sessionHash == nil {
			// A bearer token carries no CSRF token: were its forms taken,
			// every token would be a second, undocumented API (a sender
			// system's releasing print batches, an admin's making users).
			s.forbidden(ctx, r, "a bearer token sent a UI form")
			http.Error(w, tokenUI, http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// A form is small (formLimit): a larger body is refused, with
			// a page saying so, and one parsed as multipart here, on this
			// copy of the request, is cleaned up here too (net/http
			// removes only the original's temporary files).
			limit, tooLarge := formLimit(r)
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			defer func() {
				if r.MultipartForm != nil {
					r.MultipartForm.RemoveAll()
				}
			}()
			if errors.As(parseForm(r), new(*http.MaxBytesError)) {
				s.log.Info("form body too large", "actor", rq.Actor(), "path", shownPath(r), "limit", limit)
				s.renderError(w, r, http.StatusRequestEntityTooLarge, tooLarge, "MiB", limit>>20)
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !auth.Equal(r.PostFormValue("csrf"), rq.csrf) {
				s.forbidden(ctx, r, "missing or wrong CSRF token")
				if !s.staleFollowUp(w, r) {
					s.renderError(w, r, http.StatusForbidden, "err.csrf")
				}
				return
			}
		}
		if perm != "" && !rq.Can(perm) {
			s.forbidden(ctx, r, "role "+rq.Role+" lacks "+string(perm))
			s.renderError(w, r, http.StatusForbidden, "err.role_page", "Role", s.loc(r).T("role."+rq.Role))
			return
		}
		next(w, r)
	})
}

// exportPages are the pages of the UI's downloads, by route: an export
// is its filter, which the login's next does not keep (ui), and without
// it the download would be every letter (or entry) in scope.
var exportPages = map[string]string{"GET /export": "/list", "GET /followups/export": "/followups",
	"GET /audit/export": "/audit", "GET /incidents/export": "/incidents"}

// loginNext is where the login leads back to from a page asked for
// without a session: its path, or for an export its page, where the
// filter is chosen again.
func loginNext(r *http.Request) string {
	if page, ok := exportPages[r.Pattern]; ok {
		return page
	}
	return r.URL.EscapedPath()
}

// tokenUI is what a bearer token sending a UI form is told.
const tokenUI = "a bearer token may only fetch UI pages (GET); use the API under /api/v1"

// maxUIForm bounds the body of a UI form post.
const maxUIForm = 8 << 20

// formLimit is the most a UI form's body may hold, and the catalogue key
// of what a larger one is told: maxUIForm, or for the letters import's
// file maxImportForm.
func formLimit(r *http.Request) (int64, string) {
	if r.Pattern == "POST /import" {
		return maxImportForm, "import.err_too_large"
	}
	return maxUIForm, "err.form_too_large"
}

// parseForm reads a form's body, URL-encoded or multipart (its files on
// disk past 32 MiB, as Request.FormValue would), so that what stopped it
// is known: a body over its limit is a *http.MaxBytesError. A body that
// is not a form (or not a well-formed one) is left to the CSRF check.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return err
	}
	return nil
}

// forbidden logs and audits a refused request.
func (s *Server) forbidden(ctx context.Context, r *http.Request, why string) {
	p := principal(ctx)
	s.log.Warn("forbidden", "actor", p.Actor(), "role", p.Role, "method", r.Method, "path", shownPath(r), "why", why)
	s.audit(ctx, store.ActForbidden, r.Method+" "+shownPath(r), why)
}

// audit writes an audit entry for the request's principal. A failure is
// logged: the page has been computed, but the log must show the gap.
func (s *Server) audit(ctx context.Context, action store.AuditAction, object, detail string) {
	e := s.auditEntry(ctx, action, object, detail)
	if err := s.store.Audit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit log write failed", "action", action, "error", err)
	}
}

// auditEntry is the audit entry of an action of the request's principal,
// for a change that writes it in its own transaction.
func (s *Server) auditEntry(ctx context.Context, action store.AuditAction, object, detail string) store.AuditEntry {
	p := principal(ctx)
	e := store.AuditEntry{Action: action, Object: object, Detail: detail, At: s.now(), SubjectOrg: subjectOf(ctx)}
	if p != nil {
		e.Actor, e.Role, e.SenderOrg = p.Actor(), p.Role, p.SenderOrg
	}
	return e
}

// mustAudit writes an audit entry before personal data is shown; when it
// cannot be written the data is not shown.
func (s *Server) mustAudit(w http.ResponseWriter, r *http.Request, action store.AuditAction, object, detail string) bool {
	p := principal(r.Context())
	e := store.AuditEntry{Action: action, Object: object, Detail: detail, At: s.now(),
		Actor: p.Actor(), Role: p.Role, SenderOrg: p.SenderOrg, SubjectOrg: subjectOf(r.Context())}
	if err := s.store.Audit(r.Context(), e); err != nil {
		s.internalError(w, r, "write audit entry", err)
		return false
	}
	return true
}
