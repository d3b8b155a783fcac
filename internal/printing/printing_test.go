package printing_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/sim"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// day returns noon UTC of the given November 2026 day (the scenario starts
// Monday 2 November).
func day(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }

func TestEveryDueShipmentGetsExactlyOnePrintOrder(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	// Postvakt's view before the print window: one shipment was opened, one
	// printed by its channel, one to a Danish CVR number.
	opened, channelPrinted := e.ships[0].ID, e.ships[1].ID
	storetest.Set(t, e.st, []string{opened}, storetest.State(model.StateOpened))
	storetest.Set(t, e.st, []string{channelPrinted}, storetest.Stage(model.StageChannelPrint))
	cvr, _, err := e.st.Register(e.ctx, []model.NewShipment{{Channel: "altinn", ChannelID: "dk-1", SenderOrg: "964338531",
		SenderUnit: "Skatt", RecipientKind: "org", RecipientID: "10150817", Title: "Brev", Confidential: true,
		Class: "taushetsbelagt", SentAt: e.ships[2].SentAt}}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.ships = append(e.ships, cvr[0])

	// Day by day: barnevern is due after 5 business days, taushetsbelagt
	// after 10, persons (default policy) after 15. Each run hands every due
	// shipment over again; nothing may be ordered twice.
	due := map[string]bool{}
	for _, d := range []int{3, 9, 10, 16, 17, 23, 24} {
		for id := range e.escalate(day(d)) {
			due[id] = true
		}
		e.run(day(d))
	}
	// The register was asked about each organisation at most once a day
	// (the cache's TTL); the test asks it below, so count now.
	asked := map[string]int{}
	for _, r := range e.sim.Requests() {
		if r.Group == "register" {
			asked[r.Path]++
		}
	}
	for path, n := range asked {
		if n > 2 {
			t.Errorf("%s asked %d times; orders were due on two days only (barnevern, taushetsbelagt)", path, n)
		}
	}
	prints := e.prints()
	orders := e.providerOrders()
	var held []string
	for _, sh := range e.ships {
		p, has := prints[sh.ID]
		o, ordered := orders["postvakt-print-"+sh.ID]
		switch {
		case sh.ID == opened || sh.ID == channelPrinted:
			if has || ordered {
				t.Errorf("%s (opened or printed by its channel) got a print decision %+v / order %v", sh.ID, p, ordered)
			}
			continue
		case !due[sh.ID]:
			t.Fatalf("%s never became due", sh.ID)
		case !has:
			t.Fatalf("%s was due but has no print decision", sh.ID)
		}
		reason, wantAddr := "", sim.PrintAddress{}
		switch {
		case sh.RecipientKind == model.RecipientPerson:
			reason = printing.ReasonPerson
		case len(sh.RecipientID) == 8:
			reason = printing.ReasonCVR
		default:
			wantAddr, reason = e.expected(sh.RecipientID)
		}
		if reason != "" {
			if p.State != store.PrintStateManual || p.Reason == nil || *p.Reason != reason || ordered {
				t.Errorf("%s: want manual handling (%s), got %s reason %v ordered %v", sh.ID, reason, p.State, p.Reason, ordered)
			}
			if got := e.shipment(sh.ID); got.Stage != model.StageManual || count(kinds(got), store.EventPrintManual) != 1 {
				t.Errorf("%s: stage %s, events %v", sh.ID, got.Stage, kinds(got))
			}
			continue
		}
		if sh.Class == "barnevern" {
			if p.State != store.PrintStateHeld || p.BatchID == nil || ordered {
				t.Errorf("%s needs approval: state %s batch %v ordered %v", sh.ID, p.State, p.BatchID, ordered)
			}
			held = append(held, sh.ID)
			continue
		}
		if !ordered || p.OrderID != o.ID || (p.State != store.PrintStateReceived && p.State != store.PrintStatePosted) {
			t.Fatalf("%s: want one order at the provider, got state %s order %q provider %v", sh.ID, p.State, p.OrderID, ordered)
		}
		if !reflect.DeepEqual(o.Request.Address, wantAddr) || o.Request.DocumentRef != sh.Channel+":"+sh.ChannelID {
			t.Errorf("%s: order %+v, want address %+v", sh.ID, o.Request, wantAddr)
		}
		got := e.shipment(sh.ID)
		wantStage := map[string]model.Stage{store.PrintStateReceived: model.StagePrintOrdered, store.PrintStatePosted: model.StagePrinted}[p.State]
		if got.Stage != wantStage || count(kinds(got), store.EventPrintDecided) != 1 || count(kinds(got), store.EventPrintOrdered) != 1 {
			t.Errorf("%s: stage %s, events %v", sh.ID, got.Stage, kinds(got))
		}
	}
	if len(orders) != e.creates() {
		t.Errorf("%d provider orders but %d created answers", len(orders), e.creates())
	}
	if len(orders) < 30 || len(held) < 5 {
		t.Fatalf("scenario too thin: %d orders, %d held", len(orders), len(held))
	}
	n := 0
	for _, p := range prints {
		if p.State == store.PrintStateManual {
			n++
		}
	}
	if n < 10 {
		t.Fatalf("only %d shipments in manual handling; the scenario should produce more", n)
	}

	// Released, the held prints are ordered by the next run, once.
	list, err := e.st.PrintList(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Batches) != 1 || list.Batches[0].State != "held" || list.Batches[0].Count != len(held) || list.Batches[0].Policy != "barnevern" {
		t.Fatalf("batches %+v, want one held barnevern batch of %d", list.Batches, len(held))
	}
	if n, err := e.svc.Approve(e.ctx, list.Batches[0].ID, "Kari Compliance", day(24)); err != nil || n.Decided != len(held) {
		t.Fatalf("approve: %+v %v", n, err)
	}
	e.run(day(24))
	orders = e.providerOrders()
	for _, id := range held {
		if _, ok := orders["postvakt-print-"+id]; !ok {
			t.Errorf("released %s not ordered", id)
		}
		ks := kinds(e.shipment(id))
		if !reflect.DeepEqual(ks, []string{store.EventPrintHeld, store.EventPrintReleased, store.EventPrintDecided, store.EventPrintOrdered}) {
			t.Errorf("released %s: events %v", id, ks)
		}
	}

	// A day later everything is posted: the escalation is closed.
	e.run(day(26))
	for id, p := range e.prints() {
		if p.OrderID == "" {
			continue
		}
		sh := e.shipment(id)
		if p.State != store.PrintStatePosted || sh.Stage != model.StagePrinted {
			t.Errorf("%s: print state %s, stage %s", id, p.State, sh.Stage)
		}
		if ks := kinds(sh); count(ks, store.EventPrintStatus) != 1 || ks[len(ks)-1] != store.EventPrintStatus {
			t.Errorf("%s: events %v, want one status change (received → posted, polled once a day)", id, ks)
		}
	}
	if len(e.providerOrders()) != e.creates() {
		t.Error("an order was created twice")
	}
}

func TestRejectedBatchSendsNothing(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	e.escalate(day(10))
	e.run(day(10))
	list, err := e.st.PrintList(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Batches) != 1 || list.Batches[0].Count == 0 {
		t.Fatalf("batches %+v", list.Batches)
	}
	b := list.Batches[0]
	ids, err := e.st.PrintBatchShipments(e.ctx, b.ID)
	if err != nil || len(ids) != b.Count {
		t.Fatalf("batch shipments %v %v", ids, err)
	}
	if n, err := e.svc.Reject(e.ctx, b.ID, "Kari Compliance", day(10)); err != nil || n.Decided != b.Count {
		t.Fatalf("reject: %+v %v", n, err)
	}
	if _, err := e.svc.Approve(e.ctx, b.ID, "Ola", day(10)); !errors.Is(err, store.ErrBatchDecided) {
		t.Fatalf("approving a rejected batch: %v", err)
	}
	if _, err := e.svc.Reject(e.ctx, 9999, "Ola", day(10)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rejecting an unknown batch: %v", err)
	}
	for _, d := range []int{11, 12, 20} {
		e.escalate(day(d)) // handed over again: still nothing
		e.run(day(d))
	}
	orders := e.providerOrders()
	for _, id := range ids {
		if _, ok := orders["postvakt-print-"+id]; ok {
			t.Errorf("rejected %s was ordered", id)
		}
		sh := e.shipment(id)
		ks := kinds(sh)
		if sh.Stage != model.StagePrintRejected || !reflect.DeepEqual(ks, []string{store.EventPrintHeld, store.EventPrintRejected}) {
			t.Errorf("%s: stage %s events %v", id, sh.Stage, ks)
		}
		if last := sh.Events[len(sh.Events)-1]; last.Actor != "Kari Compliance" || last.Source != store.SourceUser {
			t.Errorf("%s: rejection not attributed: %+v", id, last)
		}
	}
	list, _ = e.st.PrintList(e.ctx)
	if len(list.Batches) != 1 {
		t.Errorf("a new batch was opened for rejected prints: %+v", list.Batches)
	}
}

func TestOpenedAfterOrderIsCancelledOrTooLate(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	e.escalate(day(16))
	e.run(day(16))
	placed := e.placed()
	if len(placed) < 3 {
		t.Fatalf("only %d orders placed", len(placed))
	}
	early, late, never := placed[0], placed[1], placed[2]
	open := func(id string, at time.Time) {
		t.Helper()
		_, err := e.st.ApplyPoll(e.ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateRegistered},
			Source: "svarut", ObservedAt: at, Status: "LEST", State: model.StateOpened}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Opened while the order is still received: cancelled at once, without
	// waiting for the next status poll.
	open(early, day(16).Add(time.Minute))
	e.run(day(16).Add(2 * time.Minute))
	if p := e.prints()[early]; p.State != store.PrintStateCancelled {
		t.Fatalf("early: print state %s", p.State)
	}
	// Opened once printed (6–10 h after the order): too late, recorded.
	e.run(day(16).Add(8 * time.Hour))
	open(late, day(16).Add(8*time.Hour+time.Minute))
	e.run(day(16).Add(8*time.Hour + 2*time.Minute)) // within the lease of the 8 h poll: not yet
	if ks := kinds(e.shipment(late)); count(ks, store.EventPrintCancelRefused) != 0 {
		t.Fatalf("late: claimed twice within one lease: %v", ks)
	}
	e.run(day(16).Add(8*time.Hour + 10*time.Minute))
	// Later everything else is posted.
	e.run(day(17).Add(12 * time.Hour))
	orders := e.providerOrders()
	if o := orders["postvakt-print-"+early]; o.State != "cancelled" {
		t.Errorf("provider has the early order as %s", o.State)
	}
	if o := orders["postvakt-print-"+late]; o.State != "posted" {
		t.Errorf("provider has the late order as %s", o.State)
	}
	sh := e.shipment(early)
	if ks := kinds(sh); count(ks, store.EventPrintCancelled) != 1 || sh.Stage != model.StagePrintCancelled {
		t.Errorf("early: stage %s events %v", sh.Stage, ks)
	}
	sh = e.shipment(late)
	ks := kinds(sh)
	if count(ks, store.EventPrintCancelRefused) != 1 || count(ks, store.EventPrintCancelled) != 0 || sh.Stage != model.StagePrinted {
		t.Errorf("late: stage %s events %v", sh.Stage, ks)
	}
	for _, ev := range sh.Events {
		if ev.Kind == store.EventPrintCancelRefused && ev.RawStatus != "printed" {
			t.Errorf("late: cancel refused in state %q, want printed", ev.RawStatus)
		}
	}
	if ks := kinds(e.shipment(never)); count(ks, store.EventPrintCancelled)+count(ks, store.EventPrintCancelRefused) != 0 {
		t.Errorf("unopened shipment's order touched: %v", ks)
	}
	cancels := 0
	for _, r := range e.sim.Requests() {
		if r.Group == "print" && len(r.Path) > 7 && r.Path[len(r.Path)-7:] == "/cancel" {
			cancels++
		}
	}
	if cancels != 2 {
		t.Errorf("%d cancel requests, want 2 (one per opened shipment, never repeated)", cancels)
	}
}

func TestProviderAndRegisterFaultsLoseNothingAndDoubleNothing(t *testing.T) {
	faulty := scenario + `
faults:
  print: {server_error: 0.2, rate_limit: 0.15, retry_after: 30m, html_error: 0.1, malformed: 0.15}
  register: {server_error: 0.25, malformed: 0.15, html_error: 0.1}
`
	e := newEnv(t, faulty, sim.Options{})
	e.svc = printing.New(e.st, e.options(0)) // no in-call retries: every fault reaches the service
	now := day(16)
	e.escalate(now)
	var retried int
	for i := 0; i < 60; i++ {
		sum := e.run(now)
		retried += sum.Retried
		var left int
		if err := e.st.DB().Get(&left, `SELECT (SELECT count(*) FROM print_outbox) +
			(SELECT count(*) FROM print_orders WHERE state = 'lookup')`); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		now = now.Add(time.Hour)
	}
	if retried == 0 {
		t.Fatal("no faults met; the test proves nothing")
	}
	orders := e.providerOrders()
	var placed int
	for id, p := range e.prints() {
		switch p.State {
		case store.PrintStateLookup, store.PrintStateQueued:
			t.Errorf("%s still %s after the faults", id, p.State)
		case store.PrintStateReceived, store.PrintStatePrinted, store.PrintStatePosted:
			placed++
			if o, ok := orders["postvakt-print-"+id]; !ok || o.ID != p.OrderID {
				t.Errorf("%s: order %q, provider %+v", id, p.OrderID, o)
			}
		}
		if p.State == store.PrintStateManual && p.Reason != nil && *p.Reason == "print_refused" {
			t.Errorf("%s refused by the provider: a garbled answer was taken as final", id)
		}
	}
	if placed != len(orders) || placed < 30 {
		t.Errorf("%d orders recorded, %d at the provider", placed, len(orders))
	}
	for _, r := range e.sim.Requests() {
		if r.Status == 422 {
			t.Errorf("the provider saw a key reused with another body: %+v", r)
		}
	}
	// Every failed attempt is evidence.
	var errs int
	if err := e.st.DB().Get(&errs, `SELECT count(*) FROM shipment_events WHERE kind = 'print_error'`); err != nil || errs == 0 {
		t.Errorf("print_error events: %d %v", errs, err)
	}
}

func TestOrderIgnoresWhatMayNotBePrinted(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	ids := []string{e.ships[0].ID, e.ships[1].ID, e.ships[2].ID, "not-a-uuid", "00000000-0000-4000-8000-000000000000"}
	for i, st := range []string{"opened", "rejected"} {
		storetest.Set(t, e.st, []string{ids[i]}, storetest.State(model.State(st)))
	}
	if err := e.svc.Order(e.ctx, ids, "taushetsbelagt", false, day(16)); err != nil {
		t.Fatal(err)
	}
	prints := e.prints()
	if len(prints) != 1 {
		t.Fatalf("print decisions %v, want only %s", prints, ids[2])
	}
	if _, ok := prints[ids[2]]; !ok {
		t.Fatalf("the printable shipment got no decision: %v", prints)
	}
	// A shipment decided but opened before the outbox was sent gets no order.
	storetest.Set(t, e.st, []string{ids[2]}, storetest.State(model.StateOpened))
	e.run(day(16))
	if p := e.prints()[ids[2]]; p.State != store.PrintStateSkipped && p.State != store.PrintStateManual {
		t.Errorf("opened before sending: state %s", p.State)
	}
	if len(e.providerOrders()) != 0 {
		t.Error("an opened shipment was ordered")
	}
}

func TestDrainOrdersPrintDueShipmentsWhoseHandOffWasLost(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	// The escalation run recorded print_due for these and crashed before
	// handing them over.
	var lost []string
	for _, sh := range e.ships {
		if sh.RecipientKind == model.RecipientOrg && sh.Class == "taushetsbelagt" && len(lost) < 5 {
			lost = append(lost, sh.ID)
			storetest.Set(t, e.st, []string{sh.ID}, storetest.Stage(model.StagePrintDue))
		}
	}
	// One run counts all its steps once: the lost hand-offs decided, each
	// looked up and queued (or not), the queued ones ordered.
	sum := e.run(day(16))
	prints := e.prints()
	for _, id := range lost {
		if _, ok := prints[id]; !ok {
			t.Errorf("print-due %s was not picked up", id)
		}
	}
	if len(prints) != len(lost) {
		t.Errorf("%d decisions, want %d", len(prints), len(lost))
	}
	if sum.Decided != len(lost) || sum.Queued+sum.Held+sum.Manual+sum.Retried != len(lost) || sum.Ordered != sum.Queued ||
		sum.Ordered == 0 || sum.Polled != 0 {
		t.Errorf("first run: %s; want %d decided, each placed once, the queued ordered", sum, len(lost))
	}
	// The next day's run only polls the orders.
	if next := e.run(day(17)); next.Decided != 0 || next.Ordered != 0 || next.Polled != sum.Ordered {
		t.Errorf("next run: %s; want the %d orders polled and nothing else", next, sum.Ordered)
	}
}

func TestFailedPrintGoesToManualHandling(t *testing.T) {
	e := newEnv(t, strings.Replace(scenario, "fail_chance: 0", "fail_chance: 1", 1), sim.Options{NoFaults: true})
	e.escalate(day(16))
	e.run(day(16))
	e.run(day(17))
	failed := 0
	for id, p := range e.prints() {
		if p.OrderID == "" {
			continue
		}
		failed++
		sh := e.shipment(id)
		if p.State != store.PrintStateFailed || p.Reason == nil || *p.Reason != "print_failed" || sh.Stage != model.StageManual {
			t.Errorf("%s: state %s reason %v stage %s", id, p.State, p.Reason, sh.Stage)
		}
		if ks := kinds(sh); !reflect.DeepEqual(ks[len(ks)-2:], []string{store.EventPrintStatus, store.EventPrintManual}) {
			t.Errorf("%s: events %v", id, ks)
		}
	}
	if failed < 30 {
		t.Fatalf("only %d orders", failed)
	}
	// A failed order is final: no more polls.
	before := len(e.sim.Requests())
	e.run(day(18))
	if n := len(e.sim.Requests()) - before; n != 0 {
		t.Errorf("%d requests about final orders", n)
	}
}

// TestRegisterRetryAfterHonoured: a register answering 429 with a
// Retry-After longer than the lookup's own backoff is asked again after
// it, not at the next run.
func TestRegisterRetryAfterHonoured(t *testing.T) {
	e := newEnv(t, scenario+"faults:\n  register: {rate_limit: 1, retry_after: 30m}\n", sim.Options{})
	e.svc = printing.New(e.st, e.options(0))
	now := day(16)
	var id string
	for _, sh := range e.ships {
		if sh.RecipientKind == model.RecipientOrg {
			id = sh.ID
			break
		}
	}
	if err := e.svc.Order(e.ctx, []string{id}, "taushetsbelagt", false, now); err != nil {
		t.Fatal(err)
	}
	e.run(now)
	var due time.Time
	if err := e.st.DB().Get(&due, `SELECT due_at FROM print_orders WHERE shipment_id = $1 AND state = 'lookup'`, id); err != nil {
		t.Fatalf("the lookup is not waiting: %v", err)
	}
	if due.Before(now.Add(30 * time.Minute)) {
		t.Errorf("the lookup is asked again at %s, before the register's Retry-After of 30 minutes (%s)", due, now.Add(30*time.Minute))
	}
}
