package poll_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// batchy is a channel with one batch call, like SvarUt's status-sok: the
// whole call fails (HTTP 500 after retries) whenever it carries a poisoned
// id, or always while down. Every other id is read.
type batchy struct {
	mu       sync.Mutex
	poison   map[string]bool
	down     error
	failNext int // calls that fail with a 502 before the channel answers again
	answer   func(id string) channel.Observation
	calls    []int // ids per call
}

func (b *batchy) Name() string   { return "svarut" }
func (b *batchy) BatchSize() int { return 40 }
func (b *batchy) Status(ctx context.Context, ids []string) ([]channel.Observation, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, len(ids))
	if b.down != nil {
		return nil, b.down
	}
	if b.failNext > 0 {
		b.failNext--
		return nil, &httpclient.StatusError{StatusCode: 502, Body: []byte("Bad Gateway")}
	}
	for _, id := range ids {
		if b.poison[id] {
			return nil, &httpclient.StatusError{StatusCode: 500, Body: []byte(`{"status":500,"error":"Internal Server Error"}`)}
		}
	}
	out := make([]channel.Observation, 0, len(ids))
	for _, id := range ids {
		o := b.answer(id)
		o.ChannelID = id
		out = append(out, o)
	}
	return out, nil
}

func lest(string) channel.Observation {
	return channel.Observation{Status: "LEST", State: model.StateOpened, Payload: []byte(`{"status":"LEST"}`)}
}

func newPoller(st *store.Store, now func() time.Time, log *bytes.Buffer) *poll.Poller {
	return poll.New(st, slog.New(slog.NewTextHandler(log, nil)), poll.Options{Now: now, Workers: 1})
}

// TestNarrowingIsolatesPoisonedIDs: a batch call that fails because of two
// letters is split in halves until those two are isolated; they get their
// own error and backoff, every other letter its true state, and the cycle
// counts as answered.
func TestNarrowingIsolatesPoisonedIDs(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 40)
	ch := &batchy{poison: map[string]bool{"id-3": true, "id-29": true}, answer: lest}
	var log bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	if err != nil {
		t.Fatalf("cycle: %v (a channel that answered is reachable)", err)
	}
	if sum.Changed != 38 || sum.Errors != 2 || sum.Unanswered != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if len(ch.calls) > 1+4*7+8 || len(ch.calls) < 10 {
		t.Fatalf("%d calls %v: narrowing 40 ids with 2 poisoned should take about 2·2·log2(20)", len(ch.calls), ch.calls)
	}
	for i, sh := range ships {
		got, _ := st.Shipment(ctx, sh.ID, store.Scope{})
		last := got.Events[len(got.Events)-1]
		if i == 3 || i == 29 {
			if got.State != model.StateRegistered || last.Kind != store.EventPollError || !strings.Contains(last.Message, "fails whenever this letter") ||
				got.NextPollAt == nil || !got.NextPollAt.Equal(t0.Add(poll.Backoff(1))) {
				t.Errorf("poisoned %s: %s %+v next %v", sh.ChannelID, got.State, last, got.NextPollAt)
			}
			continue
		}
		if got.State != model.StateOpened {
			t.Errorf("%s held back by a poisoned neighbour: %s", sh.ChannelID, got.State)
		}
	}
	if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 0 {
		t.Errorf("%d whole-call poll errors recorded for a narrowed batch", n)
	}

	// Later only the two poisoned letters are due: no part of their batch
	// is answered, but the channel answers about a letter it answered
	// before, so they are still their own errors, and the channel was
	// reached.
	ch.calls = nil
	sum, err = newPoller(st, func() time.Time { return t0.Add(time.Hour) }, &log).Cycle(ctx, ch)
	if err != nil || sum.Polled != 2 || sum.Errors != 2 || sum.Unanswered != 0 {
		t.Fatalf("only poisoned letters due: %+v %v", sum, err)
	}
	if len(ch.calls) != 4 || ch.calls[3] != 1 {
		t.Fatalf("calls %v: the batch, its two halves, then one known letter", ch.calls)
	}
	if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 0 {
		t.Errorf("%d whole-call poll errors: two poisoned letters were taken for an outage", n)
	}

	// Then one of them is due on its own: a batch of one that fails is
	// still that letter's error when the channel answers about another.
	storetest.Set(t, st, []string{ships[29].ID}, storetest.NextPollAt(t0.Add(time.Hour*24*365)))
	ch.calls = nil
	at := t0.Add(time.Hour * 24 * 30)
	sum, err = newPoller(st, func() time.Time { return at }, &log).Cycle(ctx, ch)
	if err != nil || sum.Polled != 1 || sum.Errors != 1 || sum.Unanswered != 0 {
		t.Fatalf("one poisoned letter due: %+v %v", sum, err)
	}
	if len(ch.calls) != 3 {
		t.Fatalf("calls %v: the letter, one known letter, the letter again", ch.calls)
	}
	if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 0 {
		t.Errorf("%d whole-call poll errors: a poisoned letter due alone was taken for an outage", n)
	}
	got, _ := st.Shipment(ctx, ships[3].ID, store.Scope{})
	if last := got.Events[len(got.Events)-1]; last.Kind != store.EventPollError || !strings.Contains(last.Message, "fails whenever this letter") {
		t.Errorf("the poisoned letter due alone: last event %+v", last)
	}
	// Down, with one letter due: an outage, not the letter's error.
	ch.down = &httpclient.StatusError{StatusCode: 503, Body: []byte("Service Unavailable")}
	if _, err := newPoller(st, func() time.Time { return at.Add(time.Hour * 24 * 30) }, &log).Cycle(ctx, ch); !errors.Is(err, poll.ErrUnreachable) {
		t.Fatalf("one letter due while the channel is down: %v, want unreachable", err)
	}
	if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 1 {
		t.Errorf("%d whole-call poll errors, want the one failed call", n)
	}
}

