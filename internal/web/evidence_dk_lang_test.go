package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDanishEventNamesAreMarkedDanish: on a Norwegian or English page the
// Danish names of Digital Post's log events (the proof's "Tilgængelig for
// modtageren", a last event's "Afvist", the timeline's status column) are
// marked lang="da" (WCAG 3.1.2), so that a screen reader says them in
// Danish, not as Norwegian or English words; a Danish page needs no mark.
func TestDanishEventNamesAreMarkedDanish(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	e.st.DB().MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message)
		VALUES ($1, 'channel_event', 'digitalpost', $2, 'MEMO_AVAILABLE_TO_RECIPIENT', 'x')`, got[1].ID, now.Add(-5*time.Minute))
	b := e.loggedIn("mette", "compliance", "64942212", "")
	available, rejected := `<span lang="da">Tilgængelig for modtageren</span>`, `<span lang="da">Afvist</span>`
	for _, accept := range []string{"nb-NO,nb;q=0.9", "en-GB"} {
		code, page := b.doIn(accept, "GET", "/shipments/"+got[1].ID, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", accept, code)
		}
		proof := page[strings.Index(page, `id="legal-proof"`):]
		proof = proof[:strings.Index(proof, "</p>")]
		if !strings.Contains(proof, available) {
			t.Errorf("%s: the proof does not mark its Danish event name:\n%s", accept, proof)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		if !strings.Contains(timeline, "<td>"+available+" (MEMO_AVAILABLE_TO_RECIPIENT)</td>") {
			t.Errorf("%s: the timeline's status column does not mark the Danish event name:\n%s", accept, timeline)
		}
		code, page = b.doIn(accept, "GET", "/shipments/"+got[0].ID, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", accept, code)
		}
		proof = page[strings.Index(page, `id="legal-proof"`):]
		proof = proof[:strings.Index(proof, "</p>")]
		if !strings.Contains(proof, available) || !strings.Contains(proof, "MEMO_SEND_VALIDATION_FAILED (") || !strings.Contains(proof, rejected) {
			t.Errorf("%s: the proof of no delivery does not mark its Danish event names:\n%s", accept, proof)
		}
	}
	code, page := b.doIn("da-DK,da;q=0.9", "GET", "/shipments/"+got[1].ID, nil)
	if code != http.StatusOK || strings.Contains(page, `lang="da">Tilgængelig`) || !strings.Contains(page, "Tilgængelig for modtageren") {
		t.Errorf("Danish page: %d, the name should stand unmarked", code)
	}
}
