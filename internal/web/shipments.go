package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"postvakt/internal/auth"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// MaxBatch is the most shipments one POST may register.
const MaxBatch = 10000

// maxBody bounds a registration request body.
const maxBody = 64 << 20

// wireShipment is a registration as it arrives over the API.
type wireShipment struct {
	Channel    string `json:"channel"`
	ChannelID  string `json:"channel_id"`
	SenderOrg  string `json:"sender_org"`
	SenderUnit string `json:"sender_unit"`
	Recipient  *struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
	} `json:"recipient"`
	Title        string `json:"title"`
	Confidential *bool  `json:"confidential"`
	Class        string `json:"class"`
	SentAt       string `json:"sent_at"`
	SenderSystem string `json:"sender_system"`
}

// controlProblems are the fields holding a control character (a tab, a
// line break, NUL) as sent: at a field's edge, where storing would trim it
// away with the spaces, it is refused all the same, as in an imported
// file's cell (importer.parseRow). Length and the rest are Validate's.
func (ws wireShipment) controlProblems() []model.FieldError {
	fields := []struct{ name, value string }{{"channel", ws.Channel}, {"channel_id", ws.ChannelID}, {"sender_org", ws.SenderOrg},
		{"sender_unit", ws.SenderUnit}, {"title", ws.Title}, {"class", ws.Class}, {"sent_at", ws.SentAt}, {"sender_system", ws.SenderSystem}}
	if ws.Recipient != nil {
		fields = append(fields, struct{ name, value string }{"recipient.kind", ws.Recipient.Kind}, struct{ name, value string }{"recipient.id", ws.Recipient.ID})
	}
	var bad []model.FieldError
	for _, f := range fields {
		if !strings.ContainsFunc(f.value, unicode.IsControl) {
			continue
		}
		if p := model.TextProblem(f.value, len(f.value)); p.Key != "" {
			bad = append(bad, model.NewFieldError(f.name, p))
		}
	}
	return bad
}

