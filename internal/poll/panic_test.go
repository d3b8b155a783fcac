package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// panicky is a channel whose adapter panics on its answer (a bug meeting
// an answer it did not expect).
type panicky struct{}

func (panicky) Name() string   { return "svarut" }
func (panicky) BatchSize() int { return 2 }
func (panicky) Status(context.Context, []string) ([]channel.Observation, error) {
	var m map[string]int
	m["answer"]++ // assignment to entry in nil map
	return nil, nil
}

// TestPanicInAPollWorkerIsTheCyclesError: a panic in a poll worker (the
// channel's adapter, the write of its answers) is the cycle's error, named
// and logged with its stack, as jobs promises for a job's panic; it does
// not take the whole process (the UI, the other jobs) down with it, and
// so does not crash every replica at every poll tick for as long as the
// answer that provokes it is there.
func TestPanicInAPollWorkerIsTheCyclesError(t *testing.T) {
	st, _ := registered(t, 3)
	var log bytes.Buffer
	_, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(context.Background(), panicky{})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("cycle error %v, want the panic", err)
	}
	if !strings.Contains(log.String(), "nil map") || !strings.Contains(log.String(), "stack") {
		t.Errorf("the panic is not logged with its stack:\n%s", log.String())
	}
}

// panickyHistory is a scripted channel whose history of one letter panics.
type panickyHistory struct {
	*scripted
	id string
}

func (h panickyHistory) History(_ context.Context, id string) (json.RawMessage, error) {
	if id == h.id {
		var m map[string]int
		m["history"]++ // assignment to entry in nil map
	}
	return json.RawMessage(`{"hendelser":[]}`), nil
}

// TestPanicInAHistoryWorkerIsTheLettersError: a panic while one letter's
// history is fetched (a history worker's goroutine) is that letter's
// error, logged with its stack, not the process's end; the batch's other
// letters are written.
func TestPanicInAHistoryWorkerIsTheLettersError(t *testing.T) {
	st, ships := registered(t, 3)
	ch := panickyHistory{scripted: &scripted{answers: map[string]channel.Observation{}, asked: map[string]int{}}, id: "id-1"}
	for i := range ships {
		ch.answers[fmt.Sprintf("id-%d", i)] = channel.Observation{Status: "LEST", State: model.StateOpened, ChangedAt: t0.Add(-time.Minute),
			Payload: []byte(`{"status":"LEST"}`)}
	}
	var log bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(context.Background(), ch)
	if err != nil || sum.Changed != 2 || sum.Errors != 1 {
		t.Fatalf("cycle %+v %v, want two changed and the panicking letter's error", sum, err)
	}
	if !strings.Contains(log.String(), "nil map") || !strings.Contains(log.String(), "stack") {
		t.Errorf("the panic is not logged with its stack:\n%s", log.String())
	}
	if evs := eventsOf(t, st, ships[1].ID); countKind(evs, store.EventPollError) != 1 {
		t.Errorf("the panicking letter's evidence %+v, want its poll error", evs)
	}
}

// panickyFeedStore is a store whose write of a feed's page panics.
type panickyFeedStore struct{ *store.Store }

func (panickyFeedStore) ApplyFeed(context.Context, store.FeedApply) (store.FeedWrite, error) {
	var m map[string]int
	m["page"]++ // assignment to entry in nil map
	return store.FeedWrite{}, nil
}

// TestPanicInAFeedPageWriterIsTheCyclesError: a panic while a page of the
// event log is written (its own goroutine, beside the read of the next)
// is the cycle's error, logged with its stack; the cursor stays.
func TestPanicInAFeedPageWriterIsTheCyclesError(t *testing.T) {
	st := storetest.Open(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	it := storetest.Letter(0)
	it.Channel, it.ChannelID, it.SentAt = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000000", now.Add(-time.Hour)
	storetest.Register(t, st, it)
	at := now.Add(-30 * time.Minute)
	feed := &exclusiveLog{entries: []channel.FeedEvent{{ID: "ev-0", ChannelID: it.ChannelID, Tag: "MEMO_AVAILABLE_TO_RECIPIENT",
		State: model.StateAvailable, At: at, Logged: at, Payload: json.RawMessage(`{}`)}}}
	var log bytes.Buffer
	p := poll.New(panickyFeedStore{st}, slog.New(slog.NewTextHandler(&log, nil)), poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Poll(context.Background(), feed); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("cycle error %v, want the panic", err)
	}
	if !strings.Contains(log.String(), "nil map") || !strings.Contains(log.String(), "stack") {
		t.Errorf("the panic is not logged with its stack:\n%s", log.String())
	}
	if _, ok, err := st.FeedCursor(context.Background(), "digitalpost"); err != nil || ok {
		t.Errorf("the cursor moved past a page not written (%v)", err)
	}
}
