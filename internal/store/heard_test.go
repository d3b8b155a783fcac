package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestClaimDueSaysWhetherTheChannelHeardOfTheLetter: a claimed letter is
// Heard when the channel gave it a status, moved it past registered, or
// left an answer of its own in its evidence (here a Digital Post log
// entry); a new letter, or one with only postvakt's own events (its
// registration, a poll error), is not. A poll error of the channel's
// "not known" (PollResult.NotKnown) notes when it first said so, kept
// through later errors and "not known" answers, and cleared by an answer
// that knows the letter.
func TestClaimDueSaysWhetherTheChannelHeardOfTheLetter(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ships := storetest.Register(t, st, samples(7100, 5)...)
	ids := storetest.IDs(ships)
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	storetest.Set(t, st, ids, storetest.NextPollAt(now.Add(-time.Minute)))
	storetest.Set(t, st, ids[1:2], storetest.ChannelStatus("MOTTATT"))
	storetest.Set(t, st, ids[2:3], storetest.State(model.StateAccepted))
	if _, err := st.DB().Exec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, external_id)
		VALUES ($1, $2, 'svarut', now(), 'entry-1')`, ids[3], store.EventChannel); err != nil {
		t.Fatal(err)
	}
	// Letter 4: an error of its own, from postvakt, is no answer from the
	// channel about it.
	claim := func(at time.Time) map[string]store.Due {
		t.Helper()
		due, err := st.ClaimDue(ctx, "svarut", at, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.Due{}
		for _, d := range due {
			out[d.ID] = d
		}
		return out
	}
	due := claim(now)
	if len(due) != 5 {
		t.Fatalf("claimed %d, want 5", len(due))
	}
	for i, want := range []bool{false, true, true, true, false} {
		if got := due[ids[i]].Heard; got != want {
			t.Errorf("letter %d: Heard %v, want %v", i, got, want)
		}
		if due[ids[i]].NotKnownSince != nil {
			t.Errorf("letter %d: not known since %v before any answer", i, due[ids[i]].NotKnownSince)
		}
	}
	// Letter 1 not known (at now), letter 4 an unusable answer: both errors.
	next := now.Add(time.Minute)
	write := func(rs ...store.PollResult) {
		t.Helper()
		if _, err := st.ApplyPoll(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	write(store.PollResult{Due: due[ids[1]], Source: "svarut", ObservedAt: now, State: model.StateRegistered, Status: "MOTTATT",
		Err: "not known", NotKnown: true, NextPollAt: &next, RetryAt: next},
		store.PollResult{Due: due[ids[4]], Source: "svarut", ObservedAt: now, State: model.StateRegistered,
			Err: "garbage", NextPollAt: &next, RetryAt: next})
	due = claim(next)
	if d := due[ids[1]]; d.NotKnownSince == nil || !d.NotKnownSince.Equal(now) || d.PollFailures != 1 {
		t.Fatalf("letter 1 after a \"not known\": since %v, failures %d; want %s, 1", d.NotKnownSince, d.PollFailures, now)
	}
	if d := due[ids[4]]; d.NotKnownSince != nil || d.Heard {
		t.Fatalf("letter 4 after an unusable answer: since %v, heard %v; want neither", d.NotKnownSince, d.Heard)
	}
	// Another "not known" keeps the first time; so does another error.
	later := next.Add(time.Minute)
	write(store.PollResult{Due: due[ids[1]], Source: "svarut", ObservedAt: next, State: model.StateRegistered, Status: "MOTTATT",
		Err: "not known", NotKnown: true, NextPollAt: &later, RetryAt: later})
	due = claim(later)
	write(store.PollResult{Due: due[ids[1]], Source: "svarut", ObservedAt: later, State: model.StateRegistered, Status: "MOTTATT",
		Err: "503", NextPollAt: &later, RetryAt: later})
	due = claim(later.Add(time.Second))
	if d := due[ids[1]]; d.NotKnownSince == nil || !d.NotKnownSince.Equal(now) || d.PollFailures != 3 {
		t.Fatalf("letter 1 after \"not known\" twice and an error: since %v, failures %d; want %s, 3", d.NotKnownSince, d.PollFailures, now)
	}
	// An answer that knows it clears it.
	write(store.PollResult{Due: due[ids[1]], Source: "svarut", ObservedAt: later, State: model.StateRegistered, Status: "MOTTATT",
		NextPollAt: &later, RetryAt: later})
	due = claim(later.Add(2 * time.Second))
	if d := due[ids[1]]; d.NotKnownSince != nil || d.PollFailures != 0 {
		t.Fatalf("letter 1 known again: since %v, failures %d; want cleared", d.NotKnownSince, d.PollFailures)
	}
}

// TestPollWitnessIsALetterTheChannelAnsweredLately: the witness is a letter
// outside the batch that the channel answered usably at its last poll,
// one still polled first (the latest due); a letter with failures, marked
// unknown or without a status is none; with no letter still polled, any
// the channel answered (PollCanary).
func TestPollWitnessIsALetterTheChannelAnsweredLately(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ships := storetest.Register(t, st, samples(7200, 5)...)
	ids := storetest.IDs(ships)
	now := time.Now().UTC()
	storetest.Set(t, st, ids, storetest.ChannelStatus("VARSLET"), storetest.NextPollAt(now))
	storetest.Set(t, st, ids[0:1], storetest.NoPoll(), storetest.State(model.StateOpened)) // final: answered, not polled
	storetest.Set(t, st, ids[1:2], storetest.NextPollAt(now.Add(2*time.Hour)))             // the latest due
	storetest.Set(t, st, ids[2:3], storetest.UnknownToChannelSince(now), storetest.NextPollAt(now.Add(3*time.Hour)))
	storetest.Set(t, st, ids[3:4], storetest.ChannelStatus(""), storetest.NextPollAt(now.Add(4*time.Hour)))
	if _, err := st.DB().Exec(`UPDATE poll_queue SET failures = 2, next_poll_at = $2 WHERE shipment_id = $1`, ids[4], now.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	w, err := st.PollWitness(ctx, "svarut", nil)
	if err != nil || w != ships[1].ChannelID {
		t.Fatalf("witness %q (%v), want letter 1's %q", w, err, ships[1].ChannelID)
	}
	w, err = st.PollWitness(ctx, "svarut", []string{ships[1].ChannelID})
	if err != nil || w != ships[0].ChannelID {
		t.Fatalf("witness outside letter 1: %q (%v), want the final letter 0's %q", w, err, ships[0].ChannelID)
	}
	w, err = st.PollWitness(ctx, "svarut", []string{ships[0].ChannelID, ships[1].ChannelID})
	if err != nil || w != "" {
		t.Fatalf("witness outside letters 0 and 1: %q (%v), want none", w, err)
	}
}
