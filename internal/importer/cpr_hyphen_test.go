package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportCPRWithHyphen: a Danish file's CPR number written
// DDMMYY-SSSS, as Danish staff write it, is imported and stored as its
// ten digits; the same letter again with the ten digits (or a second line
// of the file so) is the same letter, not another recipient. A CPR number
// with another separator is its line's problem saying how one is written,
// without the number.
func TestImportCPRWithHyphen(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	line := func(n, cpr string) string {
		return "digitalpost,0b6d3c5e-1f2a-4b3c-8d4e-00000000000" + n + ",64942212,Socialforvaltningen,person," + cpr +
			",Afgørelse,true,fortrolig,2026-11-20T10:00:00+01:00\n"
	}
	res, err := importer.Import(ctx, st, strings.NewReader(header+line("1", "010180-1234")+line("1", "0101801234")), importer.Options{Now: now})
	if err != nil || res.Created != 1 {
		t.Fatalf("a CPR number with its hyphen: %+v %v, want one letter", res, err)
	}
	var ident string
	if err := st.DB().Get(&ident, `SELECT r.ident FROM shipments s JOIN recipients r ON r.id = s.recipient_id`); err != nil || ident != "0101801234" {
		t.Errorf("stored recipient %q (%v), want the ten digits 0101801234", ident, err)
	}
	res, err = importer.Import(ctx, st, strings.NewReader(header+line("1", "0101801234")), importer.Options{Now: now})
	if err != nil || res.Created != 0 {
		t.Errorf("the same letter with the ten digits: %+v %v, want it found (none new)", res, err)
	}
	_, err = importer.Import(ctx, st, strings.NewReader(header+line("2", "010180 1234")+line("3", "010180/1234")), importer.Options{Now: now})
	var inv *importer.InvalidError
	if !errors.As(err, &inv) || len(inv.Rows) != 2 {
		t.Fatalf("other separators: %v, want a problem on each line", err)
	}
	for _, r := range inv.Rows {
		if r.Column != "recipient_id" || r.Reason.Key != "problem.person_cpr_separator" || !strings.Contains(r.Message, "DDMMYY-SSSS") ||
			strings.Contains(r.Message, "0180") {
			t.Errorf("line %d: %+v, want recipient_id's problem.person_cpr_separator, without the number", r.Line, r)
		}
	}
	if n := count(t, st); n != 1 {
		t.Errorf("%d letters stored, want 1", n)
	}
}
