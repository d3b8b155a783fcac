package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"postvakt/internal/auth"
	"postvakt/internal/i18n"
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
func administers(p *auth.Principal, org string) bool {
	return p.SenderOrg == "" || p.SenderOrg == org
}

type usersData struct {
	Users       []store.UserRow
	Roles       []string
	Password    string // a new password, shown once
	PasswordFor string
	// A refused form: the new user's (Failed 0) or a user's access form
	// (Failed its id) again as filled in (Form), the problem in it tied to
	// its field (accessProblem).
	Failed int64
	Form   accessForm
	fieldProblem
}

// accessForm is an admin page's form of a user or token as filled in; no
// password is in it, nor ever shown again.
type accessForm struct{ Name, Role, SenderOrg, Unit, Email string }

// filledIn is the form of r as filled in.
func filledIn(r *http.Request) accessForm {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return accessForm{Name: get("name"), Role: r.PostFormValue("role"), SenderOrg: get("sender_org"), Unit: get("unit"), Email: userEmail(r)}
}

// accessLabels are the catalogue keys of the admin forms' labels, by field.
var accessLabels = map[string]string{"name": "login.name", "role": "users.role", "sender_org": "users.org",
	"unit": "col.unit", "email": "users.email"}

// accessProblem says a refused user or token form's problem (key: access's,
// or a name's) in l's language, naming the field it is about by its label.
func accessProblem(l *i18n.Localizer, f accessForm, key string) fieldProblem {
	field := map[string]string{"err.bad_name": "name", "err.bad_token_name": "name", "err.user_exists": "name", "err.token_name_in_use": "name",
		"err.bad_role": "role", "err.self_demote": "role", "err.bad_org": "sender_org", "err.admin_scope": "sender_org", "err.bad_unit": "unit",
		"err.bad_email": "email"}[key]
	if key == "err.unit_scope" {
		field = "unit"
		if f.SenderOrg == "" {
			field = "sender_org"
		}
	}
	if field == "" {
		return fieldProblem{Problem: l.T(key)}
	}
	return fieldProblem{Problem: l.T("users.err_field", "Field", l.T(accessLabels[field]), "Problem", l.T(key)), ProblemField: field}
}

// usersPage lists the users, their names and e-mail addresses personal
// data: the view is audited (view_list users), as every list's is.
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	if !s.mustAudit(w, r, store.ActViewList, "users", "") {
		return
	}
	s.showUsers(w, r, http.StatusOK, usersData{})
}

// refusedUser shows the users page with the user's form (id; 0: the new
// user's) again as filled in and the problem (key) in it.
func (s *Server) refusedUser(w http.ResponseWriter, r *http.Request, status int, id int64, key string) {
	f := filledIn(r)
	s.showUsers(w, r, status, usersData{Failed: id, Form: f, fieldProblem: accessProblem(s.loc(r), f, key)})
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	all, err := s.store.Users(r.Context(), s.now())
	if err != nil {
		s.internalError(w, r, "list users", err)
		return
	}
	p := principal(r.Context())
	users := slices.DeleteFunc(all, func(u store.UserRow) bool { return !administers(p, u.SenderOrg) })
	d.Users, d.Roles = users, store.Roles
	s.render(w, r, status, "users", "title.users", d)
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
	case role == auth.RoleUnit && !store.UnitNameOK(unit):
		return role, org, unit, "err.bad_unit"
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
	if !store.UserNameOK(name) {
		bad = "err.bad_name"
	}
	if bad != "" {
		s.refusedUser(w, r, http.StatusBadRequest, 0, bad)
		return
	}
	pw := auth.GeneratePassword()
	hash, err := auth.HashPassword(pw)
	if err != nil {
		s.internalError(w, r, "hash password", err)
		return
	}
	if _, err := s.store.UserByName(r.Context(), name); err == nil {
		s.refusedUser(w, r, http.StatusConflict, 0, "err.user_exists")
		return
	}
	// Made and audited in one transaction: when the entry cannot be
	// written no user stands unaudited (nor its password shown).
	aboutAccess(r.Context(), role, org)
	e := s.auditEntry(r.Context(), store.ActUserCreate, "user:"+name, store.DescribeAccess(role, org, unit, userEmail(r)))
	if _, err := s.store.CreateUserAudited(r.Context(), store.User{Name: name, PasswordHash: hash, Role: role, SenderOrg: org, Unit: unit,
		Email: userEmail(r)}, &e); err != nil {
		if errors.Is(err, store.ErrExists) {
			s.refusedUser(w, r, http.StatusConflict, 0, "err.user_exists")
			return
		}
		s.internalError(w, r, "create user", err)
		return
	}
	s.log.Info("user created", "user", name, "role", role, "actor", principal(r.Context()).Actor())
	s.showUsers(w, r, http.StatusCreated, usersData{Password: pw, PasswordFor: name})
}