// TestNarrowingStopsOnOutage: when every part fails, the channel is down:
// a few calls, then the batch is failed as a whole and the cycle is
// unreachable.
func TestNarrowingStopsOnOutage(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 40)
	ch := &batchy{down: &httpclient.StatusError{StatusCode: 503, Body: []byte("Service Unavailable")}, answer: lest}
	var log bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	if !errors.Is(err, poll.ErrUnreachable) || sum.Errors != 40 {
		t.Fatalf("outage: %+v %v", sum, err)
	}
	if len(ch.calls) != 1+2+4 {
		t.Fatalf("%d calls %v, want the batch, its halves and quarters, then stop", len(ch.calls), ch.calls)
	}
	if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 1 {
		t.Errorf("%d poll errors, want the one failed call", n)
	}
	sh, _ := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if sh.Events[len(sh.Events)-1].Kind == store.EventPollError {
		t.Errorf("an outage is not one letter's error: %+v", sh.Events)
	}
	// A transport error (network, breaker, token) is never narrowed.
	ch2 := &batchy{down: fmt.Errorf("dial tcp: connection refused"), answer: lest}
	storetest.Set(t, st, nil, storetest.NextPollAt(t0))
	if _, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch2); !errors.Is(err, poll.ErrUnreachable) || len(ch2.calls) != 1 {
		t.Fatalf("transport failure: %v after %d calls", err, len(ch2.calls))
	}
}

