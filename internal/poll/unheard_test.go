package poll_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

// Unit A sends through the case system; unit B also through Fax, whose
// letters never reach Digital Post, and through SEPO, which holds the
// letters it was given in its second and third hour and lets them go two
// hours later.
const unheardScenario = `
organisations: {count: 0}
shipments: {count: 0}
digitalpost:
  sender:
    units: [A, B]
    systems:
      - {name: Sag}
      - {name: Fax, units: [B]}
      - {name: SEPO, units: [B]}
  companies: 4
  citizens: 20
  citizen_share: 0.7
  letters: 150
  sent_from: 0s
  sent_to: 6h
  delayed_share: 0
  log: {late_chance: 0.1, late_delay: {min: 1m, max: 8m}, duplicate_chance: 0.1, page_size_cap: 20}
  lost_systems:
    - {system: Fax}
    - {system: SEPO, from: 1h, to: 3h, release: 2h}
`

// TestFeedMarksLettersTheLogNeverMentions: a registered Danish letter the
// event log has not mentioned an hour after it was sent is looked up on its
// own (the messageUUID filter) and, unknown there, marked
// unknown_to_channel with one event, as the per-id channels do; it is
// looked up again now and then, and the first entry about it clears the
// mark. Letters the log mentions are never looked up one by one.
func TestFeedMarksLettersTheLogNeverMentions(t *testing.T) {
	w := newFeedWorldFrom(t, unheardScenario)
	ctx := context.Background()
	var log bytes.Buffer
	p, ch := w.poller(&log), w.adapter(t)
	start := w.sim.Now()
	recs := map[string]sim.ShipmentRecord{}
	for _, r := range w.sim.Shipments() {
		recs[r.ChannelID] = r
	}
	var unknown int
	marked := map[string]bool{} // held letters seen marked
	for w.sim.Now().Before(start.Add(8 * time.Hour)) {
		w.clock.Advance(10 * time.Minute)
		w.register(t, "A", "B")
		sum, err := p.Poll(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		unknown += sum.Unknown
		now := w.sim.Now()
		for cid, id := range w.reg {
			r := recs[cid]
			sh, err := w.st.Shipment(ctx, id, store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			released := start.Add(5 * time.Hour) // SEPO lets its held letters go
			switch {
			case r.Incident == sim.IncidentNeverArrived && now.Sub(r.SentAt) >= poll.UnknownGrace+30*time.Minute:
				if sh.UnknownToChannelSince == nil || sh.State != model.StateRegistered {
					t.Fatalf("+%s: Fax's letter sent at +%s is not marked unknown (%v, %s)", now.Sub(start), r.SentAt.Sub(start), sh.UnknownToChannelSince, sh.State)
				}
			case r.Incident == sim.IncidentHeld && now.Before(released) && now.Sub(r.SentAt) >= poll.UnknownGrace+30*time.Minute:
				if sh.UnknownToChannelSince == nil {
					t.Fatalf("+%s: SEPO's held letter sent at +%s is not marked unknown", now.Sub(start), r.SentAt.Sub(start))
				}
				marked[cid] = true
			case r.Incident == sim.IncidentHeld && now.After(released.Add(30*time.Minute)):
				if sh.UnknownToChannelSince != nil || sh.State == model.StateRegistered {
					t.Fatalf("+%s: SEPO's released letter is still unknown (%v, %s)", now.Sub(start), sh.UnknownToChannelSince, sh.State)
				}
			case r.Incident == "" && sh.UnknownToChannelSince != nil:
				t.Fatalf("+%s: a letter the log knows (sent +%s) is marked unknown", now.Sub(start), r.SentAt.Sub(start))
			}
		}
	}
	// Every letter ends in the state its events say, each mark said once.
	var fax, held int
	for cid, id := range w.reg {
		r := recs[cid]
		sh, err := w.st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		want, _, _, _ := expectFromTruth(w.sim.DanishEvents(cid), w.sim.Now())
		if sh.State != want {
			t.Errorf("%s (%s, %s): state %s, the events say %s", cid, r.SenderSystem, r.Incident, sh.State, want)
		}
		events := 0
		for _, e := range sh.Events {
			if e.Kind == store.EventUnknown {
				events++
			}
		}
		switch r.Incident {
		case sim.IncidentNeverArrived:
			fax++
			if events != 1 {
				t.Errorf("Fax's letter %s: %d unknown events, want one", cid, events)
			}
		case sim.IncidentHeld:
			held++
			if events != 1 || !marked[cid] {
				t.Errorf("SEPO's held letter %s: %d unknown events (marked %v), want one", cid, events, marked[cid])
			}
		default:
			if events != 0 {
				t.Errorf("%s: %d unknown events", cid, events)
			}
		}
	}
	if fax < 5 || held < 3 || unknown < fax+held {
		t.Fatalf("%d of Fax's letters, %d held by SEPO, %d unknown answers: the test proves too little", fax, held, unknown)
	}
	// Only the letters the log did not mention were looked up one by one.
	for _, rq := range w.sim.Requests() {
		if !strings.Contains(rq.Query, "messageUUID") {
			continue
		}
		for _, id := range rq.IDs {
			if r := recs[strings.ToLower(id)]; r.Incident == "" {
				t.Fatalf("a letter the log knew was looked up on its own: %s (%s)", id, rq.Query)
			}
		}
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Fatalf("errors logged:\n%s", log.String())
	}
}

// TestFeedFirstReadOfLettersRegisteredLate: letters registered hours after
// they were sent (an import, a system that registers in the evening) are
// read through the event log on the first cycle; only those the log does
// not mention are looked up one by one, and those are marked in that same
// cycle.
func TestFeedFirstReadOfLettersRegisteredLate(t *testing.T) {
	w := newFeedWorldFrom(t, unheardScenario)
	ctx := context.Background()
	var log bytes.Buffer
	p, ch := w.poller(&log), w.adapter(t)
	start := w.sim.Now()
	w.clock.Advance(8 * time.Hour)
	w.register(t, "A", "B")
	sum, err := p.Poll(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	recs := map[string]sim.ShipmentRecord{}
	for _, r := range w.sim.Shipments() {
		recs[r.ChannelID] = r
	}
	var fax int
	for cid, id := range w.reg {
		r := recs[cid]
		sh, err := w.st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		switch r.Incident {
		case sim.IncidentNeverArrived:
			fax++
			if sh.UnknownToChannelSince == nil {
				t.Errorf("Fax's letter sent at +%s is not marked unknown after the first cycle", r.SentAt.Sub(start))
			}
		default:
			if sh.UnknownToChannelSince != nil {
				t.Errorf("%s (%s, %s): the log knows it, and it is marked unknown", cid, r.SenderSystem, r.Incident)
			}
			want, _, _, _ := expectFromTruth(w.sim.DanishEvents(cid), w.sim.Now())
			if sh.State != want {
				t.Errorf("%s: state %s, the events say %s", cid, sh.State, want)
			}
		}
	}
	if fax < 5 || sum.Unknown != fax {
		t.Fatalf("%d of Fax's letters, %d unknown answers: want at least 5, each answered once", fax, sum.Unknown)
	}
	asked := 0
	for _, rq := range w.sim.Requests() {
		if !strings.Contains(rq.Query, "messageUUID") {
			continue
		}
		for _, id := range rq.IDs {
			asked++
			if r := recs[strings.ToLower(id)]; r.Incident != sim.IncidentNeverArrived {
				t.Fatalf("a letter the log knew was looked up on its own: %s (%s, %s)", id, r.SenderSystem, r.Incident)
			}
		}
	}
	if asked != fax {
		t.Fatalf("%d look-ups of letters on their own, want %d (Fax's)", asked, fax)
	}
}
