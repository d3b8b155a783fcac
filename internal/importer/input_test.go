package importer_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"postvakt/internal/importer"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	return st
}

// excel1252 is the file as Excel on Norwegian Windows saves "CSV (comma
// delimited)": Windows-1252, CRLF.
func excel1252(t *testing.T, rows ...string) []byte {
	t.Helper()
	text := strings.ReplaceAll(header+strings.Join(rows, ""), "\n", "\r\n")
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportWindows1252(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	title := strings.Replace(row(1), `"Vedtak, nr 1"`, `"Vedtak om tiltak – Bjørn Ærø, Tromsø"`, 1)
	title = strings.Replace(title, "Barnevernstjenesten", "Barnevernstjenesten i Bærum", 1)
	file := excel1252(t, title, row(2))
	if bytes.Contains(file, []byte("ø")) {
		t.Fatal("the test file is UTF-8")
	}
	// utf-8 only: refused, by line and column, with the hint.
	_, err := importer.Import(ctx, st, bytes.NewReader(file), importer.Options{Now: now, Encoding: importer.EncodingUTF8})
	var inv *importer.InvalidError
	if !errors.As(err, &inv) || !strings.Contains(inv.Rows[0].Error(), "line 2, column sender_unit: not valid UTF-8") ||
		!strings.Contains(inv.Rows[0].Error(), "--encoding windows-1252") {
		t.Fatalf("a Windows-1252 file read as UTF-8: %v %+v", err, inv)
	}
	// auto: detected and read correctly.
	res, err := importer.Import(ctx, st, bytes.NewReader(file), importer.Options{Now: now})
	if err != nil || res.Created != 2 || res.Encoding != importer.EncodingWindows1252 {
		t.Fatalf("auto: %+v %v", res, err)
	}
	var got struct {
		Title string `db:"title"`
		Unit  string `db:"name"`
	}
	if err := st.DB().Get(&got, `SELECT s.title, u.name FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id WHERE s.channel_id LIKE '%1'`); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Vedtak om tiltak – Bjørn Ærø, Tromsø" || got.Unit != "Barnevernstjenesten i Bærum" {
		t.Fatalf("read as %q / %q", got.Title, got.Unit)
	}
	// UTF-16 (Excel's "Unicode text") is refused, naming the encoding.
	_, err = importer.Import(ctx, st, bytes.NewReader(append([]byte{0xFF, 0xFE}, 'c', 0, 'h', 0)), importer.Options{Now: now})
	if !errors.As(err, &inv) || !strings.Contains(inv.Rows[0].Message, "UTF-16") {
		t.Fatalf("UTF-16: %v", err)
	}
	// Neither UTF-8 nor Windows-1252.
	_, err = importer.Import(ctx, st, bytes.NewReader([]byte(header+"svarut,\x81\x8d\n")), importer.Options{Now: now})
	if !errors.As(err, &inv) || !strings.Contains(inv.Rows[0].Message, "neither UTF-8 nor Windows-1252") {
		t.Fatalf("neither: %v", err)
	}
	// A UTF-8 file with a UTF-8 byte-order mark is read as UTF-8.
	res, err = importer.Import(ctx, st, strings.NewReader("\ufeff"+header+row(3)), importer.Options{Now: now})
	if err != nil || res.Encoding != importer.EncodingUTF8 || res.Created != 1 {
		t.Fatalf("BOM: %+v %v", res, err)
	}
}

