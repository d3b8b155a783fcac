package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

var printT0 = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

// printShipments registers n shipments for the print tests.
func printShipments(t *testing.T, st *store.Store, n int) []string {
	t.Helper()
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		it := sample(5000 + i)
		it.ChannelID = fmt.Sprintf("print-%d", i)
		items = append(items, it)
	}
	got, _, err := st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i, s := range got {
		ids[i] = s.ID
	}
	return ids
}

// printToManual decides a print for the letter id and sends it to manual
// handling (no address) at printT0.
func printToManual(t *testing.T, st *store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.CreatePrintOrders(ctx, []string{id}, "taushetsbelagt", false, printT0); err != nil {
		t.Fatal(err)
	}
	if ls, err := st.ClaimPrintLookups(ctx, []string{id}, printT0, 1, time.Minute); err != nil || len(ls) != 1 {
		t.Fatalf("claim %d %v", len(ls), err)
	}
	if _, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: id, Outcome: store.ResolveManual,
		At: printT0, Reason: "no_address", Detail: "no address"}); err != nil {
		t.Fatal(err)
	}
}

// printDecide records print decisions and resolves them with an address.
func printDecide(t *testing.T, st *store.Store, ids []string, policy string, approval bool, at time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.CreatePrintOrders(ctx, ids, policy, approval, at); err != nil {
		t.Fatal(err)
	}
	ls, err := st.ClaimPrintLookups(ctx, ids, at, len(ids), time.Minute)
	if err != nil || len(ls) != len(ids) {
		t.Fatalf("claim lookups: %d %v", len(ls), err)
	}
	for _, l := range ls {
		if _, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: l.ShipmentID, Outcome: store.ResolveOrder, At: at,
			Request: []byte(`{"documentRef":"x","recipientName":"AS","address":{"lines":["Gate 1"],"postalCode":"5003","city":"BERGEN","countryCode":"NO"}}`)}); err != nil {
			t.Fatal(err)
		}
	}
}

func printEvents(t *testing.T, st *store.Store, id string) []string {
	t.Helper()
	evs, err := st.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Kind != store.EventRegistered {
			out = append(out, e.Kind)
		}
	}
	return out
}

func TestPrintDecisionIsMadeOncePerShipment(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 5)
	setState(t, st, ids[0], model.StateOpened, model.StageNone)
	setState(t, st, ids[1], model.StateRejected, model.StageNone)
	setState(t, st, ids[2], model.StateAvailable, "channel_print")
	setState(t, st, ids[3], model.StateFailed, model.StagePrintDue) // failed digitally: paper is the answer
	got, err := st.CreatePrintOrders(ctx, append(ids, "bogus"), "taushetsbelagt", false, printT0)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	want := []string{ids[3], ids[4]}
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("decided %v, want %v", got, want)
	}
	if again, err := st.CreatePrintOrders(ctx, ids, "default", true, printT0.Add(time.Hour)); err != nil || len(again) != 0 {
		t.Fatalf("second decision: %v %v", again, err)
	}
	// A failed lookup is retried later, not lost; the claim takes each once.
	ls, err := st.ClaimPrintLookups(ctx, nil, printT0, 10, time.Minute)
	if err != nil || len(ls) != 2 || ls[0].Attempts != 1 || ls[0].Policy != "taushetsbelagt" || ls[0].RecipientID != "974760673" {
		t.Fatalf("claimed %+v %v", ls, err)
	}
	if more, _ := st.ClaimPrintLookups(ctx, nil, printT0, 10, time.Minute); len(more) != 0 {
		t.Fatalf("claimed twice within the lease: %+v", more)
	}
	state, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[3], Outcome: store.ResolveRetry, At: printT0,
		Detail: "register down", Evidence: []byte("<html>502</html>"), RetryAt: printT0.Add(time.Hour)})
	if err != nil || state != store.PrintStateLookup {
		t.Fatalf("retry: %q %v", state, err)
	}
	if ls, _ := st.ClaimPrintLookups(ctx, nil, printT0.Add(time.Hour), 10, time.Minute); len(ls) != 2 || ls[0].Attempts != 2 {
		t.Fatalf("after the retry time: %+v", ls)
	}
	state, err = st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[3], Outcome: store.ResolveManual, At: printT0,
		Reason: "bankrupt", Detail: "konkurs"})
	if err != nil || state != store.PrintStateManual {
		t.Fatalf("manual: %q %v", state, err)
	}
	if state, _ := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[3], Outcome: store.ResolveOrder, At: printT0}); state != "" {
		t.Fatalf("resolved twice: %q", state)
	}
	if ks := printEvents(t, st, ids[3]); fmt.Sprint(ks) != "[print_error print_manual]" {
		t.Fatalf("events %v", ks)
	}
	// Opened before the lookup came back: skipped, never queued.
	setState(t, st, ids[4], model.StateOpened, model.StagePrintDue)
	if state, _ := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[4], Outcome: store.ResolveOrder, At: printT0,
		Request: []byte(`{}`)}); state != store.PrintStateSkipped {
		t.Fatalf("opened shipment resolved to %q", state)
	}
	l, err := st.PrintList(ctx)
	if err != nil || len(l.Manual) != 1 || l.Manual[0].Reason != "bankrupt" || len(l.Orders) != 1 || l.Orders[0].State != store.PrintStateSkipped {
		t.Fatalf("list %+v %v", l, err)
	}
}

