package poll_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// scripted is a channel whose answers the test sets per channel id.
type scripted struct {
	mu      sync.Mutex
	answers map[string]channel.Observation
	fail    error
	asked   map[string]int
}

func (s *scripted) Name() string   { return "svarut" }
func (s *scripted) BatchSize() int { return 7 }
func (s *scripted) Status(_ context.Context, ids []string) ([]channel.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	var out []channel.Observation
	for _, id := range ids {
		s.asked[id]++
		if o, ok := s.answers[id]; ok {
			o.ChannelID = id
			out = append(out, o)
		}
	}
	return out, nil
}

func registered(t *testing.T, n int) (*store.Store, []store.Shipment) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("id-%d", i),
			SenderOrg: "964338531", SenderUnit: "U", RecipientKind: "org", RecipientID: "974760673",
			Title: "T", Confidential: true, Class: "taushetsbelagt", SentAt: t0.Add(-time.Hour)})
	}
	got, _, err := st.Register(ctx, items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	return st, got
}

// t0 is a little after the real now: registration makes shipments due at the
// database's clock, and the poller's fake clock starts from there. Ten
// minutes, not one: under the race detector on a busy machine the package's
// later tests start more than a minute after it is set, and their letters
// were not due yet.
var t0 = time.Now().UTC().Add(10 * time.Minute).Truncate(time.Second)

func TestCycleAppliesChangesOnce(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 30)
	ch := &scripted{answers: map[string]channel.Observation{}, asked: map[string]int{}}
	for i := range ships {
		switch {
		case i < 10:
			ch.answers[fmt.Sprintf("id-%d", i)] = channel.Observation{Status: "VARSLET", State: model.StateAvailable, Payload: []byte(`{"status":"VARSLET"}`)}
		case i < 20:
			ch.answers[fmt.Sprintf("id-%d", i)] = channel.Observation{Status: "LEST", State: model.StateOpened, Payload: []byte(`{"status":"LEST"}`)}
		case i < 25:
			ch.answers[fmt.Sprintf("id-%d", i)] = channel.Observation{Status: "NYTT", Err: errors.New("unknown status NYTT"), Payload: []byte(`{"status":"NYTT"}`)}
		}
		// 25..29: the channel does not mention them
	}
	now := t0
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }, Workers: 3})
	sum, err := p.Cycle(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Polled != 30 || sum.Changed != 20 || sum.Errors != 5 || sum.Unknown != 5 {
		t.Fatalf("summary %+v", sum)
	}
	for id, n := range ch.asked {
		if n != 1 {
			t.Fatalf("%s asked %d times in one cycle", id, n)
		}
	}
	opened, err := st.Shipment(ctx, ships[15].ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if opened.State != model.StateOpened || opened.NextPollAt != nil || opened.ChannelStatus != "LEST" {
		t.Fatalf("opened shipment: %+v", opened)
	}
	last := opened.Events[len(opened.Events)-1]
	if last.Kind != store.EventState || last.Source != "svarut" || last.RawStatus != "LEST" || string(last.Payload) != `{"status": "LEST"}` {
		t.Fatalf("state event: %+v payload %s", last, last.Payload)
	}
	bad, _ := st.Shipment(ctx, ships[22].ID, store.Scope{})
	if bad.State != model.StateRegistered || bad.Events[len(bad.Events)-1].Kind != store.EventPollError {
		t.Fatalf("unknown status changed the shipment or left no evidence: %+v", bad)
	}
	missing, _ := st.Shipment(ctx, ships[27].ID, store.Scope{})
	if missing.State != model.StateRegistered || missing.UnknownToChannelSince == nil || missing.Events[len(missing.Events)-1].Kind != store.EventUnknown {
		t.Fatalf("a shipment the channel does not mention is not marked unknown_to_channel: %+v", missing)
	}
	// Polling again at the same moment finds nothing due.
	sum, err = p.Cycle(ctx, ch)
	if err != nil || sum.Polled != 0 {
		t.Fatalf("second cycle at the same time: %+v %v", sum, err)
	}
	// An impossible transition (opened → available) is refused and logged.
	now = t0.Add(time.Hour)
	ch.answers["id-15"] = channel.Observation{Status: "VARSLET", State: model.StateAvailable}
	storetest.Set(t, st, []string{ships[15].ID}, storetest.NextPollAt(now))
	if _, err := p.Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	again, _ := st.Shipment(ctx, ships[15].ID, store.Scope{})
	if again.State != model.StateOpened || again.Events[len(again.Events)-1].Kind != store.EventRejected {
		t.Fatalf("impossible transition applied or not logged: %s %+v", again.State, again.Events[len(again.Events)-1])
	}
}

func TestCycleChannelDown(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 10)
	ch := &scripted{fail: errors.New("503 Service Unavailable"), asked: map[string]int{}}
	now := t0
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	sum, err := p.Cycle(ctx, ch)
	if !errors.Is(err, poll.ErrUnreachable) || sum.Errors != 10 {
		t.Fatalf("cycle against a dead channel: %+v %v", sum, err)
	}
	n, err := st.PollErrors(ctx, "svarut", t0)
	if err != nil || n == 0 {
		t.Fatalf("poll errors recorded: %d %v", n, err)
	}
	sh, _ := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if sh.State != model.StateRegistered || sh.NextPollAt == nil || !sh.NextPollAt.After(now) {
		t.Fatalf("shipment after failed call: %+v", sh)
	}
}

func TestNextPoll(t *testing.T) {
	for _, tc := range []struct {
		state model.State
		disp  channel.Disposition
		age   time.Duration
		want  time.Duration // 0 = never
	}{
		{model.StateAccepted, "", time.Hour, 5 * time.Minute},
		{model.StateAvailable, "", 3 * 24 * time.Hour, 30 * time.Minute},
		{model.StateAvailable, "", 10 * 24 * time.Hour, 2 * time.Hour},
		{model.StateAvailable, "", 400 * 24 * time.Hour, 12 * time.Hour},
		{model.StateOpened, "", time.Hour, 0},
		{model.StateRejected, "", time.Hour, 0},
		{model.StateExpired, channel.DispositionClosed, time.Hour, 0},
		{model.StateAvailable, channel.DispositionChannelPrint, time.Hour, 5 * time.Minute},
	} {
		got := poll.NextPoll(tc.state, tc.disp, t0.Add(-tc.age), t0)
		switch {
		case tc.want == 0 && got != nil:
			t.Errorf("%s: next poll %v, want never", tc.state, got)
		case tc.want != 0 && (got == nil || got.Sub(t0) != tc.want):
			t.Errorf("%s age %v: next poll %v, want +%v", tc.state, tc.age, got, tc.want)
		}
	}
	if poll.Backoff(1) != time.Minute || poll.Backoff(3) != 4*time.Minute || poll.Backoff(50) != 6*time.Hour {
		t.Errorf("backoff: %v %v %v", poll.Backoff(1), poll.Backoff(3), poll.Backoff(50))
	}
}
