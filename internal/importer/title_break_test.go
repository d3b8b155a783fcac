package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportTitleLineBreak: a title whose cell holds a line break (Excel's
// Alt+Enter, quoted in its CSV over two lines) refused the whole file as a
// control character. A title never leaves the evidence store, and a break
// in it is one between words: it is kept as a space (a blank line, or
// spaces around the break, as one), and the row after it keeps its line.
// Anywhere else a line break is refused as before: in a unit's name it
// would make another unit.
func TestImportTitleLineBreak(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const rest = ",true,taushetsbelagt,2026-11-20T10:00:00+01:00\r\n"
	file := header +
		"svarut,00000000-0000-4000-8000-000000000001,964338531,Barnevernstjenesten,org,974760673,\"Vedtak om\r\ntiltak\"" + rest +
		"svarut,00000000-0000-4000-8000-000000000002,964338531,Barnevernstjenesten,org,974760673,\"Vedtak \n\n om tiltak\n\"" + rest +
		"svarut,00000000-0000-4000-8000-000000000003,964338531,Barnevernstjenesten,org,974760673,Vedtak" + rest
	res, err := importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
	if err != nil || res.Created != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	var titles []string
	if err := st.DB().Select(&titles, `SELECT title FROM shipments ORDER BY channel_id`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(titles, "|"); got != "Vedtak om tiltak|Vedtak om tiltak|Vedtak" {
		t.Fatalf("titles %q, want the breaks kept as one space", got)
	}
	// In another column a line break is refused, named by its row's line.
	bad := header + "svarut,00000000-0000-4000-8000-000000000004,964338531,\"Barnevern\ntjenesten\",org,974760673,Vedtak" + rest
	_, err = importer.Import(ctx, st, strings.NewReader(bad), importer.Options{Now: now})
	var inv *importer.InvalidError
	if !errors.As(err, &inv) || len(inv.Rows) != 1 || !strings.Contains(inv.Rows[0].Error(), "line 2, column sender_unit: contains the control character U+000A") {
		t.Fatalf("a line break in a unit's name: %v", err)
	}
}
