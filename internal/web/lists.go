package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"postvakt/internal/auth"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// filterError is a bad filter value, answered with 400: a catalogue key
// and its placeholders. A page says it in the reader's language, the API
// in English (Error).
type filterError struct {
	key  string
	args []any
}

func filterErr(key string, args ...any) filterError { return filterError{key: key, args: args} }

func (e filterError) Error() string { return i18n.For("en", nil).T(e.key, e.args...) }

// parseFilter reads a list's filter from the query, inside the principal's
// scope. Parameters: list, recipient (an organisation number: a person id
// never goes into a URL; the search form resolves one to its rid), rid (a
// recipient's row id), unit, state, stage, class, channel, from, to (dates,
// to inclusive), min_age (days), cursor.
func (s *Server) parseFilter(p *auth.Principal, q url.Values) (store.ListFilter, error) {
	f := store.ListFilter{Scope: p.Scope(), List: store.ListName(q.Get("list")),
		Recipient: strings.TrimSpace(q.Get("recipient")), Unit: q.Get("unit"), State: q.Get("state"),
		Stage: q.Get("stage"), Class: q.Get("class"), Channel: q.Get("channel"), Cursor: q.Get("cursor")}
	if f.List == "" {
		f.List = store.ListUnopened
	}
	if !slices.Contains(store.Lists, f.List) {
		return f, filterErr("err.filter.unknown_list", "Value", strconv.Quote(string(f.List)))
	}
	if f.State != "" && !model.State(f.State).Valid() {
		return f, filterErr("err.filter.unknown_state", "Value", strconv.Quote(f.State))
	}
	if f.Channel != "" && !slices.Contains(model.Channels(), f.Channel) {
		return f, filterErr("err.filter.unknown_channel", "Value", strconv.Quote(f.Channel))
	}
	if f.Recipient != "" && model.CheckOrgNumber(f.Recipient) != nil {
		if model.CheckPersonID(f.Recipient) == nil {
			return f, filterErr("err.filter.person_in_url")
		}
		return f, filterErr("err.filter.recipient_org")
	}
	if v := q.Get("rid"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, filterErr("err.filter.bad_rid")
		}
		f.RecipientRow = n
	}
	if f.List == store.ListSearch && f.Recipient == "" && f.RecipientRow == 0 {
		return f, filterErr("err.filter.search_recipient")
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := q.Get(d.name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, zone)
			if err != nil {
				return f, filterErr("err.filter.date", "Name", d.name)
			}
			*d.dst = t.AddDate(0, 0, d.add)
		}
	}
	if v := q.Get("min_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100000 {
			return f, filterErr("err.filter.min_age")
		}
		f.SentUntil = store.MinAgeBound(s.now(), n)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, filterErr("err.filter.limit")
		}
		f.Limit = n
	}
	return f, nil
}

// describe names a list and its filters for the audit log; a person id is
// masked.
func describe(f store.ListFilter) string {
	parts := []string{string(f.List)}
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if f.Recipient != "" {
		kind := model.RecipientOrg
		if model.CheckOrgNumber(f.Recipient) != nil {
			kind = model.RecipientPerson
		}
		add("recipient", model.MaskRecipient(kind, f.Recipient))
	}
	if f.RecipientRow != 0 {
		add("rid", strconv.FormatInt(f.RecipientRow, 10))
	}
	add("org", f.SenderOrg)
	add("unit", f.SenderUnit)
	if f.Unit != f.SenderUnit {
		add("unit", f.Unit)
	}
	add("state", f.State)
	add("stage", f.Stage)
	add("class", f.Class)
	add("channel", f.Channel)
	for _, t := range []struct {
		k string
		v time.Time
	}{{"from", f.From}, {"to", f.To}, {"sent_before", f.SentUntil}} {
		if !t.v.IsZero() {
			add(t.k, t.v.In(zone).Format("2006-01-02"))
		}
	}
	return strings.Join(parts, " ")
}

