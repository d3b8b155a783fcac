package web_test

import (
	"bytes"
	"encoding/csv"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/calendar"
	"postvakt/internal/i18n"
	"postvakt/internal/store"
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

// A compliance officer answering a court or Datatilsynet must say, per
// letter, when it was reminded (how many times, the first and the last)
// and when its print was ordered, when the print provider took the order
// and how the order stands: a list's export carries first_reminded_at and
// the print order's print_ordered_at, print_placed_at and print_state
// after the follow-up decision, read from the real database by the
// export's one query. Before, it had only the last reminder's time and no
// print. The XLSX names the columns and the print order's state in the
// reader's language (each of nb, en and da has every state); no letter
// content goes with them.
func TestExportCarriesReminderAndPrintHistory(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	db := e.st.DB()
	first, last := now.Add(-20*24*time.Hour), now.Add(-13*24*time.Hour)
	ordered, placed := now.Add(-6*24*time.Hour), now.Add(-6*24*time.Hour+4*time.Minute)
	for i, sent := range []time.Time{first, last} {
		var id int64
		if err := db.Get(&id, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, sent_at, updated_at)
			VALUES ($1, '910859897', 'sent', $2, $2, $2, $2) RETURNING id`, "k-history-"+got[0].ID+string(rune('a'+i)), sent); err != nil {
			t.Fatal(err)
		}
		db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, $3)`, id, got[0].ID, i+1)
	}
	db.MustExec(`UPDATE shipments SET reminders_sent = 2, last_reminded_at = $2, stage = 'print_ordered' WHERE id = $1`, got[0].ID, last)
	db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, order_id, placed_at, created_at, updated_at)
		VALUES ($1, 'default', false, $2, 'printed', 'ORD-77', $4, $3, $3)`, got[0].ID, "k-print-"+got[0].ID, ordered, placed)
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, $2, 'print', $3, 'print order ORD-77')`,
		got[0].ID, store.EventPrintOrdered, placed)
	b := e.loggedIn("kari", "compliance", "964338531", "")

	utc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	recs := browserCSVRows(t, b.download("/export?list=all&format=csv"))
	rows := byID(t, recs, "reminders_sent", "first_reminded_at", "last_reminded_at", "print_ordered_at", "print_placed_at", "print_state")
	if w := []string{"2", utc(first), utc(last), utc(ordered), utc(placed), "printed"}; !slices.Equal(rows[got[0].ID], w) {
		t.Errorf("CSV history of the reminded and printed letter %v, want %v", rows[got[0].ID], w)
	}
	if w := []string{"0", "", "", "", "", ""}; !slices.Equal(rows[got[1].ID], w) {
		t.Errorf("CSV history of a letter neither reminded nor printed %v, want %v", rows[got[1].ID], w)
	}
	if h := recs[0]; !slices.Equal(h[len(h)-4:], []string{"first_reminded_at", "print_ordered_at", "print_placed_at", "print_state"}) {
		t.Errorf("the CSV header ends %v: the history's columns come last, after the existing ones", h[len(h)-4:])
	}

	sheet := xlsxRows(t, b.download("/export?list=all&format=xlsx"))
	if len(sheet) < 2 {
		t.Fatalf("XLSX: %v", sheet)
	}
	col := slices.Index(sheet[0], "Første påminnelse")
	if col < 0 || !slices.Equal(sheet[0][col:], []string{"Første påminnelse", "Utskrift bestilt",
		"Utskriftsbestilling mottatt av leverandøren", "Utskriftsbestillingens tilstand"}) {
		t.Fatalf("XLSX header %v lacks the history's columns in Norwegian", sheet[0])
	}
	oslo := func(t time.Time) string { return t.In(calendar.Oslo).Format("2006-01-02 15:04") }
	found := false
	for _, r := range sheet[1:] {
		if r[0] == got[0].ID && len(r) >= col+4 {
			found = slices.Equal(r[col:col+4], []string{oslo(first), oslo(ordered), oslo(placed), "skrevet ut"})
			if !found {
				t.Errorf("XLSX history of the printed letter %v", r[col:])
			}
		}
	}
	if !found {
		t.Errorf("XLSX: no history for the printed letter: %v", sheet)
	}
	for _, body := range [][]byte{b.download("/export?list=all&format=csv"), b.download("/export?list=all&format=json")} {
		if strings.Contains(string(body), "ORD-77") || strings.Contains(string(body), "print order ORD") {
			t.Errorf("an export carries the print order's id or its evidence: %.200s", body)
		}
	}

	for _, lang := range []string{"nb", "en", "da"} {
		l := i18n.For(lang, nil)
		for _, id := range []string{"export.col.first_reminded_at", "export.col.print_ordered_at", "export.col.print_placed_at", "export.col.print_state"} {
			if !l.Has(id) {
				t.Errorf("%s: no header %s", lang, id)
			}
		}
		for _, s := range []string{store.PrintStateLookup, store.PrintStateManual, store.PrintStateHeld, store.PrintStateRejected,
			store.PrintStateSkipped, store.PrintStateQueued, store.PrintStateReceived, store.PrintStatePrinted, store.PrintStatePosted,
			store.PrintStateFailed, store.PrintStateCancelled} {
			if !l.Has("export.print_state." + s) {
				t.Errorf("%s: the print order's state %s has no words", lang, s)
			}
		}
	}
}