// TestPerLetterProblems: bad timestamps, an unknown status, SvarUt SLETTET,
// NUL bytes, invalid UTF-8, a number jsonb cannot hold and a payload
// PostgreSQL refuses even cleaned, all in one batch: each is its letter's
// outcome, none holds the others. Cleaning leaves nothing jsonb is known
// to refuse, so a trigger of the test's own stands for what is not known:
// it refuses an event whose payload has a "refuse" key.
func TestPerLetterProblems(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 11)
	if _, err := st.DB().ExecContext(ctx, `CREATE FUNCTION test_refuse_payload() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.payload ? 'refuse' THEN RAISE EXCEPTION 'a payload this database refuses'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER test_refuse_payload BEFORE INSERT ON shipment_events FOR EACH ROW EXECUTE FUNCTION test_refuse_payload()`); err != nil {
		t.Fatal(err)
	}
	sent := t0.Add(-time.Hour)
	answers := map[string]channel.Observation{
		"id-0": {Status: "LEST", State: model.StateOpened, ChangedAt: time.UnixMilli(1738578835).UTC()}, // seconds read as ms: 1970
		"id-1": {Status: "LEST", State: model.StateOpened, ChangedAt: time.Date(2090, 1, 1, 0, 0, 0, 0, time.UTC)},
		"id-2": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: sent.Add(-25 * time.Hour)},
		"id-3": {Status: "FORSVUNNET", Err: fmt.Errorf("%w %q", channel.ErrUnknownStatus, "FORSVUNNET")},
		"id-4": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: sent.Add(time.Minute), Payload: []byte(`{"status":"VARSLET","tekst":"a\u0000b"}`),
			History: []byte("{\"hendelser\":[{\"hendelse\":\"Varslet \xe6\xf8\"}]}")},
		"id-5":  {Status: "LEST\x00\xff", Err: fmt.Errorf("%w %q", channel.ErrUnknownStatus, "LEST\x00\xff"), Payload: []byte(`{"status":"LEST\u0000"}`)},
		"id-6":  {Status: "LEST", State: model.StateOpened, ChangedAt: sent.Add(time.Minute), Payload: []byte(`{"status":"LEST","refuse":1}`)},
		"id-7":  {Status: "VARSLET", State: model.StateAvailable, ChangedAt: sent.Add(23 * time.Hour)},   // 22 hours after now: in the future
		"id-8":  {Status: "AKSEPTERT", State: model.StateAccepted, ChangedAt: sent.Add(-23 * time.Hour)}, // a day's slack before sending
		"id-9":  {Status: "VARSLET", State: model.StateAvailable, ChangedAt: t0.Add(time.Minute)},        // within the skew
		"id-10": {Status: "LEST", State: model.StateOpened, ChangedAt: sent.Add(time.Minute), Payload: []byte(`{"status":"LEST","n":1e999999}`)},
	}
	ch := &batchy{answer: func(id string) channel.Observation { return answers[id] }}
	var log bytes.Buffer
	p := newPoller(st, func() time.Time { return t0 }, &log)
	sum, err := p.Cycle(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	// 0 and 2, dated before the letter was sent, are taken at its sent
	// time (TestStatusDatedBeforeTheSentTime).
	want := map[int]model.State{0: model.StateOpened, 1: model.StateRegistered, 2: model.StateAvailable, 3: model.StateRegistered,
		4: model.StateAvailable, 5: model.StateRegistered, 6: model.StateOpened, 7: model.StateRegistered, 8: model.StateAccepted, 9: model.StateAvailable, 10: model.StateOpened}
	for i, w := range want {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.State != w {
			t.Errorf("id-%d: %s, want %s", i, sh.State, w)
		}
		if w == model.StateRegistered {
			last := sh.Events[len(sh.Events)-1]
			if last.Kind != store.EventPollError || sh.AvailableAt != nil || sh.NextPollAt == nil {
				t.Errorf("id-%d: %+v available %v", i, last, sh.AvailableAt)
			}
		}
	}
	if sum.Errors != 4 || sum.Changed != 7 {
		t.Errorf("summary %+v", sum)
	}
	s4, _ := st.Shipment(ctx, ships[4].ID, store.Scope{})
	var payloads []string
	for _, e := range s4.Events {
		payloads = append(payloads, string(e.Payload))
	}
	if all := strings.Join(payloads, " "); !strings.Contains(all, `a\\u0000b`) || !strings.Contains(all, "base64") {
		t.Errorf("NUL and invalid UTF-8 not kept escaped or as base64: %s", all)
	}
	s5, _ := st.Shipment(ctx, ships[5].ID, store.Scope{})
	if last := s5.Events[len(s5.Events)-1]; !strings.Contains(last.RawStatus, `\x00\xff`) {
		t.Errorf("raw status not escaped: %q", last.RawStatus)
	}
	s6, _ := st.Shipment(ctx, ships[6].ID, store.Scope{})
	if last := s6.Events[len(s6.Events)-1]; last.Kind != store.EventState || !bytes.Contains(last.Payload, []byte("refused by the database")) {
		t.Errorf("a payload the database refuses: state applied with the answer as base64? %+v %s", last, last.Payload)
	}
	if !strings.Contains(log.String(), "the database refused one shipment's answer") {
		t.Errorf("the refused payload is not logged:\n%s", log.String())
	}
	s10, _ := st.Shipment(ctx, ships[10].ID, store.Scope{})
	if last := s10.Events[len(s10.Events)-1]; last.Kind != store.EventState || !bytes.Contains(last.Payload, []byte(`"1e999999"`)) {
		t.Errorf("a number jsonb cannot hold: state applied with the number kept as text? %+v %s", last, last.Payload)
	}

	// SLETTET keeps the last real state (an available letter stays
	// unopened) and closes it: no escalation, no more polls.
	storetest.Set(t, st, nil, storetest.NextPollAt(t0.Add(time.Hour)))
	answers["id-4"] = channel.Observation{Status: "SLETTET", KeepState: true, Disposition: channel.DispositionClosed, ChangedAt: t0.Add(30 * time.Minute)}
	p = newPoller(st, func() time.Time { return t0.Add(time.Hour) }, &log)
	if _, err := p.Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	s4, _ = st.Shipment(ctx, ships[4].ID, store.Scope{})
	if s4.State != model.StateAvailable || s4.ChannelStatus != "SLETTET" || s4.NextPollAt != nil || s4.Stage != model.StageClosed {
		t.Errorf("SLETTET: %s/%s stage %s next %v, want available kept, stage closed, not polled again", s4.State, s4.ChannelStatus, s4.Stage, s4.NextPollAt)
	}
}

