package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter unknown to its channel had its due reminders held back
// (escalate.Decision.Unheard) and its next step put at its print: the
// first answer that shows the channel knows it after all — a poll with the
// same status, a new status, a new state, or the Danish log — makes the
// next escalation run look at it at once (next_step_at 'epoch'). Letters
// that were known keep their time, and so do those the channel still does
// not know or whose poll failed.
func TestChannelKnowsAgainLooksAtOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[1], orgs[2], orgs[3], orgs[0], orgs[1])
	dk := storetest.Register(t, st, danish(71), danish(72))
	same, status, state, known, still, failed := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]
	dkUnknown, dkKnown := dk[0], dk[1]
	since := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	later := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) // the print, say
	unknown := []string{same, status, state, still, failed, dkUnknown.ID}
	storetest.Set(t, st, unknown, storetest.UnknownToChannelSince(since))
	all := append(append([]string{}, ids...), dkUnknown.ID, dkKnown.ID)
	if _, err := st.DB().Exec(`UPDATE shipments SET next_step_at = $1 WHERE id = ANY($2::uuid[])`, later, pq.Array(all)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	next := now.Add(time.Hour)
	due := func(id string) store.Due {
		return store.Due{ID: id, State: model.StateRegistered, UnknownSince: &since}
	}
	res := func(id string, r store.PollResult) store.PollResult {
		r.Due, r.Source, r.ObservedAt, r.NextPollAt = due(id), "svarut", now, &next
		if r.State == "" {
			r.State = model.StateRegistered
		}
		return r
	}
	if _, err := st.ApplyPoll(ctx, []store.PollResult{
		res(same, store.PollResult{}),
		res(status, store.PollResult{Status: "SENDT"}),
		res(state, store.PollResult{Status: "MOTTATT", State: model.StateAccepted}),
		res(known, store.PollResult{Status: "MOTTATT", State: model.StateAccepted}),
		res(still, store.PollResult{Unknown: true}),
		res(failed, store.PollResult{Err: "500 from the channel"}),
	}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Synced: []string{dkUnknown.ID, dkKnown.ID},
		Entries: []store.FeedEntry{
			entry("k1", dkUnknown.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0),
			entry("k2", dkKnown.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0),
		}}); err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(0, 0)
	for _, tc := range []struct {
		name      string
		id        string
		next      time.Time
		unknownIs bool
	}{
		{"polled, same status", same, epoch, false},
		{"polled, new status", status, epoch, false},
		{"polled, new state", state, epoch, false},
		{"known all along", known, later, false},
		{"still unknown", still, later, true},
		{"poll failed", failed, later, true},
		{"the Danish log knows it now", dkUnknown.ID, epoch, false},
		{"the Danish log knew it all along", dkKnown.ID, later, false},
	} {
		var got struct {
			Next    time.Time  `db:"next_step_at"`
			Unknown *time.Time `db:"unknown_to_channel_since"`
		}
		if err := st.DB().Get(&got, `SELECT next_step_at, unknown_to_channel_since FROM shipments WHERE id = $1`, tc.id); err != nil {
			t.Fatal(err)
		}
		if !got.Next.Equal(tc.next) || (got.Unknown != nil) != tc.unknownIs {
			t.Errorf("%s: next_step_at %s, unknown since %v; want %s, unknown %v", tc.name, got.Next, got.Unknown, tc.next, tc.unknownIs)
		}
	}
}

// An escalation run that held a letter's reminders back (the channel did
// not know it) stores the print as its next step only while the letter is
// still marked: when a poll heard of it meanwhile and asked for a look at
// once — even where the run had read that same 'epoch' — the look stays.
func TestUnheardNextStepOnlyWhileUnknown(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[1])
	heard, still := ids[0], ids[1]
	since := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	storetest.Set(t, st, ids, storetest.UnknownToChannelSince(since))
	epoch := time.Unix(0, 0).UTC()
	if _, err := st.DB().Exec(`UPDATE shipments SET next_step_at = $1 WHERE id = ANY($2::uuid[])`, epoch, pq.Array(ids)); err != nil {
		t.Fatal(err)
	}
	// The run read both at 'epoch'; then the poll hears of one.
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	next := now.Add(time.Hour)
	if _, err := st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: heard, State: model.StateRegistered, UnknownSince: &since},
		Source: "svarut", ObservedAt: now, State: model.StateRegistered, NextPollAt: &next}}); err != nil {
		t.Fatal(err)
	}
	print := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	n, err := st.ScheduleNextSteps(ctx, []store.NextStep{
		{ShipmentID: heard, Seen: &epoch, At: &print, Unheard: true},
		{ShipmentID: still, Seen: &epoch, At: &print, Unheard: true},
	})
	if err != nil || n != 1 {
		t.Fatalf("stored %d (%v), want 1: the letter still unknown", n, err)
	}
	for id, want := range map[string]time.Time{heard: epoch, still: print} {
		var got time.Time
		if err := st.DB().Get(&got, `SELECT next_step_at FROM shipments WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("%s: next_step_at %s, want %s", id, got, want)
		}
	}
}
