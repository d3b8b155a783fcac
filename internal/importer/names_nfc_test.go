package importer_test

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/importer"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestImportComposesUnitNames: a file exported on a Mac writes "Ås"
// decomposed (NFD). Its letters belong to the unit written composed (NFC)
// by the API and by Windows: one unit, not two look-alikes, and a unit
// user (its unit composed) may import them.
func TestImportComposesUnitNames(t *testing.T) {
	const nfc, nfd = "Barnevern \u00c5s", "Barnevern A\u030as"
	ctx := context.Background()
	st := storetest.Open(t)
	in := func(i int, unit string) string { return strings.Replace(row(i), "Barnevernstjenesten", unit, 1) }
	if _, err := importer.Import(ctx, st, strings.NewReader(header+in(1, nfc)), importer.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	unit := store.Scope{SenderOrg: "964338531", SenderUnit: nfc}
	res, err := importer.Import(ctx, st, strings.NewReader(header+in(2, nfd)+in(3, nfd)), importer.Options{Now: now, Scope: unit})
	if err != nil || res.Created != 2 {
		t.Fatalf("the unit's own rows, decomposed: %+v %v", res, err)
	}
	var units []string
	if err := st.DB().Select(&units, `SELECT name FROM sender_units ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	if len(units) != 1 || units[0] != nfc {
		t.Errorf("units %q, want only %q (composed)", units, nfc)
	}
}
