package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportGoesOnAfterBareQuote: a quote inside an unquoted cell (a title
// `Vedtak "om" tiltak` from a hand-made or non-Excel export) stopped the
// reading at its line: the file's other problems were not told, and each
// run found one more. The reader has taken that line whole, so the rows
// after it are read and told as any; an unclosed quote still stops it
// (where its field ends is a guess). Nothing is stored.
func TestImportGoesOnAfterBareQuote(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	line := func(i int, org, title string) string {
		return fmt.Sprintf("svarut,00000000-0000-4000-8000-%012d,%s,Barnevernstjenesten,org,974760673,%s,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n", i, org, title)
	}
	file := header + line(1, "964338531", `Vedtak "om" tiltak`) + line(2, "964338531", "Vedtak") +
		line(3, "964338532", "Vedtak") + line(4, "964338531", `Sak "A"`)
	_, err := importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now})
	var inv *importer.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("%v, want the file refused", err)
	}
	var got []string
	for _, r := range inv.Rows {
		got = append(got, fmt.Sprintf("%d %s", r.Line, r.Column))
	}
	if want := "[2  4 sender_org 5 ]"; fmt.Sprint(got) != want {
		t.Errorf("problems at %v, want %s: %v", got, want, inv.Rows)
	}
	if n := count(t, st); n != 0 {
		t.Errorf("%d letters stored, want none", n)
	}
}
