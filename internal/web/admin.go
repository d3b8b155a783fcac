package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"postvakt/internal/auth"
	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// The administration pages (role admin): users and API tokens. Every change
// is audited; a disabled user's sessions and a revoked token stop working
// at once (the store ends the sessions; every request looks them up). An
// admin scoped to a sender organisation sees and changes only that
// organisation's users and tokens, and gives no access beyond it
// (administers).

// administers reports whether admin p may see and change a user or token
// of sender organisation org: an unscoped admin any, a scoped one only its
// own organisation's (an unscoped user or token is beyond it).

// maxUserName is the longest user name, in bytes: the admin pages refuse a
// longer one, and a login with one is a wrong login.
const maxUserName = 100

func administers(p *auth.Principal, org string) bool {
	return p.SenderOrg == "" || p.SenderOrg == org
}

type usersData struct {
	Users       []store.UserRow
	Roles       []string
	Password    string // a new password, shown once
	PasswordFor string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.showUsers(w, r, http.StatusOK, "", "")
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, name, password string) {
	all, err := s.store.Users(r.Context(), s.now())
	if err != nil {
		s.internalError(w, "list users", err)
		return
	}
	p := principal(r.Context())
	users := slices.DeleteFunc(all, func(u store.UserRow) bool { return !administers(p, u.SenderOrg) })
	s.render(w, r, status, "users", "title.users", usersData{Users: users, Roles: store.Roles, Password: password, PasswordFor: name})
}

// access reads role, sender_org and unit from a form and checks them, also
// that the admin asking may give that access (administers).
func access(r *http.Request) (role, org, unit string, key string) {
	role = r.PostFormValue("role")
	org = strings.TrimSpace(r.PostFormValue("sender_org"))
	unit = strings.TrimSpace(r.PostFormValue("unit"))
	switch {
	case !administers(principal(r.Context()), org):
		return role, org, unit, "err.admin_scope"
	case userEmail(r) != "" && remind.CheckEmail(userEmail(r)) != "":
		return role, org, unit, "err.bad_email"
	case !contains(store.Roles, role):
		return role, org, unit, "err.bad_role"
	case org != "" && model.CheckOrgNumber(org) != nil:
		return role, org, unit, "err.bad_org"
	case role == auth.RoleUnit && (org == "" || unit == ""):
		return role, org, unit, "err.unit_scope"
	}
	if role != auth.RoleUnit {
		unit = ""
	}
	return role, org, unit, ""
}

// createUser adds a user with a generated password, shown once.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role, org, unit, bad := access(r)
	if name == "" || len(name) > maxUserName || !store.IsText(name) || strings.ContainsAny(name, " \t\r\n:") {
		bad = "err.bad_name"
	}
	if bad != "" {
		s.renderError(w, r, http.StatusBadRequest, bad)
		return
	}
	pw := auth.GeneratePassword()
	hash, err := auth.HashPassword(pw)
	if err != nil {
		s.internalError(w, "hash password", err)
		return
	}
	if _, err := s.store.UserByName(r.Context(), name); err == nil {
		s.renderError(w, r, http.StatusConflict, "err.user_exists")
		return
	}
	if _, err := s.store.CreateUser(r.Context(), store.User{Name: name, PasswordHash: hash, Role: role, SenderOrg: org, Unit: unit,
		Email: userEmail(r)}); err != nil {
		if errors.Is(err, store.ErrExists) {
			s.renderError(w, r, http.StatusConflict, "err.user_exists")
			return
		}
		s.internalError(w, "create user", err)
		return
	}
	aboutAccess(r.Context(), role, org)
	s.audit(r.Context(), "user_create", "user:"+name, describeAccess(role, org, unit, userEmail(r)))
	s.log.Info("user created", "user", name, "role", role, "actor", principal(r.Context()).Actor())
	s.showUsers(w, r, http.StatusCreated, name, pw)
}

func describeAccess(role, org, unit, email string) string {
	d := "role=" + role
	if org != "" {
		d += " org=" + org
	}
	if unit != "" {
		d += " unit=" + unit
	}
	if email != "" {
		d += " email=" + email
	}
	return d
}

// userEmail is the e-mail address given in a user form (escalation notices
// to the user's role go there).
func userEmail(r *http.Request) string { return strings.TrimSpace(r.PostFormValue("email")) }

