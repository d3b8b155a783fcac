package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestManualNoteIsText: a manual resolution's note is checked as a
// follow-up's is (noteProblem: line breaks and tabs are a note's own, a
// NUL or bytes that are not UTF-8 are not); such a note was a 500 (the
// database refused it). It is answered 400 saying what is wrong, in the
// page's language, and the case stays open; a plain note resolves it.
func TestManualNoteIsText(t *testing.T) {
	e := newEnv(t)
	got := e.seed(1)
	id := got[0].ID
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, id)
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'no postal address', $2)`, id, now)
	b := e.loggedIn("kari", "compliance", "", "")
	resolve := func(note string) (int, string) {
		_, page := b.get("/manual")
		return b.doIn("nb-NO,nb;q=0.9", "POST", "/manual/"+id+"/resolve", url.Values{"csrf": {csrf(page)}, "resolution": {"printed_by_hand"}, "note": {note}})
	}
	for _, bad := range []string{"sendt\x00 i posten", "sendt \xff\xfe i posten"} {
		if code, body := resolve(bad); code != http.StatusBadRequest || !strings.Contains(body, "Notatet: ") {
			t.Errorf("note %q: %d, want 400 saying what is wrong with the note: %.300s", bad, code, body)
		}
	}
	var open bool
	if err := db.QueryRow(`SELECT resolved_at IS NULL FROM print_manual WHERE shipment_id = $1`, id).Scan(&open); err != nil || !open {
		t.Fatalf("the case was resolved by a refused note (%v)", err)
	}
	if code, body := resolve("sendt i posten\n30.11"); code != http.StatusSeeOther {
		t.Errorf("a plain note: %d %.300s", code, body)
	}
}
