package poll_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestAltinnConnectionTrouble: Altinn (or a proxy before it) drops the
// connection, without an answer, whenever one letter's details are asked
// for. That letter gets its own error and backoff; the batch's other
// letters are read, and no call failed (no poll error, the channel's
// activity without errors: channel_silent stays quiet). The one letter
// failed the whole batch at every cycle.
func TestAltinnConnectionTrouble(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	ships := storetest.Register(t, st, altinnLetters(3)...)
	bad := ships[1]
	logger := slog.New(slog.DiscardHandler)
	al := altinnAt(t, logger, httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1},
		http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			parts := strings.Split(r.URL.Path, "/")
			id := parts[len(parts)-2]
			if id == bad.ChannelID {
				if conn, _, err := rw.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00+00:00","status":"Published","statusChanged":"2026-11-20T10:01:00+00:00","statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-11-20T10:01:00+00:00"}]}`, id)
		}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Activity: st})
	if sum, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v (%+v), want the one letter's own error", err, sum)
	}
	failed, err := st.PollErrors(ctx, "altinn", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	acts, err := st.ChannelActivities(ctx, now.Add(-time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.Channel == "altinn" && (a.Errors != 0 || a.Calls == 0) {
			t.Errorf("channel activity: %d calls, %d failed; want the call answered", a.Calls, a.Errors)
		}
	}
	if failed != 0 {
		t.Errorf("%d failed calls recorded, want none: one letter's connection is not the channel's", failed)
	}
	for _, s := range ships {
		var q struct {
			Failures int    `db:"failures"`
			State    string `db:"state"`
			Errors   int    `db:"errors"`
		}
		if err := st.DB().Get(&q, `SELECT q.failures, s.state,
				(SELECT count(*) FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = $2) AS errors
			FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id WHERE s.id = $1`, s.ID, store.EventPollError); err != nil {
			t.Fatal(err)
		}
		want := struct {
			Failures int    `db:"failures"`
			State    string `db:"state"`
			Errors   int    `db:"errors"`
		}{0, string(model.StateAvailable), 0}
		if s.ID == bad.ID {
			want.Failures, want.State, want.Errors = 1, string(model.StateRegistered), 1
		}
		if q != want {
			t.Errorf("letter %s: %+v, want %+v", s.ChannelID, q, want)
		}
	}
}

// TestAltinnReadLetterWithEarlyPublished: a letter registered (an
// import, a sender system) with a sent_at two days after Altinn published
// it. Altinn says it was Read after that sent_at (top-level status Read,
// plausible time). The early Published entry in statusHistory (only used
// for available_at) makes checkTime refuse the whole observation, so the
// letter is never recorded opened: reminders and print go on for a read
// letter, at every poll.
func TestAltinnReadLetterWithEarlyPublished(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	ships := storetest.Register(t, st, altinnLetters(1)...) // sent_at 2026-11-20T10:00:00Z
	now := time.Now().UTC().Add(time.Hour)
	logger := slog.New(slog.DiscardHandler)
	al := altinnDetails(t, func(id string) string {
		return fmt.Sprintf(`{"correspondenceId":%q,"created":"2026-11-17T10:00:00+00:00","status":"Read","statusChanged":"2026-11-21T09:00:00+00:00",
			"statusHistory":[{"status":"Published","statusText":"p","statusChanged":"2026-11-17T10:01:00+00:00"},
			{"status":"Read","statusText":"r","statusChanged":"2026-11-21T09:00:00+00:00"}]}`, id)
	})
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v", err)
	}
	var state string
	if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[0].ID); err != nil {
		t.Fatal(err)
	}
	if state != string(model.StateOpened) {
		var msg string
		_ = st.DB().Get(&msg, `SELECT coalesce(string_agg(message, ' | '), '') FROM shipment_events WHERE shipment_id = $1 AND kind = 'poll_error'`, ships[0].ID)
		var evs []string
		_ = st.DB().Select(&evs, `SELECT kind || ': ' || coalesce(message,'') FROM shipment_events WHERE shipment_id = $1`, ships[0].ID)
		t.Logf("events: %q", evs)
		t.Errorf("state %s, want opened: Altinn says Read on 2026-11-21, after sent_at; poll errors: %s", state, msg)
	}
}