// itemError is one problem with one item of a registration request.
type itemError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	tok := principal(r.Context())
	if refuseUnknownParams(w, r.URL.Query(), nil) {
		return // ?dry_run=true would register the letters all the same
	}
	body, ok := readJSONBody(w, r)
	if !ok {
		return
	}
	body = escapeNULs(body)
	raws, err := splitItems(body)
	if err != nil {
		writeErrorCode(w, http.StatusBadRequest, codeBadBody, err.Error())
		return
	}
	if len(raws) == 0 {
		writeItemErrors(w, http.StatusUnprocessableEntity, []itemError{{Index: 0, Field: "", Message: "no shipments in the request"}})
		return
	}
	if len(raws) > MaxBatch {
		writeItemErrors(w, http.StatusRequestEntityTooLarge, []itemError{{Index: MaxBatch, Field: "", Message: fmt.Sprintf("at most %d shipments per request", MaxBatch)}})
		return
	}
	now := s.now()
	scope := tok.Scope()
	items := make([]model.NewShipment, 0, len(raws))
	var problems []itemError
	outside := 0 // items naming another organisation or unit than the token's
	for i, raw := range raws {
		ns, errs := decodeItem(raw, now, s.channels)
		if strings.TrimSpace(ns.SenderSystem) == "" {
			ns.SenderSystem = senderSystem(tok)
		}
		for _, e := range errs {
			problems = append(problems, itemError{Index: i, Field: e.Field, Message: e.Message})
		}
		if scope.SenderOrg != "" && ns.SenderOrg != "" && ns.SenderOrg != scope.SenderOrg {
			problems = append(problems, itemError{Index: i, Field: "sender_org", Message: "outside the token's sender organisation"})
			outside++
		} else if scope.SenderUnit != "" && ns.SenderUnit != "" && ns.SenderUnit != scope.SenderUnit {
			problems = append(problems, itemError{Index: i, Field: "sender_unit", Message: "outside the token's sending unit"})
			outside++
		}
		items = append(items, ns)
	}
	if outside > 0 {
		// A try outside the token's scope, as a request outside it is:
		// logged as a warning and audited, with the count only.
		s.forbidden(r.Context(), r, fmt.Sprintf("registration of %d item(s) outside the token's scope", outside))
	}
	if len(problems) > 0 {
		s.log.Info("registration refused", "actor", tok.Actor(), "items", len(raws), "problems", len(problems))
		writeItemErrors(w, http.StatusUnprocessableEntity, problems)
		return
	}
	stored, created, notes, err := s.store.RegisterChecked(r.Context(), items, store.SourceAPI, tok.Actor(), scope.SenderUnit != "")
	var foreign *store.ForeignError
	var contra *store.ContradictionError
	if errors.As(err, &contra) {
		conflicts := make([]itemError, 0, len(contra.Rows))
		for _, c := range contra.Rows {
			conflicts = append(conflicts, contradiction(c))
		}
		s.log.Info("registration refused: items naming a letter with other facts", "actor", tok.Actor(), "items", len(conflicts))
		writeItemErrors(w, http.StatusConflict, conflicts)
		return
	}
	if errors.As(err, &foreign) {
		conflicts := make([]itemError, 0, len(foreign.Indexes))
		for k, i := range foreign.Indexes {
			conflicts = append(conflicts, itemError{Index: i, Field: foreign.Fields[k],
				Message: "this channel shipment is already registered for another sender organisation or unit"})
		}
		s.log.Warn("registration refused: channel ids of another sender", "actor", tok.Actor(), "items", len(foreign.Indexes))
		writeItemErrors(w, http.StatusConflict, conflicts)
		return
	}
	if err != nil {
		s.internalError(w, r, "register shipments", err)
		return
	}
	s.log.Info("shipments registered", "actor", tok.Actor(), "items", len(items), "new", created)
	status := http.StatusCreated
	if created == 0 {
		status = http.StatusOK
	}
	// As lists show them, each with its next step as GET /api/v1/shipments
	// gives it: a letter that existed already comes back as stored, and its
	// title and recipient are not the caller's to read without an audited
	// view (GET /api/v1/shipments/{id}).
	answer := map[string]any{"shipments": s.registered(r.Context(), stored)}
	if kept := notes.Kept; len(kept) > 0 {
		// A letter registered before with another class, confidentiality
		// or sent time stands as registered: said, so that a re-sent
		// correction is not believed to have taken effect.
		said := make([]itemError, len(kept))
		for i, k := range kept {
			said[i] = itemError{Index: k.Ord, Field: k.Field, Message: fmt.Sprintf(
				"this letter (its channel_id) is registered already with another %s, which stands: postvakt keeps the facts a letter was registered with", k.Fact())}
		}
		answer["kept"] = said
		s.log.Info("registration named letters with other facts, which stand", "actor", tok.Actor(), "items", len(kept))
	}
	if like := unitsLike(items, notes.UnitsLike); len(like) > 0 {
		answer["units_like"] = like
		s.log.Info("registration made units written otherwise than others of their organisation", "actor", tok.Actor(), "units", len(like))
	}
	writeJSON(w, status, answer)
}

// unitsLike tells each unit a registration made written otherwise than
// another unit of its organisation ("barnevernstjenesten" beside
// "Barnevernstjenesten": a unit of its own, its letters without the
// other's addresses, policy or unit users), as the CSV import does, by
// the first item naming it.
func unitsLike(items []model.NewShipment, like []store.UnitLike) []itemError {
	var said []itemError
	for _, u := range like {
		i := slices.IndexFunc(items, func(it model.NewShipment) bool { return it.SenderOrg == u.SenderOrg && it.SenderUnit == u.Name })
		if i < 0 {
			continue
		}
		said = append(said, itemError{Index: i, Field: "sender_unit", Message: fmt.Sprintf(
			"organisation %s has a new unit %q beside %q: two units, the letters of %q without the addresses, policy and unit users of %q; write the unit as the organisation's letters do",
			u.SenderOrg, u.Name, u.Like, u.Name, u.Like)})
	}
	slices.SortFunc(said, func(a, b itemError) int { return a.Index - b.Index })
	return said
}

