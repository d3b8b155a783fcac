package remind

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/i18n"
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

// TestContactProblemsMaskNationalIDs: a contacts file whose email cell
// holds a national id (a column mixed up in the case system's export) is
// refused by line and column, as before, and the problem that quotes the
// address back masks the id, as the letters import's problems do: the
// command prints it to stderr (the journal), the UI shows it.
func TestContactProblemsMaskNationalIDs(t *testing.T) {
	for _, tc := range []struct{ email, id string }{
		{"01017010170", "01017010170"},                        // a fødselsnummer alone
		{"01017010170@epost.no x", "01017010170"},             // in an address that is not plain
		{"kåre.01017010170@epost.no", "01017010170"},          // in one outside ASCII
		{"0101701234", "0101701234"},                          // a CPR number
		{"010170-1234 <kari@firma.dk>", "010170-1234"},        // a CPR number in a named address
		{"01017010170 01017010251", "01017010251"},            // two ids
		{strings.Repeat("a", 250) + "01017010170", "0101701"}, // too long: not quoted at all
	} {
		_, err := ParseContacts(strings.NewReader("orgnr,email\n974760673,\"" + tc.email + "\"\n"))
		inv, ok := err.(*InvalidContactsError)
		if !ok || len(inv.Problems) != 1 || !strings.HasPrefix(inv.Problems[0].Error(), "line 2, column email: ") {
			t.Fatalf("%q: %v, want one problem of line 2's email", tc.email, err)
		}
		if msg := inv.Problems[0].Error(); strings.Contains(msg, tc.id) {
			t.Errorf("%q: the problem shows the national id: %s", tc.email, msg)
		}
		if p := EmailProblem(tc.email); strings.Contains(p.English(), tc.id) {
			t.Errorf("%q: EmailProblem shows the national id: %s", tc.email, p.English())
		}
	}
}

// TestTableQuoteErrorNamesWhereItOpened: a quote never closed in a
// contacts (or units) file takes the rest of the file into its field; the
// CSV reader notices at the file's end. The problem names the line the
// quote opened on, as the letters import's does, not the last line of the
// file; a bare quote in a field is named by its line and character.
func TestTableQuoteErrorNamesWhereItOpened(t *testing.T) {
	var rest strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&rest, "974760673,post%d@firma.no\n", i)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"unclosed quote", "orgnr,email\n974760673,\"post@firma.no\n" + rest.String(),
			`line 2: the field that begins here runs over lines to line 32: extraneous or missing " in quoted-field (a quote never closed?)`},
		{"bare quote", "orgnr,email\n974760673,post@firma.no\n974760673,po\"st@firma.no\n",
			`line 3: character 13: bare " in non-quoted-field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseContacts(strings.NewReader(tc.in))
			inv, ok := err.(*InvalidContactsError)
			if !ok || len(inv.Problems) != 1 || inv.Problems[0].Error() != tc.want {
				t.Fatalf("%v (%+v), want the one problem %q", err, inv, tc.want)
			}
		})
	}
}

// TestParseContactsRepeatedRow: a row repeating an earlier one (the same
// organisation and address: two exports joined, a line copied twice) is
// that address once, as it is stored: `contacts import` and its audit
// record said "3 addresses" of a file holding two.
func TestParseContactsRepeatedRow(t *testing.T) {
	cs, err := ParseContacts(strings.NewReader("orgnr,email\n974760673,post@firma.no\n974760673,faktura@firma.no\n974760673, post@firma.no\n964338531,post@firma.no\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Org+" "+c.Email)
	}
	if want := "974760673 post@firma.no|974760673 faktura@firma.no|964338531 post@firma.no"; strings.Join(got, "|") != want {
		t.Fatalf("contacts %q, want %q", strings.Join(got, "|"), want)
	}
}

// TestTableCRLineEnds: a contacts or units file with lines ending in CR
// alone (an old Mac export) read as one header line, and was refused with
// a problem per cell ("unknown column", "column 7 has no name", "missing
// column"), none saying why. It is refused once, naming the line ends, as
// the letters' import refuses it.
func TestTableCRLineEnds(t *testing.T) {
	for _, c := range []struct {
		name, file string
		columns    []string
	}{
		{"contacts", "orgnr,email\r974760673,post@example.no\r910000001,a@example.no\r", ContactColumns},
		{"units", "sender_org,unit,contact_email,manager_email\r964338531,A,a@example.no,\r", []string{"sender_org", "unit", "contact_email", "manager_email"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			problems, err := ReadTable(strings.NewReader(c.file), c.columns, func(int, func(string) string, func(string, i18n.Phrase)) {})
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || problems[0].Reason.Key != "problem.cr_line_ends" {
				t.Errorf("problems %v, want one naming the CR line ends", problems)
			}
		})
	}
	_, err := ParseContacts(strings.NewReader("orgnr,email\r974760673,post@example.no\r"))
	var inv *InvalidContactsError
	if !errors.As(err, &inv) || len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0].Error(), "carriage return alone") {
		t.Errorf("ParseContacts: %v, want one problem naming the carriage return", err)
	}
}
