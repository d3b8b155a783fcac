package web_test

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/calendar"
)

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
