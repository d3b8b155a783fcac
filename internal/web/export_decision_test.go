package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Datatilsynet asks which confidential letters were never opened and what
// was done about each: a list's export carries the sending unit's follow-up
// decision and when it was taken (followup_decision, followup_decided_at,
// after the next step), recorded on the letter's page, read from the real
// database. Before, the export had no such column and the officer matched
// the follow-ups' export, which has no list's filters, by hand. The XLSX
// says the decision as the letter's page does, the note (free text that may
// be confidential) is in neither.
func TestExportCarriesFollowUpDecision(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/shipments/" + got[0].ID)
	form := url.Values{"csrf": {csrf(page)}, "decision": {"consequences_assessed"}, "note": {"Ringte barnevernsleder Hansen"}, "new_channel": {"svarut"}}
	if code, _, body := b.post("/shipments/"+got[0].ID+"/followup", form); code != 303 {
		t.Fatalf("follow-up: %d %.300s", code, body)
	}

	rows := byID(t, browserCSVRows(t, b.download("/export?list=all&format=csv")), "followup_decision", "followup_decided_at")
	if w := []string{"consequences_assessed", now.UTC().Format(time.RFC3339)}; !slices.Equal(rows[got[0].ID], w) {
		t.Errorf("CSV follow-up of the decided letter %v, want %v", rows[got[0].ID], w)
	}
	if w := []string{"", ""}; !slices.Equal(rows[got[1].ID], w) {
		t.Errorf("CSV follow-up of the undecided letter %v, want %v", rows[got[1].ID], w)
	}

	sheet := xlsxRows(t, b.download("/export?list=all&format=xlsx"))
	if len(sheet) < 2 {
		t.Fatalf("XLSX: %v", sheet)
	}
	col := slices.Index(sheet[0], "Oppfølging: beslutning")
	if col < 0 || len(sheet[0]) <= col+1 || sheet[0][col+1] != "Oppfølging besluttet" {
		t.Fatalf("XLSX header %v lacks the follow-up decision's columns", sheet[0])
	}
	found := false
	for _, r := range sheet[1:] {
		if len(r) > col && r[0] == got[0].ID {
			found = r[col] == "konsekvenser vurdert"
		}
	}
	if !found {
		t.Errorf("XLSX: the decided letter's decision is not said as on its page (konsekvenser vurdert): %v", sheet)
	}
	for _, body := range [][]byte{b.download("/export?list=all&format=csv"), b.download("/export?list=all&format=json")} {
		if strings.Contains(string(body), "Hansen") {
			t.Errorf("an export carries the follow-up's note: %.200s", body)
		}
	}
}
