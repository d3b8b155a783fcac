package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

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
