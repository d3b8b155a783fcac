package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/calendar"
	"postvakt/internal/store"
)

// The incident report's XLSX from the UI is for people, as the lists'
// XLSX: its sheets, headers, channel, recipient kind, yes/no, state, stage
// and follow-up in the reader's language, times as date cells on the
// Norwegian clock, the counts as numbers. The CSV, and the API's XLSX, stay
// for programs: English names and codes, UTC times.
func TestIncidentXLSXForPeople(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	if err := e.st.RecordFollowUp(context.Background(), store.FollowUpDecision{ShipmentID: got[0].ID,
		Decision: store.DecisionAssessed, Note: "ringte mottakeren", Actor: "user:kari", At: now, Deadline: now.AddDate(0, 0, 14)}); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	q := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}}
	get := func(path, token string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Accept-Language", "nb-NO")
		c := b.c
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
			c = http.DefaultClient
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}

	f, err := excelize.OpenReader(bytes.NewReader(get("/incidents/export?"+q.Encode()+"&format=xlsx", "")))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !reflect.DeepEqual(sheets, []string{"Oppsummering", "Brev"}) {
		t.Fatalf("sheets %v, want Oppsummering and Brev", sheets)
	}
	sum, _ := f.GetRows("Oppsummering")
	if len(sum) < 2 || sum[0][0] != "Avsendervirksomhet" || sum[0][1] != "Avsenderenhet" || sum[0][2] != "Totalt" || sum[0][3] != "registrert" {
		t.Errorf("summary header %v, want it in Norwegian", sum)
	}
	if typ, _ := f.GetCellType("Oppsummering", "C2"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("the summary's total is a text cell (%v), want a number", typ)
	}
	letters, _ := f.GetRows("Brev")
	if len(letters) != 4 {
		t.Fatalf("the letters sheet has %d rows, want the header and 3", len(letters))
	}
	for col, want := range map[int]string{0: "Avsendervirksomhet", 2: "Avsendersystem", 4: "Kanal", 10: "Sendt", 11: "Status",
		13: "Kanalstatus", 14: "Tilgjengelig for mottakeren", 15: "Trinn", 16: "Oppfølging", 17: "Frist for oppfølging"} {
		if letters[0][col] != want {
			t.Errorf("letters header column %d is %q, want %q", col+1, letters[0][col], want)
		}
	}
	row := -1
	for i, r := range letters {
		if len(r) > 3 && r[3] == got[0].ID {
			row = i
		}
	}
	if row < 0 {
		t.Fatalf("the letters sheet lacks %s: %v", got[0].ID, letters)
	}
	for col, want := range map[int]string{4: "KS SvarUt", 6: "virksomhet", 9: "ja", 11: "registrert", 15: "ingen", 16: "konsekvenser vurdert",
		10: got[0].SentAt.In(calendar.Oslo).Format("2006-01-02 15:04")} {
		if letters[row][col] != want {
			t.Errorf("letter column %q is %q, want %q", letters[0][col], letters[row][col], want)
		}
	}
	cell, _ := excelize.CoordinatesToCellName(11, row+1)
	raw, _ := f.GetCellValue("Brev", cell, excelize.Options{RawCellValue: true})
	if _, err := strconv.ParseFloat(raw, 64); err != nil {
		t.Errorf("sent (%s) is %q, want a date cell", cell, raw)
	}

	// For programs: the CSV and the API's XLSX as before.
	csvRows, err := csv.NewReader(bytes.NewReader(get("/incidents/export?"+q.Encode()+"&format=csv", ""))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(csvRows) != 4 || csvRows[0][10] != "sent_at" || csvRows[0][16] != "followup" {
		t.Fatalf("the CSV is no longer the programs' form: %v", csvRows)
	}
	for _, r := range csvRows[1:] {
		if r[3] == got[0].ID && (r[11] != "registered" || r[16] != "consequences_assessed" || r[10] != got[0].SentAt.UTC().Format(time.RFC3339)) {
			t.Errorf("the CSV's letter is no longer in codes and UTC: %v", r)
		}
	}
	tok := e.token("compliance", "964338531", "")
	api, err := excelize.OpenReader(bytes.NewReader(get("/api/v1/incidents/report?"+q.Encode()+"&format=xlsx", tok)))
	if err != nil {
		t.Fatalf("API XLSX does not open: %v", err)
	}
	defer api.Close()
	if sheets := api.GetSheetList(); !reflect.DeepEqual(sheets, []string{"summary", "letters"}) {
		t.Errorf("the API's XLSX sheets are %v, want the programs' summary and letters", sheets)
	}
}
