package health_test

import (
	"context"
	"io"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/policy"
	"postvakt/internal/report"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// BenchmarkHealth measures, against a large database given in
// POSTVAKT_BENCH_URL (e.g. the 1,000,000 letters `make bench` imports),
// one evaluation of the health rules as of an hour after the newest letter
// (the facts, the rules, each alert's letters counted; nothing recorded or
// sent: a dry run), and the incident report (CSV, streamed) of the last 30
// days and of one unit's year. It reports the p95 in ms, and how many
// alerts and letters the evaluation found. It is not run by `go test`.
func BenchmarkHealth(b *testing.B) {
	st := storetest.Bench(b)
	ctx := context.Background()
	var newest time.Time
	var unit string
	if err := st.DB().GetContext(ctx, &newest, `SELECT max(sent_at) FROM shipments`); err != nil {
		b.Fatal(err)
	}
	if err := st.DB().GetContext(ctx, &unit, `SELECT name FROM sender_units ORDER BY id LIMIT 1`); err != nil {
		b.Fatal(err)
	}
	now := newest.Add(time.Hour)
	// As in production, the poller has recorded the channels' calls (an
	// imported database has none: say every channel changed something
	// just now, so that every rule has its facts).
	var chans []string
	if err := st.DB().SelectContext(ctx, &chans, `SELECT DISTINCT channel FROM shipments
		WHERE channel NOT IN (SELECT channel FROM channel_activity)`); err != nil {
		b.Fatal(err)
	}
	for _, ch := range chans {
		if err := st.RecordChannelCalls(ctx, store.ChannelCalls{Channel: ch, At: now.Add(-time.Minute), Calls: 1,
			LastChange: now.Add(-2 * time.Minute)}); err != nil {
			b.Fatal(err)
		}
	}
	ev := &health.Evaluator{Store: st, Config: policy.DefaultHealth()}
	var firing, letters int
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"evaluate", func() error {
			res, err := ev.Run(ctx, now, true)
			firing, letters = len(res.Firing), 0
			for _, a := range res.Firing {
				letters += a.Affected
			}
			return err
		}},
		{"incident report, 30 days", func() error {
			_, _, err := report.Incident(ctx, st, store.IncidentFilter{From: now.AddDate(0, 0, -30), To: now}, report.CSV, io.Discard)
			return err
		}},
		{"incident report, one unit's year", func() error {
			_, _, err := report.Incident(ctx, st, store.IncidentFilter{From: now.AddDate(-1, 0, 0), To: now, Unit: unit}, report.CSV, io.Discard)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			storetest.P95(b, bc.run)
			if bc.name == "evaluate" {
				b.ReportMetric(float64(firing), "alerts")
				b.ReportMetric(float64(letters), "letters")
			}
		})
	}
}
