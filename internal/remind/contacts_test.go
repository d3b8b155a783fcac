package remind

import (
	"strings"
	"testing"
)

// TestParseContactsRealFiles: contacts files are opened as the letters
// import opens its files (spreadsheet.Open): a byte-order mark before a
// quoted header is dropped, Windows-1252 is decoded, and a control
// character, a line over the limit or a file in neither encoding is a
// problem of its line (and column), not a database error.
func TestParseContactsRealFiles(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // the first problem's start; "" for a good file
	}{
		{"UTF-8 with a byte-order mark, quoted header", "\ufeff\"orgnr\";\"email\"\r\n\"974760673\";\"post@firma.no\"\r\n", ""},
		{"Windows-1252", "orgnr;email\r\n974760673;post@b\xe6rum.no\r\n", `line 2, column email: "post@bærum.no" has letters outside ASCII`},
		{"a byte-order mark alone", "\ufeff", "line 1: empty file"},
		{"a blank line before the header", "\r\norgnr,email\r\n974760673,\r\n", "line 3, column email: required"},
		{"NUL in an address", "orgnr,email\n974760673,post@fir\x00ma.no\n", "line 2, column email: contains the control character U+0000"},
		{"line break in an address", "orgnr,email\n974760673,\"post@\nfirma.no\"\n", "line 2, column email: contains the control character U+000A"},
		{"a line too long", "orgnr,email\n974760673,post@firma.no\n" + strings.Repeat("x", 70000) + "\n", "line 3: longer than 65536 bytes"},
		{"UTF-16", "\xff\xfeo\x00r\x00", "line 1: the file is UTF-16"},
		{"neither UTF-8 nor Windows-1252", "orgnr,email\n974760673,\x81\n", "line 2: the file is neither UTF-8 nor Windows-1252"},
		{"Excel's empty rows (separators alone) after the last", "orgnr;email\r\n974760673;post@firma.no\r\n;\r\n ; \r\n", ""},
		{"Excel's separator hint on the first line", "sep=;\r\norgnr;email\r\n974760673;post@firma.no\r\n", ""},
		{"a header row again (files joined)", "orgnr,email\n974760673,post@firma.no\nEMAIL,orgnr\n", "line 3: a header row again"},
		{"a nameless column", "orgnr;email;\r\n974760673;post@firma.no;\r\n", "line 1: column 3 has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := ParseContacts(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil || len(cs) != 1 || cs[0].Email != "post@firma.no" {
					t.Fatalf("%+v %v", cs, err)
				}
				return
			}
			inv, ok := err.(*InvalidContactsError)
			if !ok || !strings.HasPrefix(inv.Problems[0].Error(), tc.want) {
				t.Fatalf("%v (%+v), want the problem %q", err, inv, tc.want)
			}
		})
	}
}

// TestParseContactsCVRColumn: a Danish sender's contacts file may name the
// organisation's column cvr (ContactAliases): it is orgnr, its problems
// named cvr as the file does; cvr beside orgnr is the column twice.
func TestParseContactsCVRColumn(t *testing.T) {
	cs, err := ParseContacts(strings.NewReader("cvr;email\r\n14691804;post@firma.dk\r\n"))
	if err != nil || len(cs) != 1 || cs[0].Org != "14691804" || cs[0].Email != "post@firma.dk" {
		t.Fatalf("a cvr column: %+v %v", cs, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"CVR,email\n14691805,post@firma.dk\n", "line 2, column cvr: "},
		{"orgnr,cvr,email\n14691804,14691804,post@firma.dk\n", `line 1: column "orgnr" twice`},
		{"cvrnr,email\n14691804,post@firma.dk\n", `line 1: unknown column "cvrnr"`},
	} {
		_, err := ParseContacts(strings.NewReader(tc.in))
		inv, ok := err.(*InvalidContactsError)
		if !ok || !strings.HasPrefix(inv.Problems[0].Error(), tc.want) {
			t.Errorf("%q: %v (%+v), want the problem %q", tc.in, err, inv, tc.want)
		}
	}
}
