package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"postvakt/internal/auth"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

type summaryData struct {
	By      store.GroupBy
	Filter  store.ListFilter
	Summary *store.ListSummary
	// Persons is how many of the list's letters go to persons (citizens),
	// by recipient: one line, never a ranked list of masked ids.
	Persons int
	// UnitOrgs: by unit, the units are of more than one sending
	// organisation (an unscoped principal, no organisation filter): each
	// is named with its organisation's number (units may share a name).
	UnitOrgs     bool
	Offset       int
	Next         int
	Prev         int
	Options      filterOptions
	fieldProblem // a refused filter: the form as filled in, no summary
}

const summaryPageSize = 50

// summaryPage is the unopened list grouped by receiving organisation (or by
// sending unit): count, oldest, furthest stage, reminders.
func (s *Server) summaryPage(by store.GroupBy) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		f, err := s.uiListFilter(r, p)
		q := r.URL.Query()
		if s.badListFilter(w, r, err, "summary", summaryTitle(f.List, by), func(o filterOptions, pr fieldProblem) any {
			return summaryData{By: by, Filter: f, Summary: &store.ListSummary{}, Options: o, fieldProblem: pr}
		}) {
			return
		}
		offset, err := summaryOffset(q)
		if s.badFilter(w, r, err) {
			return
		}
		if !s.mustAuditList(w, r, store.ActViewSummary, "by "+string(by)+": "+describe(f), f, "") {
			return
		}
		sum, persons, err := s.summarise(r.Context(), f, by, offset, summaryPageSize)
		if s.badFilter(w, r, err) {
			return
		}
		opts, err := s.listOptions(r.Context(), p)
		if err != nil {
			s.internalError(w, r, "list", err)
			return
		}
		d := summaryData{By: by, Filter: f, Summary: sum, Persons: persons, Offset: offset, Prev: -1, Next: -1, Options: opts,
			UnitOrgs: by == store.ByUnit && f.SenderOrg == ""}
		if offset > 0 {
			d.Prev = max(offset-summaryPageSize, 0)
		}
		if offset+summaryPageSize < sum.TotalGroups {
			d.Next = offset + summaryPageSize
		}
		s.render(w, r, http.StatusOK, "summary", summaryTitle(f.List, by), d)
	}
}

// summaryOffset reads a summary's offset (the page's and the API's): how
// many groups to skip, 0 when not given; a filterError when it is not a
// number of groups (negative, a word, past int64), never read as 0 (the
// first page under a URL asking for another).
func summaryOffset(q url.Values) (int, error) {
	v := q.Get("offset")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, filterErr("err.filter.offset")
	}
	return n, nil
}

// summarise is a list's summary as the page and the API give it: by unit
// as the store groups it; by recipient the receiving organisations ranked
// and the persons' (citizens') letters as one count, persons, read
// together (store.SummariseOrgs): a compliance officer acts on no citizen
// by rank (no reminder reaches a person; a Danish citizen's letter goes to
// physical post), and a ranked list of masked ids says nothing but how
// many each got, as the overview (overviewPage) has it.
func (s *Server) summarise(ctx context.Context, f store.ListFilter, by store.GroupBy, offset, limit int) (sum *store.ListSummary, persons int, err error) {
	if by != store.ByRecipient {
		sum, err = s.store.Summarise(ctx, f, by, offset, limit)
		return sum, 0, err
	}
	return s.store.SummariseOrgs(ctx, f, offset, limit)
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
	Total int
	More  bool
	// Next is each letter's next step by id (nextSteps), nil without the
	// policies.
	Next         map[string]*NextStep
	fieldProblem // a refused filter: the form as filled in, no list
}

// orgRemindersShown is how many reminders to an organisation its list shows.
const orgRemindersShown = 100

