package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

type fakeSource []store.ListRow

func (f fakeSource) EachShipment(_ context.Context, _ store.ListFilter, fn func(*store.ListRow) error) error {
	return each(f, fn)
}

// each calls fn with every row in turn, as the store's Each… methods do,
// and stops at fn's first error.
func each[T any](rows []T, fn func(*T) error) error {
	for i := range rows {
		if err := fn(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}

func rows(n int) fakeSource {
	sent := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var out fakeSource
	for i := 0; i < n; i++ {
		r := store.ListRow{Letter: store.Letter{ID: fmt.Sprintf("0190a000-0000-7000-8000-%012d", i), Channel: "svarut",
			ChannelID: fmt.Sprintf("c-%d", i), SenderOrg: "964338531", SenderUnit: "Barnevern, \"vest\"",
			RecipientKind: "org", RecipientID: "974760673", Class: "taushetsbelagt",
			Confidential: true, SentAt: sent.Add(time.Duration(i) * time.Hour), State: "available",
			StateChangedAt: sent, Stage: "reminded"}, RecipientName: "Brønnøy; AS", RemindersSent: i % 3}
		if i%2 == 1 {
			r.RecipientKind, r.RecipientID = "person", "01017012343"
		}
		out = append(out, r)
	}
	return out
}

// readXLSX returns every row of the workbook's first sheet.
func readXLSX(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	got, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	// GetRows drops trailing empty cells; pad to the header's width.
	for i := range got {
		for len(got[i]) < len(ShipmentHeader) {
			got[i] = append(got[i], "")
		}
	}
	return got
}

// testLabels name every column and code "<key>!" on the Oslo clock.
var testLabels = &Labels{Text: func(id string, _ ...any) string { return id + "!" }, Zone: calendar.Oslo}

// A labelled sheet (the web UI's XLSX) has the same letters in the same
// order as the CSV, told for people: each header and code as Labels.Text
// says it, the times as date cells on Zone's clock, an empty time empty, the
// age and the reminders as numbers.
func TestLabelledXLSX(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	src := rows(3)
	last := time.Date(2026, 2, 27, 23, 30, 0, 0, time.UTC)
	src[1].LastReminded = &last
	var buf bytes.Buffer
	if _, err := ShipmentsFor(context.Background(), src, store.ListFilter{List: store.ListUnopened}, XLSX, &buf, now, XLSXOptions{Labels: testLabels}); err != nil {
		t.Fatal(err)
	}
	got := readXLSX(t, buf.Bytes())
	if len(got) != 4 || got[0][0] != "export.col.id!" || got[0][17] != "export.col.unknown_to_channel_since!" {
		t.Fatalf("header %v (%d rows)", got[0], len(got))
	}
	for i, r := range src {
		if got[i+1][0] != r.ID {
			t.Errorf("row %d is %s, want %s", i+1, got[i+1][0], r.ID)
		}
	}
	row := got[2]
	for col, want := range map[int]string{1: model.ChannelDisplay("svarut"), 5: "kind.person!", 6: "010170*****", 9: "export.yes!",
		10: "2026-01-05 11:00", 11: "54", 12: "state.available!", 14: "stage.reminded!", 15: "1",
		16: "2026-02-28 00:30", 17: ""} {
		if row[col] != want {
			t.Errorf("row 2 %s = %q, want %q", ShipmentHeader[col], row[col], want)
		}
	}
}

func TestFormatsAgree(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 7, 2500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := rows(n)
			out := map[Format][]byte{}
			for _, f := range []Format{CSV, XLSX, JSON} {
				var buf bytes.Buffer
				got, err := ShipmentsFor(context.Background(), src, store.ListFilter{List: store.ListUnopened}, f, &buf, now, XLSXOptions{})
				if err != nil || got != n {
					t.Fatalf("%s: %d rows, %v", f, got, err)
				}
				out[f] = buf.Bytes()
			}
			csvRows, err := csv.NewReader(bytes.NewReader(out[CSV])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(csvRows) != n+1 || !reflect.DeepEqual(csvRows[0], ShipmentHeader) {
				t.Fatalf("CSV has %d rows, header %v", len(csvRows), csvRows[0])
			}
			if x := readXLSX(t, out[XLSX]); !reflect.DeepEqual(x, csvRows) {
				t.Fatalf("XLSX rows differ from CSV:\n%v\n%v", x[:min(3, len(x))], csvRows[:min(3, len(csvRows))])
			}
			var objs []map[string]string
			if err := json.Unmarshal(out[JSON], &objs); err != nil || len(objs) != n {
				t.Fatalf("JSON: %d objects, %v", len(objs), err)
			}
			if n > 1 {
				if objs[1]["recipient"] != "010170*****" || objs[0]["recipient"] != "974760673" {
					t.Fatalf("recipients not masked right: %v %v", objs[0]["recipient"], objs[1]["recipient"])
				}
				if strings.Contains(string(out[CSV]), "01017012343") {
					t.Fatal("a person id is in the CSV unmasked")
				}
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"csv", true}, {"xlsx", true}, {"json", true}, {"pdf", false}, {"", false}} {
		if _, err := ParseFormat(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseFormat(%q) = %v", tc.in, err)
		}
	}
}

type fakeIncident []store.IncidentRow

func (f fakeIncident) EachIncidentLetter(_ context.Context, _ store.IncidentFilter, fn func(*store.IncidentRow) error) error {
	return each(f, fn)
}

func (f fakeIncident) IncidentSummary(context.Context, store.IncidentFilter) ([]store.UnitCount, error) {
	var out []store.UnitCount
	for _, r := range f {
		if n := len(out); n > 0 && out[n-1].Unit == r.SenderUnit && out[n-1].State == r.State {
			out[n-1].N++
			continue
		}
		out = append(out, store.UnitCount{SenderOrg: r.SenderOrg, Unit: r.SenderUnit, State: r.State, N: 1})
	}
	return out, nil
}

func fakeIncidentRows(n int) fakeIncident {
	sent := time.Date(2020, 5, 12, 9, 0, 0, 0, time.UTC)
	var out fakeIncident
	for i := range n {
		r := store.IncidentRow{Letter: store.Letter{ID: fmt.Sprintf("0190a000-0000-7000-8000-%012d", i), Channel: "svarut",
			ChannelID: fmt.Sprintf("c-%d", i), SenderOrg: "964338531", SenderUnit: []string{"BUF", "KFF", "SOF"}[i*3/n],
			RecipientKind: "org", RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true,
			SentAt: sent.Add(time.Duration(i) * time.Minute), State: model.StateAccepted, StateChangedAt: sent,
			Stage: model.StageNone}, ChannelStatus: "AKSEPTERT"}
		if i%4 == 0 {
			r.State, r.ChannelStatus = model.StateAvailable, "VARSLET"
		}
		if i%5 == 0 {
			r.RecipientKind, r.RecipientID = "person", "01017012343"
		}
		out = append(out, r)
	}
	return out
}

func TestIncidentFormats(t *testing.T) {
	src := fakeIncidentRows(30)
	var c, j, x bytes.Buffer
	for f, buf := range map[Format]*bytes.Buffer{CSV: &c, JSON: &j, XLSX: &x} {
		n, sum, err := Incident(context.Background(), src, store.IncidentFilter{}, f, buf)
		if err != nil || n != 30 || len(sum) != 3 || sum[0].Unit != "BUF" || sum[0].Total != 10 {
			t.Fatalf("%s: %d letters, summary %+v, %v", f, n, sum, err)
		}
	}
	text := c.String()
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil || len(recs) != 31 || !reflect.DeepEqual(recs[0], IncidentHeader) {
		t.Fatalf("CSV: %d rows, %v", len(recs), err)
	}
	if strings.Contains(text, "01017012343") || !strings.Contains(text, "010170*****") {
		t.Error("a person id is not masked in the CSV")
	}
	var doc struct {
		Summary []UnitSummary       `json:"summary"`
		Letters []map[string]string `json:"letters"`
	}
	if err := json.Unmarshal(j.Bytes(), &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, j.String())
	}
	if len(doc.Letters) != 30 || len(doc.Summary) != 3 || doc.Summary[1].States["available"]+doc.Summary[1].States["accepted"] != 10 {
		t.Fatalf("JSON: %d letters, summary %+v", len(doc.Letters), doc.Summary)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"summary", "letters"}) {
		t.Fatalf("sheets %v", got)
	}
	summary, _ := f.GetRows("summary")
	letters, _ := f.GetRows("letters")
	if len(summary) != 4 || summary[1][1] != "BUF" || summary[1][2] != "10" || len(letters) != 31 || letters[1][1] != "BUF" {
		t.Fatalf("XLSX summary %v, %d letter rows", summary, len(letters))
	}
	// An empty incident is still a well-formed document.
	var e bytes.Buffer
	if _, _, err := Incident(context.Background(), fakeIncident{}, store.IncidentFilter{}, JSON, &e); err != nil ||
		!json.Valid(e.Bytes()) {
		t.Fatalf("empty JSON %q %v", e.String(), err)
	}
}

