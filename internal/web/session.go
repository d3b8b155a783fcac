package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"postvakt/internal/auth"
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
	Token, Next, Name, Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.Token = auth.NewSecret()
	http.SetCookie(w, s.cookie(r, loginCookie, d.Token, 3600))
	s.render(w, r, status, "login", "Log in", d)
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	name, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	c, err := r.Cookie(loginCookie)
	if err != nil || !auth.Equal(c.Value, r.PostFormValue("login_csrf")) {
		s.log.Warn("login refused: missing or wrong login CSRF token")
		s.showLogin(w, r, http.StatusForbidden, loginData{Next: next, Name: name,
			Error: "The login form had expired. Please try again."})
		return
	}
	u, err := s.store.UserByName(r.Context(), name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		auth.WasteTime(password)
	case err != nil:
		s.internalError(w, "log in", err)
		return
	}
	if u == nil || !auth.CheckPassword(u.PasswordHash, password) {
		s.log.Warn("login failed", "user", name)
		_ = s.store.Audit(r.Context(), store.AuditEntry{At: s.now(), Actor: "user:" + name, Action: "login_failed"})
		s.showLogin(w, r, http.StatusUnauthorized, loginData{Next: next, Name: name, Error: "Wrong name or password."})
		return
	}
	secret := auth.NewSecret()
	expires := s.now().Add(s.sessionTTL)
	if err := s.store.CreateSession(r.Context(), auth.HashSecret(secret), u.ID, auth.NewSecret(), expires); err != nil {
		s.internalError(w, "log in", err)
		return
	}
	_ = s.store.Audit(r.Context(), store.AuditEntry{At: s.now(), Actor: "user:" + u.Name, Role: u.Role,
		SenderOrg: u.SenderOrg, Action: "login"})
	s.log.Info("login", "user", u.Name, "role", u.Role)
	http.SetCookie(w, s.cookie(r, sessionCookie, secret, int(s.sessionTTL/time.Second)))
	http.SetCookie(w, s.cookie(r, loginCookie, "", -1))
	if u.Role == auth.RoleOperations && next == "/" {
		next = "/ops"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if rq := current(r.Context()); rq != nil && rq.sessionHash != nil {
		if err := s.store.DeleteSession(r.Context(), rq.sessionHash); err != nil {
			s.internalError(w, "log out", err)
			return
		}
		s.audit(r.Context(), "logout", "", "")
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	switch {
	case p.Can(auth.ViewShipments):
		http.Redirect(w, r, "/unopened", http.StatusSeeOther)
	case p.Can(auth.ViewOperations):
		http.Redirect(w, r, "/ops", http.StatusSeeOther)
	default:
		s.renderError(w, r, http.StatusForbidden, "Your role has no pages.")
	}
}
