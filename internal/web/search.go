package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

type searchData struct {
	// Recipient is what was typed, shown again when the form is refused
	// (a digit too few, a date that is not one) so that it can be
	// corrected rather than typed again; never after a search that ran.
	// The page is the answer to a POST: the id stays out of URLs.
	Recipient string
	From, To  string
	Error     string // the form was wrong
	Field     string // the field that was wrong: recipient, from or to
	None      string // nothing found for this (masked) recipient
}

// searchPage is the search form: by recipient and period, like the Danish
// event-log search. The form is posted (search), so that the person id
// stays out of URLs, browser history and access logs.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "search", "title.search", searchData{})
}

// search resolves the recipient's organisation number or person id to the
// recipient's row id and redirects to the search list by that id (rid) and
// the period. The search is audited with the id masked.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	ident := searchIdent(r.PostFormValue("recipient"))
	d := searchData{From: strings.TrimSpace(r.PostFormValue("from")), To: strings.TrimSpace(r.PostFormValue("to"))}
	kind, ok := model.RecipientKindOf(ident)
	if !ok {
		d.Error, d.Field = "search.err_ident", "recipient"
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"from", &d.From}, {"to", &d.To}} {
		if *f.v == "" {
			continue
		}
		if t, ok := parseDay(*f.v); ok {
			*f.v = t.Format("2006-01-02") // as the list's date field shows it
		} else if d.Error == "" {
			d.Error, d.Field = "search.err_date", f.name
		}
	}
	if d.Error != "" {
		if typed := strings.TrimSpace(r.PostFormValue("recipient")); len(typed) <= maxTypedRecipient {
			d.Recipient = typed
		}
		s.render(w, r, http.StatusBadRequest, "search", "title.search", d)
		return
	}
	masked := model.MaskRecipient(kind, ident)
	rid, err := s.store.RecipientInScope(r.Context(), ident, p.Scope())
	if errors.Is(err, store.ErrNotFound) {
		if p.Scope() == (store.Scope{}) {
			aboutOrg(r.Context(), "") // an admin's: no organisation wrote to them
		}
		if !s.mustAudit(w, r, store.ActSearch, "recipient="+masked, "not found") {
			return
		}
		d.None = masked
		s.render(w, r, http.StatusOK, "search", "title.search", d)
		return
	}
	if err != nil {
		s.internalError(w, r, "search", err)
		return
	}
	if !s.aboutNarrowed(w, r, store.ListFilter{RecipientRow: rid}) ||
		!s.mustAudit(w, r, store.ActSearch, "recipient="+masked, "rid="+strconv.FormatInt(rid, 10)) {
		return
	}
	q := url.Values{"list": {string(store.ListSearch)}, "rid": {strconv.FormatInt(rid, 10)}}
	if d.From != "" {
		q.Set("from", d.From)
	}
	if d.To != "" {
		q.Set("to", d.To)
	}
	http.Redirect(w, r, "/list?"+q.Encode(), http.StatusSeeOther)
}

// maxTypedRecipient is the longest typed recipient a refused search shows
// again: an organisation number or person id as people write it, with
// spaces, fits many times over; a longer text was pasted by mistake.
const maxTypedRecipient = 64

// searchIdent is a typed organisation number or person id as stored: digits
// only. It drops the spaces people write ("14 69 18 04", "974 760 673",
// "010180 12345"), a leading "DK" of a CVR number ("DK14691804", the VAT
// form) and the hyphen of a Danish CPR number ("010180-1234",
// model.NormalizePersonID, as registration takes it). Anything
// else is left for the checks to refuse.
func searchIdent(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(s) == 10 && strings.EqualFold(s[:2], "DK") {
		s = s[2:]
	}
	return model.NormalizePersonID(s)
}