// registered are the letters a registration stored, in request order, as
// GET /api/v1/shipments lists them: each with its next step by the lists'
// rule (nextSteps), worked out after the registration committed. When the
// store cannot say the letters' facts the registration stands all the
// same: the next steps are null and the failure is logged (a 500 would
// tell the integrator it failed; GET the letter for its step).
func (s *Server) registered(ctx context.Context, stored []store.Shipment) []listItem {
	var ids []string
	seen := make(map[string]bool, len(stored))
	for _, sh := range stored {
		if !seen[sh.ID] {
			seen[sh.ID] = true
			ids = escalating(ids, sh.ID, sh.State, sh.Stage)
		}
	}
	next, err := s.nextSteps(ctx, ids, "a registration")
	if err != nil {
		s.log.Error("registered, but cannot read the letters' next steps: answered without them", "items", len(stored), "error", err)
	}
	rows := make([]listItem, len(stored))
	for i, sh := range listed(stored) {
		rows[i] = listItem{listedShipment: sh, NextStep: next[sh.ID]}
	}
	return rows
}

// contradiction is the problem of an item that names a registered letter
// with other facts (store.Contradiction), by the field that differs.
// Neither the stored value nor the item's is quoted: a recipient may be a
// person, and a title is never shown.
func contradiction(c store.Contradiction) itemError {
	field := map[string]string{"recipient_kind": "recipient.kind", "recipient_id": "recipient.id"}[c.Field]
	if field == "" {
		field = c.Field
	}
	e := itemError{Index: c.Ord, Field: field}
	switch {
	case c.Earlier.Valid:
		e.Message = fmt.Sprintf("item %d names this letter (its channel_id) with another %s: a letter has one; correct the item that is wrong",
			c.Earlier.Int32, c.Fact())
	default:
		e.Message = "this letter (its channel_id) is already registered with another recipient, which is kept: correct the item, or leave it out"
	}
	return e
}

// senderSystem is the sender system of a letter registered through the API
// without one: the registering token's name (a user's actor name).
func senderSystem(p *auth.Principal) string {
	if p.Kind == "token" {
		return p.Name
	}
	return p.Actor()
}

// splitItems accepts one JSON object or an array of them.
func splitItems(body []byte) ([]json.RawMessage, error) {
	const whole = "a shipment object or an array of them"
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("empty request body: send a shipment object or an array of them")
	}
	if body[0] == '{' {
		// One object, and nothing after it: a second object or trailing
		// bytes would otherwise be dropped without a word.
		dec := json.NewDecoder(bytes.NewReader(body))
		var one json.RawMessage
		if err := dec.Decode(&one); err != nil {
			return nil, errors.New("the request body " + jsonProblem(err, whole).Message)
		}
		if !atEnd(dec) {
			return nil, errors.New("request body has more after the shipment object: send several shipments as an array")
		}
		return []json.RawMessage{one}, nil
	}
	if string(body) == "null" {
		// json.Unmarshal takes null for an empty array, without a word.
		return nil, errors.New("the request body is null: it must be " + whole)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, errors.New("the request body " + jsonProblem(err, whole).Message)
	}
	return items, nil
}

// decodeItem turns one item into a registration and lists its problems.
// Bytes that are not UTF-8 are refused before decoding (the decoder would
// quietly turn them into U+FFFD); NUL and other control characters, and
// over-long values, are refused by model validation, and so is a letter of
// a channel that is not among channels, the configured ones (WithChannels;
// nil: every registered one).
func decodeItem(raw json.RawMessage, now time.Time, channels []string) (model.NewShipment, []model.FieldError) {
	if field, msg := badText(raw); msg != "" {
		return model.NewShipment{}, []model.FieldError{{Field: field, Message: msg}}
	}
	if field, msg := keyProblem(raw, reflect.TypeFor[wireShipment]()); msg != "" {
		return model.NewShipment{}, []model.FieldError{{Field: field, Message: msg}}
	}
	var ws wireShipment
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ws); err != nil {
		return model.NewShipment{}, []model.FieldError{jsonProblem(err, "a shipment object")}
	}
	if bad := ws.controlProblems(); len(bad) > 0 {
		return model.NewShipment{}, bad // not quoted back: the characters are the problem
	}
	ns := model.NewShipment{
		Channel: ws.Channel, ChannelID: ws.ChannelID, SenderOrg: ws.SenderOrg, SenderUnit: ws.SenderUnit,
		Title: ws.Title, Class: ws.Class, SenderSystem: strings.TrimSpace(ws.SenderSystem),
	}
	var errs []model.FieldError
	if ws.Recipient == nil {
		errs = append(errs, model.FieldError{Field: "recipient", Message: "required"})
	} else {
		ns.RecipientKind, ns.RecipientID = ws.Recipient.Kind, ws.Recipient.ID
	}
	if ws.Confidential == nil {
		errs = append(errs, model.FieldError{Field: "confidential", Message: "required (true or false)"})
	} else {
		ns.Confidential = *ws.Confidential
	}
	badTime := false
	if ws.SentAt != "" {
		t, problem, ok := model.ParseSentAt(ws.SentAt)
		if !ok {
			badTime = true
			errs = append(errs, problem)
		}
		ns.SentAt = t
	}
	ns = ns.Normalized() // as it will be stored: the scope checks compare that
	for _, e := range ns.Validate(now, channels) {
		if e.Field == "recipient.kind" && ws.Recipient == nil {
			continue // already said: recipient required
		}
		if e.Field == "sent_at" && badTime {
			continue // already said: unparsable
		}
		errs = append(errs, e)
	}
	return ns, errs
}

