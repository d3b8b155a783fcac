package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// A letter whose personal data the retention purge deleted has no event log
// left. Its evidence says so, with when, and what remains: before, the page
// read "the event log holds no evidence that the letter was ever available"
// and "it has not been opened" beside a state "opened", and evidence.json
// had available_at and opened_at null with nothing saying why, which a
// compliance officer or a court takes for a letter that never arrived. A
// purged Danish letter's proof does not say Digital Post logged nothing
// either; the title and a person's id are said to be deleted, not blank.
func TestEvidenceOfAPurgedLetter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000a1")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	availableAt, openedAt := now.Add(-70*time.Hour), now.Add(-60*time.Hour)
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateRegistered, SentAt: now.Add(-72 * time.Hour)},
		Source: "svarut", ObservedAt: openedAt.Add(time.Minute), Status: "LEST", State: model.StateOpened, ChangedAt: openedAt, AvailableAt: availableAt}}); err != nil {
		t.Fatal(err)
	}
	dk := danishLetters(t, e)
	purgedAt := now.Add(-time.Hour)
	if _, err := e.st.PurgeShipments(ctx, storetest.Due(id, dk[0].ID, dk[1].ID), purgedAt, "system:retention"); err != nil {
		t.Fatal(err)
	}

	doc := getEvidence(t, e, id)
	if string(doc.Raw["purged_at"]) == "" {
		t.Errorf("evidence.json's evidence has no purged_at: %s", doc.Raw)
	}
	b := e.loggedIn("purgeviewer", "compliance", "964338531", "")
	_, page := b.doIn("nb-NO", "GET", "/shipments/"+id, nil)
	for _, want := range []string{`id="purged"`, "ble slettet " + purgedAt.In(oslo(t)).Format("2006-01-02"),
		"betyr ikke at brevet aldri kom frem", "tilgjengelig for mottakeren fra", "slettet etter oppbevaringsreglene"} {
		if !strings.Contains(page, want) {
			t.Errorf("the purged letter's page lacks %q", want)
		}
	}
	for _, wrong := range []string{"ikke noe bevis for at brevet noen gang var tilgjengelig", "Det er ikke åpnet"} {
		if strings.Contains(page, wrong) {
			t.Errorf("the purged letter's page says %q", wrong)
		}
	}

	dkb := e.loggedIn("dkviewer", "compliance", "64942212", "")
	for _, sh := range dk[:2] {
		_, page := dkb.doIn("da-DK", "GET", "/shipments/"+sh.ID, nil)
		if !strings.Contains(page, `id="purged"`) || strings.Contains(page, "har ingen hændelser for brevet") {
			t.Errorf("purged Danish letter %s: its proof should say the log was deleted, not that Digital Post logged nothing", sh.ID)
		}
		if sh.Recipient.Kind == "person" && strings.Contains(page, "anonymised") {
			t.Errorf("purged Danish letter %s shows the anonymous person's placeholder id", sh.ID)
		}
	}
}