// TestAltinnHeldForPublication: a correspondence the sender asked Altinn to
// publish later stays ReadyForPublish until then; the poll keeps that time
// on the letter (shipments.held_until), three months after its sending at
// the latest, and nothing for a publish time already past. Published
// later, the letter is available and the time is kept.
func TestAltinnHeldForPublication(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	ships := storetest.Register(t, st, altinnLetters(3)...) // sent_at 2026-11-20T10:00:00Z
	ids := storetest.IDs(ships)
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	sent := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ahead := now.Add(7 * 24 * time.Hour)
	requested := map[string]time.Time{ // by channel id
		ships[0].ChannelID: ahead,
		ships[1].ChannelID: sent,                                         // not held: published as sent
		ships[2].ChannelID: time.Date(2027, 12, 1, 8, 0, 0, 0, time.UTC), // more than three months on
	}
	var published atomic.Bool
	logger := slog.New(slog.DiscardHandler)
	al := altinnDetails(t, func(id string) string {
		status, hist := "ReadyForPublish", ""
		if published.Load() {
			status, hist = "Published", fmt.Sprintf(`,{"status":"Published","statusText":"p","statusChanged":%q}`, now.Add(-time.Minute).Format(time.RFC3339))
		}
		return fmt.Sprintf(`{"correspondenceId":%q,"created":"2026-11-20T10:00:00+00:00","requestedPublishTime":%q,"status":%q,"statusChanged":%q,
			"statusHistory":[{"status":"ReadyForPublish","statusText":"r","statusChanged":"2026-11-20T10:00:01+00:00"}%s]}`,
			id, requested[id].Format(time.RFC3339), status, now.Add(-time.Minute).Format(time.RFC3339), hist)
	})
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	heldUntil := func() []*time.Time {
		t.Helper()
		out := make([]*time.Time, len(ids))
		for i, id := range ids {
			if err := st.DB().Get(&out[i], `SELECT held_until FROM shipments WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	same := func(got *time.Time, want time.Time) bool {
		return (got == nil && want.IsZero()) || (got != nil && got.Equal(want))
	}
	if _, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v", err)
	}
	want := []time.Time{ahead, {}, ships[2].SentAt.Add(90 * 24 * time.Hour)}
	for i, got := range heldUntil() {
		if !same(got, want[i]) {
			t.Errorf("letter %d held until %v, want %v", i, got, want[i])
		}
	}
	published.Store(true)
	storetest.Set(t, st, ids, storetest.NextPollAt(now.Add(-time.Minute)))
	if _, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v", err)
	}
	var state model.State
	if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ids[0]); err != nil || state != model.StateAvailable {
		t.Fatalf("published letter: %s %v", state, err)
	}
	if got := heldUntil()[0]; !same(got, ahead) {
		t.Errorf("published letter held until %v, want %v kept", got, ahead)
	}
}

// A correspondence already accepted and ReadyForPublish when the poll
// first reads its requestedPublishTime (every letter in flight when a
// version with migration 00054 is deployed; or one whose first answer came
// without the time) got no held_until: the poll wrote it only with a
// change of state or status, and the held letter's state and status stay
// the same until it is published (review finding). It is written alone.
func TestAltinnHeldUntilWithoutStatusChange(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	ships := storetest.Register(t, st, altinnLetters(1)...) // sent_at 2026-11-20T10:00:00Z
	ids := storetest.IDs(ships)
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	ahead := now.Add(7 * 24 * time.Hour)
	// As a poll by the version before left it.
	storetest.Set(t, st, ids, storetest.State(model.StateAccepted), storetest.ChannelStatus("ReadyForPublish"),
		storetest.NextPollAt(now.Add(-time.Minute)))
	logger := slog.New(slog.DiscardHandler)
	al := altinnDetails(t, func(id string) string {
		return fmt.Sprintf(`{"correspondenceId":%q,"created":"2026-11-20T10:00:00+00:00","requestedPublishTime":%q,"status":"ReadyForPublish","statusChanged":"2026-11-20T10:00:01+00:00",
			"statusHistory":[{"status":"ReadyForPublish","statusText":"r","statusChanged":"2026-11-20T10:00:01+00:00"}]}`,
			id, ahead.Format(time.RFC3339))
	})
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v", err)
	}
	var held *time.Time
	if err := st.DB().Get(&held, `SELECT held_until FROM shipments WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if held == nil || !held.Equal(ahead) {
		t.Errorf("held_until %v after a poll that read requestedPublishTime %v ahead (state and status unchanged)", held, ahead)
	}
}

// TestAltinnFailedThenWithdrawn: a correspondence Altinn failed to publish
// is due for print at once; its sender then withdraws it (purges it),
// which Altinn shows the sender neither at the top (Failed outranks the
// purge) nor in the history, only in its search by status. The letter,
// print due, is closed (expired, stage closed): no print of a letter its
// sender withdrew.
func TestAltinnFailedThenWithdrawn(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	ships := storetest.Register(t, st, altinnLetters(1)...) // sent_at 2026-11-20T10:00:00Z
	ids := storetest.IDs(ships)
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	var withdrawn atomic.Bool
	logger := slog.New(slog.DiscardHandler)
	al := altinnAt(t, logger, httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1},
		http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "application/json")
			if strings.HasSuffix(r.URL.Path, "/correspondence") { // the search
				found := ""
				if withdrawn.Load() && r.URL.Query().Get("status") == "PurgedByAltinn" {
					found = fmt.Sprintf("%q", ships[0].ChannelID)
				}
				fmt.Fprintf(rw, `{"ids":[%s]}`, found)
				return
			}
			parts := strings.Split(r.URL.Path, "/")
			fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00+00:00","requestedPublishTime":"2026-11-20T10:00:00+00:00",
				"status":"Failed","statusChanged":"2026-11-20T10:00:02+00:00","statusHistory":[
				{"status":"Initialized","statusChanged":"2026-11-20T10:00:00+00:00"},
				{"status":"Failed","statusText":"Recipient lacks roles required to read correspondence.","statusChanged":"2026-11-20T10:00:02+00:00"}]}`,
				parts[len(parts)-2])
		}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	row := func() (state model.State, stage model.Stage) {
		t.Helper()
		if err := st.DB().QueryRow(`SELECT state, stage FROM shipments WHERE id = $1`, ids[0]).Scan(&state, &stage); err != nil {
			t.Fatal(err)
		}
		return state, stage
	}
	if _, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v", err)
	}
	if state, _ := row(); state != model.StateFailed {
		t.Fatalf("state %s, want failed", state)
	}
	// The escalation run found it due for print (failed: paper at once).
	storetest.Set(t, st, ids, storetest.Stage(model.StagePrintDue), storetest.NextPollAt(now.Add(-time.Minute)))
	withdrawn.Store(true)
	if _, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("poll: %v", err)
	}
	if state, stage := row(); state != model.StateExpired || stage != model.StageClosed {
		t.Errorf("withdrawn by its sender: %s, stage %s; want expired, closed (no print)", state, stage)
	}
}