// apiEventsLimit is how many events GET /api/v1/shipments/{id} gives
// unless ?limit= says otherwise (at most apiEventsMax).
const (
	apiEventsLimit = 200
	apiEventsMax   = 1000
)

// shipmentWithEvents is GET /api/v1/shipments/{id}'s answer: the letter,
// a page of its evidence log (Events), how many events the whole log has,
// and the cursor of the page before ("" when there is none).
type shipmentWithEvents struct {
	*store.Shipment
	// Events is always there, [] for an empty page (a purged letter's, a
	// cursor before the first event): it hides the letter's own
	// "events,omitempty", which lists leave out.
	Events           []store.Event `json:"events"`
	EventsTotal      int           `json:"events_total"`
	EventsNextCursor string        `json:"events_next_cursor"`
	// Outlook is the letter's policy and the dates of its future steps
	// (absent where the server holds no policies, WithPolicies).
	Outlook *Outlook `json:"outlook,omitempty"`
	// NextStep is the first of them as a list shows it (null when none).
	NextStep *NextStep `json:"next_step"`
}

// getShipment is GET /api/v1/shipments/{id}?limit=&before=: the letter
// with the latest limit events of its log before the cursor (the latest of
// all without one), in the order things happened. Another parameter, or
// one given twice, is a 400 naming it, as the lists' (a misspelt before
// would give the latest events as if the page asked for).
func (s *Server) getShipment(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if refuseUnknownParams(w, q, []string{"limit", "before"}) {
		return
	}
	if err := repeatedParam(q); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit := apiEventsLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiEventsMax {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a number from 1 to %d", apiEventsMax))
			return
		}
		limit = n
	}
	sh, ok := s.apiShipment(w, r)
	if !ok {
		return
	}
	page, err := s.store.EventsBefore(r.Context(), sh.ID, q.Get("before"), limit)
	switch {
	case errors.Is(err, store.ErrBadCursor):
		writeErrorCode(w, http.StatusBadRequest, codeInvalidCursor, "invalid cursor: before must be the events_next_cursor of an earlier answer")
		return
	case err != nil:
		s.internalError(w, r, "read a page of events", err)
		return
	}
	if !s.mustAudit(w, r, store.ActViewShipment, "shipment "+sh.ID, "api") {
		return
	}
	o, next, err := s.ahead(r.Context(), principal(r.Context()), sh.ID)
	if err != nil {
		s.internalError(w, r, "explain the escalation", err)
		return
	}
	events := page.Events
	if events == nil {
		events = []store.Event{}
	}
	writeJSON(w, http.StatusOK, shipmentWithEvents{Shipment: sh, Events: events, EventsTotal: page.Total, EventsNextCursor: page.NextCursor, Outlook: o,
		NextStep: next})
}

// listParams are the query parameters GET /api/v1/shipments takes: a
// list's filter (filterParams) but rid, which only the UI's links carry
// (a program names the recipient), and sender_unit, the name unit had
// before the API took the lists' filters.
var listParams = append(slices.DeleteFunc(slices.Clone(filterParams), func(p string) bool { return p == "rid" || p == "unit_id" }), "sender_unit")