// TestUnknownToChannel: an id the channel has never heard of is marked
// (one event), keeps its state, backs off, and is cleared once the channel
// knows it.
func TestUnknownToChannel(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 2)
	known := false
	ch := &batchy{answer: func(id string) channel.Observation {
		if id == "id-1" && !known {
			return channel.Observation{Err: fmt.Errorf("%w: SvarUt answered 404", channel.ErrNotKnown)}
		}
		return channel.Observation{Status: "MOTTATT", State: model.StateAccepted}
	}}
	var log bytes.Buffer
	now := t0
	p := newPoller(st, func() time.Time { return now }, &log)
	for range 3 {
		sum, err := p.Cycle(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Polled > 0 && (sum.Unknown != 1 || sum.Errors != 0) {
			t.Fatalf("summary %+v", sum)
		}
		now = now.Add(6 * time.Hour)
	}
	sh, _ := st.Shipment(ctx, ships[1].ID, store.Scope{})
	n := 0
	for _, e := range sh.Events {
		if e.Kind == store.EventUnknown {
			n++
		}
	}
	if sh.UnknownToChannelSince == nil || !sh.UnknownToChannelSince.Equal(t0) || n != 1 || sh.State != model.StateRegistered {
		t.Fatalf("unknown shipment: since %v, %d events, %s", sh.UnknownToChannelSince, n, sh.State)
	}
	page, err := st.ListShipments(ctx, store.ListFilter{List: store.ListUnknown})
	if err != nil || len(page.Rows) != 1 || page.Rows[0].ID != ships[1].ID || page.Rows[0].UnknownToChannelSince == nil {
		t.Fatalf("unknown list: %+v %v", page, err)
	}
	known = true
	storetest.Set(t, st, nil, storetest.NextPollAt(now))
	if _, err := p.Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	sh, _ = st.Shipment(ctx, ships[1].ID, store.Scope{})
	if sh.UnknownToChannelSince != nil || sh.State != model.StateAccepted {
		t.Fatalf("once known: since %v state %s", sh.UnknownToChannelSince, sh.State)
	}
}

