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
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zone database

	"postvakt/internal/auth"
	"postvakt/internal/model"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

// staticFS serves /static/... from the embedded static folder.
var staticFS fs.FS = staticRoot

// pages holds one parsed template set per page (layout + page).
type pages map[string]*template.Template

// zone is where times are shown; evidence times carry their offset.
var zone = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Oslo"); err == nil {
		return l
	}
	return time.UTC
}()

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
	"days":   func(now, t time.Time) int { return int(now.Sub(t).Hours() / 24) },
	"mask":   model.MaskRecipient,
	"pretty": prettyJSON,
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
}

// render executes a page into a buffer first, so a template error is a 500
// and not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := s.pages[page]
	if !ok {
		s.internalError(w, "render", fmt.Errorf("no page template %q", page))
		return
	}
	v := view{Title: title, Page: page, Now: s.now(), Query: linkQuery(r.URL.Query()), Data: data}
	if rq := current(r.Context()); rq != nil {
		v.P, v.CSRF = rq.Principal, rq.csrf
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.internalError(w, "render "+page, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
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

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", http.StatusText(status), msg)
}
