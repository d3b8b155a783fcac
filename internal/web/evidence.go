package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
)

// inScope says whether a shipment lies in scope.
func inScope(sh *store.Shipment, sc store.Scope) bool {
	return (sc.SenderOrg == "" || sc.SenderOrg == sh.SenderOrg) && (sc.SenderUnit == "" || sc.SenderUnit == sh.SenderUnit)
}

// shipmentFor loads a shipment (without its event log) for the request's
// principal: an error wrapping store.ErrNotFound when there is none, and
// when it is someone else's (another sender organisation's or sending
// unit's) too, so that every caller answers that as it answers an id that
// names nothing: a different answer would tell that the id exists
// elsewhere. The attempt at someone else's is logged and audited here.
func (s *Server) shipmentFor(r *http.Request, id string) (*store.Shipment, error) {
	p := principal(r.Context())
	sh, err := s.store.ShipmentFacts(r.Context(), id, store.Scope{})
	if err != nil {
		return nil, err
	}
	if !inScope(sh, p.Scope()) {
		s.forbidden(r.Context(), r, "shipment "+id+" belongs to another organisation or unit")
		return nil, fmt.Errorf("shipment %s: outside the caller's scope: %w", id, store.ErrNotFound)
	}
	about(r.Context(), sh.SenderOrg)
	return sh, nil
}

// Evidence is what the evidence trail proves, drawn from the event log:
// when the letter became available to the recipient and was opened, and
// which source said so.
type Evidence struct {
	AvailableAt     *time.Time `json:"available_at"`
	AvailableSource string     `json:"available_source,omitempty"`
	// AvailableNoLaterThan: AvailableAt is not a time the channel gave
	// for it but a bound: when postvakt asked (the channel told no time),
	// or the opening of a letter first seen opened.
	AvailableNoLaterThan bool       `json:"available_no_later_than,omitempty"`
	OpenedAt             *time.Time `json:"opened_at"`
	OpenedSource         string     `json:"opened_source,omitempty"`
	// OpenedNoLaterThan: OpenedAt is when postvakt asked; the channel told
	// no time.
	OpenedNoLaterThan bool       `json:"opened_no_later_than,omitempty"`
	FinalState        string     `json:"final_state,omitempty"`
	FinalAt           *time.Time `json:"final_at,omitempty"`
	FinalSource       string     `json:"final_source,omitempty"`
	// PurgedAt: the retention purge deleted the letter's event log then,
	// so the log proves nothing any more; a null available_at or opened_at
	// then says nothing about the letter (only the facts kept on the letter
	// remain: its state, stage and dates).
	PurgedAt *time.Time `json:"purged_at,omitempty"`
	// DigitalPost is, for a Danish letter, what Digital Post's event log
	// proves, in the terms Ankestyrelsen uses (evidence_dk.go).
	DigitalPost *DigitalPostProof `json:"digital_post,omitempty"`
}

// evidenceOf reads the proof out of a shipment's events, all of them in
// the order things happened (store.ProofEvents, or the whole log the JSON
// carries: never a page of the log, so the proof is the same on every
// page): only the state changes postvakt
// applied and the channel's own log entries count (store.ProofKinds: a
// refused transition, a decision or a follow-up carries a state too, but
// proves none). A shipment first seen already opened was available no
// later than it was opened, and at the time its channel gave, when that is
// earlier (shipments.available_at, which the lists and escalation use).
// Its final state is the letter's end: rejected, failed or expired by the
// last state change postvakt applied, never a failure the letter got past
// (a SvarUt letter read after it failed; a Digital Post letter the log
// shows available, before or after a failure entry, which stays a log
// entry and moves nothing).
func evidenceOf(sh *store.Shipment, events []store.Event) Evidence {
	var e Evidence
	var last *store.Event // the last state change postvakt applied (the log's order): the letter's end
	for i := range events {
		ev := &events[i]
		if !slices.Contains(store.ProofKinds, ev.Kind) {
			continue
		}
		at := ev.ObservedAt
		polled := ev.PolledAt != nil && ev.PolledAt.Equal(at) // the channel told no time
		switch model.State(ev.ToState) {
		case model.StateAvailable:
			if e.AvailableAt == nil {
				e.AvailableAt, e.AvailableSource, e.AvailableNoLaterThan = &at, ev.Source, polled
			}
		case model.StateOpened:
			if e.OpenedAt == nil {
				e.OpenedAt, e.OpenedSource, e.OpenedNoLaterThan = &at, ev.Source, polled
			}
			if e.AvailableAt == nil {
				e.AvailableAt, e.AvailableSource, e.AvailableNoLaterThan = &at, ev.Source, true
			}
		}
		if ev.Kind == store.EventState && ev.FromState != ev.ToState && (last == nil || ev.ID > last.ID) {
			last = ev
		}
	}
	if last != nil && model.State(last.ToState).Undelivered() {
		at := last.ObservedAt
		e.FinalState, e.FinalAt, e.FinalSource = last.ToState, &at, last.Source
	}
	if sh.AvailableAt != nil && (e.AvailableAt == nil || sh.AvailableAt.Before(*e.AvailableAt)) {
		e.AvailableAt, e.AvailableSource, e.AvailableNoLaterThan = sh.AvailableAt, sh.Channel, false
	}
	if e.PurgedAt = sh.PurgedAt; e.PurgedAt != nil {
		return e // no log left: Digital Post's proof is not "no events"
	}
	if sh.Channel == model.ChannelDigitalPost {
		digitalPostProof(sh, events, &e)
	}
	return e
}

