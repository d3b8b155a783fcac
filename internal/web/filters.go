package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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

// filterParams are the query parameters of a list's filter, those
// readFilter reads.
var filterParams = []string{"list", "recipient", "rid", "unit", "unit_id", "state", "stage", "class", "channel", "channel_id", "from", "to", "step", "step_from", "step_to", "min_age", "limit", "cursor"}

// filterRules are what a list's filter takes that differs between the
// UI's lists and the API's (readFilter).
type filterRules struct {
	list    store.ListName   // the list when the query names none
	lists   []store.ListName // the lists the query may name
	persons bool             // recipient may be a person id
}

var (
	// uiFilter: the UI's lists, summaries and exports. A person id never
	// goes into a URL (a browser keeps it in its history, a proxy in its
	// log): the search form resolves one to its rid.
	// Every letter (all) is a list of the UI too: the overview's counts of
	// the week link to those escalation took a step for (step).
	uiFilter = filterRules{list: store.ListUnopened, lists: append(slices.Clone(store.Lists), store.ListAll)}
	// apiFilter: GET /api/v1/shipments, every letter in scope unless a
	// list is named. A program has no search form to go through: its
	// recipient may be a person id, as it always could (the server's log
	// has no query, and the audit log masks it).
	apiFilter = filterRules{list: store.ListAll, lists: append(slices.Clone(store.Lists), store.ListAll), persons: true}
)

// parseFilter reads the filter of a list of the UI (uiFilter) from the
// query, inside the principal's scope (readFilter).
func (s *Server) parseFilter(p *auth.Principal, q url.Values) (store.ListFilter, error) {
	return s.readFilter(p, q, uiFilter)
}

// uiListFilter reads the filter of a list page, a summary or their export
// (parseFilter) with its sending unit by id. The UI's links and filter form
// name a unit by its row id (unit_id), never by its name: a name such as
// Barnevernstjenesten says what the unit's letters are about, and a URL
// stays in access logs, proxies' logs and browsers' histories. An older
// link's unit name (a bookmark) is still read: when it names one unit in
// the principal's scope, the request's query becomes that unit's id, so
// that every link the page makes from its query (linkQuery) carries the id;
// a name no unit in scope has, or one two organisations' units share (one
// id would narrow it), stays a filter by name, which the filter form
// carries on until a unit is chosen in it (that unit_id replaces the
// name: unitQuery). An id outside the scope
// selects nothing (store.ListFilter ands it with the scope). f.Unit is the
// unit's name when known, for the list's heading and the audit entry.
func (s *Server) uiListFilter(r *http.Request, p *auth.Principal) (store.ListFilter, error) {
	q := r.URL.Query()
	units, byID, err := s.unitQuery(r.Context(), p, q)
	if err != nil {
		return store.ListFilter{Scope: p.Scope(), List: uiFilter.list}, err
	}
	if byID {
		r.URL.RawQuery = q.Encode()
	}
	f, err := s.parseFilter(p, q)
	if f.Unit == "" {
		f.Unit = unitName(units, f.UnitID)
	}
	return f, err
}

// unitQuery reads the sending units in the principal's scope when the
// query q names one (unit or unit_id; else none) and makes an older link's
// unit name its id: when one unit in scope has that name, q's unit becomes
// unit_id (byID) for the links the page makes from it (uiListFilter); a
// unit_id chosen beside a name replaces it (byID too).
func (s *Server) unitQuery(ctx context.Context, p *auth.Principal, q url.Values) (units []store.Unit, byID bool, err error) {
	if len(q["unit"]) == 1 && len(q["unit_id"]) == 1 && q.Get("unit_id") != "" {
		// The filter form carries a unit name it could not make an id
		// (filters.html) beside its unit choice: a unit chosen replaces it.
		q.Del("unit")
		byID = true
	}
	byName := len(q["unit"]) == 1 && q.Get("unit") != "" && !q.Has("unit_id")
	if !byName && q.Get("unit_id") == "" {
		return nil, false, nil
	}
	if units, err = s.store.Units(ctx, p.Scope()); err != nil {
		return nil, false, fmt.Errorf("read the unit filter's units: %w", err)
	}
	if !byName {
		return units, byID, nil
	}
	var ids []int64
	for _, u := range units {
		if u.Name == model.NormalizeName(q.Get("unit")) { // as registration stores it (readFilter)
			ids = append(ids, u.ID)
		}
	}
	if len(ids) != 1 { // none in scope (the filter finds nothing), or one name in two organisations
		return units, false, nil
	}
	q.Del("unit")
	q.Set("unit_id", strconv.FormatInt(ids[0], 10))
	return units, true, nil
}

// unitName is the name of the unit id among units, "" for none (0, or a
// unit outside the scope the units were read in).
func unitName(units []store.Unit, id int64) string {
	for _, u := range units {
		if id != 0 && u.ID == id {
			return u.Name
		}
	}
	return ""
}

// unitID reads a unit_id parameter: a sending unit's row id, 0 when v is
// empty; a filterError when it is not a positive number.
func unitID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, filterErr("err.filter.bad_unit_id")
	}
	return n, nil
}

