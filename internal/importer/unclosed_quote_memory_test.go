package importer_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"postvakt/internal/importer"
	"postvakt/internal/storetest"
)

// countingReader counts the bytes the import took from the file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestImportUnclosedQuoteStaysBounded: an unclosed quote early in a large
// file (a title typed as `"Vedtak` in a million-row export) makes the CSV
// reader gather the rest of the file into one field, in memory: every line
// is short, so the line limit never stops it. The README says a longer line
// "is the wrong file or an unclosed quote, and stops the import"; memory
// must stay bounded. The import must stop after a bounded amount of the
// file, naming the line where the quote opened.
func TestImportUnclosedQuoteStaysBounded(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	var b strings.Builder
	unclosedQuoteStart(&b) // line 3: the quote opens, never closed
	for i := 3; b.Len() < 40<<20; i++ {
		b.WriteString(importRow(i))
	}
	cr := &countingReader{r: strings.NewReader(b.String())}
	_, err := importer.Import(ctx, st, cr, importer.Options{Now: now})
	var ie *importer.InvalidError
	if !errors.As(err, &ie) || len(ie.Rows) == 0 {
		t.Fatalf("import: %v, want the file refused", err)
	}
	if ie.Rows[0].Line != 3 {
		t.Errorf("problem %+v, want it at line 3, where the quote opens", ie.Rows[0])
	}
	if cr.n > 4<<20 {
		t.Errorf("the import read %d MiB of a %d MiB file into one unclosed quoted field: memory unbounded", cr.n>>20, b.Len()>>20)
	}
	if count(t, st) != 0 {
		t.Errorf("stored %d", count(t, st))
	}
}
