package importer_test

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportCountsRepeatedLines: a line naming the same letter as an
// earlier line of the file, with the same facts (an export's page read
// twice), is dropped as a duplicate; it is not a letter "already
// registered", which the summary and the audit record would say of a
// first import. A re-import counts every letter as already registered.
func TestImportCountsRepeatedLines(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	file := header + row(1) + row(2) + row(1) + row(2) + row(3) + row(1)
	for _, c := range []struct {
		name                     string
		created, known, repeated int
	}{
		{"first import", 3, 0, 3},
		{"again", 0, 3, 3},
	} {
		res, err := importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		known := res.Rows - res.Created - res.Repeated
		if res.Rows != 6 || res.Created != c.created || known != c.known || res.Repeated != c.repeated {
			t.Errorf("%s: %+v: %d already registered, want %d new, %d already registered, %d repeated",
				c.name, res, known, c.created, c.known, c.repeated)
		}
	}
}
