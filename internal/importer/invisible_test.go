package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportRefusesInvisibleCharactersInNames: a unit's, a class's or a
// sender system's name with a character that is not seen (a zero-width
// space or joiner, a byte-order mark left inside a cell, a soft hyphen, a
// left-to-right mark) or that looks like a plain space (a no-break space,
// as Word writes between words) looks like the name without it, and is
// another: policies' match.sender_unit and units.csv would not match the
// letter, nor would a unit's user see it. The line is refused, naming the
// character and where it is; a title may hold such characters.
func TestImportRefusesInvisibleCharactersInNames(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	swap := func(r, from, to string) string { return strings.Replace(r, from, to, 1) }
	withSystem := func(r, system string) string {
		return strings.TrimSuffix(header, "\n") + ",sender_system\n" + strings.TrimSuffix(r, "\n") + "," + system + "\n"
	}
	cases := []struct {
		name, file string
		want       string // the problem, "" when the row is good
	}{
		{"zero-width space after a unit", header + swap(row(1), "Barnevernstjenesten", "Barnevernstjenesten\u200b"),
			"line 2, column sender_unit: has the invisible character U+200B at character 20"},
		{"byte-order mark before a unit", header + swap(row(2), "Barnevernstjenesten", "\ufeffBarnevernstjenesten"),
			"line 2, column sender_unit: has the invisible character U+FEFF at character 1"},
		{"soft hyphen in a unit", header + swap(row(3), "Barnevernstjenesten", "Barneverns\u00adtjenesten"),
			"line 2, column sender_unit: has the invisible character U+00AD at character 11"},
		{"left-to-right mark in a unit", header + swap(row(4), "Barnevernstjenesten", "\u200eBarnevernstjenesten"),
			"line 2, column sender_unit: has the invisible character U+200E at character 1"},
		{"no-break space in a unit", header + swap(row(5), "Barnevernstjenesten", "NAV\u00a0Bærum"),
			"line 2, column sender_unit: has the invisible character U+00A0 at character 4"},
		{"word joiner in a class", header + swap(row(6), "taushetsbelagt", "taushets\u2060belagt"),
			"line 2, column class: has the invisible character U+2060 at character 9"},
		{"zero-width joiner in a sender system", withSystem(row(7), "P360\u200d"),
			"line 2, column sender_system: has the invisible character U+200D at character 5"},
		{"no-break space around a unit is trimmed", header + swap(row(8), "Barnevernstjenesten", "\u00a0Barnevernstjenesten\u00a0"), ""},
		{"a title may hold them", header + swap(row(9), "Vedtak, nr 9", "Vedtak\u00a0nr\u200b9\ufeff"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := importer.Import(ctx, st, strings.NewReader(c.file), importer.Options{Now: now})
			if c.want == "" {
				if err != nil || res.Created != 1 {
					t.Fatalf("import: %+v %v", res, err)
				}
				return
			}
			var inv *importer.InvalidError
			if !errors.As(err, &inv) || len(inv.Rows) != 1 {
				t.Fatalf("import: %+v %v, want the problem %q", res, err, c.want)
			}
			if got := inv.Rows[0].Error(); !strings.HasPrefix(got, c.want) {
				t.Fatalf("problem %q, want %q…", got, c.want)
			}
		})
	}
	var units []string
	if err := st.DB().Select(&units, `SELECT DISTINCT u.name FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(units, "|") != "Barnevernstjenesten" {
		t.Fatalf("stored units %q", units)
	}
}
