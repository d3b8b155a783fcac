package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestRefusedStatusNotedOnce: a status that would take a letter back (the
// channel says VARSLET, available, of a letter failed before) is refused
// and noted in its evidence once, with the history of that answer asked
// for once; the same answer at the letter's next polls adds nothing, while
// a new status that may follow (LEST) is applied. It was refused again at
// every poll, a refusal event and a history request each time, for as
// long as the channel kept saying it.
func TestRefusedStatusNotedOnce(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 1)
	storetest.Set(t, st, nil, storetest.State(model.StateFailed), storetest.ChannelStatus("FEILET"))
	at := t0.Add(-30 * time.Minute)
	ch := &historied{scripted: &scripted{answers: map[string]channel.Observation{
		"id-0": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: at, Payload: []byte(`{"status":"VARSLET"}`)},
	}, asked: map[string]int{}}, broken: map[string]bool{}, hang: map[string]bool{}, asked: map[string]int{}}
	now := t0
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }, Workers: 1})
	for i := range 3 {
		now = t0.Add(time.Duration(i) * 24 * time.Hour)
		storetest.Set(t, st, nil, storetest.NextPollAt(now))
		if _, err := p.Cycle(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	evs := eventsOf(t, st, ships[0].ID)
	if n := countKind(evs, store.EventRejected); n != 1 {
		t.Errorf("%d refusal events after three polls saying the same, want 1", n)
	}
	if n := ch.asked["id-0"]; n != 1 {
		t.Errorf("the history asked for %d times, want once", n)
	}
	sh, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if err != nil || sh.State != model.StateFailed || sh.ChannelStatus != "VARSLET" {
		t.Fatalf("the letter: %s, channel status %q (%v); want failed, the channel's own VARSLET", sh.State, sh.ChannelStatus, err)
	}
	ch.answers["id-0"] = channel.Observation{Status: "LEST", State: model.StateOpened, ChangedAt: now, Payload: []byte(`{"status":"LEST"}`)}
	now = now.Add(24 * time.Hour)
	storetest.Set(t, st, nil, storetest.NextPollAt(now))
	if _, err := p.Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if sh, _ := st.Shipment(ctx, ships[0].ID, store.Scope{}); sh.State != model.StateOpened {
		t.Errorf("after LEST the letter is %s, want opened", sh.State)
	}
}
