package importer_test

// Import files as municipalities' spreadsheets and case systems write them.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// problemsOf runs an import and returns its problems, one per line. A panic
// (a Go stack dump for the operator) or an error that is not an
// *importer.InvalidError fails the test.
func problemsOf(t *testing.T, run func() (importer.Result, error)) (res importer.Result, all string, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("the import panicked: %v", r)
		}
	}()
	res, err = run()
	var inv *importer.InvalidError
	if err != nil && !errors.As(err, &inv) {
		t.Fatalf("err = %v, want an *importer.InvalidError", err)
	}
	if inv != nil {
		var lines []string
		for _, r := range inv.Rows {
			lines = append(lines, r.Error())
		}
		all = strings.Join(lines, "\n")
	}
	return res, all, err
}

// TestImportQuoteErrorInFirstColumn: a quote error in the first field of a
// data row (a title or sender system put first, an unclosed quote at the
// row's start) is a problem of its line, as a quote error elsewhere is,
// and nothing is stored.
func TestImportQuoteErrorInFirstColumn(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	sysFirst := "sender_system," + header
	cases := []struct{ name, file, want string }{
		{"bare quote in the first column", sysFirst + "Sak \"arkiv\"," + row(1), "line 2"},
		{"stray quote in a quoted first column", sysFirst + "\"Sak \"arkiv\" 2\"," + row(1), "line 2"},
		{"unclosed quote in the first column, last line", header + row(1) + "\"svarut,x\n", "line 3"},
		{"unclosed quote in the first column, runs past the line limit", header + row(1) + "\"svarut" + strings.Repeat("x", 70000) + "\n", "line 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(tc.file), importer.Options{Now: now})
			})
			if err == nil || !strings.Contains(all, tc.want) {
				t.Fatalf("problems %q (err %v), want one on %s", all, err, tc.want)
			}
			if n := count(t, st); n != 0 {
				t.Fatalf("%d shipments stored", n)
			}
		})
	}
}

// TestImportUTF8BOMQuotedHeader: a UTF-8 file with a byte-order mark whose
// header cells are quoted (what many case systems write: every field in
// quotes, semicolons, CRLF) is read: the mark is dropped from the stream,
// so the first cell starts with its quote. A file of a mark alone is
// empty, one problem.
func TestImportUTF8BOMQuotedHeader(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	quote := func(line string) string {
		return "\"" + strings.ReplaceAll(strings.TrimSuffix(line, "\n"), ",", "\";\"") + "\"\r\n"
	}
	r := "svarut,00000000-0000-4000-8000-000000000021,964338531,Barnevernstjenesten i Bærum,org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00"
	file := "\ufeff" + quote(header) + quote(r)
	res, all, err := problemsOf(t, func() (importer.Result, error) {
		return importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
	})
	if err != nil || res.Created != 1 {
		t.Fatalf("UTF-8 with BOM, quoted header: %+v %v\n%s", res, err, all)
	}
	for _, empty := range []string{"\ufeff", "\ufeff\r\n"} {
		_, all, err = problemsOf(t, func() (importer.Result, error) {
			return importer.Import(ctx, st, strings.NewReader(empty), importer.Options{Now: now})
		})
		if err == nil || !strings.Contains(all, "line 1: empty file") || strings.Count(all, "\n") != 0 {
			t.Errorf("a file of a BOM alone (%q): %q, want the one problem \"line 1: empty file …\"", empty, all)
		}
	}
}

// TestImportNeverQuotesANationalID: a problem that quotes a bad value back
// (recipient_kind, sent_at, confidential, channel, channel_id) masks a
// value that has the form of a national id (a fødselsnummer or CPR
// number, with or without a dash), as when a file's columns are labelled
// wrongly: stderr and whatever collects it never get one in clear. The
// line and column still say where.
func TestImportNeverQuotesANationalID(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const fnr, cpr = "01017012345", "0101901234"
	cases := []struct{ name, from, to, col string }{
		{"fødselsnummer in recipient_kind (columns swapped)", ",org,974760673,", ",01017012345,person,", "recipient_kind"},
		{"CPR number in recipient_kind", ",org,974760673,", ",0101901234,person,", "recipient_kind"},
		{"fødselsnummer in sent_at", "2026-11-20T10:00:00+01:00", fnr, "sent_at"},
		{"CPR number with a dash in sent_at", "2026-11-20T10:00:00+01:00", "010190-1234", "sent_at"},
		{"fødselsnummer in confidential", ",true,", "," + fnr + ",", "confidential"},
		{"fødselsnummer in channel", "svarut,", fnr + ",", "channel"},
		{"fødselsnummer in channel_id", "00000000-0000-4000-8000-000000000009", fnr, "channel_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := header + strings.Replace(row(9), tc.from, tc.to, 1)
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
			})
			if err == nil || !strings.Contains(all, "line 2, column "+tc.col) {
				t.Fatalf("problems %q, want one at line 2, column %s", all, tc.col)
			}
			for _, id := range []string{fnr, cpr, "1234"} {
				if strings.Contains(all, id) {
					t.Fatalf("a problem prints the person id in clear: %q", all)
				}
			}
		})
	}
}

