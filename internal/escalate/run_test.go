package escalate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// Monday 16 November 2026, 10:00 in Oslo: a taushetsbelagt shipment sent
// then is available from 11:00 and due its first reminder on Wednesday 18
// November at 11:00 (two business days).
var (
	monday   = time.Date(2026, 11, 16, 10, 0, 0, 0, oslo)
	due1     = time.Date(2026, 11, 18, 11, 0, 0, 0, oslo)
	firmaA   = "974760673"
	firmaB   = "971526920"
	printDay = time.Date(2026, 11, 30, 11, 0, 0, 0, oslo) // 10 business days after Monday 16th 11:00
)

func confidential(org string, n int) []ship {
	var out []ship
	for i := 0; i < n; i++ {
		out = append(out, ship{recipient: org, class: "taushetsbelagt", conf: true, sent: monday})
	}
	return out
}

func TestRunNothingDueSendsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(confidential(firmaA, 2)...)
	h.contacts(firmaA)
	sum := h.run(due1.Add(-time.Minute))
	if sum.Scanned != 2 || sum.Decided != 0 || sum.Orgs != 0 || sum.Recorded != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("%d messages sent with nothing due", len(got))
	}
	if n := h.count(`SELECT count(*) FROM shipment_events WHERE kind = 'decision'`); n != 0 {
		t.Fatalf("%d decisions recorded with nothing due", n)
	}
}

func TestRunQuietHours(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(confidential(firmaA, 1)...)
	h.contacts(firmaA)
	evening := time.Date(2026, 11, 18, 16, 0, 0, 0, oslo)
	if sum := h.run(evening); sum.Quiet != 1 || sum.Orgs != 0 || len(h.take()) != 0 {
		t.Fatalf("16:00: summary %+v; a reminder outside the send window must wait", sum)
	}
	// 07:00 next day: the run does not even look at it (it waits for 08:00).
	if sum := h.run(evening.Add(15 * time.Hour)); sum.Scanned != 0 || sum.Orgs != 0 || len(h.take()) != 0 {
		t.Fatalf("07:00: summary %+v; a reminder outside the send window must wait", sum)
	}
	var reason string
	if err := h.st.DB().Get(&reason, `SELECT message FROM shipment_events WHERE kind = 'decision'`); err != nil ||
		!strings.Contains(reason, "waits until Thu 2026-11-19 08:00") {
		t.Fatalf("decision %q (%v)", reason, err)
	}
	sum := h.run(time.Date(2026, 11, 19, 8, 0, 0, 0, oslo))
	if sum.Orgs != 1 || sum.Quiet != 0 || len(h.take()) != 1 {
		t.Fatalf("at 08:00: %+v", sum)
	}
	if n := h.count(`SELECT count(*) FROM shipment_events WHERE kind = 'decision'`); n != 1 {
		t.Fatalf("%d decision events, want the one decision recorded once", n)
	}
}

func TestRunDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(append(confidential(firmaA, 2), confidential(firmaB, 1)...)...)
	h.contacts(firmaA)
	snapshot := func() string {
		var s string
		if err := h.st.DB().Get(&s, `SELECT (SELECT count(*) FROM shipment_events)::text || '/' ||
			(SELECT count(*) FROM notifications)::text || '/' ||
			(SELECT string_agg(stage || reminders_sent || escalation_step, ',' ORDER BY id) FROM shipments)`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	var previews []remind.Outcome
	h.esc.OnOutcome = func(o remind.Outcome) { previews = append(previews, o) }
	logged := len(h.logs.String())
	sum, err := h.esc.Preview(context.Background(), due1.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// What a preview logs did not happen, and says so.
	for _, l := range strings.Split(strings.TrimSpace(h.logs.String()[logged:]), "\n") {
		if l != "" && strings.Count(l, "dry_run=true") != 1 {
			t.Errorf("a dry run's log line without dry_run=true (once): %s", l)
		}
	}
	if !sum.DryRun || sum.Orgs != 1 || sum.Reminders != 2 || !reflect.DeepEqual(sum.NoAddress, []string{firmaB}) {
		t.Fatalf("dry run summary %+v", sum)
	}
	if len(previews) != 2 {
		t.Fatalf("previews: %+v", previews)
	}
	for _, p := range previews {
		if p.Org == firmaA && (p.Status != remind.StatusPreview || p.Message == nil || len(p.Message.To) != 1) {
			t.Fatalf("preview for %s: %+v", firmaA, p)
		}
	}
	if after := snapshot(); after != before {
		t.Fatalf("dry run changed the database: %s → %s", before, after)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("dry run sent %d messages", len(got))
	}
	if !strings.Contains(sum.String(), "dry run") {
		t.Fatalf("summary line %q", sum.String())
	}
}

// opener opens a shipment between the decision and the send: just before
// the claim that re-checks it.
type opener struct {
	*store.Store
	h    *harness
	id   string
	once sync.Once
}

func (o *opener) ClaimReminders(ctx context.Context, cs []store.Claim) ([]store.ClaimResult, error) {
	o.once.Do(func() { o.h.open(o.id) })
	return o.Store.ClaimReminders(ctx, cs)
}

func TestRunOpenedBetweenDecisionAndSend(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, refs := h.register(confidential(firmaA, 3)...)
	h.contacts(firmaA)
	r := h.reminder(h.mp.SMTPAddr)
	r.Log = &opener{Store: h.st, h: h, id: ids[1]}
	h.esc.Remind = r
	sum := h.run(due1)
	if sum.Decided != 3 || sum.Reminders != 2 || sum.Dropped != 1 {
		t.Fatalf("summary %+v", sum)
	}
	got := h.take()
	if len(got) != 1 || len(got[0].refs) != 2 || strings.Contains(got[0].raw, refs[1]) {
		t.Fatalf("messages %+v; the opened shipment must not be listed", got)
	}
	if n := h.count(`SELECT count(*) FROM shipment_events WHERE kind = 'reminder' AND shipment_id = $1`, ids[1]); n != 0 {
		t.Fatal("the opened shipment got a reminder event")
	}
}

// lostCommit is a store whose commit after a send is lost, as if the
// process died between the SMTP server's 250 and the commit.
type lostCommit struct{ *store.Store }

func (lostCommit) RecordReminders(context.Context, []store.ReminderOutcome, time.Time) ([]int64, error) {
	return nil, errors.New("connection to the database lost")
}

func TestRunCrashBetweenSendAndCommitDoesNotResend(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, _ := h.register(confidential(firmaA, 2)...)
	h.contacts(firmaA)
	crashing := h.reminder(h.mp.SMTPAddr)
	crashing.Log = lostCommit{h.st}
	h.esc.Remind = crashing
	if _, err := h.esc.Run(context.Background(), due1); err == nil {
		t.Fatal("a run whose record stage failed reported no error")
	}
	if got := h.take(); len(got) != 1 {
		t.Fatalf("%d messages before the crash, want 1", len(got))
	}
	// Later runs, with a working store: the pending row is not sent again.
	h.esc.Remind = h.reminder(h.mp.SMTPAddr)
	sum := h.run(due1.Add(5 * time.Minute)) // inside the lease: still in flight
	if sum.Orgs != 0 || sum.Dropped != 2 {
		t.Fatalf("inside the lease: %+v", sum)
	}
	sum = h.run(due1.Add(time.Hour)) // after the lease: unknown, listed
	if len(sum.Expired) != 1 || sum.Expired[0].Org != firmaA || sum.Orgs != 0 {
		t.Fatalf("after the lease: %+v", sum)
	}
	// The run is not fine: the reminder is named, by reference, as not
	// known to have gone out.
	if want := fmt.Sprintf("reminder %d to %s (outcome unknown)", sum.Expired[0].ID, firmaA); !slices.Contains(sum.NotSent(), want) {
		t.Errorf("not sent: %q, want %q", sum.NotSent(), want)
	}
	h.run(due1.Add(24 * time.Hour))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("the crashed reminder was sent again: %d messages", len(got))
	}
	un, err := h.st.UnresolvedNotifications(context.Background())
	if err != nil || len(un) != 1 || un[0].Status != store.NotifyUnknown || un[0].Shipments != 2 {
		t.Fatalf("unresolved: %+v %v", un, err)
	}
	_ = ids
}

// A run that dies after claiming a reminder but before its send began (the
// other messages of its batch were on the wire) leaves a message that
// certainly never left: after the lease, the next run sends it, once.
func TestRunCrashBeforeSendSendsAfterTheLease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	more, _ := h.register(ship{recipient: firmaB, class: "taushetsbelagt", conf: true, sent: monday})
	h.contacts(firmaB)
	if _, err := h.st.ClaimNotification(context.Background(), store.Claim{Org: firmaB,
		Items: []model.ReminderItem{{ShipmentID: more[0], Reminder: 1}}, Recipients: []string{"post-" + firmaB + "@example.no"},
		Now: due1}); err != nil {
		t.Fatal(err)
	}
	if sum := h.run(due1.Add(5 * time.Minute)); sum.Orgs != 0 || len(sum.Expired) != 0 {
		t.Fatalf("inside the lease: %+v", sum)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("a reminder claimed by a run still inside its lease was sent: %+v", got)
	}
	if sum := h.run(due1.Add(time.Hour)); len(sum.Expired) != 0 || sum.Retried != 1 || !strings.Contains(sum.String(), "1 reminders or notices claimed by a run that stopped") {
		t.Fatalf("after the lease: %s; want the reminder never begun retried, none unknown", sum)
	}
	got := h.take()
	if len(got) != 1 || got[0].org != firmaB {
		t.Fatalf("after the lease: %d messages, want the reminder to %s once", len(got), firmaB)
	}
	h.run(due1.Add(2 * time.Hour))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("sent again: %d messages", len(got))
	}
	un, err := h.st.UnresolvedNotifications(context.Background())
	if err != nil || len(un) != 0 {
		t.Fatalf("unresolved after the resend: %+v %v", un, err)
	}
}

func TestRunRetriesAfterSMTPFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, _ := h.register(confidential(firmaA, 2)...)
	h.contacts(firmaA)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	h.esc.Remind = h.reminder(closed) // the SMTP server is down
	sum := h.run(due1)
	if sum.Failed != 1 || sum.Orgs != 0 {
		t.Fatalf("server down: %+v", sum)
	}
	if n := h.count(`SELECT reminders_sent FROM shipments WHERE id = $1`, ids[0]); n != 0 {
		t.Fatal("a failed send counted as a reminder")
	}
	h.esc.Remind = h.reminder(h.mp.SMTPAddr) // back up
	sum = h.run(due1.Add(time.Hour))
	if sum.Orgs != 1 || sum.Reminders != 2 || sum.Failed != 0 {
		t.Fatalf("retry: %+v", sum)
	}
	if got := h.take(); len(got) != 1 || len(got[0].refs) != 2 {
		t.Fatalf("retry sent %+v", got)
	}
	h.run(due1.Add(2 * time.Hour))
	if got := h.take(); len(got) != 0 {
		t.Fatal("sent again after the successful retry")
	}
}

func TestRunListsOrganisationsWithoutAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(append(confidential(firmaA, 1), confidential(firmaB, 2)...)...)
	h.contacts(firmaA)
	sum := h.run(due1)
	if !reflect.DeepEqual(sum.NoAddress, []string{firmaB}) || sum.Orgs != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if !strings.Contains(sum.String(), "1 organisations without address") {
		t.Fatalf("summary line %q", sum.String())
	}
	un, err := h.st.UnresolvedNotifications(context.Background())
	if err != nil || len(un) != 1 || un[0].Org != firmaB || un[0].Status != store.NotifyNoAddress {
		t.Fatalf("unresolved %+v %v", un, err)
	}
	if !strings.Contains(h.logs.String(), "org="+firmaB) {
		t.Fatal("no log line names the organisation without address")
	}
	h.checkLogs()
}

// printRecorder is a Printer that remembers what it was given.
type printRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (p *printRecorder) Order(_ context.Context, ids []string, policy string, approval bool, _ time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range ids {
		p.calls = append(p.calls, policy)
	}
	if approval {
		p.calls = append(p.calls, "approval")
	}
	return nil
}

func TestRunHandsPrintDueToPrinter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(append(confidential(firmaA, 2), ship{recipient: firmaB, class: "barnevern", conf: true, sent: monday})...)
	pr := &printRecorder{}
	h.esc.Printer = pr
	h.run(due1) // the escalation meets them in time (reminders due): no catch-up later
	sum := h.run(printDay)
	if sum.PrintDue != 3 {
		t.Fatalf("summary %+v", sum)
	}
	got := strings.Join(pr.calls, ",")
	if strings.Count(got, "taushetsbelagt") != 2 || strings.Count(got, "barnevern") != 1 || strings.Count(got, "approval") != 1 {
		t.Fatalf("printer calls %v", pr.calls)
	}
	if n := h.count(`SELECT count(*) FROM shipments WHERE stage = 'print_due'`); n != 3 {
		t.Fatalf("%d shipments in print_due", n)
	}
	pr.calls = nil
	if sum := h.run(printDay.Add(time.Hour)); sum.PrintDue != 0 || len(pr.calls) != 0 {
		t.Fatalf("print handed over twice: %+v %v", sum, pr.calls)
	}
}

func TestRunIsExclusive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ran, err := h.st.TryExclusive(context.Background(), LockName, func(ctx context.Context) error {
		if _, err := h.esc.Run(ctx, due1); !errors.Is(err, ErrBusy) {
			t.Errorf("err = %v, want ErrBusy", err)
		}
		return nil
	})
	if err != nil || !ran {
		t.Fatal(ran, err)
	}
}

// Job is what jobs.Scheduler.Once runs under LockName (serve schedules it
// so: once per interval across the replicas): it runs in the lock Once
// holds rather than finding it held and doing nothing.
func TestJobRunsUnderOncesLock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ran, err := h.st.TryExclusive(context.Background(), LockName, h.esc.Job)
	if err != nil || !ran {
		t.Fatal(ran, err)
	}
	if out := h.logs.String(); !strings.Contains(out, "escalation run") {
		t.Fatalf("the job did not run in the lock:\n%s", out)
	}
}