// An XLSX export is for people who open it in a spreadsheet: in the
// reader's language (headers, channel, recipient kind, state, stage), times
// as date cells on the Norwegian/Danish clock, days and reminders as
// numbers; and it holds exactly the letters the page shows with the same
// filters (stage, unit, channel, age). The CSV stays for programs: English
// column names and codes, UTC times.
func TestExportXLSXForPeople(t *testing.T) {
	e := newEnv(t)
	got := e.seed(12)
	db := e.st.DB()
	remind := func(i, n int) {
		db.MustExec(`UPDATE shipments SET state = 'available', stage = 'reminded', reminders_sent = $2, last_reminded_at = $3
			WHERE id = $1`, got[i].ID, n, now.Add(-26*time.Hour))
	}
	remind(1, 2)  // NAV, 39 days: in
	remind(3, 1)  // NAV, 37 days: in
	remind(2, 1)  // Barnevernstjenesten: another unit
	remind(11, 1) // NAV, 29 days: younger than min_age
	b := e.loggedIn("kari", "compliance", "964338531", "")
	const q = "list=unopened&stage=reminded&unit=NAV&channel=svarut&min_age=30"

	var shown []string
	for _, m := range regexp.MustCompile(`href="/shipments/([0-9a-f-]{36})"`).FindAllStringSubmatch(string(b.download("/list?"+q)), -1) {
		shown = append(shown, m[1])
	}
	if want := []string{got[1].ID, got[3].ID}; len(shown) != 2 || shown[0] != want[0] || shown[1] != want[1] {
		t.Fatalf("the filtered list shows %v, want %v", shown, want)
	}

	f, err := excelize.OpenReader(bytes.NewReader(b.download("/export?" + q + "&format=xlsx")))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][0] != shown[0] || rows[2][0] != shown[1] {
		t.Fatalf("the XLSX holds %d rows %v, want the header and the list's %v", len(rows), rows, shown)
	}
	for col, want := range map[int]string{0: "postvakt-id", 1: "Kanal", 4: "Avsenderenhet", 10: "Sendt", 11: "Dager siden sending",
		12: "Status", 14: "Trinn", 15: "Påminnelser", 16: "Siste påminnelse"} {
		if rows[0][col] != want {
			t.Errorf("header column %d is %q, want %q", col+1, rows[0][col], want)
		}
	}
	for col, want := range map[int]string{1: "KS SvarUt", 5: "virksomhet", 9: "ja", 12: "tilgjengelig", 14: "påminnet"} {
		if rows[1][col] != want {
			t.Errorf("row 1 column %q is %q, want %q", rows[0][col], rows[1][col], want)
		}
	}
	// Sent: a date cell showing the Oslo clock; the age and the reminders are numbers.
	if want := got[1].SentAt.In(calendar.Oslo).Format("2006-01-02 15:04"); rows[1][10] != want {
		t.Errorf("sent shows %q, want %q (Oslo time)", rows[1][10], want)
	}
	for _, c := range []struct{ cell, want string }{{"K2", ""}, {"L2", "39"}, {"P2", "2"}, {"Q2", ""}} {
		raw, _ := f.GetCellValue(sheet, c.cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(sheet, c.cell)
		if _, err := strconv.ParseFloat(raw, 64); err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("%s is %q (type %v), want a number", c.cell, raw, typ)
		}
		if c.want != "" && raw != c.want {
			t.Errorf("%s is %s, want %s", c.cell, raw, c.want)
		}
	}

	csvRows, err := csv.NewReader(bytes.NewReader(b.download("/export?" + q + "&format=csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(csvRows) != 3 || csvRows[0][10] != "sent_at" || csvRows[1][12] != "available" ||
		csvRows[1][10] != got[1].SentAt.UTC().Format(time.RFC3339) {
		t.Errorf("the CSV is no longer the programs' form: %v", csvRows)
	}
}