// readFilter reads a list's filter from the query, inside the principal's
// scope (a unit or organisation named narrows it, never widens it:
// store.ListFilter ands them). Parameters (filterParams): list, recipient
// (an organisation number, or for rules.persons a person id too; a CPR
// number may be written DDMMYY-SSSS, model.NormalizePersonID), rid (a
// recipient's row id), unit (a sending unit's name; it and class read as
// registration stores them, model.NormalizeName), unit_id (its row id,
// what the UI's links and filter form carry: uiListFilter), state, stage, class, channel, channel_id
// (the letter's id on its channel, as registered), from, to (dates
// sent, to inclusive), step (store.Steps) with step_from, step_to (dates of
// the step, to inclusive), min_age (days), limit, cursor. A bad value is a
// filterError whose English words name the parameter; so is a parameter
// given twice (?state=a&state=b: which was meant? none of them is a list),
// whether the filter reads it or its page does (offset, by, format).
func (s *Server) readFilter(p *auth.Principal, q url.Values, rules filterRules) (store.ListFilter, error) {
	if err := repeatedParam(q); err != nil {
		return store.ListFilter{Scope: p.Scope(), List: rules.list}, err
	}
	f := store.ListFilter{Scope: p.Scope(), List: store.ListName(q.Get("list")),
		Recipient: model.NormalizePersonID(strings.TrimSpace(q.Get("recipient"))), Unit: model.NormalizeName(q.Get("unit")), State: q.Get("state"),
		Stage: q.Get("stage"), Class: model.NormalizeName(q.Get("class")), Channel: q.Get("channel"), Cursor: q.Get("cursor"),
		ChannelID: model.NewShipment{ChannelID: q.Get("channel_id")}.Normalized().ChannelID,
		Step:      store.Step(q.Get("step"))}
	if f.List == "" {
		f.List = rules.list
	}
	if !slices.Contains(rules.lists, f.List) {
		return f, filterErr("err.filter.unknown_list", "Value", model.Quote(string(f.List)))
	}
	if f.State != "" && !model.State(f.State).Valid() {
		return f, filterErr("err.filter.unknown_state", "Value", model.Quote(f.State))
	}
	if f.Stage != "" && !model.Stage(f.Stage).Valid() {
		return f, filterErr("err.filter.unknown_stage", "Value", model.Quote(f.Stage))
	}
	if f.Step != "" && !f.Step.Valid() {
		return f, filterErr("err.filter.unknown_step", "Value", model.Quote(string(f.Step)))
	}
	if f.Step == "" && (q.Get("step_from") != "" || q.Get("step_to") != "") {
		return f, filterErr("err.filter.step_dates")
	}
	if f.Channel != "" && !slices.Contains(model.Channels(), f.Channel) {
		return f, filterErr("err.filter.unknown_channel", "Value", model.Quote(f.Channel))
	}
	if f.Recipient != "" && model.CheckOrgNumber(f.Recipient) != nil {
		person := model.CheckPersonID(f.Recipient) == nil
		switch {
		case person && !rules.persons:
			return f, filterErr("err.filter.person_in_url")
		case !person && rules.persons:
			return f, filterErr("err.filter.recipient_id")
		case !person:
			return f, filterErr("err.filter.recipient_org")
		}
	}
	if v := q.Get("rid"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, filterErr("err.filter.bad_rid")
		}
		f.RecipientRow = n
	}
	id, err := unitID(q.Get("unit_id"))
	if err != nil {
		return f, err
	}
	f.UnitID = id
	if f.List == store.ListSearch && f.Recipient == "" && f.RecipientRow == 0 {
		return f, filterErr("err.filter.search_recipient")
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}, {"step_from", &f.StepFrom, 0}, {"step_to", &f.StepTo, 1}} {
		if v := q.Get(d.name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, zone)
			if err != nil {
				return f, filterErr("err.filter.date", "Name", d.name)
			}
			*d.dst = t.AddDate(0, 0, d.add)
		}
	}
	// A period the wrong way round selects nothing: an empty list would
	// read as "no letter was sent".
	for _, d := range []struct {
		from, to string
		a, b     time.Time
	}{{"from", "to", f.From, f.To}, {"step_from", "step_to", f.StepFrom, f.StepTo}} {
		if !d.a.IsZero() && !d.b.IsZero() && !d.a.Before(d.b) {
			return f, filterErr("err.filter.reversed", "From", d.from, "To", d.to)
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
	if f.UnitID != 0 {
		add("unit_id", strconv.FormatInt(f.UnitID, 10))
	}
	add("state", f.State)
	add("stage", f.Stage)
	add("class", f.Class)
	add("channel", f.Channel)
	add("channel_id", f.ChannelID)
	add("step", string(f.Step))
	for _, t := range []struct {
		k string
		v time.Time
	}{{"from", f.From}, {"to", f.To}, {"sent_before", f.SentUntil}, {"step_from", f.StepFrom}, {"step_before", f.StepTo}} {
		if !t.v.IsZero() {
			add(t.k, t.v.In(zone).Format("2006-01-02"))
		}
	}
	return strings.Join(parts, " ")
}

// mustAuditList writes the audit entry of a list (shown, summarised,
// exported; what: its description, describe) before it is shown. A list of
// one recipient's letters (rid, the person search's list, an
// organisation's number, or the API's person id) is entered under the object the audit log's
// person filter looks for (store.AuditPersonObjects: "recipient=" and the
// recipient masked), with what and detail in the detail: the rid alone
// would not tell a data protection officer whom it was about.
func (s *Server) mustAuditList(w http.ResponseWriter, r *http.Request, action store.AuditAction, what string, f store.ListFilter, detail string) bool {
	object := what
	masked := ""
	switch {
	case f.RecipientRow != 0:
		who, _, err := s.store.RecipientByRow(r.Context(), f.RecipientRow, principal(r.Context()).Scope())
		if err != nil && !errors.Is(err, store.ErrNotFound) { // not found: no letter in scope, the list is empty
			s.internalError(w, r, "audit a recipient's list", err)
			return false
		}
		if err == nil {
			masked = model.MaskRecipient(who.Kind, who.ID)
		}
	case f.Recipient != "": // an organisation number, or the API's person id (readFilter)
		masked = maskAny(f.Recipient)
	}
	if masked != "" {
		object, detail = "recipient="+masked, strings.TrimPrefix(detail+"; "+what, "; ")
	}
	if !s.aboutNarrowed(w, r, f) {
		return false
	}
	return s.mustAudit(w, r, action, object, detail)
}

// aboutNarrowed records whose data an unscoped admin's list narrowed to a
// unit, a class, a recipient or a letter's channel id reads (about): the one organisation that has
// them, whose officer alone then sees the audit entry (a unit's name may
// tell what its letters are about, a recipient is a person); none when no
// organisation has them; every organisation's when several do. It answers
// a failure itself and reports false.
func (s *Server) aboutNarrowed(w http.ResponseWriter, r *http.Request, f store.ListFilter) bool {
	if principal(r.Context()).Scope() != (store.Scope{}) || f.UnitID == 0 && f.Unit == "" && f.Class == "" && f.RecipientRow == 0 && f.Recipient == "" && f.ChannelID == "" {
		return true
	}
	orgs, err := s.store.ListOrgs(r.Context(), f)
	if err != nil {
		s.internalError(w, r, "audit a list", err)
		return false
	}
	switch len(orgs) {
	case 0:
		aboutOrg(r.Context(), "")
	case 1:
		about(r.Context(), orgs[0])
	}
	return true
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
	s.internalError(w, r, "list", err)
	return true
}

type filterOptions struct {
	States, Stages, Channels []string
	Units                    []unitChoice // the sending units in scope, offered as the unit filter's choices
	Classes                  []string     // the classes of the letters in scope, offered as the class filter's choices
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

// unitChoice is a sending unit offered by the unit filter: its row id (the
// value the form sends) and its name, with its organisation's when the
// choices span more than one.
type unitChoice struct {
	ID    int64
	Label string
}

// listOptions are the options of a list's filters, with the sending units
// in the principal's scope as the unit filter's choices (by id: uiUnitFilter)
// and the classes of their letters as the class filter's (matched exactly).
func (s *Server) listOptions(ctx context.Context, p *auth.Principal) (filterOptions, error) {
	o := s.options()
	units, err := s.store.Units(ctx, p.Scope())
	if err != nil {
		return o, err
	}
	o.Units = unitChoices(units)
	if o.Classes, err = s.store.Classes(ctx, p.Scope()); err != nil {
		return o, err
	}
	return o, nil
}

// unitChoices are the units offered by a unit filter (by id), by name;
// each names its organisation when they are of more than one.
func unitChoices(units []store.Unit) []unitChoice {
	orgs := map[string]bool{}
	for _, u := range units {
		orgs[u.SenderOrg] = true
	}
	out := make([]unitChoice, 0, len(units))
	for _, u := range units {
		c := unitChoice{ID: u.ID, Label: u.Name}
		if len(orgs) > 1 {
			c.Label += " (" + cmp.Or(u.SenderOrgName, u.SenderOrg) + ")"
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b unitChoice) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// dayLayouts are the ways a person may type a day: as ISO 8601
// (2026-12-31, what a date field sends) or as Norwegians and Danes write it
// (31.12.2026).
var dayLayouts = []string{"2006-01-02", "02.01.2006"}

// parseDay reads a day a person typed, in Oslo, the start of it, written
// one of the dayLayouts ways; ok is false for anything else (a two-digit
// year). The search form and the incident report (its text fields, and
// its API) read their days here. The lists' filters and the audit log
// take ISO days only: their fields are date fields, and their API's
// parameters are documented so.
func parseDay(v string) (time.Time, bool) {
	for _, layout := range dayLayouts {
		if t, err := time.ParseInLocation(layout, v, zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// repeatedParam is the filterError of a parameter of q given twice
// (?state=a&state=b: which was meant?), nil when none is.
func repeatedParam(q url.Values) error {
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if len(q[k]) > 1 {
			return filterErr("err.filter.repeated", "Name", k)
		}
	}
	return nil
}
