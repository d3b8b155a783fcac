package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportTellsUnitsWrittenOtherwise: a letters file naming a unit
// otherwise than the organisation's stored unit ("barnevernstjenesten"
// for "Barnevernstjenesten", a space more) makes a new unit: its letters
// get none of that unit's addresses, policy or unit users, without a
// word. The import stands (two units may be meant) and its result names
// each such unit beside the stored one; a unit like none, or written as
// stored, is not named.
func TestImportTellsUnitsWrittenOtherwise(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	line := func(i int, unit string) string {
		return fmt.Sprintf("svarut,00000000-0000-4000-8000-%012d,964338531,%s,org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n", i, unit)
	}
	if _, err := importer.Import(ctx, st, strings.NewReader(header+line(1, "Barnevernstjenesten")+line(2, "Helse og omsorg")), importer.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	res, err := importer.Import(ctx, st, strings.NewReader(header+line(3, "barnevernstjenesten")+line(4, "Helse  og omsorg")+
		line(5, "NAV")+line(6, "Barnevernstjenesten")+line(7, "barnevernstjenesten")), importer.Options{Now: now})
	if err != nil || res.Created != 5 {
		t.Fatalf("%+v %v", res, err)
	}
	got := fmt.Sprint(res.UnitsLike)
	if want := "[{964338531 Helse  og omsorg Helse og omsorg} {964338531 barnevernstjenesten Barnevernstjenesten}]"; got != want {
		t.Fatalf("units written otherwise: %s, want %s", got, want)
	}
}