// TestImportConflictingDuplicateInFile: two lines of one file name the same
// letter (channel and channel id) and the same sender organisation but
// different recipients. The later line is a problem of its line, as one
// with another sender organisation is, and nothing is stored: the letter
// is not taken for a duplicate of the first line's.
func TestImportConflictingDuplicateInFile(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	cases := []struct{ name, from, to string }{
		{"another recipient organisation", ",org,974760673,", ",org,964338531,"},
		{"another recipient kind and id", ",org,974760673,", ",person,01017010170,"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := header + row(30+i) + strings.Replace(row(30+i), tc.from, tc.to, 1)
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
			})
			if err == nil || !strings.Contains(all, "line 3") {
				t.Fatalf("a line contradicting line 2 about the same letter: %v %q, want a problem on line 3", err, all)
			}
			var n int
			if err := st.DB().Get(&n, `SELECT count(*) FROM shipments WHERE channel_id = $1`, fmt.Sprintf("00000000-0000-4000-8000-%012d", 30+i)); err != nil || n != 0 {
				t.Fatalf("%d shipments stored (%v)", n, err)
			}
		})
	}
}

// TestImportExcelShapes: what Excel in a Norwegian or Danish locale adds
// around the cells. Rows of separators only (";;;;;;;;;", written for
// formatted but empty rows in the sheet's used range) are no rows, as an
// empty line is none. A blank line before the header is skipped: the
// separator is the header's, and the lines keep their numbers.
func TestImportExcelShapes(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	semi := strings.ReplaceAll(header, ",", ";")
	r := func(i int) string {
		return fmt.Sprintf("svarut;00000000-0000-4000-8000-%012d;964338531;Barnevernstjenesten;org;974760673;Vedtak;true;taushetsbelagt;2026-11-20T10:00:00+01:00\r\n", i)
	}
	cases := []struct{ name, file string }{
		{"rows of separators only at the end", semi + r(41) + ";;;;;;;;;\r\n;;;;;;;;;\r\n"},
		{"a blank line before the header", "\r\n" + semi + r(42)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(tc.file), importer.Options{Now: now})
			})
			if err != nil || res.Created != 1 {
				t.Fatalf("%+v %v\n%s", res, err, all)
			}
		})
	}
}

// TestImportNamelessHeaderColumn: Excel writes a separator after the last
// cell when a column to the right is in the sheet's used range:
// "…;sent_at;". The problem says where (column 11) and that its name is
// empty, once per such column (not "appears twice").
func TestImportNamelessHeaderColumn(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	semi := strings.TrimSuffix(strings.ReplaceAll(header, ",", ";"), "\n")
	r := "svarut;00000000-0000-4000-8000-000000000051;964338531;Barnevernstjenesten;org;974760673;Vedtak;true;taushetsbelagt;2026-11-20T10:00:00+01:00"
	for _, extra := range []string{";", ";;"} {
		file := semi + extra + "\r\n" + r + extra + "\r\n"
		res, all, err := problemsOf(t, func() (importer.Result, error) {
			return importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
		})
		if err == nil {
			if res.Created != 1 {
				t.Fatalf("accepted but %+v", res)
			}
			continue // ignoring nameless empty columns is a fix too
		}
		if !strings.Contains(all, "column 11") || strings.Contains(all, "appears twice") {
			t.Errorf("header %q: %q, want a problem naming column 11 as nameless", extra, all)
		}
	}
}

// TestImportForcedWindows1252OnUTF8File: `--encoding windows-1252` (kept in
// a cron line after one Excel file needed it) on a file that is UTF-8 with
// æøå would read "Bærum" as "BÃ¦rum", a new unit outside the real unit's
// follow-ups. Such a file is refused, naming UTF-8.
func TestImportForcedWindows1252OnUTF8File(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	file := strings.ReplaceAll(header, ",", ";") +
		"svarut;00000000-0000-4000-8000-000000000061;964338531;Barnevernstjenesten i Bærum;org;974760673;Vedtak;true;taushetsbelagt;2026-11-20T10:00:00+01:00\r\n"
	_, all, err := problemsOf(t, func() (importer.Result, error) {
		return importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now, Encoding: importer.EncodingWindows1252})
	})
	if err != nil {
		if !strings.Contains(all, "UTF-8") || count(t, st) != 0 {
			t.Fatalf("refused, but %q", all)
		}
		return
	}
	var unit string
	if err := st.DB().Get(&unit, `SELECT name FROM sender_units`); err != nil {
		t.Fatal(err)
	}
	if unit != "Barnevernstjenesten i Bærum" {
		t.Fatalf("stored the unit as %q", unit)
	}
}

