package web

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"postvakt/internal/store"
)

// A login lasts sessionTTL (8 hours unless WithSessionTTL) and may be
// extended (WCAG 2.1 2.2.1 Timing Adjustable): every page of a session says
// in its header when it ends (sessionEnds); in its last sessionWarning the
// pages say so and offer "stay signed in", a plain form (no script) that
// makes the session last sessionTTL from then, audited (session_extend).
// However often it is extended, a login ends sessionCap after it began: a
// lost or unattended browser is not signed in for days.

// sessionWarning is how long before its end a session's pages say it ends
// and offer to extend it: more than the 20 minutes WCAG asks, so a page
// opened just before the warning began still has it in time for a form
// typed into it.
const sessionWarning = 30 * time.Minute

// maxLogin is the longest a login lasts, however often it is extended
// (sessionTTL if that is longer).
const maxLogin = 12 * time.Hour

// sessionCap is when a login made at created ends at the latest.
func (s *Server) sessionCap(created time.Time) time.Time {
	return created.Add(max(maxLogin, s.sessionTTL))
}

// extendedUntil is when rq's session would end if it were extended at now:
// sessionTTL later, at most its sessionCap.
func (s *Server) extendedUntil(rq *request, now time.Time) time.Time {
	until, limit := now.Add(s.sessionTTL), s.sessionCap(rq.created)
	if until.After(limit) {
		return limit
	}
	return until
}

// sessionNotice is what a page says of its session's end in the last
// sessionWarning: the time and how many minutes are left, and whether it
// may still be extended (Extend false: the login ends then at the latest).
type sessionNotice struct {
	At      string // as the header says it (sessionEnds)
	Minutes int
	Extend  bool
	Hours   int // the longest a login lasts (sessionCap), for Extend false
	// Back is where the "stay signed in" form leads back to: the page.
	Back string
}

// noticeOf is the notice the page of r shows at now; nil before the last
// sessionWarning and for a bearer token.
func (s *Server) noticeOf(r *http.Request, rq *request, now time.Time) *sessionNotice {
	left := rq.expires.Sub(now)
	if rq.sessionHash == nil || rq.expires.IsZero() || left > sessionWarning {
		return nil
	}
	back := r.URL.Path
	switch {
	case r.Method != http.MethodGet:
		back = s.pageAt(r.URL.Path)
	case r.URL.RawQuery != "":
		back = r.URL.RequestURI()
	}
	return &sessionNotice{At: sessionEnds(rq.expires, now), Minutes: int(max((left+time.Minute-1)/time.Minute, 1)),
		Extend: s.extendedUntil(rq, now).After(rq.expires), Hours: int(max(maxLogin, s.sessionTTL) / time.Hour), Back: back}
}

// pageAt is the page a form's answer at path (a refused form shown again
// at the form's address) leads back to: the nearest page above it that a
// GET shows, "/shipments/{id}" for "/shipments/{id}/followup",
// "/admin/users" for "/admin/users/{id}/disable"; a form's own address
// has no page to GET (noSuchPage's 404).
func (s *Server) pageAt(p string) string {
	for ; p != "/" && p != "." && p != ""; p = path.Dir(p) {
		if _, pattern := s.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}}); pattern != "/" && pattern != "" {
			return p
		}
	}
	return "/"
}

// extendSession is the "stay signed in" form: the session lasts sessionTTL
// from now (at most its sessionCap), its cookie as long; audited, then
// back to the page (next). A session that ended before leads to the login
// (sessionEnded).
func (s *Server) extendSession(w http.ResponseWriter, r *http.Request) {
	rq := current(r.Context())
	c, err := r.Cookie(sessionCookie)
	if rq.sessionHash == nil || err != nil {
		http.Error(w, "only a login's session can be extended, not a bearer token", http.StatusBadRequest)
		return
	}
	now := s.now()
	ends, err := s.store.ExtendSession(r.Context(), rq.sessionHash, now, s.extendedUntil(rq, now))
	if errors.Is(err, store.ErrNotFound) { // ended since identify looked
		s.sessionEnded(w, r)
		return
	}
	if err != nil {
		s.internalError(w, r, "extend session", err)
		return
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, c.Value, int(ends.Sub(now)/time.Second)))
	s.audit(r.Context(), store.ActSessionExtend, "", "until "+ends.UTC().Format(time.RFC3339))
	s.log.Info("session extended", "user", rq.Name, "until", ends.UTC().Format(time.RFC3339))
	http.Redirect(w, r, safeReturn(r.PostFormValue("next")), http.StatusSeeOther)
}

// safeReturn is safeNext keeping the query (re-encoded): the page a
// page's own form leads back to.
func safeReturn(next string) string {
	path, query, _ := strings.Cut(next, "?")
	p := safeNext(path)
	if p == "/" && path != "/" || query == "" {
		return p
	}
	v, err := url.ParseQuery(query)
	if err != nil || len(v) == 0 {
		return p
	}
	return p + "?" + v.Encode()
}
