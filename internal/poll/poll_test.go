package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	// Due at t0 whatever the database's clock says by now: registration
	// dates the first poll at now(), and with -count or on a busy machine
	// the package's later tests start more than ten minutes after t0 was
	// set.
	storetest.Set(t, st, storetest.IDs(got), storetest.NextPollAt(t0.Add(-time.Minute)))
	return st, got
}

// t0 is a little after the real now, the poller's fake clock starts from
// there; registered makes its letters due at t0 (registration alone dates
// the first poll at the database's now(), which passes t0 ten minutes into
// the package's run).
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

// TestNextPoll: the wait grows with the letter's age (5 minutes, 30
// minutes, 2 hours, 12 hours), never past maxWait when that is set (the
// demo's POSTVAKT_POLL_MAX_WAIT=1m asks its days-old letters every minute,
// a cap above the age's wait changes nothing), and a final or closed letter
// is never asked again, whatever the cap.
func TestNextPoll(t *testing.T) {
	for _, tc := range []struct {
		state   model.State
		disp    channel.Disposition
		age     time.Duration
		maxWait time.Duration
		want    time.Duration // 0 = never
	}{
		{model.StateAccepted, "", time.Hour, 0, 5 * time.Minute},
		{model.StateAvailable, "", 3 * 24 * time.Hour, 0, 30 * time.Minute},
		{model.StateAvailable, "", 10 * 24 * time.Hour, 0, 2 * time.Hour},
		{model.StateAvailable, "", 400 * 24 * time.Hour, 0, 12 * time.Hour},
		{model.StateOpened, "", time.Hour, 0, 0},
		{model.StateRejected, "", time.Hour, 0, 0},
		{model.StateExpired, channel.DispositionClosed, time.Hour, 0, 0},
		{model.StateAvailable, channel.DispositionChannelPrint, time.Hour, 0, 5 * time.Minute},
		{model.StateAvailable, "", 3 * 24 * time.Hour, time.Minute, time.Minute},
		{model.StateAccepted, "", 400 * 24 * time.Hour, time.Minute, time.Minute},
		{model.StateAccepted, "", time.Hour, time.Hour, 5 * time.Minute},
		{model.StateAvailable, "", 10 * 24 * time.Hour, 12 * time.Hour, 2 * time.Hour},
		{model.StateOpened, "", 3 * 24 * time.Hour, time.Minute, 0},
		{model.StateExpired, channel.DispositionClosed, 3 * 24 * time.Hour, time.Minute, 0},
	} {
		got := poll.NextPoll(tc.state, tc.disp, t0.Add(-tc.age), t0, tc.maxWait)
		switch {
		case tc.want == 0 && got != nil:
			t.Errorf("%s max %v: next poll %v, want never", tc.state, tc.maxWait, got)
		case tc.want != 0 && (got == nil || got.Sub(t0) != tc.want):
			t.Errorf("%s age %v max %v: next poll %v, want +%v", tc.state, tc.age, tc.maxWait, got, tc.want)
		}
	}
	if poll.Backoff(1) != time.Minute || poll.Backoff(3) != 4*time.Minute || poll.Backoff(50) != 6*time.Hour {
		t.Errorf("backoff: %v %v %v", poll.Backoff(1), poll.Backoff(3), poll.Backoff(50))
	}
}

// TestCycleMaxWait: a poller with MaxWait asks a days-old letter again
// after that wait, not after the half hour its age gives (serve passes
// POSTVAKT_POLL_MAX_WAIT; without it the letter waits the half hour).
func TestCycleMaxWait(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		maxWait time.Duration
		want    time.Duration
	}{{0, 30 * time.Minute}, {time.Minute, time.Minute}} {
		st, ships := registered(t, 1)
		storetest.Set(t, st, []string{ships[0].ID}, storetest.SentAt(t0.Add(-3*24*time.Hour)))
		ch := &scripted{answers: map[string]channel.Observation{"id-0": {Status: "VARSLET", State: model.StateAvailable}}, asked: map[string]int{}}
		p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return t0 }, MaxWait: tc.maxWait})
		if sum, err := p.Cycle(ctx, ch); err != nil || sum.Polled != 1 {
			t.Fatalf("max wait %v: cycle %+v %v", tc.maxWait, sum, err)
		}
		sh, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.NextPollAt == nil || !sh.NextPollAt.Equal(t0.Add(tc.want)) {
			t.Errorf("max wait %v: next poll %v, want %v", tc.maxWait, sh.NextPollAt, t0.Add(tc.want))
		}
	}
}