func TestPrintOutboxClaimsAreExclusiveAndLeased(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 30)
	printDecide(t, st, ids, "taushetsbelagt", false, printT0)
	// Four workers claim at once: every row exactly once.
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				items, err := st.ClaimPrintOutbox(ctx, printT0, 3, 5*time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(items) == 0 {
					return
				}
				mu.Lock()
				for _, it := range items {
					seen[it.ShipmentID]++
					if it.Attempts != 1 || it.Key != "postvakt-print-"+it.ShipmentID || len(it.Request) == 0 {
						t.Errorf("claimed %+v", it)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 30 {
		t.Fatalf("%d rows claimed", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s claimed %d times", id, n)
		}
	}
	// A crashed sender's rows come back after the lease, counted.
	items, err := st.ClaimPrintOutbox(ctx, printT0.Add(5*time.Minute), 100, 5*time.Minute)
	if err != nil || len(items) != 30 || items[0].Attempts != 2 {
		t.Fatalf("after the lease: %d %v", len(items), err)
	}
	id := items[0].ShipmentID
	ordered := store.PrintSendResult{ShipmentID: id, Outcome: store.SendOrdered, At: printT0, OrderID: "o-1", State: "received",
		Payload: []byte(`{"id":"o-1","state":"received"}`), NextPollAt: printT0.Add(time.Hour)}
	if err := st.FinishPrintSend(ctx, ordered); err != nil {
		t.Fatal(err)
	}
	// Another sender that got the same answer (same key) records nothing.
	if err := st.FinishPrintSend(ctx, ordered); err != nil {
		t.Fatal(err)
	}
	if ks := printEvents(t, st, id); fmt.Sprint(ks) != "[print_decided print_ordered]" {
		t.Fatalf("events %v", ks)
	}
	// A retry keeps the row for later; a refusal ends in manual handling.
	retry, refused := items[1].ShipmentID, items[2].ShipmentID
	if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: retry, Outcome: store.SendRetry, At: printT0,
		Error: "HTTP 503", Payload: []byte("not json"), RetryAt: printT0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: refused, Outcome: store.SendRefused, At: printT0,
		Error: "HTTP 400 address.city is required"}); err != nil {
		t.Fatal(err)
	}
	if items, _ := st.ClaimPrintOutbox(ctx, printT0.Add(time.Hour), 100, time.Minute); len(items) != 28 {
		t.Fatalf("%d rows due after an hour, want 28 (one ordered, one refused)", len(items))
	}
	sh, err := st.Shipment(ctx, refused, store.Scope{})
	if err != nil || sh.Stage != model.StageManual {
		t.Fatalf("refused: %+v %v", sh, err)
	}
	// Status: printed closes the escalation; the poll is claimed once per lease.
	polls, err := st.ClaimPrintPolls(ctx, printT0.Add(time.Hour), 10, 5*time.Minute)
	if err != nil || len(polls) != 1 || polls[0].OrderID != "o-1" || polls[0].WantsCancel() {
		t.Fatalf("polls %+v %v", polls, err)
	}
	if err := st.ApplyPrintStatus(ctx, store.PrintStatusUpdate{ShipmentID: id, At: printT0.Add(time.Hour), State: "printed",
		NextPollAt: printT0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if sh, _ := st.Shipment(ctx, id, store.Scope{}); sh.Stage != model.StagePrinted {
		t.Fatalf("printed: stage %s", sh.Stage)
	}
	// Opened now: the order wants a cancel at once, but not twice in a lease.
	setState(t, st, id, model.StateOpened, model.StagePrinted)
	if polls, _ := st.ClaimPrintPolls(ctx, printT0.Add(time.Hour+time.Minute), 10, 5*time.Minute); len(polls) != 0 {
		t.Fatalf("claimed within its lease: %+v", polls)
	}
	polls, _ = st.ClaimPrintPolls(ctx, printT0.Add(time.Hour+6*time.Minute), 10, 5*time.Minute)
	if len(polls) != 1 || !polls[0].WantsCancel() {
		t.Fatalf("opened: %+v", polls)
	}
	if err := st.ApplyPrintStatus(ctx, store.PrintStatusUpdate{ShipmentID: id, At: printT0.Add(2 * time.Hour), State: "printed",
		Cancel: store.CancelRefused, NextPollAt: printT0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyPrintStatus(ctx, store.PrintStatusUpdate{ShipmentID: id, At: printT0.Add(3 * time.Hour), State: "failed",
		FailureReason: "jammed"}); err != nil {
		t.Fatal(err)
	}
	if ks := printEvents(t, st, id); fmt.Sprint(ks) != "[print_decided print_ordered print_status print_cancel_refused print_status print_manual]" {
		t.Fatalf("events %v", ks)
	}
	if polls, _ := st.ClaimPrintPolls(ctx, printT0.Add(24*time.Hour), 10, time.Minute); len(polls) != 0 {
		t.Fatalf("a failed order is still polled: %+v", polls)
	}
	// The refused and the failed order's manual-handling details keep their
	// keys with the provider's words (for pages in their language) beside
	// the English sentence.
	queue, err := st.ManualQueue(ctx, store.Scope{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	why := map[string]string{}
	for _, m := range queue {
		why[m.ShipmentID] = fmt.Sprint(m.Why) + " " + m.Detail
	}
	for sid, want := range map[string]string{
		refused: "[{manual.detail.print_refused [Error HTTP 400 address.city is required]}] the print provider refused the order: HTTP 400 address.city is required",
		id:      "[{manual.detail.print_failed [Error jammed]}] the print provider could not print the order: jammed",
	} {
		if why[sid] != want {
			t.Errorf("manual detail of %s: %q, want %q", sid, why[sid], want)
		}
	}
}

func TestPrintBatchRelease(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 4)
	printDecide(t, st, ids[:3], "barnevern", true, printT0)
	l, err := st.PrintList(ctx)
	if err != nil || len(l.Batches) != 1 || l.Batches[0].Count != 3 || l.Batches[0].State != "held" {
		t.Fatalf("batches %+v %v", l, err)
	}
	b := l.Batches[0].ID
	if items, _ := st.ClaimPrintOutbox(ctx, printT0, 10, time.Minute); len(items) != 0 {
		t.Fatalf("held prints in the outbox: %+v", items)
	}
	setState(t, st, ids[2], model.StateOpened, model.StagePrintHeld)
	n, err := st.ReleasePrintBatch(ctx, b, "Kari", printT0)
	if err != nil || n != (store.BatchDecision{Decided: 2, Skipped: 1, Prints: 3}) {
		t.Fatalf("release: %+v %v; want 2 released, 1 of 3 skipped (opened)", n, err)
	}
	if _, err := st.RejectPrintBatch(ctx, b, "Ola", printT0); !errors.Is(err, store.ErrBatchDecided) {
		t.Fatalf("second decision: %v", err)
	}
	if _, err := st.ReleasePrintBatch(ctx, 424242, "Ola", printT0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown batch: %v", err)
	}
	if items, _ := st.ClaimPrintOutbox(ctx, printT0, 10, time.Minute); len(items) != 0 {
		t.Fatalf("released prints in the outbox before their address was looked up again: %d", len(items))
	}
	// The released prints wait for their address lookup again (the
	// address they were held with may be weeks old); resolved, they go to
	// the outbox, not back to a batch.
	ls, err := st.ClaimPrintLookups(ctx, nil, printT0, 10, time.Minute)
	if err != nil || len(ls) != 2 {
		t.Fatalf("released prints waiting for their address: %d %v", len(ls), err)
	}
	for _, l := range ls {
		state, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: l.ShipmentID, Outcome: store.ResolveOrder, At: printT0,
			Request: []byte(`{"documentRef":"x","recipientName":"AS","address":{"lines":["Gate 2"],"postalCode":"5003","city":"BERGEN","countryCode":"NO"}}`)})
		if err != nil || state != store.PrintStateQueued {
			t.Fatalf("resolve released %s: %q %v", l.ShipmentID, state, err)
		}
	}
	if items, _ := st.ClaimPrintOutbox(ctx, printT0, 10, time.Minute); len(items) != 2 || !strings.Contains(string(items[0].Request), "Gate 2") {
		t.Fatalf("released prints in the outbox: %+v", items)
	}
	if ks := printEvents(t, st, ids[0]); fmt.Sprint(ks) != "[print_held print_released print_decided]" {
		t.Fatalf("events %v", ks)
	}
	if ks := printEvents(t, st, ids[2]); fmt.Sprint(ks) != "[print_held print_skipped]" {
		t.Fatalf("opened meanwhile: events %v", ks)
	}
	// Later prints of the policy open a new batch.
	printDecide(t, st, ids[3:], "barnevern", true, printT0.Add(time.Hour))
	l, _ = st.PrintList(ctx)
	if len(l.Batches) != 2 || l.Batches[1].State != "held" || l.Batches[1].Count != 1 || l.Batches[0].DecidedBy != "Kari" {
		t.Fatalf("batches %+v", l.Batches)
	}
	if ids2, _ := st.PrintBatchShipments(ctx, l.Batches[1].ID); len(ids2) != 1 || ids2[0] != ids[3] {
		t.Fatalf("batch shipments %v", ids2)
	}
}

func TestPrintDueWithoutOrder(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 3)
	setState(t, st, ids[0], model.StateAvailable, model.StagePrintDue)
	setState(t, st, ids[1], model.StateOpened, model.StagePrintDue)
	setState(t, st, ids[2], model.StateAvailable, model.StagePrintDue)
	if _, err := st.CreatePrintOrders(ctx, ids[2:], "taushetsbelagt", false, printT0); err != nil {
		t.Fatal(err)
	}
	due, err := st.PrintDueWithoutOrder(ctx, "", 10)
	if err != nil || len(due) != 1 || due[0].ID != ids[0] || due[0].Class != "taushetsbelagt" || due[0].SenderUnit != "Barnevernstjenesten" {
		t.Fatalf("orphans %+v %v", due, err)
	}
	// Paged by id: a caller that leaves a letter (a policy it cannot print)
	// reads the ones after it.
	if due, err := st.PrintDueWithoutOrder(ctx, ids[0], 10); err != nil || len(due) != 0 {
		t.Fatalf("after the only orphan: %+v %v", due, err)
	}
	setState(t, st, ids[1], model.StateAvailable, model.StagePrintDue)
	first, second := ids[0], ids[1]
	if second < first {
		first, second = second, first
	}
	if due, err := st.PrintDueWithoutOrder(ctx, "", 1); err != nil || len(due) != 1 || due[0].ID != first {
		t.Fatalf("first page: %+v %v", due, err)
	}
	if due, err := st.PrintDueWithoutOrder(ctx, first, 1); err != nil || len(due) != 1 || due[0].ID != second {
		t.Fatalf("second page: %+v %v", due, err)
	}
}

func TestRegisterCache(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.RegisterEntry(ctx, "974760673"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty cache: %v", err)
	}
	for _, e := range []store.RegisterEntry{
		{OrgNr: "974760673", Status: 404, Body: []byte("<html>not json</html>"), FetchedAt: printT0},
		{OrgNr: "974760673", Status: 200, Body: []byte(`{"navn":"X"}`), FetchedAt: printT0.Add(time.Hour)},
	} {
		if err := st.PutRegisterEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	e, err := st.RegisterEntry(ctx, "974760673")
	if err != nil || e.Status != 200 || string(e.Body) != `{"navn": "X"}` || !e.FetchedAt.Equal(printT0.Add(time.Hour)) {
		t.Fatalf("cached %+v %v", e, err)
	}
}

func TestPrintStatusNeverMovesBack(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 1)
	printDecide(t, st, ids, "taushetsbelagt", false, printT0)
	if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: ids[0], Outcome: store.SendOrdered, At: printT0,
		OrderID: "o-1", State: "received", NextPollAt: printT0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Two workers (the first one's lease ran out) report out of order.
	for _, state := range []string{"posted", "printed", "received"} {
		if err := st.ApplyPrintStatus(ctx, store.PrintStatusUpdate{ShipmentID: ids[0], At: printT0, State: state,
			NextPollAt: printT0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := st.PrintList(ctx)
	if err != nil || len(l.Orders) != 1 || l.Orders[0].State != store.PrintStatePosted {
		t.Fatalf("orders %+v %v", l.Orders, err)
	}
	if ks := printEvents(t, st, ids[0]); fmt.Sprint(ks) != "[print_decided print_ordered print_status]" {
		t.Fatalf("events %v", ks)
	}
}

// A manual-handling case's phrases (print_manual.why) read back as the
// i18n.Phrase they were kept as (arguments in jsonb's order of keys, which
// the test's are in: placeholders are by name); and a case kept
// before the store used i18n.Phrase, in the shape of then
// ({"key":…,"args":{"Name":"value"}}), reads back as the same phrases.
func TestManualWhyReadsBack(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 2)
	now, before := ids[0], ids[1]
	why := []i18n.Phrase{i18n.P("manual.detail.subunit_of", "Orgnr", "974760673", "Parent", "910002384"),
		i18n.P("manual.detail.unknown", "Orgnr", "910002384", "Status", "500")}
	if _, err := st.CreatePrintOrders(ctx, []string{now}, "taushetsbelagt", false, printT0); err != nil {
		t.Fatal(err)
	}
	if ls, err := st.ClaimPrintLookups(ctx, []string{now}, printT0, 1, time.Minute); err != nil || len(ls) != 1 {
		t.Fatalf("claim %d %v", len(ls), err)
	}
	if _, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: now, Outcome: store.ResolveManual,
		At: printT0, Reason: "unknown", Detail: "in English", Why: why}); err != nil {
		t.Fatal(err)
	}
	st.DB().MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, before)
	st.DB().MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, why, created_at) VALUES ($1, 'bankrupt', 'in English',
		'[{"key": "manual.detail.subunit_of", "args": {"Orgnr": "974760673", "Parent": "910002384"}}, {"key": "manual.detail.bankrupt", "args": {"Orgnr": "910002384"}}, {"key": "manual.detail.person"}]', $2)`,
		before, printT0.Add(time.Minute))

	queue, err := st.ManualQueue(ctx, store.Scope{}, 10)
	if err != nil || len(queue) != 2 {
		t.Fatalf("manual queue %+v %v", queue, err)
	}
	for _, tc := range []struct {
		item store.ManualItem
		want []i18n.Phrase
	}{
		{queue[0], why},
		{queue[1], []i18n.Phrase{i18n.P("manual.detail.subunit_of", "Orgnr", "974760673", "Parent", "910002384"),
			i18n.P("manual.detail.bankrupt", "Orgnr", "910002384"), i18n.P("manual.detail.person")}},
	} {
		if !reflect.DeepEqual(tc.item.Why, tc.want) {
			t.Errorf("why of %s: %#v, want %#v", tc.item.ShipmentID, tc.item.Why, tc.want)
		}
	}
}