// userAction changes a user: access (role and scope), disable, enable,
// password (a new generated one, shown once; sessions end).
func (s *Server) userAction(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	u, id, ok := byPathID(s, w, r, "err.no_user", "look up user", s.store.UserByID)
	if !ok {
		return
	}
	if !administers(p, u.SenderOrg) {
		s.renderError(w, r, http.StatusNotFound, "err.no_user")
		return
	}
	self := p.UserID == id
	action := r.PathValue("action")
	var detail, password string
	var err error
	newRole, newOrg := u.Role, u.SenderOrg
	switch action {
	case "access":
		role, org, unit, bad := access(r)
		newRole, newOrg = role, org
		if bad == "" && self && role != auth.RoleAdmin {
			bad = "err.self_demote"
		}
		if bad != "" {
			s.renderError(w, r, http.StatusBadRequest, bad)
			return
		}
		if err = s.store.SetUserAccess(r.Context(), id, role, org, unit); err == nil && userEmail(r) != u.Email {
			err = s.store.SetUserEmail(r.Context(), u.Name, userEmail(r))
		}
		detail = describeAccess(u.Role, u.SenderOrg, u.Unit, u.Email) + " → " + describeAccess(role, org, unit, userEmail(r))
	case "disable", "enable":
		if self {
			s.renderError(w, r, http.StatusBadRequest, "err.self_disable")
			return
		}
		err = s.store.SetUserDisabled(r.Context(), id, action == "disable", s.now())
	case "password":
		password = auth.GeneratePassword()
		var hash string
		if hash, err = auth.HashPassword(password); err == nil {
			err = s.store.SetUserPassword(r.Context(), id, hash)
		}
		detail = "sessions ended"
	default:
		s.renderError(w, r, http.StatusNotFound, "err.no_user")
		return
	}
	s.known.forgetAll() // a disabled user's sessions, an access withdrawn
	if err != nil {
		s.internalError(w, "change user", err)
		return
	}
	// An access change concerns the organisation whose letters it opens
	// and, when another, the one whose it closes.
	aboutAccess(r.Context(), newRole, newOrg)
	s.audit(r.Context(), "user_"+action, "user:"+u.Name, detail)
	if action == "access" && accessSubject(u.Role, u.SenderOrg) != accessSubject(newRole, newOrg) {
		aboutAccess(r.Context(), u.Role, u.SenderOrg)
		s.audit(r.Context(), "user_"+action, "user:"+u.Name, detail)
	}
	s.log.Info("user changed", "user", u.Name, "change", action, "actor", p.Actor())
	if password != "" {
		s.showUsers(w, r, http.StatusOK, u.Name, password)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

type tokensData struct {
	Tokens    []store.TokenRow
	Roles     []string
	Secret    string // a new token, shown once
	SecretFor string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.showTokens(w, r, http.StatusOK, "", "")
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, status int, name, secret string) {
	all, err := s.store.Tokens(r.Context())
	if err != nil {
		s.internalError(w, "list tokens", err)
		return
	}
	p := principal(r.Context())
	toks := slices.DeleteFunc(all, func(t store.TokenRow) bool { return !administers(p, t.SenderOrg) })
	s.render(w, r, status, "tokens", "title.tokens", tokensData{Tokens: toks, Roles: store.Roles, Secret: secret, SecretFor: name})
}

// createToken makes an API token; its secret is shown once, only its hash
// is kept.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role, org, unit, bad := access(r)
	if name == "" || len(name) > maxUserName || !store.IsText(name) || strings.ContainsAny(name, "\t\r\n:") {
		bad = "err.bad_name"
	}
	if bad != "" {
		s.renderError(w, r, http.StatusBadRequest, bad)
		return
	}
	id, secret, err := s.store.CreateTokenID(r.Context(), store.Token{Name: name, Role: role, SenderOrg: org, Unit: unit})
	if errors.Is(err, store.ErrTokenNameInUse) {
		s.renderError(w, r, http.StatusConflict, "err.token_name_in_use")
		return
	}
	if err != nil {
		s.internalError(w, "create token", err)
		return
	}
	aboutAccess(r.Context(), role, org)
	s.audit(r.Context(), "token_create", "token "+strconv.FormatInt(id, 10)+" "+name, describeAccess(role, org, unit, ""))
	s.log.Info("API token created", "token", id, "name", name, "role", role, "actor", principal(r.Context()).Actor())
	s.showTokens(w, r, http.StatusCreated, name, secret)
}

// revokeToken revokes an API token: the API refuses it from the next
// request on.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	t, id, ok := byPathID(s, w, r, "err.no_token", "look up token", s.store.TokenByID)
	if !ok {
		return
	}
	if !administers(principal(r.Context()), t.SenderOrg) {
		s.renderError(w, r, http.StatusNotFound, "err.no_token")
		return
	}
	s.known.forgetAll() // the secret is not known here: forget every one
	if err := s.store.RevokeToken(r.Context(), id, s.now()); errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusConflict, "err.token_revoked")
		return
	} else if err != nil {
		s.internalError(w, "revoke token", err)
		return
	}
	aboutAccess(r.Context(), t.Role, t.SenderOrg)
	s.audit(r.Context(), "token_revoke", "token "+strconv.FormatInt(id, 10)+" "+t.Name, "")
	s.log.Info("API token revoked", "token", id, "name", t.Name, "actor", principal(r.Context()).Actor())
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}

type settingsData struct{ Saved bool }

// settingsPage lets any user choose the UI language.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "settings", "title.settings", settingsData{Saved: r.URL.Query().Get("saved") != ""})
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	if p.Kind != "user" {
		s.renderError(w, r, http.StatusBadRequest, "err.settings_user")
		return
	}
	lang := r.PostFormValue("lang")
	if lang != "" && !contains(store.Languages, lang) {
		s.renderError(w, r, http.StatusBadRequest, "err.bad_lang")
		return
	}
	if err := s.store.SetUserLang(r.Context(), p.UserID, lang); err != nil {
		s.internalError(w, "save settings", err)
		return
	}
	s.audit(r.Context(), "settings", "user:"+p.Name, "lang="+lang)
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}
