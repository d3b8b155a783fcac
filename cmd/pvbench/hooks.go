package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/policy"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// dpScenario is a Danish world of n letters through Digital Post (no
// Norwegian ones), sent over the ten days before the start.
func dpScenario(n int) string {
	return fmt.Sprintf(`name: bench-dp
description: Digital Post feed benchmark
speed: 1
organisations: {count: 0}
shipments: {count: 0}
digitalpost:
  sender:
    cvr: "64942212"
    name: Københavns Kommune
    units: [Socialforvaltningen, Børne- og Ungdomsforvaltningen]
  companies: %d
  citizens: %d
  citizen_share: 0.9
  letters: %d
  sent_from: -10d
  sent_to: -1h
  confidential_share: 0.9
  open: {chance: 0.85, delay: {dist: exponential, min: 15m, mean: 1d, max: 10d}}
  company_open: {chance: 0.75, delay: {dist: exponential, min: 30m, mean: 2d, max: 14d}}
`, max(n/50, 10), max(n/5, 10), n)
}

// benchDigitalPostFeed reads the simulated event log of n letters once
// (`postvakt poll --once --channel digitalpost`: pages of 500 entries,
// each page in one transaction, the cursor moved when the read ends) and then replays
// exactly the requests it made, from the simulator's request log, with a
// bare HTTP loop that decodes the pages and writes nothing.
func benchDigitalPostFeed(ctx context.Context, b *bench) []figure {
	n := b.size.feed
	what := fmt.Sprintf("Digital Post feed, one read of %s letters' event log", thousands(n))
	target := "≥ 80 % of a bare HTTP loop reading the same pages"
	s, csvPath, err := b.simulate("dp", dpScenario(n), 0)
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	defer s.stop()
	db, err := b.createDB(ctx, "bench_dp")
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_LOG_LEVEL=warn"}
	for k, v := range s.env {
		if strings.HasPrefix(k, "POSTVAKT_DIGITALPOST_") {
			env = append(env, k+"="+v)
		}
	}
	for _, args := range [][]string{{"migrate"}, {"import", csvPath}} {
		if _, err := b.run("", env, nil, args...); err != nil {
			return []figure{failed(what, target, err)}
		}
	}
	since, err := s.lastSeq()
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	pg0 := pgCPU(b.opt.pg)
	m, err := b.run("poll", env, nil, "poll", "--once", "--channel", "digitalpost")
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	cpu := b.cpuNote(m, pgCPU(b.opt.pg)-pg0, n, "letters")
	recs, err := s.requests(since)
	if err != nil {
		return []figure{failed(what, target, err)}
	}
	var paths []string
	for _, r := range recs {
		if r.Method == http.MethodGet && strings.Contains(r.Path, "/events") {
			paths = append(paths, r.Path+"?"+r.Query)
		}
	}
	if len(paths) == 0 {
		return []figure{failed(what, target, fmt.Errorf("postvakt read no page of the event log"))}
	}
	bare, entries, err := replayFeed(ctx, s, paths)
	if err != nil {
		return []figure{failed(what, target, fmt.Errorf("bare loop: %w", err))}
	}
	share := bare.Seconds() / m.wall.Seconds()
	return []figure{figure{What: what, Value: fmt.Sprintf("%s (%.0f entries/s)", secs(m.wall), float64(entries)/m.wall.Seconds()),
		Anchor: fmt.Sprintf("bare HTTP loop %s", secs(bare)), Target: target,
		Note: fmt.Sprintf("`postvakt poll --once --channel digitalpost` as a process (%s; peak RSS %d MB; %s): %d pages, %d entries; "+
			"the bare loop makes the same %d GETs one after another, as the feed is read, and writes nothing",
			strings.TrimSpace(m.stdout), m.maxRSS>>20, cpu, len(paths), entries, len(paths))}.againstLoop(share)}
}

