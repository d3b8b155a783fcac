package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"postvakt/internal/auth"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// loginCookie carries the login form's CSRF token (double submit: the form
// has no session yet).
const loginCookie = "pv_login"

func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies || r.TLS != nil}
}

type loginData struct {
	Token, Next, Name string
	Error             string // a catalogue key
	Minutes           int    // for login.err_throttled
	// Carried is a form whose session ended as it was sent, carried
	// through the login in hidden fields (resume.go).
	Carried carried
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.Token = auth.NewSecret()
	http.SetCookie(w, s.cookie(r, loginCookie, d.Token, 3600))
	s.render(w, r, status, "login", "title.login", d)
}

// safeNext keeps a redirect target on this site: a path of its own, no
// scheme, no host, nothing a browser might read as another site ("//host",
// "/\\host", "/\t/host"), and without a query.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") ||
		strings.ContainsFunc(next, unicode.IsControl) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/"
	}
	return p
}

// auditLogin writes an audit entry of a login attempt; a failure is logged
// (there is no principal yet for audit).
func (s *Server) auditLogin(ctx context.Context, e store.AuditEntry) {
	e.At = s.now()
	if err := s.store.Audit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit log write failed", "action", e.Action, "actor", e.Actor, "error", err)
	}
}

// typedName is the name a failed login typed, as the log and the audit log
// write it: as typed when a user has it (in any case: the attempt concerns
// that user), a national id in it masked (typed out of habit, ID-porten
// asks for one); another name as its first character and its length
// ("S…(17)"), for a name that is no user's is often a password typed into
// the name field, and the audit log is kept for years and read by every
// administrator. When the users cannot be read it is the short form.
func (s *Server) typedName(ctx context.Context, name string) string {
	if taken, err := s.store.UserNameTaken(ctx, name); err == nil && taken {
		return string(model.MaskNationalIDsIn([]byte(name)))
	}
	if name == "" {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(name)
	return fmt.Sprintf("%c…(%d)", first, utf8.RuneCountInString(name))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	name, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	carried := loginCarried(r)
	c, err := r.Cookie(loginCookie)
	if err != nil || !auth.Equal(c.Value, r.PostFormValue("login_csrf")) {
		s.log.Warn("login refused: missing or wrong login CSRF token")
		s.showLogin(w, r, http.StatusForbidden, loginData{Next: next, Carried: carried, Name: name,
			Error: "login.err_expired"})
		return
	}
	if len(name) > store.MaxUserName || !store.IsText(name) {
		// No user has such a name (admin pages refuse one): a wrong
		// login, neither a database error nor 60 KiB in the audit log.
		s.log.Warn("login failed: not a user name", "length", len(name))
		auth.WasteTime(password)
		s.showLogin(w, r, http.StatusUnauthorized, loginData{Next: next, Carried: carried, Error: "login.err_wrong"})
		return
	}
	nameKey, addrKey := throttleKeys(name, r)
	if until, by, first, ok := s.throttle.begin(s.now(), nameKey, addrKey); ok {
		shown := s.typedName(r.Context(), name)
		s.log.Warn("login refused: too many failed logins", "user", shown, "by", by)
		if first { // once a lockout: the refusals cost an attacker nothing
			s.auditLogin(r.Context(), store.AuditEntry{Actor: "user:" + shown, Action: store.ActLoginThrottled, Detail: "by " + by})
		}
		wait := max(int((until.Sub(s.now())+time.Minute-1)/time.Minute), 1)
		w.Header().Set("Retry-After", fmt.Sprint(int(until.Sub(s.now()).Seconds())+1))
		s.showLogin(w, r, http.StatusTooManyRequests, loginData{Next: next, Carried: carried, Name: name,
			Error: "login.err_throttled", Minutes: wait})
		return
	}
	u, err := s.store.UserByName(r.Context(), name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		auth.WasteTime(password)
	case err != nil:
		s.throttle.end(s.now(), false, nameKey, addrKey)
		s.internalError(w, r, "log in", err)
		return
	}
	if u == nil || !auth.CheckPassword(u.PasswordHash, password) {
		shown := s.typedName(r.Context(), name)
		s.log.Warn("login failed", "user", shown)
		s.auditLogin(r.Context(), store.AuditEntry{Actor: "user:" + shown, Action: store.ActLoginFailed})
		for _, by := range s.throttle.end(s.now(), true, nameKey, addrKey) {
			s.log.Warn("logins refused for a while: too many failed logins", "user", shown, "by", by,
				"for", loginLockout.String())
		}
		s.showLogin(w, r, http.StatusUnauthorized, loginData{Next: next, Carried: carried, Name: name, Error: "login.err_wrong"})
		return
	}
	s.throttle.end(s.now(), false, nameKey, addrKey)
	secret, csrf := auth.NewSecret(), auth.NewSecret()
	created := s.now()
	expires := created.Add(s.sessionTTL)
	if err := s.store.CreateSession(r.Context(), auth.HashSecret(secret), u.ID, csrf, created, expires); err != nil {
		s.internalError(w, r, "log in", err)
		return
	}
	s.throttle.succeed(nameKey)
	s.auditLogin(r.Context(), store.AuditEntry{Actor: "user:" + u.Name, Role: u.Role,
		SenderOrg: u.SenderOrg, Action: store.ActLogin})
	s.log.Info("login", "user", u.Name, "role", u.Role)
	http.SetCookie(w, s.cookie(r, sessionCookie, secret, int(s.sessionTTL/time.Second)))
	http.SetCookie(w, s.cookie(r, loginCookie, "", -1))
	rq := &request{Principal: auth.FromUser(u), csrf: csrf, sessionHash: auth.HashSecret(secret),
		created: created, expires: expires}
	if s.resume(w, r, rq, carried) {
		return
	}
	if u.Role == auth.RoleOperations && next == "/" {
		next = "/ops"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if rq := current(r.Context()); rq != nil && rq.sessionHash != nil {
		s.known.forget(sessionKey(rq.sessionHash))
		if err := s.store.DeleteSession(r.Context(), rq.sessionHash); err != nil {
			s.internalError(w, r, "log out", err)
			return
		}
		s.audit(r.Context(), store.ActLogout, "", "")
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	switch {
	case p.Can(auth.ViewShipments):
		s.overviewPage(w, r)
	case p.Can(auth.ViewOperations):
		http.Redirect(w, r, "/ops", http.StatusSeeOther)
	default:
		s.renderError(w, r, http.StatusForbidden, "err.no_pages")
	}
}
