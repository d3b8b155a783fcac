package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"postvakt/internal/pgtest"
)

// TestPrintDrainOnceProviderKnowsNone: `postvakt print drain --once`
// against a print provider that answers 404 for every placed order (a
// wrong POSTVAKT_PRINT_URL) says so in one error line, prints the run's
// summary (what it polled) all the same, and exits 1. It used to log the
// error twice (the print package's line, then the command's) and print no
// summary.
func TestPrintDrainOnceProviderKnowsNone(t *testing.T) {
	db := pgtest.New(t)
	importCSV(t, db, header+
		"svarut,5f0c2b1e-8a43-4c55-9a3e-0d7e1c2a9b01,964338531,Barnevern,org,974760673,Vedtak om tiltak,true,taushetsbelagt,2026-11-20T09:00:00+01:00\n"+
		"svarut,5f0c2b1e-8a43-4c55-9a3e-0d7e1c2a9b02,964338531,Barnevern,org,974760673,Vedtak om tiltak,true,taushetsbelagt,2026-11-20T09:00:00+01:00\n", "import")
	if _, err := openDB(t, db).Exec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state,
			order_id, due_at, created_at, updated_at)
		SELECT id, 'taushetsbelagt', false, 'postvakt-print-' || id, 'received', 'ord-cli-' || right(channel_id, 2), now() - interval '1 hour',
			now() - interval '2 hours', now() - interval '2 hours'
		FROM shipments`); err != nil {
		t.Fatal(err)
	}
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(provider.Close)
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_PRINT_URL=" + provider.URL,
		"POSTVAKT_REGISTER_URL=http://127.0.0.1:1"}
	out, stderr, code := runEnv(t, env, "print", "drain", "--once")
	if code != 1 {
		t.Errorf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "polled=2") {
		t.Errorf("no summary of the run (polled=2) on standard output:\n%s\nstderr:\n%s", out, stderr)
	}
	if n := strings.Count(stderr, "knows none of postvakt's orders"); n != 1 {
		t.Errorf("the provider knowing none said %d times, want once:\n%s", n, stderr)
	}
	for _, secret := range []string{"Vedtak", "Barnevern", "ord-cli-"} {
		if strings.Contains(stderr+out, secret) {
			t.Errorf("the output names %q:\n%s\n%s", secret, out, stderr)
		}
	}
}

// TestPrintApproveSaysWhatItLeftOut: `postvakt print approve` said
// "released: N print(s)" of a batch some of whose letters were opened (or
// closed, or printed by their channel) since they were held, without a
// word of the rest: the operator could not tell whether they were lost,
// printed or still waiting. It says how many of the batch are not printed
// and why; so does `print reject` of those called off before it.
func TestPrintApproveSaysWhatItLeftOut(t *testing.T) {
	for _, verb := range []string{"approve", "reject"} {
		t.Run(verb, func(t *testing.T) {
			db := pgtest.New(t)
			importCSV(t, db, header+
				"svarut,5f0c2b1e-8a43-4c55-9a3e-0d7e1c2a9b01,964338531,Barnevern,org,974760673,Vedtak om tiltak,true,barnevern,2026-11-20T09:00:00+01:00\n"+
				"svarut,5f0c2b1e-8a43-4c55-9a3e-0d7e1c2a9b02,964338531,Barnevern,org,974760673,Vedtak om tiltak,true,barnevern,2026-11-20T09:00:00+01:00\n"+
				"svarut,5f0c2b1e-8a43-4c55-9a3e-0d7e1c2a9b03,964338531,Barnevern,org,974760673,Vedtak om tiltak,true,barnevern,2026-11-20T09:00:00+01:00\n", "import")
			conn := openDB(t, db)
			var batch int64
			if err := conn.QueryRow(`INSERT INTO print_batches (policy, created_at) VALUES ('barnevern', now()) RETURNING id`).Scan(&batch); err != nil {
				t.Fatal(err)
			}
			// One held print, one whose letter was opened since (skipped at
			// the opening), one whose letter was closed on the channel.
			if _, err := conn.Exec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state,
					batch_id, created_at, updated_at)
				SELECT id, 'barnevern', true, 'postvakt-print-' || id, CASE WHEN right(channel_id, 1) = '2' THEN 'skipped' ELSE 'held' END,
					$1, now(), now()
				FROM shipments`, batch); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(`UPDATE shipments SET stage = CASE right(channel_id, 1) WHEN '1' THEN 'print_held'
				WHEN '2' THEN 'print_cancelled' ELSE 'closed' END, state = CASE WHEN right(channel_id, 1) = '2' THEN 'opened' ELSE state END`); err != nil {
				t.Fatal(err)
			}
			out, stderr, code := run(t, db, "print", verb, fmt.Sprint(batch), "--by", "Kari")
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
			}
			// The release skips the closed letter's print too; the
			// rejection rejects it with the held one.
			// Two skipped letters are theirs, one its ("its letter … since
			// it was held" was said of two as well).
			want := map[string][]string{"approve": {"released: 1 print(s)",
				"2 of the batch's 3 not printed: their letters opened, or printed or closed by their channel, since they were held (print_skipped)"},
				"reject": {"rejected: 2 print order(s)",
					"1 of the batch's 3 called off before: its letter opened, or printed or closed by its channel, since it was held (print_skipped)"}}[verb]
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("print %s said:\n%s\nwant %q", verb, out, w)
				}
			}
		})
	}
}
