package web_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/calendar"
)

// The audit log's XLSX from the UI is for people, as the lists' and the
// incident report's: its headers and the role in the reader's language, the
// time a date cell on the Norwegian clock. The CSV stays for programs:
// English column names, role codes, UTC times.
func TestAuditXLSXForPeople(t *testing.T) {
	e := newEnv(t)
	seedAuditLog(t, e, 3)
	b := e.loggedIn("kari", "compliance", auditOrg, "")
	f, err := excelize.OpenReader(bytes.NewReader(b.download("/audit/export?format=xlsx&actor=user%3Akari&action=view_shipment")))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) < 2 {
		t.Fatalf("the sheet has %d rows, want the header and kari's entries", len(rows))
	}
	for col, want := range map[int]string{0: "Tidspunkt", 1: "Hvem", 2: "Rolle", 4: "Handling", 5: "Objekt", 6: "Detaljer", 7: "Gjelder virksomhet"} {
		if rows[0][col] != want {
			t.Errorf("header column %d is %q, want %q", col+1, rows[0][col], want)
		}
	}
	// seedAuditLog(3) writes entries 1 to 53, a minute apart from 1000 hours
	// ago; kari's newest is "entry 53".
	at := now.Add(-1000*time.Hour + 53*time.Minute)
	if rows[1][5] != "entry 53" || rows[1][2] != "avsenderenhet" || rows[1][4] != "view_shipment" ||
		rows[1][0] != at.In(calendar.Oslo).Format("2006-01-02 15:04") {
		t.Errorf("first entry %v, want entry 53 by an avsenderenhet at %s Oslo time", rows[1], at.In(calendar.Oslo).Format("2006-01-02 15:04"))
	}
	raw, _ := f.GetCellValue(f.GetSheetList()[0], "A2", excelize.Options{RawCellValue: true})
	if _, err := strconv.ParseFloat(raw, 64); err != nil {
		t.Errorf("the time is %q, want a date cell", raw)
	}

	// For programs: the CSV as before.
	csvRows := browserCSVRows(t, b.download("/audit/export?format=csv&actor=user%3Akari&action=view_shipment"))
	if len(csvRows) != len(rows) || strings.Join(csvRows[0], ",") != "at,actor,role,sender_org,action,object,detail,subject_org" ||
		csvRows[1][0] != at.UTC().Format(time.RFC3339) || csvRows[1][2] != "unit" {
		t.Errorf("the CSV is no longer the programs' form: %v", csvRows)
	}
}
