package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zone database

	"postvakt/internal/auth"
	"postvakt/internal/calendar"
	"postvakt/internal/health"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/printing"
	"postvakt/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

// staticFS serves /static/... from the embedded static folder.
var staticFS fs.FS = staticRoot

// noListing answers a folder's address (a path ending in "/") 404: the
// file server would list the folder's files.
func noListing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// pages holds one parsed template set per page (layout + page).
type pages map[string]*template.Template

// zone is where times are shown; evidence times carry their offset.
var zone = calendar.Oslo

var funcs = template.FuncMap{
	"date": func(t time.Time) string { return t.In(zone).Format("2006-01-02") },
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format("2006-01-02 15:04")
	},
	"stamp": func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04:05 -07:00") },
	"ptime": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(zone).Format("2006-01-02 15:04")
	},
	"deref2": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"days": func(now, t time.Time) int { return int(now.Sub(t).Hours() / 24) },
	"mask": model.MaskRecipient,
	// channelName is the name people read for a channel ("Digital Post").
	"channelName": model.ChannelDisplay,
	"pretty":      prettyJSON,
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	// qs returns the query q with key set to value (empty removes it), as
	// "?a=b&...", for links that keep the current filters.
	"qs": func(q url.Values, kv ...string) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				c.Del(kv[i])
			} else {
				c.Set(kv[i], kv[i+1])
			}
		}
		if len(c) == 0 {
			return ""
		}
		return "?" + c.Encode()
	},
	"add": func(a, b int) int { return a + b },
}