type evidenceData struct {
	S *store.Shipment // its Events: the page of the log shown (all of it in the JSON)
	E Evidence
	// Page is the page of the log the timeline shows, Before the cursor it
	// was asked for ("" for the latest events); nil in the JSON.
	Page   *store.EventPage
	Before string
	F      *store.FollowUp
	// Manual is the detail of the letter's manual-handling case when the
	// page's log holds its print_manual entry (nil otherwise, and in the
	// JSON, which keeps the record): the timeline says that entry from its
	// phrases (EventText).
	Manual *store.ManualDetail
	// ResentFrom is the letter this one was sent again for (its follow-up's
	// decision resent), "" for none.
	ResentFrom string
	// O is the letter's policy, named as the viewer reads it
	// (namePolicy), and its future steps (nil: not known here,
	// WithPolicies).
	O          *Outlook
	CanFollow  bool
	Decisions  []string
	Channels   []string
	Recipient  string
	DefaultDue time.Time
	// A refused follow-up: the form as it was filled in, what is wrong (in
	// the reader's language) and the field it concerns ("decision",
	// "note", "new_channel_id"; "" for the form as a whole).
	Form         followUpInput
	Problem      string
	ProblemField string
}

// needsFollowUp says whether a follow-up decision may be recorded: the
// shipment failed, was rejected or expired, or is still unopened, and its
// evidence is still there (followUpRefusal says why not).
func needsFollowUp(sh *store.Shipment) bool {
	return followUpRefusal(sh) == nil
}

// followUpRefusal is why no follow-up decision may be recorded for sh,
// nil when one may: a letter whose personal data and event log the
// retention purge deleted cannot be followed up (nothing left to decide
// on, and a resend would copy a title and recipient that are gone); an
// opened one needs none.
func followUpRefusal(sh *store.Shipment) *refusal {
	switch {
	case sh.PurgedAt != nil:
		return &refusal{http.StatusConflict, "err.purged_no_followup", nil, ""}
	case sh.State == model.StateOpened:
		return &refusal{http.StatusConflict, "err.opened_no_followup", nil, ""}
	}
	return nil
}

// evidencePageEvents is how many events of the log the letter's page
// shows at a time (the newest first; a link leads to the older ones).
const evidencePageEvents = 200