// An XLSX export of more rows than a sheet may hold (XLSXOptions.MaxRows;
// 5 here) is refused with ErrTooManyRows, naming the limit, before anything
// is written, so the web handler can still answer with an error page; at
// the limit it is written whole. CSV streams any size.
func TestXLSXRowLimit(t *testing.T) {
	for _, tc := range []struct {
		n    int
		l    *Labels
		want error
	}{{5, nil, nil}, {6, nil, ErrTooManyRows}, {5, testLabels, nil}, {6, testLabels, ErrTooManyRows}} {
		var b bytes.Buffer
		_, err := ShipmentsFor(context.Background(), rows(tc.n), store.ListFilter{}, XLSX, &b, time.Now(), XLSXOptions{Labels: tc.l, MaxRows: 5})
		if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("%d rows (labels %v): %v, want %v", tc.n, tc.l != nil, err, tc.want)
		}
		if tc.want != nil && (err == nil || !strings.Contains(err.Error(), "more than 5 rows")) {
			t.Errorf("%d rows (labels %v): %v, want it to name the limit, 5", tc.n, tc.l != nil, err)
		}
		if tc.want != nil && b.Len() != 0 {
			t.Errorf("%d rows (labels %v): %d bytes written before the refusal", tc.n, tc.l != nil, b.Len())
		}
		if tc.want == nil && len(readXLSX(t, b.Bytes())) != tc.n+1 {
			t.Errorf("%d rows (labels %v): the sheet lacks rows", tc.n, tc.l != nil)
		}
	}
	var b bytes.Buffer
	if n, err := ShipmentsFor(context.Background(), rows(6), store.ListFilter{}, CSV, &b, time.Now(), XLSXOptions{}); err != nil || n != 6 {
		t.Errorf("CSV of 6 rows: %d %v", n, err)
	}
}