// TestPurgedLetterCannotBeFollowedUp: a letter the retention purge took
// (its event log and personal data deleted) cannot be followed up: its
// page says so instead of offering the decision form, and a decision
// posted all the same (a form open since before the purge, the API) is
// refused with that message, 409, nothing recorded. Before, the page
// offered the form for the unopened purged letter.
func TestPurgedLetterCannotBeFollowedUp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000b1")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	b := e.loggedIn("purgefollower", "compliance", "964338531", "")
	_, before := b.doIn("en-GB", "GET", "/shipments/"+id, nil)
	if !strings.Contains(before, `id="followup-form"`) {
		t.Fatal("the unopened letter's page offers no follow-up form before the purge")
	}
	token := csrf(before)
	if _, err := e.st.PurgeShipments(ctx, storetest.Due(id), now.Add(-time.Hour), "system:retention"); err != nil {
		t.Fatal(err)
	}

	_, page := b.doIn("en-GB", "GET", "/shipments/"+id, nil)
	if strings.Contains(page, `id="followup-form"`) {
		t.Error("the purged letter's page offers the follow-up form")
	}
	if !strings.Contains(page, `id="followup-purged"`) || !strings.Contains(page, "it can no longer be followed up") {
		t.Error("the purged letter's page does not say it can no longer be followed up")
	}
	for _, decision := range []string{"closed", "resent"} {
		form := url.Values{"csrf": {token}, "decision": {decision}, "note": {"closed after the purge"},
			"new_channel": {"svarut"}, "new_channel_id": {"00000000-0000-4000-8000-0000000000b2"}}
		code, body := b.doIn("en-GB", "POST", "/shipments/"+id+"/followup", form)
		if code != http.StatusConflict || !strings.Contains(body, "it can no longer be followed up") {
			t.Errorf("%s posted for the purged letter: %d, want 409 saying it can no longer be followed up:\n%.2000s", decision, code, body)
		}
	}
	code, out := e.do("POST", "/api/v1/shipments/"+id+"/followup", e.token("admin", "", ""), `{"decision":"closed"}`)
	if code != http.StatusConflict || !strings.Contains(fmt.Sprint(out), "can no longer be followed up") {
		t.Errorf("the API's follow-up of the purged letter: %d %v, want 409 saying it can no longer be followed up", code, out)
	}
	if _, err := e.st.FollowUp(ctx, id, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was recorded for the purged letter (err %v)", err)
	}
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM shipments`); err != nil || n != 1 {
		t.Errorf("%d shipments (%v), want the purged letter alone: no resend registered", n, err)
	}
}

// purgedBeforeDecision is the store with the retention purge landing on a
// letter after its follow-up was posted and read, just before the
// decision is recorded.
type purgedBeforeDecision struct{ *store.Store }

func (p purgedBeforeDecision) RecordFollowUp(ctx context.Context, d store.FollowUpDecision) error {
	if _, err := p.PurgeShipments(ctx, storetest.Due(d.ShipmentID), now.Add(-time.Hour), "system:retention"); err != nil {
		return err
	}
	return p.Store.RecordFollowUp(ctx, d)
}

// TestResendOfALetterPurgedMeanwhile: a resend posted for a letter the
// retention purge takes after the request read it is refused (409, the
// purged letter's message) with no new letter registered: the new letter
// is registered in the decision's transaction, after the purge check.
// Before, the handler registered it first, in a transaction of its own,
// and the purge left it registered and linked to nothing.
func TestResendOfALetterPurgedMeanwhile(t *testing.T) {
	e := newEnvOver(t, func(st *store.Store) web.Store { return purgedBeforeDecision{st} })
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000c1")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	code, out := e.do("POST", "/api/v1/shipments/"+id+"/followup", e.token("admin", "", ""),
		`{"decision":"resent","new_channel":"svarut","new_channel_id":"00000000-0000-4000-8000-0000000000c2"}`)
	if code != http.StatusConflict || !strings.Contains(fmt.Sprint(out), "can no longer be followed up") {
		t.Errorf("the resend of a letter purged meanwhile: %d %v, want 409 saying it can no longer be followed up", code, out)
	}
	if _, err := e.st.FollowUp(ctx, id, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was recorded for the purged letter (err %v)", err)
	}
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM shipments`); err != nil || n != 1 {
		t.Errorf("%d shipments (%v), want the purged letter alone: no resend registered", n, err)
	}
}

// A manual-handling case still open when its letter was purged (README
// Retention) is resolved without a note: /manual offers it no note field
// and says why, a form with a note, open since before the purge, is
// refused (409, nothing recorded) saying to resolve it without one, and
// one without a note resolves it.
func TestPurgedLettersManualCaseIsResolvedWithoutANote(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000c1")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	e.st.DB().MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, id)
	e.st.DB().MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', '', $2)`, id, now)
	b := e.loggedIn("purgeresolver", "compliance", "964338531", "")
	_, before := b.doIn("en-GB", "GET", "/manual", nil)
	if !strings.Contains(before, `name="note"`) {
		t.Fatal("/manual offers no note before the purge")
	}
	token := csrf(before)
	if _, err := e.st.PurgeShipments(ctx, storetest.Due(id), now.Add(-time.Hour), "system:retention"); err != nil {
		t.Fatal(err)
	}

	_, page := b.doIn("en-GB", "GET", "/manual", nil)
	if strings.Contains(page, `name="note"`) || !strings.Contains(page, "No note: the letter") {
		t.Errorf("/manual for a purged letter's case: a note field, or no word why there is none:\n%s", page)
	}
	form := url.Values{"csrf": {token}, "resolution": {"not_needed"}, "note": {"levert til Kari Nordmann"}}
	if code, body := b.doIn("en-GB", "POST", "/manual/"+id+"/resolve", form); code != http.StatusConflict ||
		!strings.Contains(body, "Resolve the case without a note") {
		t.Errorf("a note for a purged letter's case: %d, want 409 saying to resolve it without one\n%.400s", code, body)
	}
	var open bool
	if err := e.st.DB().Get(&open, `SELECT resolved_at IS NULL FROM print_manual WHERE shipment_id = $1`, id); err != nil || !open {
		t.Fatalf("the refused resolution was recorded (%v)", err)
	}
	form.Set("note", "")
	if code, body := b.doIn("en-GB", "POST", "/manual/"+id+"/resolve", form); code != http.StatusSeeOther {
		t.Errorf("resolving the purged letter's case without a note: %d, want 303\n%.400s", code, body)
	}
	if err := e.st.DB().Get(&open, `SELECT resolved_at IS NULL FROM print_manual WHERE shipment_id = $1`, id); err != nil || open {
		t.Errorf("the case is still open after its resolution without a note (%v)", err)
	}
}
