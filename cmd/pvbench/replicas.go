package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"
)

// simRequest is one record of the simulator's request log (/sim/requests).
type simRequest struct {
	Seq    int64     `json:"seq"`
	Wall   time.Time `json:"wall"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query"`
	Group  string    `json:"group"`
	IDs    []string  `json:"ids"`
	Status int       `json:"status"`
}

func (s *sim) requests(since int64) ([]simRequest, error) {
	resp, err := http.Get(fmt.Sprintf("%s/requests?since=%d", s.env["POSTVAKT_SIM_URL"], since))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []simRequest
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("read the simulator's request log: %w", err)
	}
	return out, nil
}

func (s *sim) lastSeq() (int64, error) {
	recs, err := s.requests(0)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	return recs[len(recs)-1].Seq, nil
}

// benchReplicas polls the same letters with 1, 2 and 4 `serve` replicas on
// one PostgreSQL (a fresh database each time) against a simulator whose
// SvarUt answers take 50 ms, like a remote API: a replica is then bound by
// how many requests it has in flight, which replicas add to, not by the
// two cores the simulator and PostgreSQL share with it. Throughput is
// letters over the span of the cycle's requests in the simulator's log; the
// same log proves that no letter was asked about twice in the cycle.
func (b *bench) benchReplicas(ctx context.Context) []figure {
	n := b.size.replicas
	target := "≥ 1.7× one replica at two; no letter polled twice in a cycle"
	what := func(k int) string {
		return fmt.Sprintf("poll throughput, %d `serve` replica(s), %s letters", k, thousands(n))
	}
	s, csvPath, err := b.simulate("replicas", pollScenario(n, 50*time.Millisecond), 4*n+1000)
	if err != nil {
		return []figure{failed(what(1), target, err)}
	}
	defer s.stop()
	var figs []figure
	var one float64
	for _, k := range []int{1, 2, 4} {
		rate, twice, span, err := b.replicaCycle(ctx, s, csvPath, n, k)
		if err != nil {
			figs = append(figs, failed(what(k), target, err))
			continue
		}
		f := figure{What: what(k), Value: fmt.Sprintf("%.0f letters/s", rate), Target: "no letter polled twice",
			Note: fmt.Sprintf("SvarUt answers in 50 ms; the cycle's requests spanned %s; %d letter(s) asked about twice "+
				"(from the simulator's request log)", secs(span), twice)}
		ok, by := twice == 0, fmt.Sprintf("%d letters polled twice", twice)
		if k == 1 {
			one = rate
		} else if one > 0 {
			f.Anchor = fmt.Sprintf("1 replica %.0f/s", one)
			f.Ratio = fmt.Sprintf("%.2f×", rate/one)
			if k == 2 {
				f.Target = target
				if rate/one < 1.7 && ok {
					ok, by = false, fmt.Sprintf("%.2f× short", 1.7-rate/one)
				}
			}
		}
		f.Verdict = verdict(ok, by)
		figs = append(figs, f)
	}
	return figs
}

// replicaCycle runs k serve replicas on a fresh database until every letter
// was polled once, and reads the cycle back from the simulator's log.
func (b *bench) replicaCycle(ctx context.Context, s *sim, csvPath string, n, k int) (rate float64, twice int, span time.Duration, err error) {
	db, err := b.createDB(ctx, fmt.Sprintf("bench_replicas_%d", k))
	if err != nil {
		return 0, 0, 0, err
	}
	policies, err := filepath.Abs("policies")
	if err != nil {
		return 0, 0, 0, err
	}
	env := append(s.svarutEnv(db), "POSTVAKT_LOG_LEVEL=warn", "POSTVAKT_POLICIES="+policies,
		"POSTVAKT_ESCALATE_SCHEDULE=0 0 1 1 *", "POSTVAKT_POLL_SCHEDULE=@every 1s", "POSTVAKT_STOP_DRAIN=0s")
	if _, err := b.run("", env, nil, "migrate"); err != nil {
		return 0, 0, 0, err
	}
	if _, err := b.run("", env, nil, "import", csvPath); err != nil {
		return 0, 0, 0, err
	}
	since, err := s.lastSeq()
	if err != nil {
		return 0, 0, 0, err
	}
	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for i := 0; i < k; i++ {
		addr, err := freeAddr()
		if err != nil {
			return 0, 0, 0, err
		}
		p, out, err := b.start(fmt.Sprintf("serve-replica-%d-of-%d", i+1, k), "", append(env, "POSTVAKT_ADDR="+addr), "serve")
		if err != nil {
			return 0, 0, 0, err
		}
		go io.Copy(io.Discard, out) //nolint:errcheck // not needed
		procs = append(procs, p)
	}
	if err := waitPolled(ctx, db, n, 4*time.Minute); err != nil {
		return 0, 0, 0, err
	}
	recs, err := s.requests(since)
	if err != nil {
		return 0, 0, 0, err
	}
	seen := map[string]int{}
	var first, last time.Time
	for _, r := range recs {
		if r.Group != "svarut" {
			continue
		}
		if first.IsZero() || r.Wall.Before(first) {
			first = r.Wall
		}
		if r.Wall.After(last) {
			last = r.Wall
		}
		if r.Method == http.MethodPost { // status-sok: the poll itself
			for _, id := range r.IDs {
				seen[id]++
			}
		}
	}
	for _, c := range seen {
		if c > 1 {
			twice++
		}
	}
	if len(seen) != n {
		return 0, 0, 0, fmt.Errorf("the simulator was asked about %d letters, want %d", len(seen), n)
	}
	span = last.Sub(first)
	return float64(n) / span.Seconds(), twice, span, nil
}

// waitPolled waits until every letter in db has been polled and written:
// its next poll is past the claim lease, or never (a final state).
func waitPolled(ctx context.Context, dbURL string, n int, limit time.Duration) error {
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(limit)
	for {
		var done int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM poll_queue
			WHERE next_poll_at IS NULL OR next_poll_at > now() + interval '15 minutes'`).Scan(&done); err != nil {
			return err
		}
		if done >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d letters polled after %s", done, n, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
