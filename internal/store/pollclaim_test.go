package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A claim holds letters for its lease without moving their next poll; a
// crashed claim's letters come back after the lease; writing the result
// ends the claim.
func TestClaimLease(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	registerFor(t, st, orgs[0], orgs[1], orgs[2])
	now := time.Now()
	first, err := st.ClaimDue(ctx, "svarut", now, 2, time.Minute)
	if err != nil || len(first) != 2 {
		t.Fatalf("first claim: %d (%v)", len(first), err)
	}
	second, err := st.ClaimDue(ctx, "svarut", now, 10, time.Minute)
	if err != nil || len(second) != 1 {
		t.Fatalf("second claim: %d (%v), want only the unclaimed letter", len(second), err)
	}
	if again, _ := st.ClaimDue(ctx, "svarut", now.Add(30*time.Second), 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed again within the lease: %d", len(again))
	}
	// The first claim wrote its result; the second crashed.
	next := now.Add(time.Hour)
	res := []store.PollResult{{Due: first[0], Source: "svarut", ObservedAt: now, Status: "MOTTATT", State: model.StateAccepted, NextPollAt: &next},
		{Due: first[1], Source: "svarut", ObservedAt: now, Status: "MOTTATT", State: model.StateAccepted, NextPollAt: &next}}
	if _, err := st.ApplyPoll(ctx, res); err != nil {
		t.Fatal(err)
	}
	back, err := st.ClaimDue(ctx, "svarut", now.Add(2*time.Minute), 10, time.Minute)
	if err != nil || len(back) != 1 || back[0].ID != second[0].ID {
		t.Fatalf("after the lease: %v (%v), want the crashed claim's letter back", back, err)
	}
	// Just before their next poll only the crashed letter is due (its
	// second claim lapsed too); at it, the two written ones.
	if got, _ := st.ClaimDue(ctx, "svarut", next.Add(-time.Second), 10, time.Minute); len(got) != 1 || got[0].ID != second[0].ID {
		t.Fatalf("before the next poll: %d claimed, want the crashed claim's letter", len(got))
	}
	if got, _ := st.ClaimDue(ctx, "svarut", next, 10, time.Minute); len(got) != 2 {
		t.Fatalf("at the next poll: %d claimed, want the two written letters (their claim ended)", len(got))
	}
}

// Concurrent claimers never get the same letter twice within a lease, and
// together they claim every due letter: SKIP LOCKED keeps running claims
// apart, and the lease re-checked on the locked row keeps a claim that read
// the due rows before another committed off them.
func TestClaimConcurrentNoDoubleClaim(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	recipients := make([]string, 120)
	for i := range recipients {
		recipients[i] = orgs[i%len(orgs)]
	}
	registerFor(t, st, recipients...)
	now := time.Now()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for empty := 0; empty < 3; {
				due, err := st.ClaimDue(ctx, "svarut", now, 7, time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if len(due) == 0 {
					empty++ // another claimer may have raced us to the last rows
					continue
				}
				mu.Lock()
				for _, d := range due {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != len(recipients) {
		t.Fatalf("claimed %d distinct letters, want %d", len(seen), len(recipients))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("letter %s claimed %d times within one lease", id, n)
		}
	}
}

// A claim, and a poll that learns nothing new, leave the letter's row in
// shipments alone (its poll bookkeeping is poll_queue's): only a change
// writes it, and a failure count is kept for the next claim.
func TestPollWithoutNewsLeavesShipmentsAlone(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	registerFor(t, st, orgs[0])
	version := func() string {
		var xmin string
		if err := st.DB().GetContext(ctx, &xmin, `SELECT xmin::text FROM shipments`); err != nil {
			t.Fatal(err)
		}
		return xmin
	}
	before := version()
	now := time.Now()
	due, err := st.ClaimDue(ctx, "svarut", now, 10, time.Minute)
	if err != nil || len(due) != 1 {
		t.Fatalf("claim: %d (%v)", len(due), err)
	}
	next := now.Add(time.Hour)
	same := []store.PollResult{{Due: due[0], Source: "svarut", ObservedAt: now, Status: due[0].ChannelStatus, State: due[0].State, NextPollAt: &next}}
	if _, err := st.ApplyPoll(ctx, same); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != before {
		t.Errorf("a claim and a poll without news wrote shipments (xmin %s → %s)", before, v)
	}
	sh, err := st.Shipment(ctx, due[0].ID, store.Scope{})
	if err != nil || sh.NextPollAt == nil || !sh.NextPollAt.Equal(next.Round(time.Microsecond)) {
		t.Fatalf("next poll %v (%v), want %v", sh.NextPollAt, err, next)
	}
	// An unusable answer counts a failure in poll_queue; the next claim
	// sees it, and shipments is still untouched.
	due, _ = st.ClaimDue(ctx, "svarut", next, 10, time.Minute)
	if len(due) != 1 || due[0].PollFailures != 0 {
		t.Fatalf("second claim: %+v", due)
	}
	retry := next.Add(time.Hour)
	bad := []store.PollResult{{Due: due[0], Source: "svarut", ObservedAt: next, Status: due[0].ChannelStatus, State: due[0].State,
		Err: "unreadable", NextPollAt: &retry}}
	if _, err := st.ApplyPoll(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if due, _ = st.ClaimDue(ctx, "svarut", retry, 10, time.Minute); len(due) != 1 || due[0].PollFailures != 1 {
		t.Fatalf("after an unusable answer: %+v, want one failure counted", due)
	}
	if v := version(); v != before {
		t.Errorf("an unusable answer wrote shipments (xmin %s → %s)", before, v)
	}
	// A change writes it.
	later := retry.Add(time.Hour)
	if _, err := st.ApplyPoll(ctx, []store.PollResult{{Due: due[0], Source: "svarut", ObservedAt: retry, Status: "MOTTATT",
		State: model.StateAccepted, NextPollAt: &later}}); err != nil {
		t.Fatal(err)
	}
	if v := version(); v == before {
		t.Error("a state change left shipments as it was")
	}
}

// A letter inserted by any writer, a binary from before poll_queue
// included, has its poll_queue row and is polled.
func TestEveryLetterIsQueued(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	registerFor(t, st, orgs[0])
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id,
			title, confidential, class, sent_at)
		SELECT gen_random_uuid(), channel, channel_id || '-old', sender_unit_id, recipient_id, '', confidential, class, sent_at
		FROM shipments`); err != nil {
		t.Fatal(err)
	}
	var missing int
	if err := st.DB().GetContext(ctx, &missing, `SELECT count(*) FROM shipments s
		WHERE NOT EXISTS (SELECT 1 FROM poll_queue q WHERE q.shipment_id = s.id AND q.next_poll_at IS NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if missing != 0 {
		t.Fatalf("%d letters without a due poll_queue row", missing)
	}
	due, err := st.ClaimDue(ctx, "svarut", time.Now().Add(time.Second), 10, time.Minute)
	if err != nil || len(due) != 2 {
		t.Fatalf("claimed %d (%v), want both letters", len(due), err)
	}
}
