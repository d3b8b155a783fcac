package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// bom is the UTF-8 byte order mark.
const bom = "\xEF\xBB\xBF"

// A CSV a browser downloads (a session) starts with one UTF-8 byte order
// mark, so that Excel opening it by a double click reads "Bærum" as UTF-8
// and not as "BÃ¦rum" in the Windows code page; behind the mark it is the
// same CSV (the programs' header and codes). Every UI export does so: the
// lists, the follow-ups, the audit log and the incident report. Fetched
// with a bearer token (the API, a script on the same paths) the CSV has no
// mark: programs read it. XLSX and JSON never have one.
func TestCSVDownloadHasBOMForExcel(t *testing.T) {
	e := newEnv(t)
	got, _, err := e.st.Register(context.Background(), []model.NewShipment{{Channel: "svarut", ChannelID: storetest.ChannelID("bom", 1),
		SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten i Bærum", RecipientKind: "org", RecipientID: "974760673",
		Title: "Vedtak", Confidential: true, Class: "taushetsbelagt", SentAt: now.Add(-40 * 24 * time.Hour)}}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordFollowUp(context.Background(), store.FollowUpDecision{ShipmentID: got[0].ID,
		Decision: store.DecisionAssessed, Note: "ringte Ørsta", Actor: "user:kari", At: now, Deadline: now.AddDate(0, 0, 14)}); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	q := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}}
	for _, tc := range []struct{ path, first, text string }{
		{"/export?list=unopened&format=csv", "id", "Bærum"},
		{"/followups/export?all=1&format=csv", "id", "ringte Ørsta"},
		{"/audit/export?format=csv", "at", "user:kari"},
		{"/incidents/export?" + q.Encode() + "&format=csv", "sender_org", "Bærum"},
	} {
		body := b.download(tc.path)
		if !bytes.HasPrefix(body, []byte(bom)) || bytes.HasPrefix(body[len(bom):], []byte(bom)) {
			t.Errorf("%s starts %q, want one UTF-8 byte order mark", tc.path, body[:min(8, len(body))])
			continue
		}
		recs, err := csv.NewReader(bytes.NewReader(body[len(bom):])).ReadAll()
		if err != nil || len(recs) < 2 || recs[0][0] != tc.first || !strings.Contains(string(body), tc.text) {
			t.Errorf("%s behind the mark: %v %v; want the CSV with the header %q… and %q", tc.path, recs, err, tc.first, tc.text)
		}
	}
	for _, path := range []string{"/export?list=unopened&format=xlsx", "/incidents/export?" + q.Encode() + "&format=xlsx"} {
		if body := b.download(path); !bytes.HasPrefix(body, []byte("PK")) {
			t.Errorf("%s starts %q, want the XLSX's zip and no mark", path, body[:min(8, len(body))])
		}
	}

	tok := e.token("compliance", "964338531", "")
	for _, tc := range []struct{ path, first string }{
		{"/api/v1/incidents/report?" + q.Encode() + "&format=csv", "sender_org,"},
		{"/export?list=unopened&format=csv", "id,"},
	} {
		resp, body := e.request("GET", tc.path, tok)
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte(tc.first)) {
			t.Errorf("%s with a bearer token: %d, starts %q; want the CSV without a mark", tc.path, resp.StatusCode, body[:min(12, len(body))])
		}
	}
}

// postvakt's own CSV import takes what Excel saves as "CSV UTF-8": a byte
// order mark, semicolons and CRLF. The units file imported in the UI is
// read, the mark no part of the first column's name, and æøå kept.
func TestUnitsImportTakesExcelsCSVUTF8(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("admin", "admin", "", "")
	_, page := b.get("/admin/units")
	file := bom + "sender_org;unit;contact_email;manager_email\r\n964338531;Barnevernstjenesten i Bærum;bv@baerum.kommune.no;\r\n"
	code, loc, body := b.upload("/admin/units/import", csrf(page), file)
	if code != http.StatusSeeOther || loc != "/admin/units?done=imported" {
		t.Fatalf("import of Excel's CSV UTF-8: %d %s %.300s; want it imported", code, loc, body)
	}
	us, err := e.st.Units(context.Background(), store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].SenderOrg != "964338531" || us[0].Name != "Barnevernstjenesten i Bærum" || us[0].ContactEmail != "bv@baerum.kommune.no" {
		t.Fatalf("units %+v, want Barnevernstjenesten i Bærum of 964338531", us)
	}
}

// browserCSV is a CSV as a browser downloaded it without its byte order
// mark, which it must start with (TestCSVDownloadHasBOMForExcel).
func browserCSV(t *testing.T, body []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(body, []byte(bom)) {
		t.Fatalf("the CSV a browser downloads starts %q, without a byte order mark", body[:min(8, len(body))])
	}
	return body[len(bom):]
}

// browserCSVRows are the records of a CSV as a browser downloaded it
// (browserCSV), failing the test when it does not parse.
func browserCSVRows(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(browserCSV(t, body))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	return rows
}

// xlsxRows are the rows of an XLSX download's first sheet, failing the
// test when it does not open or read.
func xlsxRows(t *testing.T, body []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatalf("XLSX's first sheet does not read: %v", err)
	}
	return rows
}
