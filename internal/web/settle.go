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

	"postvakt/internal/escalate"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// What a compliance officer settles in the UI instead of the CLI: a print
// batch's letters before release, manual-handling items, reminders whose
// outcome is unknown, organisations without a reminder address.

type batchData struct {
	Batch   store.PrintBatch
	Letters []store.BatchLetter
	Days    map[string]int // business days unopened, by shipment id
	// WillPrint is how many of Letters a release now would print (the
	// release's rule, BatchLetter.WillPrint): the others, opened since
	// they were held say, are skipped by it.
	WillPrint int
	CanAct    bool
}

// notFound answers an object the principal does not see with 404 (key),
// as an id that names nothing. For a scoped principal, exists looks for it
// beyond the scope (doing names that, for an error): one that exists is an
// attempt outside the principal's scope, logged and audited (why).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, key, doing, why string, exists func(context.Context) (bool, error)) {
	if p := principal(r.Context()); p.Scope() != (store.Scope{}) {
		found, err := exists(r.Context())
		if err != nil {
			s.internalError(w, r, doing, err)
			return
		}
		if found {
			s.forbidden(r.Context(), r, why)
		}
	}
	s.renderError(w, r, http.StatusNotFound, key)
}

// noBatch answers a print batch the principal does not see (notFound);
// one of another organisation is audited.
func (s *Server) noBatch(w http.ResponseWriter, r *http.Request, id int64) {
	s.notFound(w, r, "err.no_batch", "list print batches", "print batch "+strconv.FormatInt(id, 10)+" belongs to another organisation",
		func(ctx context.Context) (bool, error) {
			all, err := s.store.PrintBatches(ctx, store.Scope{}, s.now())
			return slices.ContainsFunc(all, func(b store.PrintBatch) bool { return b.ID == id }), err
		})
}

// aboutBatch records that the request reads or decides print batch b: its
// sending organisation's (batches are per organisation), whose officer
// alone then sees the audit entry; a batch made before that (no
// organisation) stays the principal's default.
func aboutBatch(ctx context.Context, b store.PrintBatch) {
	if b.SenderOrg != "" {
		about(ctx, b.SenderOrg)
	}
}

// printBatchPage shows one print batch with its letters: recipient, sending
// unit, sent, business days unopened, and the address the print would go
// to. Release and reject are offered here, with what was shown; the
// release counts the letters it would print, and a held batch's letter it
// would skip (opened since, say) is marked so instead of its days.
func (s *Server) printBatchPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "err.no_batch")
		return
	}
	batches, err := s.store.PrintBatches(r.Context(), p.Scope(), s.now())
	if err != nil {
		s.internalError(w, r, "list print batches", err)
		return
	}
	d := batchData{CanAct: s.print != nil, Days: map[string]int{}}
	found := false
	for _, b := range batches {
		if b.ID == id {
			d.Batch, found = b, true
		}
	}
	if !found {
		s.noBatch(w, r, id)
		return
	}
	aboutBatch(r.Context(), d.Batch)
	named, err := s.policyLabels(r)
	if err != nil {
		s.internalError(w, r, "name the batch's policy", err)
		return
	}
	d.Batch.Policy = named(d.Batch.Policy)
	if !s.mustAudit(w, r, store.ActViewList, "print_batch "+strconv.FormatInt(id, 10), "") {
		return
	}
	if d.Letters, err = s.store.PrintBatchLetters(r.Context(), id, p.Scope()); err != nil {
		s.internalError(w, r, "list print batch letters", err)
		return
	}
	now := s.now()
	for _, l := range d.Letters {
		since := l.SentAt
		if l.AvailableAt != nil {
			since = *l.AvailableAt
		}
		d.Days[l.ShipmentID] = calendarFor(l.Channel).BusinessDaysBetween(since, now)
		if l.WillPrint() {
			d.WillPrint++
		}
	}
	s.render(w, r, http.StatusOK, "batch", "title.batch", d)
}