// loadEvidence reads what the letter's page and its JSON show: the
// shipment, the proof drawn from every event that can prove (whichever
// page is shown), the follow-up; and the log, whole when whole (the JSON,
// a complete evidence export), else the page of ?before= (the latest
// events without it). An invalid cursor is answered 400.
func (s *Server) loadEvidence(w http.ResponseWriter, r *http.Request, action store.AuditAction, whole bool) (*evidenceData, bool) {
	p := principal(r.Context())
	id := r.PathValue("id")
	sh, err := s.shipmentFor(r, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "err.no_shipment")
		return nil, false
	case err != nil:
		s.internalError(w, r, "get shipment", err)
		return nil, false
	}
	d := &evidenceData{S: sh}
	if whole {
		// The facts again, with the whole log, as of one moment: a poll
		// since the letter was read would give a state its log does not
		// hold, or the other way round.
		if sh, err = s.store.ShipmentEvidence(r.Context(), sh.ID); err != nil {
			s.internalError(w, r, "read the letter with its events", err)
			return nil, false
		}
		d.S = sh
		// The timeline in the order things happened; the log's own order
		// (id) breaks ties and stays visible in the # column.
		sort.SliceStable(sh.Events, func(i, j int) bool { return sh.Events[i].ObservedAt.Before(sh.Events[j].ObservedAt) })
	} else {
		d.Before = r.URL.Query().Get("before")
		d.Page, err = s.store.EventsBefore(r.Context(), sh.ID, d.Before, evidencePageEvents)
		switch {
		case errors.Is(err, store.ErrBadCursor):
			s.renderError(w, r, http.StatusBadRequest, "err.evidence_cursor")
			return nil, false
		case err != nil:
			s.internalError(w, r, "read a page of events", err)
			return nil, false
		}
		sh.Events = d.Page.Events
	}
	if !s.mustAudit(w, r, action, "shipment "+sh.ID, "") {
		return nil, false
	}
	// The whole log proves from itself: read again, the proof could name
	// an event a poll committed since, which the export does not carry.
	proof := sh.Events
	if !whole {
		if proof, err = s.store.ProofEvents(r.Context(), sh.ID); err != nil {
			s.internalError(w, r, "read the proof's events", err)
			return nil, false
		}
	}
	d.E = evidenceOf(sh, proof)
	if !whole && slices.ContainsFunc(sh.Events, func(ev store.Event) bool { return ev.Kind == store.EventPrintManual }) {
		if d.Manual, err = s.store.ManualDetailOf(r.Context(), sh.ID); err != nil {
			s.internalError(w, r, "read the manual-handling detail", err)
			return nil, false
		}
	}
	if d.F, err = s.store.FollowUp(r.Context(), sh.ID, p.Scope()); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internalError(w, r, "get follow-up", err)
		return nil, false
	}
	if d.ResentFrom, err = s.store.ResentFrom(r.Context(), sh.ID, p.Scope()); err != nil {
		s.internalError(w, r, "find the letter resent", err)
		return nil, false
	}
	if d.O, err = s.outlook(r.Context(), p, sh.ID); err != nil {
		s.internalError(w, r, "explain the escalation", err)
		return nil, false
	}
	d.CanFollow = p.Can(auth.RecordFollowUp) && needsFollowUp(sh)
	d.Decisions, d.Channels = store.Decisions, s.offered()
	d.Form = followUpInput{NewChannel: sh.Channel} // a resend goes by the letter's own channel, as a rule
	d.Recipient = sh.Recipient.ID
	d.DefaultDue = store.FollowUpDeadline(s.now(), s.followUpDays)
	return d, true
}

// evidencePage is the shipment's evidence report: facts, what the log
// proves (drawn from the whole log), the timeline a page at a time with raw
// statuses and payloads, the follow-up. It prints as an evidence report
// for an appeal.
func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadEvidence(w, r, store.ActViewShipment, false)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "evidence", "title.evidence", d)
}

// evidenceJSON is the same evidence as JSON, with the whole log: the
// complete evidence export. Its events keep their sources' codes (the
// API's Event); source_names says each code as the page does, in the
// reader's language.
func (s *Server) evidenceJSON(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadEvidence(w, r, store.ActViewShipmentJSON, true)
	if !ok {
		return
	}
	l, names := s.loc(r), map[string]string{}
	name := func(src string) {
		if _, done := names[src]; !done && src != "" {
			names[src] = sourceName(l, src)
		}
	}
	name(d.E.AvailableSource)
	name(d.E.OpenedSource)
	name(d.E.FinalSource)
	for _, ev := range d.S.Events {
		name(ev.Source)
	}
	w.Header().Set("Content-Disposition", `attachment; filename="evidence-`+d.S.ID+`.json"`)
	writeJSON(w, http.StatusOK, map[string]any{
		"generated_at": s.now().UTC(),
		"generated_by": principal(r.Context()).Actor(),
		"shipment":     d.S,
		"evidence":     d.E,
		"followup":     d.F,
		"source_names": names,
		"outlook":      d.O,
	})
}

