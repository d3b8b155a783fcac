package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
	"postvakt/internal/storetest"
)

// Review (api): a title with an opening quote that is never closed (line 3)
// swallows the lines after it into one field. The import must refuse the
// file pointing at line 3, where the quote opens, not at a line far below
// it (the csv reader's ParseError.Line is where it gave up; StartLine is
// where the record began). README "CSV import": every problem is printed as
// "FILE: line N, column C: message".
func TestReviewUnclosedQuoteNamesItsLine(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	unquoted := func(i int) string {
		return fmt.Sprintf("svarut,00000000-0000-4000-8000-%012d,964338531,Barnevernstjenesten,org,974760673,Vedtak %d,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n", i, i)
	}
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(unquoted(1))
	b.WriteString(strings.Replace(unquoted(2), "Vedtak 2", `"Vedtak 2`, 1)) // line 3: the quote opens
	for i := 3; i < 500; i++ {
		b.WriteString(unquoted(i))
	}
	b.WriteString(strings.Replace(unquoted(500), "Vedtak 500", `"Vedtak 500"`, 1))
	for i := 501; i < 600; i++ {
		b.WriteString(unquoted(i))
	}
	_, err := importer.Import(ctx, st, strings.NewReader(b.String()), importer.Options{Now: now})
	var ie *importer.InvalidError
	if !errors.As(err, &ie) || len(ie.Rows) == 0 {
		t.Fatalf("import: %v, want the file refused", err)
	}
	for _, r := range ie.Rows {
		t.Logf("line %d column %q: %s", r.Line, r.Column, r.Message)
	}
	if ie.Rows[0].Line != 3 || !strings.Contains(ie.Rows[0].Message, "501") {
		t.Errorf("the problem names line %d (%s), want line 3, where the unclosed quote opens, and 501, where the reader gave up", ie.Rows[0].Line, ie.Rows[0].Message)
	}
}