// listPage is one list of shipments, oldest first, paged.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	f, err := s.uiListFilter(r, p)
	if s.badListFilter(w, r, err, "list", listTitle(f.List), func(o filterOptions, pr fieldProblem) any {
		return listData{Filter: f, Page: &store.ListPage{}, Heading: s.loc(r).T(listTitle(f.List)), Options: o, fieldProblem: pr}
	}) {
		return
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if !s.mustAuditList(w, r, store.ActViewList, describe(f), f, "") {
		return
	}
	page, err := s.store.ListShipments(r.Context(), f)
	if s.badFilter(w, r, err) {
		return
	}
	opts, err := s.listOptions(r.Context(), p)
	if err != nil {
		s.internalError(w, r, "list", err)
		return
	}
	d := listData{Filter: f, Page: page, Heading: s.loc(r).T(listTitle(f.List)), Options: opts}
	var ids []string
	for _, row := range page.Rows {
		ids = escalating(ids, row.ID, row.State, row.Stage)
	}
	if d.Next, err = s.nextSteps(r.Context(), ids, "a list page"); err != nil {
		s.internalError(w, r, "list's next steps", err)
		return
	}
	if f.RecipientRow != 0 && f.Cursor == "" && len(page.Rows) > 0 && page.Rows[0].RecipientKind == model.RecipientOrg {
		if d.Reminders, err = s.store.RecipientReminders(r.Context(), f.RecipientRow, p.Scope(), orgRemindersShown); err != nil {
			s.internalError(w, r, "list reminders", err)
			return
		}
		d.ShowReminders = true
	}
	name, err := s.listNames(r.Context(), p, f, page)
	if err != nil {
		s.internalError(w, r, "name list's recipient", err)
		return
	}
	if name != "" {
		d.Heading += " — " + name
	}
	if f.Step != "" {
		d.Heading += " — " + stepHeading(s.loc(r), f)
	}
	if f.Cursor == "" {
		d.Total, d.More = len(page.Rows), page.NextCursor != ""
	}
	s.render(w, r, http.StatusOK, "list", listTitle(f.List), d)
}

// stepHeading names the escalation step a list is narrowed to and its
// period (step_to is inclusive: the day before StepTo).
func stepHeading(l *i18n.Localizer, f store.ListFilter) string {
	parts := []string{l.T("list.step." + string(f.Step))}
	if !f.StepFrom.IsZero() {
		parts = append(parts, l.T("list.step_since", "From", f.StepFrom.In(zone).Format("2006-01-02")))
	}
	if !f.StepTo.IsZero() {
		parts = append(parts, l.T("list.step_until", "To", f.StepTo.In(zone).AddDate(0, 0, -1).Format("2006-01-02")))
	}
	return strings.Join(parts, " ")
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

// summaryParams are the query parameters GET /api/v1/summary takes: the
// lists' filter's but rid and cursor (a summary is paged by offset), and
// by and offset. Any other is a 400 (refuseUnknownParams).
var summaryParams = append(slices.DeleteFunc(slices.Clone(filterParams), func(p string) bool { return p == "rid" || p == "unit_id" || p == "cursor" }), "by", "offset")

// apiSummary is the summary as JSON: GET /api/v1/summary?by=recipient|unit
// with the list filters, offset and limit (groups), each checked as
// GET /api/v1/shipments checks its own: an unknown parameter or a bad
// value is a 400 naming it.
func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	q := r.URL.Query()
	if refuseUnknownParams(w, q, summaryParams) {
		return
	}
	f, err := s.parseFilter(p, q)
	var fe filterError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.Error())
		return
	}
	if err != nil {
		s.internalError(w, r, "read the summary's filter", err)
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
	offset, err := summaryOffset(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.mustAuditList(w, r, store.ActViewSummary, "by "+string(by)+": "+describe(f), f, "api") {
		return
	}
	sum, persons, err := s.summarise(r.Context(), f, by, offset, f.Limit) // limit: 1 to 1000 (readFilter), default 100
	if err != nil {
		s.internalError(w, r, "summary", err)
		return
	}
	out := apiSummaryAnswer{ListSummary: sum}
	if by == store.ByRecipient { // a unit's name is no person id
		for i := range sum.Groups {
			sum.Groups[i].Key = model.MaskRecipient(sum.Groups[i].Kind, sum.Groups[i].Key)
		}
		out.Persons = &persons
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSummaryAnswer is GET /api/v1/summary's answer: the summary and, by
// recipient, how many of the list's letters go to persons (summarise).
type apiSummaryAnswer struct {
	*store.ListSummary
	Persons *int `json:"persons_shipments,omitempty"`
}
