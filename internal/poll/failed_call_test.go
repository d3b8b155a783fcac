package poll_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestAltinnOutageIsAFailedCall: Altinn down, answering 503 to every
// details request (after the client's retries), over three cycles. Each
// poll is a failed call for the channel: recorded (poll_errors,
// channel_calls), the cycle unreachable, and the health rule
// channel_silent's error share fires for IT operations (SPEC: "alerts
// when a channel goes silent or starts rejecting"). Before, each letter
// got its own error and the call counted as answered: the rule saw
// nothing. The letters are not lost: each keeps its state and is asked
// again after its own backoff, as after a letter's own error.
//
// When Altinn answers about a letter it answered at its last poll (the
// poller's canary), the batch's 503s are the letters' own (a record that
// breaks Altinn's details), each with its error and backoff, and no call
// failed.
//
// The breaker is off: at its default (five failures in a row) it fails a
// larger batch's call by itself, but not a batch of three letters.
func TestAltinnOutageIsAFailedCall(t *testing.T) {
	for _, c := range []struct {
		name     string
		canaryUp bool // the letter answered at its last poll answers
	}{
		{"every details request 503", false},
		{"the batch's letters 503, a letter answered before answers", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond) // as PostgreSQL keeps it
			ships := storetest.Register(t, st, altinnLetters(4)...)
			batch, canary := ships[:3], ships[3]
			storetest.Set(t, st, []string{canary.ID}, storetest.State(model.StateAvailable), storetest.ChannelStatus("Published"),
				storetest.NextPollAt(now.Add(24*time.Hour)))
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			al := altinnAt(t, logger, httpclient.Options{BackoffBase: time.Millisecond, BreakerThreshold: -1},
				http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
					parts := strings.Split(r.URL.Path, "/")
					if id := parts[len(parts)-2]; id == canary.ChannelID && c.canaryUp {
						rw.Header().Set("Content-Type", "application/json")
						fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00+00:00","status":"Published","statusChanged":"2026-11-20T10:01:00+00:00","statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-11-20T10:01:00+00:00"}]}`, id)
						return
					}
					rw.Header().Set("Content-Type", "application/problem+json")
					rw.WriteHeader(http.StatusServiceUnavailable)
					fmt.Fprint(rw, `{"title":"Service Unavailable","status":503}`)
				}))
			at := now
			p := poll.New(st, logger, poll.Options{Now: func() time.Time { return at }, Activity: st})
			for cycle := range 3 {
				at = now.Add(time.Duration(cycle) * 10 * time.Minute) // past each letter's backoff (1, 2 min)
				sum, err := p.Poll(ctx, al)
				switch {
				case !c.canaryUp && !errors.Is(err, poll.ErrUnreachable):
					t.Errorf("cycle %d: %v (%+v), want the channel unreachable", cycle, err, sum)
				case c.canaryUp && err != nil:
					t.Errorf("cycle %d: %v (%+v), want the letters' own errors", cycle, err, sum)
				}
			}

			failed, err := st.PollErrors(ctx, "altinn", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			var recorded []string
			if err := st.DB().Select(&recorded, `SELECT error || ' [' || shipments || ' letters] ' || left(raw, 80) FROM poll_errors`); err != nil {
				t.Fatal(err)
			}
			cfg := policy.DefaultHealth()
			act, alert := channelSeen(t, st, cfg, "altinn", at.Add(-time.Hour), at)
			t.Logf("poll_errors %q; activity calls %d, failed %d, last ok %v; channel_silent %q", recorded, act.Calls, act.Errors, act.LastOKAt, alert)
			if !c.canaryUp {
				if failed != 3 || !strings.Contains(strings.Join(recorded, ""), "503") || !strings.Contains(strings.Join(recorded, ""), "[3 letters]") {
					t.Errorf("%d failed calls recorded (%q), want the three cycles' calls naming Altinn's 503", failed, recorded)
				}
				if act.Calls < cfg.ChannelSilent.MinCalls || act.Errors != act.Calls || act.LastOKAt != nil {
					t.Errorf("channel activity: %d calls, %d failed, last ok %v; want every call failed", act.Calls, act.Errors, act.LastOKAt)
				}
				if !strings.Contains(alert, "calls in the last") {
					t.Errorf("channel_silent: %q, want the calls' error share to fire", alert)
				}
			} else {
				if failed != 0 || act.Errors != 0 || alert != "" {
					t.Errorf("Altinn answered about a letter: %d failed calls recorded (%q), %d in the activity, channel_silent %q; want none",
						failed, recorded, act.Errors, alert)
				}
			}
			for i, s := range batch {
				var q struct {
					Failures int        `db:"failures"`
					Next     *time.Time `db:"next_poll_at"`
					Claimed  *time.Time `db:"claimed_until"`
					State    string     `db:"state"`
					Errors   int        `db:"errors"`
				}
				if err := st.DB().Get(&q, `SELECT q.failures, q.next_poll_at, q.claimed_until, s.state,
						(SELECT count(*) FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = $2) AS errors
					FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id WHERE s.id = $1`, s.ID, store.EventPollError); err != nil {
					t.Fatal(err)
				}
				// Asked at each cycle, each failure its own backoff: 1, 2, 4 minutes.
				if q.State != string(model.StateRegistered) || q.Failures != 3 || q.Claimed != nil || q.Next == nil ||
					!q.Next.Equal(at.Add(poll.Backoff(3))) {
					t.Errorf("letter %d: %s, %d failures, next poll %v, claimed until %v; want registered, 3 failures, next at %v",
						i, q.State, q.Failures, q.Next, q.Claimed, at.Add(poll.Backoff(3)))
				}
				if c.canaryUp && q.Errors != 3 {
					t.Errorf("letter %d: %d poll_error events, want its own at each of the 3 cycles", i, q.Errors)
				}
			}
			if strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("errors logged:\n%s", logs.String())
			}
		})
	}
}

// TestActivityOfAFailedCallWithNorwegianText: SvarUt answers the batch
// 503 with a Norwegian plain-text page; the call's failure must reach
// channel_activity (operations page, channel health). Whether trimError's
// 500-byte cut lands inside a "ø" depends on the text's length before it,
// so the page is tried with 0..19 bytes of padding.
func TestActivityOfAFailedCallWithNorwegianText(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	storetest.Register(t, st, storetest.Letter(0), storetest.Letter(1))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	now := time.Now().UTC().Add(time.Hour)
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Activity: st})
	for pad := 0; pad < 20; pad++ {
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			rw.Header().Set("Retry-After", "1")
			rw.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(rw, strings.Repeat("x", pad)+"Tjenesten er midlertidig utilgjengelig. "+strings.Repeat("Prøv igjen senere. ", 40))
		}))
		cfg := svarut.Config{BaseURL: srv.URL, KontoID: "2f7b3a1e-5c6d-4e8f-9a0b-1c2d3e4f5a6b", IntegrasjonID: "i", IntegrasjonPassord: "p", Logger: logger}
		hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		sv, err := svarut.New(cfg, hc, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Poll(ctx, sv)
		srv.Close()
		now = now.Add(24 * time.Hour)
	}
	if n := strings.Count(logs.String(), "could not record the channel's calls"); n > 0 {
		i := strings.Index(logs.String(), "could not record")
		t.Errorf("%d of 20 failed calls were not recorded in channel_activity: %s", n, logs.String()[i:i+200])
	}
}
