package sim

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpfake"
)

// TestStartOptionLeavesTheClock: with Options.Start the demo world counts
// its relative times (sent_from -10d, sent_to 0s) from Start, and the clock
// stays where it stands, two days before: the letters of those two days
// are not sent yet, and the simulator's shipments.csv?sent_by=now lists
// exactly the letters sent by its now, growing as the clock moves, the
// Danish ones included; without sent_by it lists every letter. A sent_by
// that is no time is refused with 400.
func TestStartOptionLeavesTheClock(t *testing.T) {
	start := testStart.Add(48 * time.Hour)
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{Start: start})
	s, clock := e.sim, e.clock
	if !s.Now().Equal(testStart) || !s.Start().Equal(start) {
		t.Fatalf("now %s, start %s; want the clock's %s and the option's %s", s.Now(), s.Start(), testStart, start)
	}

	all := s.Shipments()
	sentBy := func(at time.Time) map[string]bool {
		m := map[string]bool{}
		for _, r := range all {
			if r.SentAt.Before(start.Add(-10*24*time.Hour)) || r.SentAt.After(start) {
				t.Fatalf("%s %s sent at %s, outside the ten days before the start %s", r.Channel, r.ChannelID, r.SentAt, start)
			}
			if !r.SentAt.After(at) {
				m[r.ChannelID] = true
			}
		}
		return m
	}
	listed := func(query string) map[string]bool {
		t.Helper()
		resp, body := e.do(e.request(http.MethodGet, "/sim/shipments.csv"+query, nil, nil))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("shipments.csv%s: %d %s", query, resp.StatusCode, body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, row := range rows[1:] {
			m[row[1]] = true
		}
		return m
	}
	if got := listed(""); len(got) != len(all) {
		t.Fatalf("without sent_by: %d letters, want all %d", len(got), len(all))
	}
	prev := 0
	for _, at := range []time.Time{testStart, testStart.Add(20 * time.Hour), start} {
		clock.Set(at)
		want, got := sentBy(at), listed("?sent_by=now")
		if len(got) != len(want) {
			t.Fatalf("sent_by=now at %s: %d letters, want the %d sent by then", at, len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("sent_by=now at %s: %s, sent by then, is not listed", at, id)
			}
		}
		if len(got) <= prev && at.After(testStart) {
			t.Errorf("sent_by=now at %s: %d letters, no more than the %d before: no letter sent in between", at, len(got), prev)
		}
		prev = len(got)
	}
	if prev != len(all) {
		t.Errorf("at the start: %d letters sent, want all %d", prev, len(all))
	}
	if got, want := listed("?sent_by="+testStart.Format(time.RFC3339)), sentBy(testStart); len(got) != len(want) {
		t.Errorf("sent_by=%s: %d letters, want %d", testStart.Format(time.RFC3339), len(got), len(want))
	}
	if resp, _ := e.do(e.request(http.MethodGet, "/sim/shipments.csv?sent_by=yesterday", nil, nil)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("sent_by=yesterday: %d, want 400", resp.StatusCode)
	}
}

// TestRunBehindStartsTheWorldAtTheRealTime: RunWith with Behind (make
// run's --behind 192h) puts the scenario's start at the real time and its
// clock that far behind: /sim/clock says so, and shipments.csv?sent_by=now
// lists only the letters sent by the clock, fewer than all of the world's
// (the rest are sent while it catches up).
func TestRunBehindStartsTheWorldAtTheRealTime(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	before := time.Now().Truncate(time.Second)
	go func() {
		done <- RunWith(ctx, RunConfig{Addr: "127.0.0.1:0", Scenario: "demo", Seed: 1, Speed: 2304, Behind: 192 * time.Hour,
			Out: pw, Options: Options{Logger: quietLogger}})
		pw.Close()
	}()
	var simURL string
	lines := bufio.NewScanner(pr)
	for simURL == "" && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "POSTVAKT_SIM_URL="); ok {
			simURL = v
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if simURL == "" {
		t.Fatal("no POSTVAKT_SIM_URL line")
	}
	get := func(path string) []byte {
		t.Helper()
		return httpfake.Get(t, simURL+path)
	}
	var st clockState
	if err := json.Unmarshal(get("/clock"), &st); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if st.Start.Before(before) || st.Start.After(after) {
		t.Errorf("start %s, want the real time at the start (%s to %s)", st.Start, before, after)
	}
	if lag := st.Start.Sub(st.Now); lag < 190*time.Hour || lag > 192*time.Hour {
		t.Errorf("now %s, %s before the start; want about 192h", st.Now, lag)
	}
	all := strings.Count(string(get("/shipments.csv")), "\n")
	sent := strings.Count(string(get("/shipments.csv?sent_by=now")), "\n")
	if sent <= 1 || sent >= all {
		t.Errorf("%d lines of letters sent by now, of %d: want some, not all", sent, all)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