type manualData struct {
	Manual     []store.ManualItem
	CanResolve bool // the viewer may resolve the cases listed (auth.ResolveManual)
	// Resumed is a resolution carried through a login (resume.go), and
	// Message what became of it: its row's form is filled in, not yet
	// recorded, or the letter no longer waits.
	Resumed manualResume
	Message string
	// Capped says more cases wait than the manualPageRows shown.
	Capped bool
}

// ResolutionsFor is what a case of a letter of channel may be resolved
// as (store.ManualResolutionsFor).
func (manualData) ResolutionsFor(channel string) []string { return store.ManualResolutionsFor(channel) }

// Filled is the carried resolution when it is the letter id's, else none.
func (d manualData) Filled(id string) manualResume {
	if d.Resumed.Shipment == id {
		return d.Resumed
	}
	return manualResume{}
}

// resolveManual closes a manual-handling item: printed by hand, sent as
// Digital Post's physical post (a Digital Post letter), delivered
// otherwise, or not needed, with a note; it goes into the evidence log.
func (s *Server) resolveManual(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	id := r.PathValue("id")
	res, note := r.PostFormValue("resolution"), strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case !contains(store.ManualResolutions, res):
		s.renderError(w, r, http.StatusBadRequest, "err.choose_resolution")
		return
	case len(note) > 2000:
		s.renderError(w, r, http.StatusBadRequest, "err.note_too_long")
		return
	case notePhrase(note).Key != "":
		// A NUL, bytes not UTF-8: the database would refuse them.
		pr := notePhrase(note)
		s.renderError(w, r, http.StatusBadRequest, "err.note_text", "Problem", s.loc(r).T(pr.Key, pr.Args...))
		return
	}
	sh, err := s.shipmentFor(r, id)
	if errors.Is(err, store.ErrNotFound) {
		// Another organisation's or unit's letter is answered as none,
		// the attempt audited (shipmentFor).
		s.renderError(w, r, http.StatusNotFound, "err.no_manual")
		return
	} else if err != nil {
		s.internalError(w, r, "find the shipment to resolve", err)
		return
	}
	// The letter's id as stored (lower case), however the address wrote
	// it: the audit log's letter filter finds it so.
	id = sh.ID
	err = s.store.ResolveManual(r.Context(), id, p.Scope(), res, note, p.Actor(), s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "err.no_manual")
		return
	case errors.Is(err, store.ErrAlreadyResolved):
		s.renderError(w, r, http.StatusConflict, "err.manual_resolved")
		return
	case errors.Is(err, store.ErrResolutionNotForChannel):
		s.renderError(w, r, http.StatusBadRequest, "err.resolution_channel")
		return
	case errors.Is(err, store.ErrPurged): // a note for a letter purged since the page was shown
		s.renderError(w, r, http.StatusConflict, "err.purged_manual_note")
		return
	case err != nil:
		s.internalError(w, r, "resolve manual handling", err)
		return
	}
	s.audit(r.Context(), store.ActManualResolve, "shipment "+id, res)
	s.log.Info("manual handling resolved", "shipment", id, "resolution", res, "actor", p.Actor())
	http.Redirect(w, r, "/manual", http.StatusSeeOther)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// reminderPageRows is how many reminders /reminders shows; the page says
// when there are more (Capped), and ?org= finds one organisation's.
const reminderPageRows = 500

type remindersData struct {
	List []store.SettleNotification
	// Org is the organisation the list is narrowed to (?org=); Capped
	// says the list stops at reminderPageRows.
	Org    string
	Capped bool
	// Addresses are the addresses the next escalation run sends to, of the
	// organisations whose reminder waits for one (status no_address): one
	// added since the run found none is there at once, the reminder's
	// status changes only with that run.
	Addresses map[string][]string
	// Added is the organisation an address was just added for (?added=).
	Added string
	// GoesOut says, for the confirmation, when a reminder that waits for
	// the next escalation run goes out, and NextRun says it for a row
	// (reminderOut).
	GoesOut, NextRun string
	// Contact is a refused address, its organisation's form filled in.
	Contact      contactForm
	fieldProblem // a refused ?org=: the field as typed, no list
}

