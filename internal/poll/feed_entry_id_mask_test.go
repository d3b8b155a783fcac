package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/storetest"
)

// TestFeedEntryIDLoggedMasked: a Digital Post log entry that cannot be
// taken is logged by its id, and that id is the log's text from outside:
// a CPR number in its place (a mis-mapped field, a producer writing the
// recipient where the id belongs) is logged masked, as every other value
// the poller logs from an answer is, and a long id cut short never ends
// inside a number (a CPR number cut short is not recognised to mask).
// Before, both went to the log as the log gave them.
func TestFeedEntryIDLoggedMasked(t *testing.T) {
	const (
		uuid = "0b6d3c5e-1f2a-4b3c-8d4e-00000000000a"
		cpr  = "0101801234"
	)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ts := `"` + now.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z") + `"`
	q := func(s string) string { return `"` + s + `"` }
	long := strings.Repeat("x", 56) + cpr + strings.Repeat("y", 600) // an id over 512 bytes, the CPR number across byte 64
	for name, entry := range map[string]string{
		"CPR number as the id, no eventTag": hostileEvent(q(cpr), `""`, q(uuid), ts, ts, ""),
		"CPR number inside a long id":       hostileEvent(q(long), q("MESSAGE_READ"), q(uuid), ts, ts, ""),
	} {
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t)
			it := storetest.Letter(0)
			it.Channel, it.ChannelID, it.SentAt = "digitalpost", uuid, now.Add(-5*time.Hour)
			storetest.Register(t, st, it)
			dp := hostileLog(t, `{"events":[`+entry+`],"currentPage":0,"totalPages":1,"totalElements":1}`, noLookup)
			var buf bytes.Buffer
			p := poll.New(st, slog.New(slog.NewTextHandler(&buf, nil)), poll.Options{Now: func() time.Time { return now }})
			if _, err := p.Poll(context.Background(), dp); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !strings.Contains(out, "unreadable log entry skipped") {
				t.Fatalf("the entry was not logged as skipped:\n%s", out)
			}
			for _, part := range []string{cpr, cpr[:8]} {
				if strings.Contains(out, part) {
					t.Errorf("the log shows the CPR number (%s) of the entry's id:\n%s", part, out)
				}
			}
			if name == "CPR number as the id, no eventTag" && !strings.Contains(out, model.MaskPersonID(cpr)) {
				t.Errorf("the log does not name the entry by its masked id %s:\n%s", model.MaskPersonID(cpr), out)
			}
		})
	}
}