// TestIncidentXLSXLabels: with labels the incident XLSX is for people
// (sheets, headers, codes by the catalogue, times as date cells on the
// labels' clock, counts as numbers, a person id masked); the CSV with the
// same labels is the programs' form.
func TestIncidentXLSXLabels(t *testing.T) {
	src := fakeIncidentRows(30)
	open := "open"
	src[1].FollowUp, src[1].Deadline = &open, &src[1].SentAt
	var x, c bytes.Buffer
	if _, _, err := IncidentFor(context.Background(), src, store.IncidentFilter{}, XLSX, &x, XLSXOptions{Labels: testLabels}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := IncidentFor(context.Background(), src, store.IncidentFilter{}, CSV, &c, XLSXOptions{Labels: testLabels}); err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(&c).ReadAll(); err != nil || !reflect.DeepEqual(recs[0], IncidentHeader) || recs[1][11] != "available" {
		t.Fatalf("the CSV with labels is not the programs' form: %v %v", recs[:2], err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"export.sheet.summary!", "export.sheet.letters!"}) {
		t.Fatalf("sheets %v", got)
	}
	summary, _ := f.GetRows("export.sheet.summary!")
	if summary[0][2] != "export.col.total!" || summary[0][3] != "state.registered!" || summary[1][2] != "10" {
		t.Errorf("summary %v", summary[:2])
	}
	if typ, _ := f.GetCellType("export.sheet.summary!", "C2"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("the summary's total is a text cell (%v)", typ)
	}
	letters, _ := f.GetRows("export.sheet.letters!")
	if letters[0][11] != "export.col.state!" || letters[1][11] != "state.available!" || letters[1][6] != "kind.person!" ||
		letters[1][7] != "010170*****" || letters[1][4] != model.ChannelDisplay("svarut") || letters[2][16] != "export.followup_open!" {
		t.Errorf("letters %v", letters[:3])
	}
	if want := src[0].SentAt.In(testLabels.Zone).Format("2006-01-02 15:04"); letters[1][10] != want {
		t.Errorf("sent is %q, want %q on the labels' clock", letters[1][10], want)
	}
}
