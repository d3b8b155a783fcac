package notice

import (
	"context"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestParseUnitsRealFiles: units files as Excel and case systems write
// them are read as the letters import reads its files: Windows-1252 from
// Excel on Norwegian or Danish Windows (unit names with æøå) is decoded
// and saved; a UTF-8 file with a byte-order mark and a quoted header is
// read. A unit name with a NUL or a line break (which no letter's unit can
// have) is a problem of its line and column, not a database error or a
// unit no letter ever matches.
func TestParseUnitsRealFiles(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	const hdr = "sender_org;unit;contact_email;manager_email\r\n"
	cases := []struct {
		name, file string
		unit       string // the unit's name as read, when the file is good
		problem    string // else the problem's start
		or         string // a problem that is also right (instead of unit)
	}{
		{"Windows-1252 (Excel, Norwegian Windows)", hdr + "964338531;Barnevernstjenesten i B\xe6rum;bv@baerum.kommune.no;\r\n",
			"Barnevernstjenesten i Bærum", "", "line 2, column unit"},
		{"NUL in a unit name", hdr + "964338531;NA\x00V;nav@bergen.kommune.no;\r\n", "", "line 2, column unit", ""},
		{"line break in a unit name", hdr + "964338531;\"NAV\r\nBergen\";nav@bergen.kommune.no;\r\n", "", "line 2, column unit", ""},
		{"UTF-8 with BOM, quoted header", "\ufeff\"sender_org\";\"unit\";\"contact_email\";\"manager_email\"\r\n\"964338531\";\"Helse og omsorg\";\"ho@bergen.kommune.no\";\"\"\r\n",
			"Helse og omsorg", "", ""},
		{"Excel's empty rows (separators alone) between and after", hdr + ";;;\r\n964338531;Helse og omsorg;ho@bergen.kommune.no;\r\n;;;\r\n;;;\r\n",
			"Helse og omsorg", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			us, err := ParseUnits(strings.NewReader(tc.file))
			if tc.problem != "" {
				var inv *InvalidUnitsError
				if !errors.As(err, &inv) || len(inv.Problems) == 0 || !strings.HasPrefix(inv.Problems[0].Error(), tc.problem) {
					t.Fatalf("ParseUnits: units %q, %v; want the problem %q", unitNames(us), err, tc.problem)
				}
				return
			}
			if err != nil {
				var inv *InvalidUnitsError
				if tc.or != "" && errors.As(err, &inv) && strings.HasPrefix(inv.Problems[0].Error(), tc.or) {
					return // refused by line and column: right too
				}
				if errors.As(err, &inv) {
					t.Fatalf("ParseUnits: %v: %v", err, inv.Problems)
				}
				t.Fatalf("ParseUnits: %v", err)
			}
			if len(us) != 1 || us[0].Name != tc.unit {
				t.Fatalf("read the units %q, want %q", unitNames(us), tc.unit)
			}
			if _, err := st.SaveUnits(ctx, us); err != nil {
				t.Fatalf("SaveUnits: %v", err)
			}
		})
	}
}

func unitNames(us []store.Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}