// reminderOut says, in l's language, when a reminder that waits for the
// next escalation run goes out (s.runs): with the next run, at its time;
// between it and the first run inside every send window, when a policy's
// window is closed then; with no time, when the schedule is not known (a
// process that does not run the escalation, an @every schedule) or no run
// inside the windows is. sentence is the confirmation's, row a row's.
func (s *Server) reminderOut(l *i18n.Localizer) (sentence, row string) {
	var out escalate.ReminderOut
	if s.runs != nil {
		out = s.runs.Out(s.now())
	}
	switch {
	case out.Next.IsZero() || out.Held && out.Latest.IsZero():
		return l.T("reminders.goes_out"), l.T("reminders.next_run")
	case out.Held:
		at, latest := runTime(out.Next), runTime(out.Latest)
		return l.T("reminders.goes_out_window", "At", at, "Latest", latest), l.T("reminders.next_run_window", "At", at, "Latest", latest)
	}
	at := runTime(out.Next)
	return l.T("reminders.goes_out_at", "At", at), l.T("reminders.next_run_at", "At", at)
}

// runTime is a run's time as the pages say it, on their clock:
// "14:15 (2026-12-01)".
func runTime(t time.Time) string { return t.In(zone).Format("15:04 (2006-01-02)") }

// Pending is the addresses, joined, a no_address reminder to org now waits
// to be sent to; "" when it still has none.
func (d remindersData) Pending(org string) string { return strings.Join(d.Addresses[org], ", ") }

// remindersPage lists the reminders that need an officer: outcome unknown
// (release / confirm delivered), failed (retried by itself), and
// organisations without an address (add one; once added, the row says the
// next run sends to it).
func (s *Server) remindersPage(w http.ResponseWriter, r *http.Request) {
	// The number as people write it ("974 760 673", a CVR number's DK
	// prefix), as the search form takes it: only the stored digits match.
	only := store.SettleFilter{Org: searchIdent(r.URL.Query().Get("org"))}
	if only.Org != "" {
		// One that is no organisation number matches nothing: "nothing to
		// settle" would say no reminder waits for the organisation meant.
		if err := model.CheckOrgNumber(only.Org); err != nil {
			l := s.loc(r)
			s.render(w, r, http.StatusBadRequest, "reminders", "title.reminders", remindersData{
				Org: strings.TrimSpace(r.URL.Query().Get("org")), fieldProblem: fieldProblem{ProblemField: "org",
					Problem: l.T("users.err_field", "Field", l.T("reminders.org"), "Problem", l.Say(model.ReasonOf(err), err.Error()))}})
			return
		}
	}
	s.showReminders(w, r, only, r.URL.Query().Get("added"), contactForm{})
}

// contactForm is an address the page's form for Org refused: the form
// comes back filled in with it, its Problem announced.
type contactForm struct {
	Org, Email, Problem string
	Row                 int64 // the reminder whose row has Org's form; 0: none
}