// TestUnknownGrace: a shipment sent minutes ago that the channel does not
// show yet is asked again soon, without a mark or an event.
func TestUnknownGrace(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 1)
	storetest.Set(t, st, nil, storetest.SentAt(t0.Add(-10*time.Minute)))
	ch := &batchy{answer: func(string) channel.Observation {
		return channel.Observation{Err: fmt.Errorf("%w: absent from the answer", channel.ErrNotKnown)}
	}}
	var log bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	sh, _ := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if sh.UnknownToChannelSince != nil || len(sh.Events) != 1 || sh.NextPollAt == nil || sh.NextPollAt.After(t0.Add(poll.Backoff(1))) {
		t.Fatalf("young shipment: since %v, events %v, next %v", sh.UnknownToChannelSince, kinds(sh.Events), sh.NextPollAt)
	}
	if _, err := newPoller(st, func() time.Time { return t0.Add(poll.UnknownGrace) }, &log).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	sh, _ = st.Shipment(ctx, ships[0].ID, store.Scope{})
	if sh.UnknownToChannelSince == nil {
		t.Fatal("still unknown after the grace: not marked")
	}
}

// TestLoneLetterPassingFailure: a letter due on its own whose call fails
// once (a gateway's 502) is asked about again after the channel answered
// about another letter, and read: no error of its own, no outage.
func TestLoneLetterPassingFailure(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 2)
	storetest.Set(t, st, []string{ships[1].ID}, storetest.NextPollAt(t0.Add(24*time.Hour)))
	ch := &batchy{answer: lest}
	var log bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, st, []string{ships[1].ID}, storetest.NextPollAt(t0))
	ch.calls, ch.failNext = nil, 1
	sum, err := newPoller(st, func() time.Time { return t0.Add(time.Hour) }, &log).Cycle(ctx, ch)
	if err != nil || sum.Polled != 1 || sum.Errors != 0 || sum.Changed != 1 {
		t.Fatalf("one letter due, one failed call: %+v %v", sum, err)
	}
	if len(ch.calls) != 3 {
		t.Fatalf("calls %v: the letter, one known letter, the letter again", ch.calls)
	}
	got, _ := st.Shipment(ctx, ships[1].ID, store.Scope{})
	if got.State != model.StateOpened || countKind(got.Events, store.EventPollError) != 0 {
		t.Errorf("the letter: %s, events %v", got.State, kinds(got.Events))
	}
	if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 0 {
		t.Errorf("%d whole-call poll errors for a failure that passed", n)
	}
}

// TestEnteredAtImplausible: a state whose own time is plausible is taken
// when only the history entry the channel dates it from is not (an Altinn
// history with a Read entry of 1970, an epoch placeholder, beside the real
// Read): the letter is opened, dated by its status's own time, as an
// implausible AvailableAt is left out. Before, the whole answer was
// refused at every poll: the reading never applied, and the letter went
// on towards reminders and print.
func TestEnteredAtImplausible(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 2)
	sent := t0.Add(-time.Hour)
	read := sent.Add(10 * time.Minute)
	answers := map[string]channel.Observation{
		"id-0": {Status: "Read", State: model.StateOpened, ChangedAt: read, EnteredAt: time.Unix(0, 0).UTC()},
		"id-1": {Status: "Read", State: model.StateOpened, ChangedAt: read, EnteredAt: sent.Add(-25 * time.Hour)},
	}
	ch := &batchy{answer: func(id string) channel.Observation { return answers[id] }}
	var log bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	for i := range len(answers) {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		last := sh.Events[len(sh.Events)-1]
		if sh.State != model.StateOpened || last.Kind != store.EventState || !last.ObservedAt.Equal(read) {
			t.Errorf("id-%d: %s, last event %s at %v; want opened at %v", i, sh.State, last.Kind, last.ObservedAt, read)
		}
	}
}
