package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestStatusDatedBeforeTheSentTime: letters registered with a sent time
// later than their real sending (a CSV import or a sender system giving
// the time it registered them), and the channel dates their reading or
// availability days before it. The status is the channel's word: the
// letter is opened (available), taken at its sent time, the state's
// evidence naming the channel's own time. Refused as "before the letter
// was sent" at every poll, the read letter stayed unread and went on to
// reminders and print.
func TestStatusDatedBeforeTheSentTime(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 3)
	sent := t0.Add(-time.Hour)
	answers := map[string]channel.Observation{
		"id-0": {Status: "LEST", State: model.StateOpened, ChangedAt: sent.Add(-10 * 24 * time.Hour)},
		"id-1": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: sent.Add(-3 * 24 * time.Hour)},
		"id-2": {Status: "LEST", State: model.StateOpened, ChangedAt: time.UnixMilli(1738578835).UTC()}, // seconds read as ms: 1970
	}
	ch := &batchy{answer: func(id string) channel.Observation { return answers[id] }}
	var log bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 0 || sum.Changed != 3 {
		t.Errorf("summary %+v, want 3 changes and no error\n%s", sum, log.String())
	}
	want := []model.State{model.StateOpened, model.StateAvailable, model.StateOpened}
	for i, w := range want {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.State != w {
			t.Errorf("id-%d: %s, want %s", i, sh.State, w)
			continue
		}
		if !sh.StateChangedAt.Equal(sent) {
			t.Errorf("id-%d: state changed at %v, want the sent time %v", i, sh.StateChangedAt, sent)
		}
		if sh.AvailableAt == nil || !sh.AvailableAt.Equal(sent) {
			t.Errorf("id-%d: available at %v, want the sent time %v", i, sh.AvailableAt, sent)
		}
		var state *store.Event
		for j := range sh.Events {
			if e := &sh.Events[j]; e.Kind == store.EventPollError {
				t.Errorf("id-%d: a poll error %q", i, e.Message)
			} else if e.Kind == store.EventState {
				state = e
			}
		}
		chTime := answers[ships[i].ChannelID].ChangedAt.UTC().Format(time.RFC3339)
		if state == nil || !strings.Contains(state.Message, chTime) || !strings.Contains(state.Message, "sent time") {
			t.Errorf("id-%d: the state's evidence %+v does not name the channel's time %s", i, state, chTime)
		}
	}
}

// TestFeedEntryDatedBeforeTheSentTime: Digital Post's log dates a letter's
// MESSAGE_READ days before the sent time it was registered with. As a
// polled status, the entry is taken at the letter's sent time, its evidence
// naming the log's time: refused, it was lost for good once the cursor
// moved past it, and the read letter went on to reminders and print.
func TestFeedEntryDatedBeforeTheSentTime(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	it := storetest.Letter(0)
	it.Channel, it.ChannelID, it.SentAt = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000001", now.Add(-time.Hour)
	ships := storetest.Register(t, st, it)
	read := now.Add(-10 * 24 * time.Hour)
	log := &exclusiveLog{entries: []channel.FeedEvent{{ID: "ev-read", ChannelID: it.ChannelID, Tag: "MESSAGE_READ",
		State: model.StateOpened, At: read, Logged: now.Add(-time.Minute), Payload: json.RawMessage(`{}`)}}}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	sum, err := p.Poll(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.State != model.StateOpened || !sh.StateChangedAt.Equal(it.SentAt) || sum.Errors != 0 {
		t.Errorf("%s since %v, %d errors; want opened at the sent time %v and no error", sh.State, sh.StateChangedAt, sum.Errors, it.SentAt)
	}
	var kept *store.Event
	for i := range sh.Events {
		if sh.Events[i].Kind == store.EventChannel {
			kept = &sh.Events[i]
		}
	}
	if kept == nil || !strings.Contains(kept.Message, read.Format(time.RFC3339)) {
		t.Errorf("the entry's evidence %+v does not name the log's time %s", kept, read.Format(time.RFC3339))
	}
}
