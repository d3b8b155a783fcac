package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// A count on a page is grouped as the reader's language writes it: nb
// "1 307" (with a no-break space, so it never wraps), da "1.307", en
// "1,307" — in the sentence above the table and in the table's cells.
func TestPageCountsGroupedByLanguage(t *testing.T) {
	e := newEnv(t)
	registerMany(t, e, 1307)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, c := range []struct{ lang, sentence, cell string }{
		{"nb", "1\u00a0307 forsendelser fra 1 avsenderenhet.", `<td class="num">1` + "\u00a0" + `307</td>`},
		{"da", "1.307 forsendelser fra 1 afsenderenhed.", `<td class="num">1.307</td>`},
		{"en", "1,307 shipments from 1 sending unit.", `<td class="num">1,307</td>`},
	} {
		code, page := b.getIn(c.lang, "/units")
		if code != http.StatusOK || !strings.Contains(page, c.sentence) || !strings.Contains(page, c.cell) {
			t.Errorf("%s /units: %d, want %q and %q in\n%s", c.lang, code, c.sentence, c.cell, page)
		}
	}
	// The overview's card of unopened letters.
	if code, page := b.getIn("nb", "/"); code != http.StatusOK || !strings.Contains(page, `id="unopened-total">1`+"\u00a0"+`307<`) {
		t.Errorf("nb overview: %d, want 1 307 unopened in\n%s", code, page)
	}
}

// registerMany registers n of storetest's letters (Bergen's child
// welfare to one organisation), sent ten days before now: lists and
// counts of more than a thousand.
func registerMany(t *testing.T, e *env, n int) {
	t.Helper()
	items := make([]model.NewShipment, n)
	for i := range items {
		items[i] = storetest.Letter(i)
		items[i].SentAt = now.Add(-10 * 24 * time.Hour)
	}
	storetest.Register(t, e.st, items...)
}