// showReminders renders /reminders narrowed to only: with the confirmation
// of an address just added for added, or the address form of a refused
// one's organisation filled in as it was sent (bad, status 400).
func (s *Server) showReminders(w http.ResponseWriter, r *http.Request, only store.SettleFilter, added string, bad contactForm) {
	p := principal(r.Context())
	list, err := s.store.NotificationsToSettle(r.Context(), p.Scope(), only, reminderPageRows)
	if err != nil {
		s.internalError(w, r, "list reminders to settle", err)
		return
	}
	d := remindersData{List: list, Org: only.Org, Capped: len(list) == reminderPageRows, Contact: bad}
	waiting := list
	if bad.Org != "" && !slices.ContainsFunc(list, func(n store.SettleNotification) bool { return n.Org == bad.Org }) {
		// The refused form's organisation may stand beyond the rows
		// shown: its rows are shown too, with the form.
		more, err := s.store.NotificationsToSettle(r.Context(), p.Scope(), store.SettleFilter{Org: bad.Org}, 10)
		if err != nil {
			s.internalError(w, r, "list reminders to settle", err)
			return
		}
		d.List = append(slices.Clip(list), more...)
		waiting = d.List
	}
	if added != "" && !slices.ContainsFunc(waiting, func(n store.SettleNotification) bool { return n.Org == added }) {
		// The organisation an address was just added for may stand
		// beyond the rows shown.
		more, err := s.store.NotificationsToSettle(r.Context(), p.Scope(), store.SettleFilter{Org: added}, 10)
		if err != nil {
			s.internalError(w, r, "list reminders to settle", err)
			return
		}
		waiting = append(slices.Clip(waiting), more...)
	}
	var orgs []string
	for _, n := range waiting {
		if n.Status == store.NotifyNoAddress {
			orgs = append(orgs, n.Org)
		}
	}
	if len(orgs) > 0 {
		if d.Addresses, err = s.store.ContactEmailsOf(r.Context(), orgs); err != nil {
			s.internalError(w, r, "read reminder addresses", err)
			return
		}
	}
	if d.Pending(added) != "" {
		d.Added = added
	}
	// The refused address is said in its organisation's first form (the
	// template's condition for one), else above the table.
	for _, n := range d.List {
		if bad.Org != "" && n.Org == bad.Org && n.Status == store.NotifyNoAddress && n.InScope == n.Shipments && d.Pending(n.Org) == "" {
			d.Contact.Row = n.ID
			break
		}
	}
	d.GoesOut, d.NextRun = s.reminderOut(s.loc(r))
	s.audit(r.Context(), store.ActViewList, "reminders_to_settle", "")
	status := http.StatusOK
	if bad.Problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "reminders", "title.reminders", d)
}

// noReminder answers a reminder to settle the principal does not see
// (notFound); one listing only other organisations' or units' letters is
// audited.
func (s *Server) noReminder(w http.ResponseWriter, r *http.Request, id int64) {
	s.notFound(w, r, "err.no_reminder", "list reminders to settle", "reminder "+strconv.FormatInt(id, 10)+" lists only other organisations' shipments",
		func(ctx context.Context) (bool, error) {
			all, err := s.store.NotificationsToSettle(ctx, store.Scope{}, store.SettleFilter{ID: id}, 1)
			return len(all) > 0, err
		})
}

// settleReminder releases (checked: not delivered, send it next run) or
// confirms (checked: delivered, count it) a reminder whose outcome was
// unknown. A scoped officer may settle only a reminder that lists nothing
// but their organisation's shipments.
func (s *Server) settleReminder(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	action := r.PathValue("action")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || (action != "release" && action != "confirm") {
		s.renderError(w, r, http.StatusNotFound, "err.no_reminder")
		return
	}
	// The Message-ID typed is a text from outside: one with a NUL or bytes
	// not UTF-8 the database refuses, and one is a mail header's line.
	msgID := strings.TrimSpace(r.PostFormValue("message_id"))
	if pr := model.TextProblem(msgID, store.MaxMessageIDLen); pr.Key != "" && action == "confirm" {
		l := s.loc(r)
		s.renderError(w, r, http.StatusBadRequest, "users.err_field", "Field", l.T("reminders.message_id"), "Problem", l.T(pr.Key, pr.Args...))
		return
	}
	list, err := s.store.NotificationsToSettle(r.Context(), p.Scope(), store.SettleFilter{ID: id}, 1)
	if err != nil {
		s.internalError(w, r, "list reminders to settle", err)
		return
	}
	n := byID(list, id, func(n *store.SettleNotification) int64 { return n.ID })
	switch {
	case n == nil:
		s.noReminder(w, r, id)
		return
	case n.Status != store.NotifyUnknown:
		s.renderError(w, r, http.StatusNotFound, "err.no_reminder")
		return
	case n.InScope != n.Shipments:
		s.forbidden(r.Context(), r, "reminder lists other organisations' shipments")
		s.renderError(w, r, http.StatusForbidden, "err.reminder_other_orgs")
		return
	case len(n.SenderOrgs) == 1:
		// One organisation's letters: its officer alone reads, in the
		// audit log, which organisation the reminder went to.
		about(r.Context(), n.SenderOrgs[0])
	}
	if action == "release" {
		err = s.store.ReleaseNotification(r.Context(), id, s.now())
	} else {
		err = s.store.ConfirmNotificationSent(r.Context(), id, msgID, s.now())
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusConflict, "err.reminder_settled")
		return
	case err != nil:
		s.internalError(w, r, action+" reminder", err)
		return
	}
	act := store.ActReminderConfirm
	if action == "release" {
		act = store.ActReminderRelease
	}
	s.audit(r.Context(), act, "notification "+strconv.FormatInt(id, 10), "organisation "+n.Org)
	s.log.Info("reminder settled", "notification", id, "action", action, "actor", p.Actor())
	http.Redirect(w, r, remindersBack(r, nil), http.StatusSeeOther)
}