func TestImportBadBytesAndLimits(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	long := strings.Replace(row(4), `"Vedtak, nr 4"`, strings.Repeat("x", 1001), 1)
	cases := []struct {
		name, file string
		opt        importer.Options
		want       string
	}{
		{"NUL byte", header + row(1) + strings.Replace(row(2), "Vedtak", "Ved\x00tak", 1), importer.Options{}, "line 3, column title: contains the control character U+0000"},
		{"invalid UTF-8 deep in a UTF-8 file", header + strings.Repeat(row(1), 3000) + strings.Replace(row(2), "Vedtak", "Ved\xe6tak", 1),
			importer.Options{}, "line 3002, column title: not valid UTF-8"},
		{"field too long", header + long, importer.Options{}, "line 2, column title: longer than 1000 characters"},
		{"line too long", header + row(1) + strings.Repeat("y", 70000) + "\n", importer.Options{}, "line 3: longer than 65536 bytes"},
		{"line too long, custom", header + row(1), importer.Options{MaxLine: 110}, "line 2: longer than 110 bytes"},
		{"Windows-1252 undefined byte", header + "svarut,\xe6\x81\n", importer.Options{Encoding: importer.EncodingWindows1252}, "line 2: byte 0x81 is no Windows-1252 character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Now = now
			_, err := importer.Import(ctx, st, strings.NewReader(tc.file), tc.opt)
			var inv *importer.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want InvalidError", err)
			}
			if got := inv.Rows[0].Error(); !strings.Contains(got, tc.want) {
				t.Fatalf("first problem %q, want %q", got, tc.want)
			}
			if n := count(t, st); n != 0 {
				t.Fatalf("%d shipments stored", n)
			}
		})
	}
}

// TestImportKeepsFirstThousandErrors: a file with many bad rows keeps the
// first 1,000 problems and counts the rest.
func TestImportKeepsFirstThousandErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < 2500; i++ {
		b.WriteString(strings.Replace(row(i), "974760673", "974760674", 1))
	}
	_, err := importer.Import(context.Background(), openStore(t), strings.NewReader(b.String()), importer.Options{Now: now})
	var inv *importer.InvalidError
	if !errors.As(err, &inv) || len(inv.Rows) != importer.DefaultMaxErrs || inv.More != 1500 || !strings.Contains(err.Error(), "2500 problem(s)") {
		t.Fatalf("%v: kept %d, more %d", err, len(inv.Rows), inv.More)
	}
	if inv.Rows[999].Line != 1001 {
		t.Fatalf("the last kept problem is on line %d, want 1001 (the first thousand)", inv.Rows[999].Line)
	}
}

// TestImportSemicolons: Excel in a Norwegian or Danish locale saves "CSV"
// with semicolons between the fields (and commas free in them), in
// Windows-1252 with CRLF: read as such.
func TestImportSemicolons(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	text := strings.ReplaceAll(strings.ReplaceAll(header, ",", ";")+
		"svarut;00000000-0000-4000-8000-000000000011;964338531;Barnevernstjenesten;org;974760673;Vedtak, nr 11 – Tromsø;true;taushetsbelagt;2026-11-20T10:00:00+01:00\n"+
		"svarut;00000000-0000-4000-8000-000000000012;964338531;Barnevernstjenesten;org;974760673;\"Brev; nr 12\";true;taushetsbelagt;2026-11-20T10:00:00+01:00\n",
		"\n", "\r\n")
	file, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.Import(ctx, st, bytes.NewReader(file), importer.Options{Now: now})
	if err != nil || res.Created != 2 || res.Separator != ';' || res.Encoding != importer.EncodingWindows1252 {
		t.Fatalf("semicolons: %+v %v", res, err)
	}
	var titles []string
	if err := st.DB().Select(&titles, `SELECT title FROM shipments ORDER BY channel_id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(titles, "|") != "Vedtak, nr 11 – Tromsø|Brev; nr 12" {
		t.Fatalf("titles %q", titles)
	}
	// A comma file stays a comma file, semicolons in its values and all.
	res, err = importer.Import(ctx, st, strings.NewReader(header+strings.Replace(row(13), "Vedtak, nr", "Vedtak; nr", 1)), importer.Options{Now: now})
	if err != nil || res.Created != 1 || res.Separator != ',' {
		t.Fatalf("commas: %+v %v", res, err)
	}
}
