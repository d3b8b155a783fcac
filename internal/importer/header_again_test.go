package importer_test

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportHeaderRowAgain: files joined into one (copy *.csv all.csv,
// each with its header, a byte-order mark before each in UTF-8) have a
// header row in the middle. It is one problem of its line saying so, not
// five telling that "channel" is no channel and "sent_at" no time; one
// of another column order too (the rows after it would be read under the
// first header's columns: a title as a class). Nothing is stored.
func TestImportHeaderRowAgain(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	reordered := "sender_system,channel,channel_id,sender_org,sender_unit,recipient_kind,recipient_id,class,title,confidential,sent_at\n"
	for _, tc := range []struct{ name, file string }{
		{"the same header, with its byte-order mark", "\ufeff" + header + row(1) + "\ufeff" + header + row(2)},
		{"another order, in capitals", header + row(1) + strings.ToUpper(reordered) + row(2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(tc.file), importer.Options{Now: now})
			})
			if err == nil || strings.Contains(all, "\n") || !strings.HasPrefix(all, "line 3: a header row again") {
				t.Fatalf("problems %q (err %v), want one: line 3, a header row again", all, err)
			}
			if n := count(t, st); n != 0 {
				t.Fatalf("%d shipments stored", n)
			}
		})
	}
}
