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

func TestFormatsAgree(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 7, 2500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := rows(n)
			out := map[Format][]byte{}
			for _, f := range []Format{CSV, XLSX, JSON} {
				var buf bytes.Buffer
				got, err := Shipments(context.Background(), src, store.ListFilter{List: store.ListUnopened}, f, &buf, now)
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