// TestImportDanishNo: confidential takes the Danish "ja" and "nej" as it
// takes the Norwegian "ja" and "nei".
func TestImportDanishNo(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	file := header + strings.Replace(row(71), ",true,", ",nej,", 1) + strings.Replace(row(72), ",true,", ",ja,", 1)
	res, all, err := problemsOf(t, func() (importer.Result, error) {
		return importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
	})
	if err != nil || res.Created != 2 {
		t.Fatalf("ja/nej: %+v %v\n%s", res, err, all)
	}
	var confidential bool
	if err := st.DB().Get(&confidential, `SELECT confidential FROM shipments WHERE channel_id LIKE '%71'`); err != nil || confidential {
		t.Fatalf("\"nej\" stored as confidential=%v (%v)", confidential, err)
	}
}

// TestImportContradictions: a line that names a letter with other facts
// than an earlier line about it, or than the letter registered before
// (its sender organisation or recipient), is a problem of its line, named
// by the first fact that differs and never quoting a recipient or a
// title; nothing is stored. A line like a letter registered before but
// for its unit, title, confidentiality, class or sent time (a back-fill's
// discover files letters under the channel's unit name, retention purges
// titles), or like an earlier line, is a duplicate.
func TestImportContradictions(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := importer.Import(ctx, st, strings.NewReader(header+row(80)), importer.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	swap := func(r, from, to string) string { return strings.Replace(r, from, to, 1) }
	cases := []struct {
		name, rows string
		want       string // the problem; "" for none
	}{
		{"another title on a later line", row(81) + swap(row(81), `"Vedtak, nr 81"`, "Annet"),
			`line 3, column title: line 2 names the letter "00000000-0000-4000-8000-000000000081" with another title`},
		{"another sent time on a later line", row(82) + swap(row(82), "10:00:00+01:00", "11:00:00+01:00"),
			"line 3, column sent_at: line 2 names the letter"},
		{"the same instant at another offset", row(83) + swap(row(83), "10:00:00+01:00", "09:00:00Z"), ""},
		{"another confidentiality, third line", row(84) + row(84) + swap(row(84), ",true,", ",false,"),
			"line 4, column confidential: line 2 names the letter"},
		{"another sender organisation on a later line", row(85) + swap(row(85), "964338531", "974760673"),
			`line 3, column channel_id: "00000000-0000-4000-8000-000000000085" is already registered for another sender organisation (on line 2)`},
		{"registered before with another recipient", swap(row(80), ",org,974760673,", ",person,01017010170,"),
			`line 2, column recipient_kind: "00000000-0000-4000-8000-000000000080" is already registered with another recipient`},
		{"registered before, another unit", swap(row(80), "Barnevernstjenesten", "NAV"), ""},
		{"registered before, twice, another unit and title", swap(row(80), "Barnevernstjenesten", "NAV") + swap(row(80), `"Vedtak, nr 80"`, "Annet"), ""},
		{"registered before, twice, the second with another recipient", row(80) + swap(row(80), ",org,974760673,", ",org,964338531,"),
			`line 3, column recipient_id: "00000000-0000-4000-8000-000000000080" is already registered with another recipient`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := count(t, st)
			res, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(header+tc.rows), importer.Options{Now: now})
			})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("%v\n%s", err, all)
				}
				return
			}
			if err == nil || !strings.HasPrefix(all, tc.want) || strings.Count(all, "\n") != 0 {
				t.Fatalf("%+v %v: %q, want the one problem %q", res, err, all, tc.want)
			}
			for _, secret := range []string{"01017010170", "974760673", "Vedtak", "Annet"} {
				if strings.Contains(all, secret) {
					t.Fatalf("the problem quotes %q: %q", secret, all)
				}
			}
			if n := count(t, st); n != before {
				t.Fatalf("%d shipments stored, want %d", n, before)
			}
		})
	}
}

// TestImportExcelBooleans: a Danish or Norwegian Excel writes a boolean
// cell into its CSV in its own language (Danish SAND/FALSK, Norwegian
// SANN/USANN, as its functions are named), and confidential takes them as
// it takes true and false.
func TestImportExcelBooleans(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	values := map[string]bool{"SAND": true, "FALSK": false, "SANN": true, "USANN": false}
	rows, i := "", 0
	want := map[string]bool{}
	for v, conf := range values {
		r := row(73 + i)
		rows += strings.Replace(r, ",true,", ","+v+",", 1)
		want[strings.Split(r, ",")[1]] = conf
		i++
	}
	res, all, err := problemsOf(t, func() (importer.Result, error) {
		return importer.Import(ctx, st, strings.NewReader(header+rows), importer.Options{Now: now})
	})
	if err != nil || res.Created != len(values) {
		t.Fatalf("SAND/FALSK/SANN/USANN: %+v %v\n%s", res, err, all)
	}
	for id, conf := range want {
		var got bool
		if err := st.DB().Get(&got, `SELECT confidential FROM shipments WHERE channel_id = $1`, id); err != nil || got != conf {
			t.Errorf("%s stored as confidential=%v (%v), want %v", id, got, err, conf)
		}
	}
}