// recordFollowUp records the sending unit's decision from the evidence
// page's form.
func (s *Server) recordFollowUp(w http.ResponseWriter, r *http.Request) {
	sh, err := s.shipmentFor(r, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "err.no_shipment")
		return
	case err != nil:
		s.internalError(w, r, "get shipment", err)
		return
	}
	in := followUpInput{Decision: r.PostFormValue("decision"), Note: r.PostFormValue("note"),
		MissedDeadline: r.PostFormValue("missed_deadline") != "",
		NewChannel:     r.PostFormValue("new_channel"), NewChannelID: r.PostFormValue("new_channel_id")}
	no, err := s.followUp(r.Context(), sh, in)
	switch {
	case err != nil:
		s.internalError(w, r, "record follow-up", err)
	case no != nil && no.status == http.StatusBadRequest:
		// The form again, as filled in, the problem beside its field.
		d, ok := s.loadEvidence(w, r, store.ActViewShipment, false)
		if !ok {
			return
		}
		d.Form, d.ProblemField = in, no.field
		d.Problem = no.say(s.loc(r))
		s.render(w, r, http.StatusBadRequest, "evidence", "title.evidence", d)
	case no != nil:
		s.renderErrorBack(w, r, no.status, "/shipments/"+sh.ID, no.key, no.in(s.loc(r))...)
	default:
		http.Redirect(w, r, "/shipments/"+sh.ID+"#followup", http.StatusSeeOther)
	}
}

// followUpInput is a follow-up decision as the evidence page's form or
// the API states it.
type followUpInput struct {
	Decision       string `json:"decision"`
	Note           string `json:"note"`
	MissedDeadline bool   `json:"missed_statutory_deadline"`
	NewChannel     string `json:"new_channel"`
	NewChannelID   string `json:"new_channel_id"`
}

// refusal is why a request is not done: its HTTP status and its message
// (a text id and the text's arguments).
type refusal struct {
	status int
	key    string
	args   []any
	field  string // the form field it concerns, "" for none in particular
}

// in is the refusal's arguments in l's language: a phrase among them (a
// note's problem) said in it (i18n.Localizer.Value).
func (no *refusal) in(l *i18n.Localizer) []any {
	args := slices.Clone(no.args)
	for i := 1; i < len(args); i += 2 {
		args[i] = l.Value(args[i])
	}
	return args
}

// say is the refusal in l's language.
func (no *refusal) say(l *i18n.Localizer) string { return l.T(no.key, no.in(l)...) }

// notePhrase says what in a note is not text, to be said in the reader's
// language: line breaks and tabs are a note's own; other control
// characters (NUL) and bytes that are not UTF-8 are not (the zero Phrase
// when there is nothing).
func notePhrase(note string) i18n.Phrase {
	return model.TextProblem(strings.NewReplacer("\r\n", "", "\n", "", "\t", "").Replace(note), len(note))
}

// noteRefusal is what is wrong with a follow-up decision's note (trimmed),
// nil when nothing: too long, not text, or missing where the decision
// needs one (consequences assessed says what). The letter's form, the API
// and the incident report's bulk form take the same notes.
func noteRefusal(decision, note string) *refusal {
	switch {
	case len(note) > 10000:
		return &refusal{http.StatusBadRequest, "err.note_too_long", nil, "note"}
	case notePhrase(note).Key != "":
		return &refusal{http.StatusBadRequest, "err.note_text", []any{"Problem", notePhrase(note)}, "note"}
	case decision == store.DecisionAssessed && note == "":
		return &refusal{http.StatusBadRequest, "err.say_consequences", nil, "note"}
	}
	return nil
}

// followUp records the principal's decision on the follow-up of sh, for
// the form and the API alike: it checks the decision, records it in the
// evidence log with, for a resend, the new shipment (new channel and
// channel id) registered in the same transaction so it is watched too, and
// audits it.
// resendProblems leaves out of a resend's problems those of the names it
// takes from the letter it follows (its unit and class): they were stored
// under the rules of their day (a unit's name with a text direction
// control, refused since), and the person recording the resend can change
// neither. The new channel, its id and the sender system are checked as
// any new letter's.
func resendProblems(errs []model.FieldError) []model.FieldError {
	return slices.DeleteFunc(errs, func(e model.FieldError) bool {
		return e.Field == "sender_unit" || e.Field == "class"
	})
}

