package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
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
	if _, err := e.st.PurgeShipments(ctx, []string{id, dk[0].ID, dk[1].ID}, purgedAt, "system:retention"); err != nil {
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
