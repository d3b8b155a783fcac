package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 500

// auditData is a page of the audit log, its filter and its way on.
type auditData struct {
	Entries []store.AuditEntry
	Next    string // the cursor of the next, older page; empty on the last
	Paged   bool   // an older page: a link back to the newest
	Actors  []string
	Actions []store.AuditAction
	F       auditQuery
	// A refused filter: the form as filled in (F), the problem in it tied
	// to its field (badAuditFilter), no entries.
	fieldProblem
}

// auditLabels are the catalogue keys of the labels of the audit page's
// filter form (audit.html) that a refused filter names, by field.
var auditLabels = map[string]string{"person": "audit.person", "from": "audit.from", "to": "audit.to"}

// auditActions are the actions the filter suggests: those about letters
// and people a data protection officer asks about most; any other action
// is typed.
var auditActions = []store.AuditAction{store.ActExport, store.ActFollowUp, store.ActLogin, store.ActLoginFailed,
	store.ActSearch, store.ActViewAudit, store.ActViewFollowUp, store.ActViewIncident, store.ActViewList,
	store.ActViewOverview, store.ActViewShipment, store.ActViewSummary}

// auditQuery is the audit log's filter as a URL carries it (the page, its
// export, the API): actor (exact), action (exact), letter (a shipment id or
// a channel id), person (an organisation number, or a person id masked as
// the log holds it: a full person id never goes into a URL, the page's form
// masks it and adds rid), rid (the recipient's row, for their letters),
// from and to (Oslo dates, both inclusive).
type auditQuery struct {
	Actor, Action, Letter, Person, From, To string
	RID                                     int64
}

// maskedPersonID is a person id (or CPR number) as model.MaskPersonID
// writes it: the date of birth, then stars.
var maskedPersonID = regexp.MustCompile(`^[0-9]{6}\*{4,5}$`)

// values is q as URL parameters, the empty ones left out.
func (q auditQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"actor", q.Actor}, {"action", q.Action}, {"letter", q.Letter},
		{"person", q.Person}, {"from", q.From}, {"to", q.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if q.RID > 0 {
		v.Set("rid", strconv.FormatInt(q.RID, 10))
	}
	return v
}

// String describes the filter for the audit entry of its use.
func (q auditQuery) String() string {
	s, _ := url.QueryUnescape(q.values().Encode())
	return strings.ReplaceAll(s, "&", " ")
}

// readAuditQuery reads the audit log's filter from the URL's query and
// checks it.
func readAuditQuery(v url.Values) (auditQuery, error) {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := auditQuery{Actor: get("actor"), Action: get("action"), Letter: get("letter"),
		Person: model.NormalizePersonID(get("person")), From: get("from"), To: get("to")}
	if q.Person != "" && model.CheckOrgNumber(q.Person) != nil && !maskedPersonID.MatchString(q.Person) {
		if model.CheckPersonID(q.Person) == nil {
			return q, filterErr("err.filter.person_in_url")
		}
		return q, filterErr("err.audit_person")
	}
	if r := get("rid"); r != "" {
		n, err := strconv.ParseInt(r, 10, 64)
		if err != nil || n <= 0 {
			return q, filterErr("err.filter.bad_rid")
		}
		q.RID = n
	}
	from, to, err := q.period()
	if err != nil {
		return q, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return q, filterErr("err.filter.from_to")
	}
	return q, nil
}

// period is the filter's dates as times: from the start of the from day
// in Oslo to the start of the day after to (zero: open).
func (q auditQuery) period() (from, to time.Time, err error) {
	for _, d := range []struct {
		name, v string
		at      *time.Time
		days    int
	}{{"from", q.From, &from, 0}, {"to", q.To, &to, 1}} {
		if d.v == "" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", d.v, zone)
		if err != nil {
			return from, to, filterErr("err.filter.date", "Name", d.name)
		}
		*d.at = day.AddDate(0, 0, d.days)
	}
	return from, to, nil
}

// storeFilter is q as the store's filter in the principal's organisation:
// a letter and a person become the objects that name them.
func (s *Server) storeFilter(ctx context.Context, q auditQuery) (store.AuditFilter, error) {
	org := principal(ctx).SenderOrg
	f := store.AuditFilter{SenderOrg: org, Actor: q.Actor, Action: q.Action}
	f.From, f.To, _ = q.period() // checked by readAuditQuery
	if q.Letter != "" {
		objects, err := s.store.AuditLetterObjects(ctx, org, q.Letter)
		if err != nil {
			return f, err
		}
		f.Objects = objects
	}
	if q.Person != "" || q.RID > 0 {
		objects, err := s.store.AuditPersonObjects(ctx, org, q.Person, q.RID)
		if err != nil {
			return f, err
		}
		if f.Objects != nil { // a letter and a person: that letter, if it is theirs
			objects = slices.DeleteFunc(objects, func(o string) bool { return !slices.Contains(f.Objects, o) })
		}
		f.Objects = objects
	}
	return f, nil
}