func (s *Server) followUp(ctx context.Context, sh *store.Shipment, in followUpInput) (*refusal, error) {
	if no := followUpRefusal(sh); no != nil {
		return no, nil
	}
	p := principal(ctx)
	d := store.FollowUpDecision{ShipmentID: sh.ID, Decision: in.Decision,
		Note: strings.TrimSpace(in.Note), MissedDeadline: in.MissedDeadline,
		Actor: p.Actor(), At: s.now(), Deadline: store.FollowUpDeadline(s.now(), s.followUpDays)}
	if !slices.Contains(store.Decisions, d.Decision) {
		return &refusal{http.StatusBadRequest, "err.choose_decision", nil, "decision"}, nil
	}
	if no := noteRefusal(d.Decision, d.Note); no != nil {
		return no, nil
	}
	if d.Decision == store.DecisionResent {
		ns := model.NewShipment{Channel: in.NewChannel, ChannelID: strings.TrimSpace(in.NewChannelID),
			SenderOrg: sh.SenderOrg, SenderUnit: sh.SenderUnit, RecipientKind: sh.Recipient.Kind, RecipientID: sh.Recipient.ID,
			Title: sh.Title, Confidential: sh.Confidential, Class: sh.Class, SentAt: s.now(), SenderSystem: senderSystem(p)}
		if !slices.Contains(s.offered(), ns.Channel) {
			return &refusal{http.StatusBadRequest, "err.new_channel_choose", []any{"Channels", channelList(s.offered())}, "new_channel"}, nil
		}
		if !channelCarries(ns) {
			return &refusal{http.StatusBadRequest, "err.new_channel_country", []any{"Channel", model.ChannelDisplay(ns.Channel)}, "new_channel"}, nil
		}
		if errs := resendProblems(ns.Validate(s.now(), s.channels)); len(errs) > 0 {
			switch {
			case errs[0].Field == "channel_id" && ns.ChannelID == "":
				return &refusal{http.StatusBadRequest, "err.new_channel_id", nil, "new_channel_id"}, nil
			case errs[0].Field == "channel_id":
				// The field the person filled in, named as on the form.
				return &refusal{http.StatusBadRequest, "err.new_channel_id_bad", []any{"Channel", ns.Channel}, "new_channel_id"}, nil
			}
			return &refusal{http.StatusBadRequest, "err.new_shipment_field", []any{"Field", errs[0].Field, "Message", errs[0].Message}, ""}, nil
		}
		// The id as it is stored (a UUID in lower case): the letter's own
		// id in upper case would register nothing, and link the letter
		// to itself as sent again, its escalation ended.
		if n := ns.Normalized(); n.Channel == sh.Channel && n.ChannelID == sh.ChannelID {
			return &refusal{http.StatusBadRequest, "err.new_channel_id", nil, "new_channel_id"}, nil
		}
		// Registered with the decision, in its transaction: a letter of
		// the unit's registered under that id already (the resend
		// registered by its own system) is the one linked; another
		// sender's letter is not this resend.
		d.Resend = &ns
	}
	var foreign *store.ForeignError
	switch err := s.store.RecordFollowUp(ctx, d); {
	case errors.Is(err, store.ErrPurged): // purged since sh was read: no decision, no resend registered
		return &refusal{http.StatusConflict, "err.purged_no_followup", nil, ""}, nil
	case errors.As(err, &foreign):
		return &refusal{http.StatusConflict, "err.new_channel_id_taken", nil, ""}, nil
	case errors.Is(err, store.ErrResendOtherRecipient):
		return &refusal{http.StatusConflict, "err.new_channel_id_recipient", nil, ""}, nil
	case err != nil:
		return nil, err
	}
	s.audit(ctx, store.ActFollowUp, "shipment "+sh.ID, d.Decision)
	s.log.Info("follow-up recorded", "shipment", sh.ID, "decision", d.Decision, "actor", p.Actor())
	return nil, nil
}

// channelCarries reports whether the letter's channel delivers between its
// sender and its recipient: a channel of one country (SvarUt and Altinn
// Norway, Digital Post Denmark) carries its country's letters only.
func channelCarries(ns model.NewShipment) bool {
	c := model.ChannelCountry(ns.Channel)
	if c == "" {
		return true
	}
	recipient := model.OrgCountry(ns.RecipientID)
	if ns.RecipientKind == model.RecipientPerson {
		recipient = model.PersonCountry(ns.RecipientID)
	}
	return model.OrgCountry(ns.SenderOrg) == c && recipient == c
}

// channelList is channels by the names people read, for a message.
func channelList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = model.ChannelDisplay(n)
	}
	return strings.Join(out, ", ")
}

// prettyJSON indents a payload for the collapsible raw view.
func prettyJSON(j store.JSON) string {
	if len(j) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, j, "", "  "); err != nil {
		return string(j)
	}
	return buf.String()
}

// EventText is an entry of the timeline in l's language: the entry that
// put the letter into manual handling from its case's phrases (the
// register's facts said as the manual-handling list says them), any other
// as eventText says it.
func (d *evidenceData) EventText(l *i18n.Localizer, ev store.Event) string {
	if l.Lang() != "en" && d.Manual != nil && len(d.Manual.Why) > 0 && ev.Kind == store.EventPrintManual && ev.Message == d.Manual.Detail {
		return printing.Detail(l, d.Manual.Why, ev.Message)
	}
	return eventText(l, ev)
}
