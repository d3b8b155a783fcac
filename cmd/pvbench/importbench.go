package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// bigDB is the large database: the import figure creates it, the
// escalation, reminder and list figures use it.
type bigDB struct {
	url    string
	w      *world
	policy string // the policy folder
	smtp   string // mailpit's SMTP address
}

// benchImport registers the world's letters from CSV with `postvakt import`
// and compares it with a bare COPY of the same rows (the shipments as
// stored, and their first events) into tables with the same indexes, in the
// same database, right after.
func (b *bench) benchImport(ctx context.Context) (*bigDB, []figure) {
	what := fmt.Sprintf("import %s CSV rows (%s organisations)", thousands(b.size.letters), thousands(b.size.orgs))
	target := "≤ 2× a bare COPY of the same rows"
	w, err := newWorld(b.size.letters, b.size.orgs, time.Now())
	if err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	big := &bigDB{w: w, policy: filepath.Join(b.work, "policies"), smtp: b.mail.smtp}
	if err := os.MkdirAll(big.policy, 0o755); err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	if err := os.WriteFile(filepath.Join(big.policy, "bench.yaml"), []byte(benchPolicy), 0o644); err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	if big.url, err = b.createDB(ctx, "bench_big"); err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	env := big.env()
	if _, err := b.run("", env, nil, "migrate"); err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	// A deployment runs escalation from the start; its first run on the
	// empty database records which policies the letters' next-step times
	// are computed under, so the import can compute them too.
	if _, err := b.run("", env, nil, "escalate", "--once", "--now", w.sent.Format(time.RFC3339)); err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	csv := filepath.Join(b.work, "big.csv")
	if err := w.writeCSV(csv); err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	m, err := b.run("import", env, nil, "import", csv)
	if err != nil {
		return nil, []figure{failed(what, target, err)}
	}
	_ = os.Remove(csv)
	bare, err := bareCopy(ctx, big.url)
	if err != nil {
		return big, []figure{failed(what, target, fmt.Errorf("the bare COPY: %w", err))}
	}
	ratio := m.wall.Seconds() / bare.Seconds()
	return big, []figure{{
		What: what, Value: secs(m.wall), Anchor: "bare COPY " + secs(bare), Ratio: fmt.Sprintf("%.2f×", ratio),
		Target: target, Verdict: verdict(ratio <= 2, fmt.Sprintf("%.2f× over", ratio-2)),
		Note: fmt.Sprintf("`postvakt import` as a process (CSV read and validated, staged, registered with events, "+
			"peak RSS %d MB); anchor: server-side COPY of the very rows it stored (shipments, registered events, poll queue) "+
			"into tables LIKE them INCLUDING ALL (same indexes), in the same database", m.maxRSS>>20),
	}}
}

// env is the environment of a postvakt command on the large database:
// reminders go to mailpit.
func (big *bigDB) env() []string {
	return []string{"DATABASE_URL=" + big.url, "POSTVAKT_POLICIES=" + big.policy, "POSTVAKT_LOG_LEVEL=warn",
		"POSTVAKT_SMTP_ADDR=" + big.smtp, "POSTVAKT_SMTP_FROM=postvakt@bench.example"}
}

// bareCopy copies the stored shipments, their registration events and
// their poll queue rows to files (server side) and times COPY FROM those
// files into tables with the same columns, defaults, checks and indexes
// (and the same fill factor).
func bareCopy(ctx context.Context, dbURL string) (time.Duration, error) {
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var dataDir string
	if err := conn.QueryRowContext(ctx, `SHOW data_directory`).Scan(&dataDir); err != nil {
		return 0, err
	}
	ships, evs := filepath.Join(dataDir, "pvbench-shipments.copy"), filepath.Join(dataDir, "pvbench-events.copy")
	queue := filepath.Join(dataDir, "pvbench-queue.copy")
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA IF EXISTS bare CASCADE`) //nolint:errcheck // best effort
	for _, q := range []string{
		`DROP SCHEMA IF EXISTS bare CASCADE`,
		`CREATE SCHEMA bare`,
		`CREATE TABLE bare.shipments (LIKE public.shipments INCLUDING ALL)`,
		`CREATE TABLE bare.shipment_events (LIKE public.shipment_events INCLUDING ALL)`,
		`CREATE TABLE bare.poll_queue (LIKE public.poll_queue INCLUDING ALL) WITH (fillfactor = 50)`,
		fmt.Sprintf(`COPY (SELECT * FROM public.shipments) TO '%s'`, ships),
		fmt.Sprintf(`COPY (SELECT * FROM public.shipment_events WHERE kind = 'registered') TO '%s'`, evs),
		fmt.Sprintf(`COPY (SELECT * FROM public.poll_queue) TO '%s'`, queue),
		`CHECKPOINT`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	start := time.Now()
	for _, q := range []string{
		fmt.Sprintf(`COPY bare.shipments FROM '%s'`, ships),
		fmt.Sprintf(`COPY bare.shipment_events FROM '%s'`, evs),
		fmt.Sprintf(`COPY bare.poll_queue FROM '%s'`, queue),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	return time.Since(start), nil // the files go with the throwaway cluster
}