// auditPage shows the audit log of the principal's organisation, newest
// first, auditPageSize entries a page, filtered (auditQuery); ?before= (a
// page's "older entries" link, which keeps the filter) goes on to older
// ones.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q, err := readAuditQuery(r.URL.Query())
	if s.badAuditFilter(w, r, q, err) {
		return
	}
	if !s.aboutPerson(w, r, q) {
		return
	}
	before := r.URL.Query().Get("before")
	page, ok := s.auditLog(w, r, q, before, auditPageSize)
	if !ok {
		return
	}
	s.audit(r.Context(), store.ActViewAudit, "audit_log", auditDetail("", before, q))
	s.showAudit(w, r, http.StatusOK, auditData{Entries: page.Entries, Next: page.NextCursor, Paged: before != "", F: q})
}

// showAudit renders the audit page of d with its filter form's choices.
func (s *Server) showAudit(w http.ResponseWriter, r *http.Request, status int, d auditData) {
	actors, err := s.store.AuditActors(r.Context(), principal(r.Context()).SenderOrg)
	if err != nil {
		s.internalError(w, r, "list audit actors", err)
		return
	}
	if d.F.Actor != "" && !slices.Contains(actors, d.F.Actor) {
		actors = append(actors, d.F.Actor) // an actor of another organisation, chosen by name
	}
	d.Actors, d.Actions = actors, auditActions
	s.render(w, r, status, "audit", "title.audit", d)
}

// badAuditFilter answers a refused audit filter q (err from
// readAuditQuery, or the form's person): a problem of a field of the form
// (a date, from after to, a person that is neither id) is the audit page,
// 400, with the form as filled in, the problem in it tied to its field and
// no entries; a person typed wrong is not shown again (it may be a
// mistyped national id). Others (a national id or a bad rid in the URL)
// are an error page (badFilter). It reports whether there was one.
func (s *Server) badAuditFilter(w http.ResponseWriter, r *http.Request, q auditQuery, err error) bool {
	var fe filterError
	if err == nil || !errors.As(err, &fe) {
		return s.badFilter(w, r, err)
	}
	prob, ok := filterProblem(s.loc(r), q.values(), fe, auditLabels)
	if !ok {
		return s.badFilter(w, r, err)
	}
	if prob.ProblemField == "person" {
		q.Person, q.RID = "", 0
	}
	s.showAudit(w, r, http.StatusBadRequest, auditData{F: q, fieldProblem: prob})
	return true
}

// auditSearch takes the audit page's filter form: a person's full id is
// masked as the log holds it and resolved to the recipient's row in scope
// (their letters), then the page is shown by redirect with a URL that has
// neither the id nor anything else the log does not hold.
func (s *Server) auditSearch(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	q := auditQuery{Actor: get("actor"), Action: get("action"), Letter: get("letter"), From: get("from"), To: get("to")}
	if p := get("person"); p != "" && p == get("shown_person") { // unchanged: as the page had it
		q.Person = p
		q.RID, _ = strconv.ParseInt(get("rid"), 10, 64)
	} else if ident := searchIdent(p); ident != "" {
		kind, ok := model.RecipientKindOf(ident)
		if !ok {
			s.badAuditFilter(w, r, q, filterErr("err.audit_person"))
			return
		}
		q.Person = model.MaskRecipient(kind, ident)
		rid, err := s.store.RecipientInScope(r.Context(), ident, principal(r.Context()).Scope())
		switch {
		case err == nil:
			q.RID = rid
		case !errors.Is(err, store.ErrNotFound):
			s.internalError(w, r, "audit search", err)
			return
		}
	}
	if _, err := readAuditQuery(q.values()); s.badAuditFilter(w, r, q, err) {
		return
	}
	target := "/audit"
	if v := q.values(); len(v) > 0 {
		target += "?" + v.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// auditExport streams the entries the audit page's filter selects, every
// page of them, as CSV, XLSX or JSON; the export is itself audited.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	if scriptRefused(w, r, auditExportParams) {
		return
	}
	format, err := report.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "err.filter.format", "Value", model.Quote(r.URL.Query().Get("format")))
		return
	}
	q, err := readAuditQuery(r.URL.Query())
	if s.badFilter(w, r, err) {
		return
	}
	f, err := s.storeFilter(r.Context(), q)
	if err != nil {
		s.internalError(w, r, "audit export", err)
		return
	}
	if !s.aboutPerson(w, r, q) || !s.mustAudit(w, r, store.ActExport, strings.TrimSpace("audit_log "+q.String()), string(format)) {
		return
	}
	s.download(w, r, "audit", s.exportFile("audit", format), format, auditRows, func(w io.Writer) (int, error) {
		return report.AuditLog(r.Context(), s.store, f, format, w, s.xlsxFor(r))
	})
}

