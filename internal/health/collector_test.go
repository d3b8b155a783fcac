package health_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"postvakt/internal/health"
	"postvakt/internal/logtest"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestCollectorWithoutTheDatabase: while the firing alerts cannot be read
// (the database is gone), postvakt_health_alert_firing is left out and
// postvakt_health_alerts_readable says 0, as the database figures'
// series are: not the counts of the last read, shown as the cluster's
// alerts now for as long as the database stays away (a replica cut off
// from it held an alert resolved meanwhile firing in the max over the
// replicas, and showed none of those fired since). Once the database
// answers again, the next read has them.
func TestCollectorWithoutTheDatabase(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if _, err := st.ApplyAlerts(ctx, store.AlertChanges{Now: now, Fire: []store.Alert{{Rule: "channel_silent",
		Labels: store.Labels{"channel": "digitalpost"}, Severity: "critical", Affected: 2,
		Selector: store.IncidentFilter{Channel: "digitalpost"}}}}); err != nil {
		t.Fatal(err)
	}
	log, logs := logtest.New()
	clock := now
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(health.NewCollector(st, log, func() time.Time { return clock }))
	scrape := func() (readable float64, firing []string) {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			switch mf.GetName() {
			case "postvakt_health_alerts_readable":
				readable = mf.GetMetric()[0].GetGauge().GetValue()
			case "postvakt_health_alert_firing":
				for _, m := range mf.GetMetric() {
					firing = append(firing, labelsOf(m))
				}
			}
		}
		return readable, firing
	}
	if r, f := scrape(); r != 1 || len(f) != 1 || !strings.Contains(f[0], "rule=channel_silent") {
		t.Fatalf("with the database up: readable %v, firing %v; want 1 and the channel_silent alert", r, f)
	}

	// The database becomes unreachable: no new connection is allowed and
	// the open ones are cut (as a failover or a restart does).
	back := pgtest.Unreachable(t, db)
	clock = clock.Add(11 * time.Second) // past the 10 s a read is kept
	if r, f := scrape(); r != 0 || len(f) != 0 {
		t.Errorf("with the database gone: readable %v, firing %v; want 0 and no firing series (not the last read's)", r, f)
	}
	if !strings.Contains(logs.String(), "error=") {
		t.Errorf("the failed read not logged with key error:\n%s", logs.String())
	}

	back()
	clock = clock.Add(11 * time.Second)
	if r, f := scrape(); r != 1 || len(f) != 1 {
		t.Errorf("with the database back: readable %v, firing %v; want 1 and the channel_silent alert", r, f)
	}
}

// labelsOf is a metric's labels as name=value, space-separated.
func labelsOf(m *dto.Metric) string {
	var out []string
	for _, l := range m.GetLabel() {
		out = append(out, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(out, " ")
}