func loadPages() pages {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/filters.html"))
	ps := pages{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || name == "filters" {
			continue
		}
		ps[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return ps
}

// view is what every page template gets.
type view struct {
	Title string
	Page  string
	P     *auth.Principal
	CSRF  string
	Now   time.Time
	Query url.Values
	Data  any
	L     *i18n.Localizer
	// OrgName is the name of the principal's sender organisation.
	OrgName string
	// Here is the page's path, with its list when it has one
	// ("/list?list=problems"): the menu marks the link to it.
	Here string
	// SessionEnds is when the login ends, in Oslo time ("16:42", with the
	// date when not today): the header says so on every page of a
	// session, so a note is not typed into a form past it. "" without a
	// session.
	SessionEnds string
	// Orders is whether reminders are also ordered through Altinn
	// Notifications (WithNotificationOrders): the menu links to the
	// refused ones.
	Orders bool
	// Session is the notice of the session's last minutes, with its "stay
	// signed in" form (session_extend.go); nil before them.
	Session *sessionNotice
}

// T is the text of a catalogue entry in the page's language (see
// i18n.Localizer.T): templates call {{$.T "key" "Name" value}}.
func (v view) T(id string, args ...any) string { return v.L.T(id, args...) }

// Lang is the page's language.
func (v view) Lang() string { return v.L.Lang() }

// Int is a count as the page's language writes it ({{$t.Int .Count}}:
// nb "1 307", da "1.307"); ids, years and form values stay as they are.
func (v view) Int(n any) string { return v.L.Int(n) }

// Dur is a duration as the page's language says it ("3 timer", "12
// millisekunder"; i18n.Localizer.Duration), not Go's "3h0m0s"; a nonzero one under
// a millisecond is said as one.
func (v view) Dur(d time.Duration) string {
	if d > 0 && d < time.Millisecond {
		d = time.Millisecond
	}
	return v.L.Duration(d)
}

// Code is a stored code's text in the page's language (prefix names its
// family: "state.", "decision.", "followup.reason."), or the code itself
// where the catalogue has none.
func (v view) Code(prefix, code string) string {
	if v.L.Has(prefix + code) {
		return v.L.T(prefix + code)
	}
	// A follow-up opened from an alert's incident report: "alert 12".
	if id, ok := strings.CutPrefix(code, "alert "); ok && prefix == "followup.reason." {
		return v.L.T("followup.reason.alert", "ID", id)
	}
	return code
}

// AlertRule names a health rule in the page's language, with its name in
// health.yaml (the rules page's, the mails'): "Kanalen er tavs
// (channel_silent)"; a rule the catalogue does not name as it is.
func (v view) AlertRule(rule string) string {
	if v.L.Has("alert.rule." + rule) {
		return v.L.T("alert.rule."+rule) + " (" + rule + ")"
	}
	return rule
}

// NoticeTo names where a health notice went in the page's language: the
// webhook, or e-mail with its address when the viewer may read it
// ("email:" alone, noticeWithoutAddress, when not).
func (v view) NoticeTo(dest string) string {
	if addr, ok := strings.CutPrefix(dest, "email:"); ok {
		if addr == "" {
			return v.L.T("ops.to_email")
		}
		return v.L.T("ops.to_email") + ": " + addr
	}
	if dest == "webhook" {
		return v.L.T("ops.to_webhook")
	}
	return dest
}

// AlertWhy is why an alert fires, in the page's language (health.Why).
func (v view) AlertWhy(a store.Alert) string { return health.Why(v.L, a) }

// AlertKept is when the condition of an alert kept firing without it last
// held (health.Kept): its letters and summary are as of then; nil for
// any other alert.
func (v view) AlertKept(a store.Alert) *time.Time {
	if held, ok := health.Kept(a); ok {
		return &held
	}
	return nil
}

// OverviewWhy is AlertWhy for the overview's alerts.
func (v view) OverviewWhy(a Alert) string {
	return health.Why(v.L, store.Alert{Summary: a.Detail, Why: a.Why})
}

// ManualDetail is a manual-handling case's detail in the page's language
// (printing.Detail).
func (v view) ManualDetail(m store.ManualItem) string { return printing.Detail(v.L, m.Why, m.Detail) }

// Rule is a policy's or health rule's term in the page's language
// (an i18n.Phrase).
func (v view) Rule(t policy.Term) string { return v.L.Say(t, "") }

// Languages are the languages a user may choose.
func (v view) Languages() []string { return i18n.Languages }

// loc returns the localizer of a request: the user's language, else the
// browser's (Accept-Language). A missing catalogue entry is logged.
func (s *Server) loc(r *http.Request) *i18n.Localizer {
	lang := ""
	if p := principal(r.Context()); p != nil {
		lang = p.Lang
	}
	if lang == "" {
		lang = i18n.Match(r.Header.Get("Accept-Language"))
	}
	return i18n.For(lang, func(lang, id string) {
		s.log.Warn("missing translation", "lang", lang, "key", id)
	}).Only(s.onlyCountry())
}

// onlyCountry is the one country this deployment's letters are all of:
// that of its channels (WithChannels) when they are all one country's,
// in lower case ("dk" for Digital Post alone); "" when they are several
// countries' or not named (every registered channel). Its pages then name
// that country's numbers only ("CVR-nummer", not
// "CVR-/organisationsnummer": i18n.Localizer.Only); a Norwegian or a mixed
// deployment's pages are as they were.
func (s *Server) onlyCountry() string {
	country := ""
	for i, ch := range s.channels {
		c := strings.ToLower(model.ChannelCountry(ch))
		if c == "" || (i > 0 && c != country) {
			return ""
		}
		country = c
	}
	return country
}

// sessionEnds is when a session ends as the header shows it: the time in
// Oslo, with the date when that is not today; "" for no session.
func sessionEnds(expires, now time.Time) string {
	if expires.IsZero() {
		return ""
	}
	e := expires.In(zone)
	if e.Format(time.DateOnly) == now.In(zone).Format(time.DateOnly) {
		return e.Format("15:04")
	}
	return e.Format("2006-01-02 15:04")
}

// render executes a page into a buffer first, so a template error is a 500
// and not half a page. title is a catalogue key.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := s.pages[page]
	if !ok {
		s.renderFailed(w, r, "render", fmt.Errorf("no page template %q", page))
		return
	}
	l := s.loc(r)
	v := view{Title: l.T(title), Page: page, Now: s.now(), Query: linkQuery(r.URL.Query()), Data: data, L: l, Here: r.URL.Path, Orders: !s.noOrders}
	if list := r.URL.Query().Get("list"); list != "" {
		v.Here += "?list=" + list
	}
	if rq := current(r.Context()); rq != nil {
		v.P, v.CSRF = rq.Principal, rq.csrf
		v.SessionEnds = sessionEnds(rq.expires, v.Now)
		v.Session = s.noticeOf(r, rq, v.Now)
		if v.P.SenderOrg != "" {
			v.OrgName, _ = s.store.SenderOrgName(r.Context(), v.P.SenderOrg)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.renderFailed(w, r, "render "+page, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", l.Lang())
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// linkQuery is the query that links and filter forms carry on: a
// recipient that is not an organisation number (a person id) is dropped, so
// that no page ever puts one into a URL.
func linkQuery(q url.Values) url.Values {
	for _, v := range q["recipient"] {
		if model.CheckOrgNumber(strings.TrimSpace(v)) != nil {
			q.Del("recipient")
			break
		}
	}
	return q
}

// renderError shows an error page; msg is a catalogue key, args its
// placeholders.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string, args ...any) {
	s.renderErrorBack(w, r, status, "", msg, args...)
}

// renderErrorBack shows an error page that links back to the letter at
// letter (its page's path), where the refused action was taken; without
// one it links to the start page only.
func (s *Server) renderErrorBack(w http.ResponseWriter, r *http.Request, status int, letter, msg string, args ...any) {
	s.render(w, r, status, "error", "status."+strconv.Itoa(status), errorData{Text: s.loc(r).T(msg, args...), Letter: letter})
}

// errorData is an error page's message, in the reader's language, and
// the letter it concerns ("" for none).
type errorData struct{ Text, Letter string }