// historied is a scripted channel with SvarUt's per-letter history: a
// letter's history fails while broken says so, and hangs (until the
// request gives up) while hang does.
type historied struct {
	*scripted
	hmu    sync.Mutex
	broken map[string]bool
	hang   map[string]bool
	asked  map[string]int
}

func (h *historied) History(ctx context.Context, id string) (json.RawMessage, error) {
	h.hmu.Lock()
	h.asked[id]++
	broken, hang := h.broken[id], h.hang[id]
	h.hmu.Unlock()
	switch {
	case hang:
		<-ctx.Done()
		return nil, ctx.Err()
	case broken:
		return nil, errors.New("svarut GET /v2/forsendelser/x/hendelser: 503 Service Unavailable after retries")
	}
	return json.RawMessage(`{"hendelser":[{"hendelse":"` + id + `"}]}`), nil
}

// eventsOf returns a shipment's evidence, oldest first.
func eventsOf(t *testing.T, st *store.Store, id string) []store.Event {
	t.Helper()
	sh, err := st.Shipment(context.Background(), id, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return sh.Events
}

// TestHistoryOfEveryChange: a change whose history cannot be fetched (an
// error, or no answer within the batch's time for histories) is kept and
// noted once; the history is asked for at the next poll, also of a letter
// whose state is final, and kept then. One hanging history does not hold
// back the batch. A new status that leaves the state as it is is dated by
// the channel, with its history too.
func TestHistoryOfEveryChange(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 4)
	opened := t0.Add(-30 * time.Minute)
	ch := &historied{scripted: &scripted{answers: map[string]channel.Observation{}, asked: map[string]int{}},
		broken: map[string]bool{"id-1": true}, hang: map[string]bool{"id-2": true}, asked: map[string]int{}}
	for _, id := range []string{"id-0", "id-1", "id-2"} {
		ch.answers[id] = channel.Observation{Status: "LEST", State: model.StateOpened, ChangedAt: opened, Payload: []byte(`{"status":"LEST"}`)}
	}
	ch.answers["id-3"] = channel.Observation{Status: "VARSLET", State: model.StateAvailable, ChangedAt: opened, Payload: []byte(`{"status":"VARSLET"}`)}
	now := t0
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)),
		poll.Options{Now: func() time.Time { return now }, Workers: 1, HistoryTime: 300 * time.Millisecond})
	started := time.Now()
	if sum, err := p.Cycle(ctx, ch); err != nil || sum.Changed != 4 {
		t.Fatalf("first cycle: %+v %v", sum, err)
	}
	if took := time.Since(started); took > 5*time.Second {
		t.Errorf("the cycle took %s: one hanging history held back the batch", took)
	}
	for i, want := range []struct {
		history, notes int
	}{{1, 0}, {0, 1}, {0, 1}, {1, 0}} {
		evs := eventsOf(t, st, ships[i].ID)
		if countKind(evs, store.EventHistory) != want.history || countKind(evs, store.EventPollError) != want.notes {
			t.Errorf("letter %d after the first poll: %d history, %d notes; want %d, %d", i, countKind(evs, store.EventHistory),
				countKind(evs, store.EventPollError), want.history, want.notes)
		}
	}
	var due []bool
	if err := st.DB().Select(&due, `SELECT history_due FROM poll_queue WHERE shipment_id = ANY($1::uuid[]) ORDER BY shipment_id = $2 DESC, shipment_id = $3 DESC`,
		"{"+ships[1].ID+","+ships[2].ID+"}", ships[1].ID, ships[2].ID); err != nil || len(due) != 2 || !due[0] || !due[1] {
		t.Fatalf("history_due of the two letters without history: %v %v", due, err)
	}
	// The next poll, the history endpoint mended for one of them: its
	// history is kept now, the other one's still due (noted only once).
	ch.hmu.Lock()
	ch.broken["id-1"] = false
	ch.hmu.Unlock()
	ch.answers["id-3"] = channel.Observation{Status: "SENDT_PRINT", State: model.StateAvailable, ChangedAt: t0.Add(time.Minute), Payload: []byte(`{"status":"SENDT_PRINT"}`)}
	now = t0.Add(time.Hour)
	if sum, err := p.Cycle(ctx, ch); err != nil || sum.Polled != 3 {
		t.Fatalf("second cycle: %+v %v; want the two final letters whose history is due and the open one", sum, err)
	}
	if evs := eventsOf(t, st, ships[1].ID); countKind(evs, store.EventHistory) != 1 || countKind(evs, store.EventPollError) != 1 {
		t.Errorf("the mended letter: %d history, %d notes; want 1, 1", countKind(evs, store.EventHistory), countKind(evs, store.EventPollError))
	}
	if evs := eventsOf(t, st, ships[2].ID); countKind(evs, store.EventHistory) != 0 || countKind(evs, store.EventPollError) != 1 {
		t.Errorf("the still hanging letter: %d history, %d notes; want 0, 1 (noted once)", countKind(evs, store.EventHistory), countKind(evs, store.EventPollError))
	}
	// The new status with the same state: dated by the channel, with its history.
	evs := eventsOf(t, st, ships[3].ID)
	var status *store.Event
	for i := range evs {
		if evs[i].Kind == store.EventStatus {
			status = &evs[i]
		}
	}
	if status == nil || status.RawStatus != "SENDT_PRINT" || !status.ObservedAt.Equal(t0.Add(time.Minute)) || countKind(evs, store.EventHistory) != 2 {
		t.Errorf("a new status in the same state: %+v, %d histories; want SENDT_PRINT at %s and a second history", status, countKind(evs, store.EventHistory), t0.Add(time.Minute))
	}
	// The mended letter is done: not polled again.
	var next *time.Time
	if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1 AND NOT history_due`, ships[1].ID); err != nil || next != nil {
		t.Errorf("the mended letter: next poll %v (%v), want none and no history due", next, err)
	}
	// The channel no longer knows the opened letter whose history is due:
	// that ends it (no mark, no more polls). A letter the call did not get
	// to ask about is asked again soon, with no event and no failure.
	ch.answers["id-2"] = channel.Observation{Err: channel.ErrNotKnown}
	ch.answers["id-3"] = channel.Observation{Err: fmt.Errorf("%w: the batch's time ran out first", channel.ErrNotAsked)}
	storetest.Set(t, st, []string{ships[3].ID}, storetest.UnknownToChannelSince(t0))
	before := len(eventsOf(t, st, ships[3].ID))
	now = t0.Add(2 * time.Hour)
	if _, err := p.Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	var ended struct {
		Next    *time.Time `db:"next_poll_at"`
		Unknown *time.Time `db:"unknown_to_channel_since"`
	}
	if err := st.DB().Get(&ended, `SELECT q.next_poll_at, s.unknown_to_channel_since FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id
		WHERE s.id = $1`, ships[2].ID); err != nil || ended.Next != nil || ended.Unknown != nil {
		t.Errorf("the opened letter the channel forgot: %+v (%v), want no next poll and no mark", ended, err)
	}
	var asked struct {
		Next     *time.Time `db:"next_poll_at"`
		Failures int        `db:"failures"`
		Unknown  *time.Time `db:"unknown_to_channel_since"`
	}
	if err := st.DB().Get(&asked, `SELECT q.next_poll_at, q.failures, s.unknown_to_channel_since FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id
		WHERE s.id = $1`, ships[3].ID); err != nil || asked.Next == nil || asked.Next.After(now.Add(2*time.Minute)) || asked.Failures != 0 ||
		asked.Unknown == nil || len(eventsOf(t, st, ships[3].ID)) != before {
		t.Errorf("the letter not asked about: %+v (%v), %d events (%d before); want asked again within minutes, no failure, no event, its mark kept",
			asked, err, len(eventsOf(t, st, ships[3].ID)), before)
	}
}