// mustAuditList writes the audit entry of a list (shown, summarised,
// exported; what: its description, describe) before it is shown. A list of
// one recipient's letters (rid, the person search's list, or an
// organisation's number) is entered under the object the audit log's
// person filter looks for (store.AuditPersonObjects: "recipient=" and the
// recipient masked), with what and detail in the detail: the rid alone
// would not tell a data protection officer whom it was about.
func (s *Server) mustAuditList(w http.ResponseWriter, r *http.Request, action, what string, f store.ListFilter, detail string) bool {
	object := what
	masked := ""
	switch {
	case f.RecipientRow != 0:
		who, _, err := s.store.RecipientByRow(r.Context(), f.RecipientRow, principal(r.Context()).Scope())
		if err != nil && !errors.Is(err, store.ErrNotFound) { // not found: no letter in scope, the list is empty
			s.internalError(w, "audit a recipient's list", err)
			return false
		}
		if err == nil {
			masked = model.MaskRecipient(who.Kind, who.ID)
		}
	case f.Recipient != "" && model.CheckOrgNumber(f.Recipient) == nil:
		masked = f.Recipient
	}
	if masked != "" {
		object, detail = "recipient="+masked, strings.TrimPrefix(detail+"; "+what, "; ")
	}
	return s.mustAudit(w, r, action, object, detail)
}

// badFilter answers a filter error with 400 and reports whether there was
// one.
func (s *Server) badFilter(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return false
	}
	var fe filterError
	switch {
	case errors.As(err, &fe):
		s.renderError(w, r, http.StatusBadRequest, fe.key, fe.args...)
		return true
	case errors.Is(err, store.ErrBadCursor):
		s.renderError(w, r, http.StatusBadRequest, "err.filter.cursor")
		return true
	}
	s.internalError(w, "list", err)
	return true
}

type summaryData struct {
	By           store.GroupBy
	Filter       store.ListFilter
	Summary      *store.ListSummary
	Offset       int
	Next         int
	Prev         int
	Options      filterOptions
	fieldProblem // a refused filter: the form as filled in, no summary
}

type filterOptions struct {
	States, Stages, Channels []string
	Units                    []string // the sending units in scope, offered as the unit filter's choices
	Classes                  []string // the classes of the letters in scope, offered as the class filter's choices
}

// offered are the channels the UI offers: those configured (WithChannels),
// else every registered one (read when a page is made: channels register
// at init).
func (s *Server) offered() []string {
	if len(s.channels) > 0 {
		return s.channels
	}
	return model.Channels()
}

// options are the filters' choices, from the model's tables and the
// offered channels.
func (s *Server) options() filterOptions {
	o := filterOptions{Channels: s.offered()}
	for _, s := range model.States {
		o.States = append(o.States, string(s))
	}
	for _, s := range model.Stages() {
		o.Stages = append(o.Stages, string(s))
	}
	return o
}

// listOptions are the options of a list's filters, with the sending units
// in the principal's scope as the unit filter's choices and the classes of
// their letters as the class filter's (both match exactly).
func (s *Server) listOptions(ctx context.Context, p *auth.Principal) (filterOptions, error) {
	o := s.options()
	units, err := s.store.Units(ctx, p.Scope())
	if err != nil {
		return o, err
	}
	for _, u := range units {
		o.Units = append(o.Units, u.Name)
	}
	slices.Sort(o.Units)
	o.Units = slices.Compact(o.Units) // one name in two organisations is one choice
	if o.Classes, err = s.store.Classes(ctx, p.Scope()); err != nil {
		return o, err
	}
	return o, nil
}

const summaryPageSize = 50