// apiAudit is GET /api/v1/audit?limit=N&before=C and the filter of
// auditQuery. Another parameter, or one given twice, is a 400 naming it:
// ignored, the whole log would be answered as if filtered.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if refuseUnknownParams(w, v, apiAuditParams) {
		return
	}
	if err := repeatedParam(v); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit := 100
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxAuditPage {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to "+strconv.Itoa(store.MaxAuditPage))
			return
		}
		limit = n
	}
	q, err := readAuditQuery(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.aboutPerson(w, r, q) {
		return
	}
	before := v.Get("before")
	page, ok := s.auditLog(w, r, q, before, limit)
	if !ok {
		return
	}
	s.audit(r.Context(), store.ActViewAudit, "audit_log", auditDetail("api", before, q))
	writeJSON(w, http.StatusOK, page)
}

// auditExportParams are the query parameters /audit/export takes:
// auditQuery's filter and format (scriptRefused).
var auditExportParams = []string{"actor", "action", "letter", "person", "rid", "from", "to", "format"}

// apiAuditParams are the query parameters GET /api/v1/audit takes: its
// page's and auditQuery's filter.
var apiAuditParams = []string{"limit", "before", "actor", "action", "letter", "person", "rid", "from", "to"}

// auditLog reads a page of the audit log in the principal's scope. A
// cursor the store did not make answers 400 (a page in the UI, JSON in the
// API), a failure 500; then ok is false.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, q auditQuery, before string, limit int) (*store.AuditPage, bool) {
	f, err := s.storeFilter(r.Context(), q)
	if err == nil {
		f.Before, f.Limit = before, limit
		var page *store.AuditPage
		if page, err = s.store.AuditLog(r.Context(), f); err == nil {
			return page, true
		}
	}
	switch {
	case errors.Is(err, store.ErrBadCursor):
		if isAPI(r) {
			writeErrorCode(w, http.StatusBadRequest, codeInvalidCursor, "invalid cursor: before must be the next_cursor of an earlier page; start again without it")
		} else {
			s.renderError(w, r, http.StatusBadRequest, "err.audit_cursor")
		}
	default:
		s.internalError(w, r, "read audit log", err)
	}
	return nil, false
}

// aboutPerson records whose data an unscoped admin's view (or export) of
// the audit log filtered by a person reads, as their search for the person
// does (aboutNarrowed): the one organisation that wrote to them (by the
// search's rid, or an organisation's number), whose officer alone then sees
// the entry with the person in its filter; none's when none did. A masked
// person without a rid names no one recipient and stays every
// organisation's. It answers a failure itself and reports false.
func (s *Server) aboutPerson(w http.ResponseWriter, r *http.Request, q auditQuery) bool {
	switch {
	case q.RID > 0:
		return s.aboutNarrowed(w, r, store.ListFilter{RecipientRow: q.RID})
	case q.Person != "" && !maskedPersonID.MatchString(q.Person):
		return s.aboutNarrowed(w, r, store.ListFilter{Recipient: q.Person})
	}
	return true
}

// auditDetail is a view of the audit log's audit detail: where (the API
// or the UI), past the first page from which entry on, and the filter.
func auditDetail(via, before string, q auditQuery) string {
	d := via
	if before != "" {
		d += " before " + before
	}
	return strings.TrimSpace(d + " " + q.String())
}

// AuditAction is an audit entry's action for people: its text in the
// page's language (audit.act.*) with the code the log keeps, and the
// filter and the exports take, beside it ("så et brevs bevisrapport
// (view_shipment)"); an action of no text as its code. The log itself is
// never rewritten.
func (v view) AuditAction(action store.AuditAction) string {
	key := "audit.act." + string(action)
	if action == "" || !v.L.Has(key) {
		return string(action)
	}
	return v.L.T(key) + " (" + string(action) + ")"
}

// AuditObject is an audit entry's object for people: on a Norwegian or
// Danish page its leading kind ("shipment", "print_batch", a list's name)
// in the page's language (audit.obj.*), the rest (an id, a filter) as
// recorded: "forsendelse 01…". An English page, and an object of another
// kind, show it as recorded, as the exports and the API give it.
func (v view) AuditObject(object string) string {
	// A summary ("by unit: unopened …"): its grouping, then the list.
	for _, by := range []string{"unit", "recipient"} {
		if rest, ok := strings.CutPrefix(object, "by "+by+": "); ok && v.L.Lang() != "en" && v.L.Has("audit.obj.by_"+by) {
			return v.L.T("audit.obj.by_"+by) + ": " + v.AuditObject(rest)
		}
	}
	kind, rest, _ := strings.Cut(object, " ")
	if v.L.Lang() == "en" || kind == "" || !v.L.Has("audit.obj."+kind) {
		return object
	}
	return strings.TrimSpace(v.L.T("audit.obj."+kind) + " " + rest)
}