// userEmail is the e-mail address given in a user form (escalation notices
// to the user's role go there).
func userEmail(r *http.Request) string { return strings.TrimSpace(r.PostFormValue("email")) }

// userAction changes a user: access (role and scope), disable, enable,
// password (a new generated one, shown once; sessions end).
// userActions are the audit actions of userAction's changes, by the
// change its path names.
var userActions = map[string]store.AuditAction{"access": store.ActUserAccess, "disable": store.ActUserDisable,
	"enable": store.ActUserEnable, "password": store.ActUserPassword}

func (s *Server) userAction(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	u, id, ok := byPathID(s, w, r, "err.no_user", "look up user", s.store.UserByID)
	if !ok {
		return
	}
	if !administers(p, u.SenderOrg) {
		// Answered as none, so as not to tell it exists; the attempt is
		// audited as a refusal, as a letter's is.
		s.forbidden(r.Context(), r, "user "+strconv.FormatInt(id, 10)+" is outside the administrator's organisation")
		s.renderError(w, r, http.StatusNotFound, "err.no_user")
		return
	}
	self := p.UserID == id
	action := r.PathValue("action")
	var password string
	var err error
	// Changed and audited in one transaction: when the entry cannot be
	// written nothing changes (nor is a new password shown).
	entry := func(detail string) store.AuditEntry {
		return s.auditEntry(r.Context(), userActions[action], "user:"+u.Name, detail)
	}
	switch action {
	case "access":
		role, org, unit, bad := access(r)
		if bad == "" && self && role != auth.RoleAdmin {
			bad = "err.self_demote"
		}
		if bad != "" {
			s.refusedUser(w, r, http.StatusBadRequest, id, bad)
			return
		}
		detail := store.DescribeAccess(u.Role, u.SenderOrg, u.Unit, u.Email) + " → " + store.DescribeAccess(role, org, unit, userEmail(r))
		// An access change concerns the organisation whose letters it
		// opens and, when another, the one whose it closes.
		aboutAccess(r.Context(), role, org)
		es := []store.AuditEntry{entry(detail)}
		if accessSubject(u.Role, u.SenderOrg) != accessSubject(role, org) {
			aboutAccess(r.Context(), u.Role, u.SenderOrg)
			es = append(es, entry(detail))
		}
		err = s.store.SetUserAccessAudited(r.Context(), id, role, org, unit, userEmail(r), es)
	case "disable", "enable":
		if self {
			s.renderError(w, r, http.StatusBadRequest, "err.self_disable")
			return
		}
		aboutAccess(r.Context(), u.Role, u.SenderOrg)
		e := entry("")
		// A user so already is left as it is, no entry written.
		_, err = s.store.SetUserDisabledAudited(r.Context(), id, action == "disable", s.now(), &e)
	case "password":
		password = auth.GeneratePassword()
		var hash string
		if hash, err = auth.HashPassword(password); err == nil {
			aboutAccess(r.Context(), u.Role, u.SenderOrg)
			e := entry("sessions ended")
			err = s.store.SetUserPasswordAudited(r.Context(), id, hash, &e)
		}
	default:
		s.renderError(w, r, http.StatusNotFound, "err.no_user")
		return
	}
	s.known.forgetAll() // a disabled user's sessions, an access withdrawn
	if err != nil {
		s.internalError(w, r, "change user", err)
		return
	}
	s.log.Info("user changed", "user", u.Name, "change", action, "actor", p.Actor())
	if password != "" {
		s.showUsers(w, r, http.StatusOK, usersData{Password: password, PasswordFor: u.Name})
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

type tokensData struct {
	Tokens    []store.TokenRow
	Roles     []string
	Secret    string // a new token, shown once
	SecretFor string
	// A refused new token: its form again as filled in, the problem in it
	// tied to its field (accessProblem).
	Form accessForm
	fieldProblem
}

// tokensPage lists the API tokens, who may call the API: the view is
// audited (view_list api_tokens), as the users page's is.
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	if !s.mustAudit(w, r, store.ActViewList, "api_tokens", "") {
		return
	}
	s.showTokens(w, r, http.StatusOK, tokensData{})
}

// refusedToken shows the tokens page with the new token's form again as
// filled in and the problem (key) in it.
func (s *Server) refusedToken(w http.ResponseWriter, r *http.Request, status int, key string) {
	f := filledIn(r)
	s.showTokens(w, r, status, tokensData{Form: f, fieldProblem: accessProblem(s.loc(r), f, key)})
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, status int, d tokensData) {
	all, err := s.store.Tokens(r.Context())
	if err != nil {
		s.internalError(w, r, "list tokens", err)
		return
	}
	p := principal(r.Context())
	toks := slices.DeleteFunc(all, func(t store.TokenRow) bool { return !administers(p, t.SenderOrg) })
	d.Tokens, d.Roles = toks, store.Roles
	s.render(w, r, status, "tokens", "title.tokens", d)
}

// createToken makes an API token; its secret is shown once, only its hash
// is kept.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role, org, unit, bad := access(r)
	if !store.TokenNameOK(name) {
		bad = "err.bad_token_name"
	}
	if bad != "" {
		s.refusedToken(w, r, http.StatusBadRequest, bad)
		return
	}
	// Made and audited in one transaction: when the entry cannot be
	// written no token stands unaudited (nor its secret shown).
	aboutAccess(r.Context(), role, org)
	id, secret, err := s.store.CreateTokenAudited(r.Context(), store.Token{Name: name, Role: role, SenderOrg: org, Unit: unit},
		func(int64) store.AuditEntry {
			return s.auditEntry(r.Context(), store.ActTokenCreate, "token:"+name, store.DescribeAccess(role, org, unit, ""))
		})
	if errors.Is(err, store.ErrTokenNameInUse) {
		s.refusedToken(w, r, http.StatusConflict, "err.token_name_in_use")
		return
	}
	if err != nil {
		s.internalError(w, r, "create token", err)
		return
	}
	s.log.Info("API token created", "token", id, "name", name, "role", role, "actor", principal(r.Context()).Actor())
	s.showTokens(w, r, http.StatusCreated, tokensData{Secret: secret, SecretFor: name})
}