// replayFeed GETs the simulator's Digital Post pages one after another and
// decodes them; it returns the time and how many entries they held.
func replayFeed(ctx context.Context, s *sim, paths []string) (time.Duration, int, error) {
	base := strings.TrimSuffix(s.env["POSTVAKT_DIGITALPOST_URL"], "/")
	root := base[:strings.Index(base, "/apis/")] // the paths in the log are absolute
	hc := &http.Client{Timeout: 60 * time.Second}
	entries := 0
	start := time.Now()
	for _, p := range paths {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+p, nil)
		if err != nil {
			return 0, 0, err
		}
		req.SetBasicAuth(s.env["POSTVAKT_DIGITALPOST_SYSTEM_ID"], s.env["POSTVAKT_DIGITALPOST_API_TOKEN"])
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, 0, err
		}
		var page struct {
			Events []json.RawMessage `json:"events"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s: %s %v", p, resp.Status, err)
		}
		for _, e := range page.Events {
			var v map[string]any // decode each entry, as the adapter does
			if err := json.Unmarshal(e, &v); err != nil {
				return 0, 0, err
			}
		}
		entries += len(page.Events)
	}
	return time.Since(start), entries, nil
}

// benchHealth measures the health rules (internal/health) on the large
// database: one evaluation as of an hour after the newest letter (a dry
// run: facts, rules, each alert's letters counted) and the incident report
// (CSV) of the last 30 days and of one unit's year, the slowest of up to three runs each (fewer when the first take
// healthBudget). SPEC.md sets no target for them.
const healthBudget = 15 * time.Second

func benchHealth(ctx context.Context, b *bench) []figure {
	big := b.big
	what := func(s string) string { return s + fmt.Sprintf(", %s letters", thousands(b.size.letters)) }
	target := "none in SPEC.md (measured)"
	if big == nil {
		return []figure{failed(what("health rules"), target, fmt.Errorf("needs the large database (section import)"))}
	}
	st, err := store.Open(ctx, big.url, 10*time.Second)
	if err != nil {
		return []figure{failed(what("health rules"), target, err)}
	}
	defer st.Close()
	var newest time.Time
	var unit string
	var chans []string
	err = st.DB().GetContext(ctx, &newest, `SELECT max(sent_at) FROM shipments`)
	if err == nil {
		err = st.DB().GetContext(ctx, &unit, `SELECT name FROM sender_units ORDER BY id LIMIT 1`)
	}
	if err == nil {
		err = st.DB().SelectContext(ctx, &chans, `SELECT DISTINCT channel FROM shipments
			WHERE channel NOT IN (SELECT channel FROM channel_activity)`)
	}
	if err != nil {
		return []figure{failed(what("health rules"), target, err)}
	}
	now := newest.Add(time.Hour)
	// As in production, the poller has recorded the channels' calls (an
	// imported database has none).
	for _, ch := range chans {
		if err := st.RecordChannelCalls(ctx, store.ChannelCalls{Channel: ch, At: now.Add(-time.Minute), Calls: 1,
			LastChange: now.Add(-2 * time.Minute)}); err != nil {
			return []figure{failed(what("health rules"), target, err)}
		}
	}
	ev := &health.Evaluator{Store: st, Config: policy.DefaultHealth()}
	var alerts, letters int
	var figs []figure
	for _, c := range []struct {
		what string
		run  func() error
	}{
		{"health rules, one evaluation", func() error {
			res, err := ev.Run(ctx, now, true)
			alerts, letters = len(res.Firing), 0
			for _, a := range res.Firing {
				letters += a.Affected
			}
			return err
		}},
		{"incident report, last 30 days (CSV)", func() error {
			_, _, err := report.Incident(ctx, st, store.IncidentFilter{From: now.AddDate(0, 0, -30), To: now}, report.CSV, io.Discard)
			return err
		}},
		{"incident report, one unit's year (CSV)", func() error {
			_, _, err := report.Incident(ctx, st, store.IncidentFilter{From: now.AddDate(-1, 0, 0), To: now, Unit: unit}, report.CSV, io.Discard)
			return err
		}},
	} {
		// Up to three runs, fewer when they are slow: a run of 20 s
		// varies by a few per cent, and three of them cost a minute.
		var times []time.Duration
		var spent time.Duration
		var runErr error
		for len(times) < 3 && spent < healthBudget && runErr == nil {
			start := time.Now()
			runErr = c.run()
			times = append(times, time.Since(start))
			spent += times[len(times)-1]
		}
		if runErr != nil {
			figs = append(figs, failed(what(c.what), target, runErr))
			continue
		}
		slices.Sort(times)
		f := figure{What: what(c.what), Value: "slowest " + secs(times[len(times)-1]), Target: target, Verdict: "measured",
			Note: fmt.Sprintf("%s in this process on the import's letters (median %s; up to three, until %s are spent)",
				[]string{"", "one run", "two runs", "three runs"}[len(times)], secs(times[len(times)/2]), secs(healthBudget))}
		if strings.HasPrefix(c.what, "health") {
			f.Note += fmt.Sprintf("; %d alerts about %d letters (a dry run: nothing recorded or sent)", alerts, letters)
		}
		figs = append(figs, f)
	}
	return figs
}