// addContact gives an organisation that could not be reminded an address;
// the next escalation run sends what waited.
func (s *Server) addContact(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	org := strings.TrimSpace(r.PostFormValue("org"))
	email := strings.TrimSpace(r.PostFormValue("email"))
	if model.CheckOrgNumber(org) != nil {
		s.renderError(w, r, http.StatusBadRequest, "err.bad_org")
		return
	}
	// A scoped officer may add an address only for an organisation that
	// waits for one of their reminders.
	list, err := s.store.NotificationsToSettle(r.Context(), p.Scope(), store.SettleFilter{Org: org}, 1000)
	if err != nil {
		s.internalError(w, r, "list reminders to settle", err)
		return
	}
	ok := p.SenderOrg == ""
	for _, n := range list {
		// Only a reminder that lists nothing but the caller's letters: the
		// address gets every sender's reminders to org.
		if n.Org == org && n.Status == store.NotifyNoAddress && n.InScope == n.Shipments {
			ok = true
		}
	}
	if !ok {
		s.forbidden(r.Context(), r, "no reminder of the caller waits for this organisation")
		s.renderError(w, r, http.StatusForbidden, "err.contact_scope")
		return
	}
	// The address is checked as an imported one is (remind.EmailProblem):
	// plain, with a dotted domain, in ASCII (most relays refuse others).
	// A refused one comes back in its form, as typed, with the list as it
	// was narrowed.
	if pr := remind.EmailProblem(email); pr.Key != "" {
		l := s.loc(r)
		back := store.SettleFilter{}
		if o := searchIdent(r.PostFormValue("back_org")); model.CheckOrgNumber(o) == nil {
			back.Org = o
		}
		s.showReminders(w, r, back, "", contactForm{Org: org, Email: r.PostFormValue("email"),
			Problem: l.T("users.err_field", "Field", l.T("reminders.email"), "Problem", l.T(pr.Key, pr.Args...))})
		return
	}
	if err := s.store.AddContact(r.Context(), org, email); err != nil {
		s.internalError(w, r, "add reminder address", err)
		return
	}
	s.audit(r.Context(), store.ActContactAdd, "organisation "+org, email)
	s.log.Info("reminder address added", "org", org, "actor", p.Actor())
	http.Redirect(w, r, remindersBack(r, url.Values{"added": {org}}), http.StatusSeeOther)
}

// remindersBack is where a form of /reminders leads back to: the list as
// it was narrowed (?org=, the form's back_org), with q's parameters.
func remindersBack(r *http.Request, q url.Values) string {
	if org := searchIdent(r.PostFormValue("back_org")); model.CheckOrgNumber(org) == nil {
		if q == nil {
			q = url.Values{}
		}
		q.Set("org", org)
	}
	if len(q) == 0 {
		return "/reminders"
	}
	return "/reminders?" + q.Encode()
}

// byID is the element of list whose id (idOf) is id, nil when none.
func byID[T any](list []T, id int64, idOf func(*T) int64) *T {
	for i := range list {
		if idOf(&list[i]) == id {
			return &list[i]
		}
	}
	return nil
}