// summaryPage is the unopened list grouped by receiving organisation (or by
// sending unit): count, oldest, furthest stage, reminders.
func (s *Server) summaryPage(by store.GroupBy) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		q := r.URL.Query()
		f, err := s.parseFilter(p, q)
		if s.badListFilter(w, r, err, "summary", summaryTitle(f.List, by), func(o filterOptions, pr fieldProblem) any {
			return summaryData{By: by, Filter: f, Summary: &store.ListSummary{}, Options: o, fieldProblem: pr}
		}) {
			return
		}
		offset, _ := strconv.Atoi(q.Get("offset"))
		offset = max(offset, 0)
		if !s.mustAuditList(w, r, "view_summary", "by "+string(by)+": "+describe(f), f, "") {
			return
		}
		sum, err := s.store.Summarise(r.Context(), f, by, offset, summaryPageSize)
		if s.badFilter(w, r, err) {
			return
		}
		opts, err := s.listOptions(r.Context(), p)
		if err != nil {
			s.internalError(w, "list", err)
			return
		}
		d := summaryData{By: by, Filter: f, Summary: sum, Offset: offset, Prev: -1, Next: -1, Options: opts}
		if offset > 0 {
			d.Prev = max(offset-summaryPageSize, 0)
		}
		if offset+summaryPageSize < sum.TotalGroups {
			d.Next = offset + summaryPageSize
		}
		s.render(w, r, http.StatusOK, "summary", summaryTitle(f.List, by), d)
	}
}

// summaryTitle is the catalogue key of a summary's title.
func summaryTitle(l store.ListName, by store.GroupBy) string {
	if l == "" {
		l = store.ListUnopened
	}
	return "title.summary." + string(l) + "." + string(by)
}

// listTitle is the catalogue key of a list's title.
func listTitle(l store.ListName) string { return "list." + string(l) }

type listData struct {
	Filter  store.ListFilter
	Page    *store.ListPage
	Heading string
	Options filterOptions
	// Reminders are the latest reminders to the organisation the list is
	// drilled into (its first page), when ShowReminders.
	Reminders     []store.OrgReminder
	ShowReminders bool
	// Total is how many letters the first page shows; More that the list
	// has more than those (a next page). The list counts no further: a
	// COUNT over a filter at 1,000,000 letters would read every letter it
	// selects, where a page reads one page of them.
	Total        int
	More         bool
	fieldProblem // a refused filter: the form as filled in, no list
}

// orgRemindersShown is how many reminders to an organisation its list shows.
const orgRemindersShown = 100

// listPage is one list of shipments, oldest first, paged.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	f, err := s.parseFilter(p, r.URL.Query())
	if s.badListFilter(w, r, err, "list", listTitle(f.List), func(o filterOptions, pr fieldProblem) any {
		return listData{Filter: f, Page: &store.ListPage{}, Heading: s.loc(r).T(listTitle(f.List)), Options: o, fieldProblem: pr}
	}) {
		return
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if !s.mustAuditList(w, r, "view_list", describe(f), f, "") {
		return
	}
	page, err := s.store.ListShipments(r.Context(), f)
	if s.badFilter(w, r, err) {
		return
	}
	opts, err := s.listOptions(r.Context(), p)
	if err != nil {
		s.internalError(w, "list", err)
		return
	}
	d := listData{Filter: f, Page: page, Heading: s.loc(r).T(listTitle(f.List)), Options: opts}
	if f.RecipientRow != 0 && f.Cursor == "" && len(page.Rows) > 0 && page.Rows[0].RecipientKind == model.RecipientOrg {
		if d.Reminders, err = s.store.RecipientReminders(r.Context(), f.RecipientRow, p.Scope(), orgRemindersShown); err != nil {
			s.internalError(w, "list reminders", err)
			return
		}
		d.ShowReminders = true
	}
	name, err := s.listNames(r.Context(), p, f, page)
	if err != nil {
		s.internalError(w, "name list's recipient", err)
		return
	}
	if name != "" {
		d.Heading += " — " + name
	}
	if f.Cursor == "" {
		d.Total, d.More = len(page.Rows), page.NextCursor != ""
	}
	s.render(w, r, http.StatusOK, "list", listTitle(f.List), d)
}

