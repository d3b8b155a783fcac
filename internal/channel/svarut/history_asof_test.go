package svarut

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestHistoryAsOfAChange: a history asked for a change SvarUt dated (its
// sisteStatusEndring) that ends before it is the change's event not
// written yet, as an empty one is: an error, asked for again, not kept as
// the change's evidence. One reaching the change, one whose last event is
// dated a moment before SvarUt's status time (two readings of one
// clock), one without a time postvakt can read, and one asked without
// the change's time are kept. v1's historikk times (dd.MM.yyyy HH:mm:ss,
// Oslo) are read as the status's.
func TestHistoryAsOfAChange(t *testing.T) {
	changed := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // 11:00 in Oslo
	cases := []struct {
		name      string
		api       string
		entries   string
		changedAt time.Time
		kept      bool
	}{
		{"ends before the change", APIv2, `{"tidspunkt":"2026-03-02T08:00:00.000+01:00","hendelse":"Akseptert"}`, changed, false},
		{"the change's event", APIv2, `{"tidspunkt":"2026-03-02T08:00:00.000+01:00","hendelse":"Akseptert"},{"tidspunkt":"2026-03-02T11:00:00.000+01:00","hendelse":"Lest"}`, changed, true},
		{"out of order", APIv2, `{"tidspunkt":"2026-03-02T11:00:00.000+01:00","hendelse":"Lest"},{"tidspunkt":"2026-03-02T08:00:00.000+01:00","hendelse":"Akseptert"}`, changed, true},
		{"a moment before", APIv2, `{"tidspunkt":"2026-03-02T10:59:58.000+01:00","hendelse":"Lest"}`, changed, true},
		{"no time to read", APIv2, `{"tidspunkt":"i går","hendelse":"Akseptert"}`, changed, true},
		{"no time asked", APIv2, `{"tidspunkt":"2026-03-02T08:00:00.000+01:00","hendelse":"Akseptert"}`, time.Time{}, true},
		{"v1 ends before the change", APIv1, `{"tidspunkt":"02.03.2026 08:00:00","hendelse":"Akseptert"}`, changed, false},
		{"v1 the change's event", APIv1, `{"tidspunkt":"02.03.2026 11:00:00","hendelse":"Lest"}`, changed, true},
		// 02:30 the second time on the night the clocks go back (01:30
		// UTC): without a zone, it may be that.
		{"v1 in the autumn's doubled hour", APIv1, `{"tidspunkt":"25.10.2026 02:30:00","hendelse":"Lest"}`, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), true},
		{"v1 before the doubled hour", APIv1, `{"tidspunkt":"25.10.2026 01:30:00","hendelse":"Lest"}`, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newNFSvarUt(t)
			key := "hendelser"
			if c.api == APIv1 {
				key = "hendelsesLogger"
			}
			f.srv.Script(func(w http.ResponseWriter, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{%q:[%s]}`, key, c.entries)
				return true
			})
			h, err := nfAdapter(t, f, c.api).HistoryAsOf(context.Background(), nfID(1), c.changedAt)
			if kept := err == nil && h != nil; kept != c.kept {
				t.Errorf("history %s (%v): kept %v, want %v", h, err, kept, c.kept)
			}
		})
	}
}