// revokeToken revokes an API token: the API refuses it from the next
// request on.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	t, id, ok := byPathID(s, w, r, "err.no_token", "look up token", s.store.TokenByID)
	if !ok {
		return
	}
	if !administers(principal(r.Context()), t.SenderOrg) {
		// Answered as none, so as not to tell it exists; the attempt is
		// audited as a refusal, as a letter's is.
		s.forbidden(r.Context(), r, "token "+strconv.FormatInt(id, 10)+" is outside the administrator's organisation")
		s.renderError(w, r, http.StatusNotFound, "err.no_token")
		return
	}
	s.known.forgetAll() // the secret is not known here: forget every one
	// Revoked and audited in one transaction: when the entry cannot be
	// written the token stays active.
	aboutAccess(r.Context(), t.Role, t.SenderOrg)
	e := s.auditEntry(r.Context(), store.ActTokenRevoke, "token:"+t.Name, "")
	if err := s.store.RevokeTokenAudited(r.Context(), id, s.now(), &e); errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusConflict, "err.token_revoked")
		return
	} else if err != nil {
		s.internalError(w, r, "revoke token", err)
		return
	}
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
	// Changed and audited in one transaction: when the entry cannot be
	// written the language stays as it was.
	e := s.auditEntry(r.Context(), store.ActSettings, "user:"+p.Name, "lang="+lang)
	if err := s.store.SetUserLangAudited(r.Context(), p.UserID, lang, &e); err != nil {
		s.internalError(w, r, "save settings", err)
		return
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}