// refuseUnknownParams answers 400 naming a query parameter of q the
// endpoint does not take (takes; none when empty), and reports whether
// there was one: a misspelt limit, a filter of another endpoint would
// otherwise be ignored, and the whole list taken for the filtered one; a
// registration's ?dry_run=true would register the letters all the same.
func refuseUnknownParams(w http.ResponseWriter, q url.Values, takes []string) bool {
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(takes, k) {
			what := "this endpoint takes " + strings.Join(takes, ", ")
			if len(takes) == 0 {
				what = "this endpoint takes no query parameter"
			}
			writeError(w, http.StatusBadRequest, "unknown query parameter "+model.Quote(k)+": "+what)
			return true
		}
	}
	return false
}

// senderUnitAsUnit reads sender_unit, the name the unit filter had
// before, as unit (a copy of q); false, answered 400, when both are given
// and differ.
func senderUnitAsUnit(w http.ResponseWriter, q url.Values) (url.Values, bool) {
	if !q.Has("sender_unit") {
		return q, true
	}
	if q.Has("unit") && q.Get("unit") != q.Get("sender_unit") {
		writeError(w, http.StatusBadRequest, "sender_unit and unit name the same filter: give unit only")
		return q, false
	}
	q = maps.Clone(q)
	q.Set("unit", q.Get("sender_unit"))
	q.Del("sender_unit")
	return q, true
}

// listShipments is GET /api/v1/shipments: a page of a list (every letter
// without list=) newest first, its filter read as the UI's lists read
// theirs (readFilter with apiFilter), a bad value a 400 naming it.
func (s *Server) listShipments(w http.ResponseWriter, r *http.Request) {
	tok := principal(r.Context())
	q := r.URL.Query()
	if refuseUnknownParams(w, q, listParams) {
		return
	}
	q, ok := senderUnitAsUnit(w, q)
	if !ok {
		return
	}
	f, err := s.readFilter(tok, q, apiFilter)
	var fe filterError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.Error())
		return
	}
	if err != nil {
		s.internalError(w, r, "read the list's filter", err)
		return
	}
	if !s.mustAuditList(w, r, store.ActViewList, describe(f), f, "api") {
		return
	}
	page, err := s.store.Shipments(r.Context(), f)
	if errors.Is(err, store.ErrBadCursor) {
		writeErrorCode(w, http.StatusBadRequest, codeInvalidCursor, "invalid cursor: it must be the next_cursor of an earlier page; start again without it")
		return
	}
	if err != nil {
		s.internalError(w, r, "list shipments", err)
		return
	}
	var ids []string
	for _, sh := range page.Shipments {
		ids = escalating(ids, sh.ID, sh.State, sh.Stage)
	}
	next, err := s.nextSteps(r.Context(), ids, "an API list page")
	if err != nil {
		s.internalError(w, r, "list shipments' next steps", err)
		return
	}
	rows := make([]listItem, len(page.Shipments))
	for i, sh := range listed(page.Shipments) {
		rows[i] = listItem{listedShipment: sh, NextStep: next[sh.ID]}
	}
	writeJSON(w, http.StatusOK, map[string]any{"shipments": rows, "next_cursor": page.NextCursor})
}

// listItem is a letter of GET /api/v1/shipments: as lists show it, with
// its next step as the UI's list shows it (null when it has none, or the
// server holds no policies).
type listItem struct {
	listedShipment
	NextStep *NextStep `json:"next_step"`
}

// listedShipment is a shipment as a list shows it, in the API as in the UI
// and the exports: without its title (the letter's own page has it) and
// with the recipient's national id masked.
type listedShipment struct {
	store.Shipment
	Title string `json:"title,omitempty"` // never set: hides the letter's
}

// listed is ships as lists show them (listedShipment).
func listed(ships []store.Shipment) []listedShipment {
	rows := make([]listedShipment, len(ships))
	for i, sh := range ships {
		sh.Recipient.ID = model.MaskRecipient(sh.Recipient.Kind, sh.Recipient.ID)
		rows[i] = listedShipment{Shipment: sh}
	}
	return rows
}

// maskAny masks an identifier unless it is an organisation number.
func maskAny(id string) string {
	if id == "" || model.CheckOrgNumber(id) == nil {
		return id
	}
	return model.MaskPersonID(id)
}