// listNames is whom a list is drilled into, for its heading: the recipient
// (id masked, and name) or the sending unit, also when the filter leaves no
// letters; "" for neither. The recipient is its first letter's, else read
// by its row id in the principal's scope (an organisation number in the
// URL names itself).
func (s *Server) listNames(ctx context.Context, p *auth.Principal, f store.ListFilter, page *store.ListPage) (string, error) {
	switch {
	case len(page.Rows) > 0 && (f.RecipientRow != 0 || f.Recipient != ""):
		first := page.Rows[0]
		return strings.TrimSpace(model.MaskRecipient(first.RecipientKind, first.RecipientID) + " " + first.RecipientName), nil
	case f.RecipientRow != 0:
		who, name, err := s.store.RecipientByRow(ctx, f.RecipientRow, p.Scope())
		if errors.Is(err, store.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(model.MaskRecipient(who.Kind, who.ID) + " " + name), nil
	case f.Recipient != "":
		return f.Recipient, nil // an organisation number (parseFilter)
	case f.Unit != "":
		return f.Unit, nil
	}
	return "", nil
}

type searchData struct {
	From, To string
	Error    string // the form was wrong
	Field    string // the field that was wrong: recipient, from or to
	None     string // nothing found for this (masked) recipient
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
	kind := model.RecipientOrg
	switch {
	case model.CheckOrgNumber(ident) == nil:
	case model.CheckPersonID(ident) == nil:
		kind = model.RecipientPerson
	default:
		d.Error, d.Field = "search.err_ident", "recipient"
	}
	for _, f := range [][2]string{{"from", d.From}, {"to", d.To}} {
		if _, err := time.ParseInLocation("2006-01-02", f[1], zone); f[1] != "" && err != nil && d.Error == "" {
			d.Error, d.Field = "search.err_date", f[0]
		}
	}
	if d.Error != "" {
		s.render(w, r, http.StatusBadRequest, "search", "title.search", d)
		return
	}
	masked := model.MaskRecipient(kind, ident)
	rid, err := s.store.RecipientInScope(r.Context(), ident, p.Scope())
	if errors.Is(err, store.ErrNotFound) {
		if !s.mustAudit(w, r, "search", "recipient="+masked, "not found") {
			return
		}
		d.None = masked
		s.render(w, r, http.StatusOK, "search", "title.search", d)
		return
	}
	if err != nil {
		s.internalError(w, "search", err)
		return
	}
	if !s.mustAudit(w, r, "search", "recipient="+masked, "rid="+strconv.FormatInt(rid, 10)) {
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

// searchIdent is a typed organisation number or person id as stored: digits
// only. It drops the spaces people write ("14 69 18 04", "974 760 673",
// "010180 12345"), a leading "DK" of a CVR number ("DK14691804", the VAT
// form) and the hyphen of a Danish CPR number ("010180-1234"). Anything
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
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	return s
}

// apiSummary is the summary as JSON: GET /api/v1/summary?by=recipient|unit
// with the list filters.
func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	q := r.URL.Query()
	f, err := s.parseFilter(p, q)
	var fe filterError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.Error())
		return
	}
	by := store.GroupBy(q.Get("by"))
	if by == "" {
		by = store.ByRecipient
	}
	if by != store.ByRecipient && by != store.ByUnit {
		writeError(w, http.StatusBadRequest, "by must be recipient or unit")
		return
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if !s.mustAuditList(w, r, "view_summary", "by "+string(by)+": "+describe(f), f, "api") {
		return
	}
	sum, err := s.store.Summarise(r.Context(), f, by, max(offset, 0), limit)
	if err != nil {
		s.internalError(w, "summary", err)
		return
	}
	if by == store.ByRecipient { // a unit's name is no person id
		for i := range sum.Groups {
			sum.Groups[i].Key = model.MaskRecipient(sum.Groups[i].Kind, sum.Groups[i].Key)
		}
	}
	writeJSON(w, http.StatusOK, sum)
}
