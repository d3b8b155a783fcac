package chaos

import (
	"context"
	"fmt"
	"strings"
	"time"

	"postvakt/internal/model"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
)

// Report is what a crash test found.
type Report struct {
	Kills, KillsTwoReplicas, Starts, PGRestarts int
	Letters                                     int
	Took                                        time.Duration
	Unsettled                                   bool // the work did not settle in time after the kills
	UncleanStop                                 bool // the settling replica did not stop cleanly on SIGTERM
	SelfExits                                   int  // replicas that had exited by themselves (a crash) before their kill
	ThroughRestart                              int  // replicas that ran through the PostgreSQL restart
	StuckAfterRestart                           int  // of those, replicas that polled no more after it
	// Kills landed in a send (a print order, a Notifications order the
	// simulator took): before its answer reached the replica, just after;
	// and those that waited for one in vain (then killed at that moment).
	KillsBeforeAnswer, KillsAfterAnswer, KillsNoSend int

	StatusAnswers      int // letters' statuses the channel answered (status-sok ids)
	StatusChanges      int // letters the channel answered more than one status for
	Reminders          int // reminder e-mails mailpit received
	NotificationOrders int // Notifications orders the simulator received
	PrintOrders        int // print orders the simulator received
	AlertMails         int // health alert e-mails mailpit received

	DuplicateReminders int // (letter, reminder) pairs in more than one e-mail
	DuplicateOrders    int // (letter, reminder) pairs in more than one Notifications order
	DuplicatePrints    int // letters with more than one print order
	DuplicateAlerts    int // alert transitions (an alert's n-th notice to a destination) in more than one e-mail
	LostAlerts         int // alert notices recorded as sent that mailpit never received
	LostReminders      int // reminders recorded as sent by e-mail that mailpit never received
	LostStatuses       int // letters whose last reported status is not what the evidence log ends with
	Unreported         int // statuses in a letter's evidence log the channel never answered for it
	NotPolled          int // registered letters the channel was never asked about
	LostHandOffs       int // print-due letters without a print order, queued orders without an outbox row
	UnrecordedOrders   int // print and Notifications orders the simulator took that the database does not record
	Invalid            int // letters in an impossible state
	Unknown            int // reminders with an unknown outcome (killed after their send began, before its record): never re-sent
	Retrying           int // reminders claimed by a killed run before their send began: sent by a later run

	Problems []string // details, at most a few of each kind
}

// Failed reports a duplicate or a loss.
func (r *Report) Failed() bool {
	return r.DuplicateReminders+r.DuplicateOrders+r.DuplicatePrints+r.DuplicateAlerts+
		r.LostStatuses+r.Unreported+r.NotPolled+r.LostHandOffs+r.LostAlerts+r.LostReminders+r.UnrecordedOrders+r.Invalid > 0 ||
		r.Unsettled || r.UncleanStop || r.SelfExits > 0 || r.StuckAfterRestart > 0
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chaos: %d SIGKILLs (%d with two replicas), %d starts, %d PostgreSQL restart(s) (%d replicas through it, %d polled no more), %d letters, %s\n",
		r.Kills, r.KillsTwoReplicas, r.Starts, r.PGRestarts, r.ThroughRestart, r.StuckAfterRestart, r.Letters, r.Took.Round(time.Second))
	fmt.Fprintf(&b, "  kills in a send: %d before the answer reached serve, %d just after; %d waited for a send in vain\n",
		r.KillsBeforeAnswer, r.KillsAfterAnswer, r.KillsNoSend)
	fmt.Fprintf(&b, "  channel answers: %d letter statuses, %d letters seen changing; reminders: %d e-mails, %d Notifications orders; print orders: %d; health alerts: %d e-mails\n",
		r.StatusAnswers, r.StatusChanges, r.Reminders, r.NotificationOrders, r.PrintOrders, r.AlertMails)
	fmt.Fprintf(&b, "  duplicates: %d reminder e-mails, %d Notifications orders, %d print orders, %d alert notices\n",
		r.DuplicateReminders, r.DuplicateOrders, r.DuplicatePrints, r.DuplicateAlerts)
	fmt.Fprintf(&b, "  losses: %d statuses missing from the evidence log, %d letters never polled, %d print hand-offs lost, %d alert e-mails and %d reminder e-mails sent but not received, %d orders taken but not recorded\n",
		r.LostStatuses, r.NotPolled, r.LostHandOffs, r.LostAlerts, r.LostReminders, r.UnrecordedOrders)
	fmt.Fprintf(&b, "  invalid: %d letters in an impossible state, %d evidence statuses the channel never answered; settled: %v; replicas that exited by themselves: %d\n", r.Invalid, r.Unreported, !r.Unsettled, r.SelfExits)
	fmt.Fprintf(&b, "  reminders with an unknown outcome (killed after the send began, before the record; never re-sent): %d; "+
		"claimed by a killed run before their send began (sent by a later run): %d\n", r.Unknown, r.Retrying)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  ! %s\n", p)
	}
	if r.Failed() {
		b.WriteString("FAIL: a duplicate or a loss\n")
	} else {
		b.WriteString("ok: no duplicate, no loss\n")
	}
	return b.String()
}

// kill SIGKILLs a replica; one that had exited by itself before (a panic,
// a fatal error) is a failure, not one of the test's kills.
func (r *Report) kill(p *process) {
	if !p.kill() {
		r.SelfExits++
		r.problem("a replica exited by itself before its kill (%v): see serve.log", p.err)
	}
}

func (r *Report) problem(format string, args ...any) {
	if len(r.Problems) < 30 {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// settle waits until nothing is due: every letter polled and written (no
// claim outstanding), every print due ordered, the outbox and the address
// lookups empty, every reminder's Notifications order placed (one whose
// letters are all opened meanwhile is never placed, so it does not count); then a few more seconds for escalation runs.
func settle(ctx context.Context, dbURL string, limit time.Duration) (bool, error) {
	var open []string
	for _, st := range model.States {
		if st.Open() {
			open = append(open, "'"+string(st)+"'")
		}
	}
	openStates := "(" + strings.Join(open, ", ") + ")"
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return false, err
	}
	defer db.Close()
	deadline := time.Now().Add(limit)
	quiet := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var n int
		err := db.GetContext(ctx, &n, `SELECT
			(SELECT count(*) FROM poll_queue WHERE next_poll_at < now() + interval '1 minute')
			+ (SELECT count(*) FROM shipments s WHERE stage = '`+string(model.StagePrintDue)+`'
				AND NOT EXISTS (SELECT 1 FROM print_orders p WHERE p.shipment_id = s.id))
			+ (SELECT count(*) FROM print_outbox)
			+ (SELECT count(*) FROM print_orders WHERE state = 'lookup')
			+ (SELECT count(*) FROM notifications n WHERE n.order_request IS NOT NULL AND n.order_id = ''
				AND n.order_refused_at IS NULL AND n.status = 'sent'
				AND (n.order_next_at IS NULL OR n.order_next_at < now() + interval '1 minute')
				AND EXISTS (SELECT 1 FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
					WHERE i.notification_id = n.id AND i.active AND s.state IN `+openStates+`))`)
		if err == nil && n == 0 {
			quiet++
			if quiet >= 12 { // 6 s: three escalation runs
				return true, nil
			}
		} else {
			quiet = 0
		}
		time.Sleep(500 * time.Millisecond)
	}
	return false, ctx.Err()
}

type notification struct {
	ID      int64  `db:"id"`
	Key     string `db:"key"`
	Status  string `db:"status"`
	Untried bool   `db:"untried"` // its claim's send never began
}

type item struct {
	Notification int64  `db:"notification_id"`
	Shipment     string `db:"shipment_id"`
	Reminder     int    `db:"reminder"`
}

// count adds each reminder (letter and reminder number) of notification n
// to sent; what names the e-mail or order, which is Invalid when the
// database has no notification for it (ok false).
func (r *Report) count(sent map[item]int, itemsOf map[int64][]item, n notification, ok bool, what string) {
	if !ok {
		r.Invalid++
		r.problem("%s the database has no notification for", what)
		return
	}
	for _, it := range itemsOf[n.ID] {
		sent[item{Shipment: it.Shipment, Reminder: it.Reminder}]++
	}
}

// sentTwice adds to dup, and names, each reminder sent in more than one
// of the in (e-mails, orders).
func (r *Report) sentTwice(sent map[item]int, dup *int, in string) {
	for k, c := range sent {
		if c > 1 {
			*dup++
			r.problem("reminder %d for letter %s in %d %s", k.Reminder, k.Shipment, c, in)
		}
	}
}

// check compares the simulator's and mailpit's records with the database.
func check(ctx context.Context, r *Report, dbURL string, sm *simulator, mp *mailpit, speed float64) error {
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var notes []notification
	if err := db.SelectContext(ctx, &notes, `SELECT id, key, status, untried_claim IS NOT DISTINCT FROM claimed_at AS untried FROM notifications`); err != nil {
		return err
	}
	var items []item
	if err := db.SelectContext(ctx, &items, `SELECT notification_id, shipment_id, reminder FROM notification_items`); err != nil {
		return err
	}
	byKey := map[string]notification{}
	itemsOf := map[int64][]item{}
	for _, n := range notes {
		byKey[n.Key] = n
		switch {
		case n.Status == "pending" && n.Untried:
			r.Retrying++
		case n.Status == "pending" || n.Status == "unknown":
			r.Unknown++
		}
	}
	for _, it := range items {
		itemsOf[it.Notification] = append(itemsOf[it.Notification], it)
	}
	find := func(prefix string) (notification, bool) {
		for k, n := range byKey {
			if strings.HasPrefix(k, prefix) {
				return n, true
			}
		}
		return notification{}, false
	}

	// Reminder e-mails: the Message-ID names the notification.
	msgs, err := mp.messages()
	if err != nil {
		return err
	}
	sent := map[item]int{}
	for _, m := range msgs {
		if alertKey(m.MessageID) != "" {
			continue // checkAlerts'
		}
		r.Reminders++
		key, _, _ := strings.Cut(strings.TrimPrefix(m.MessageID, "reminder."), "@")
		n, ok := find(key)
		r.count(sent, itemsOf, n, ok, "an e-mail (Message-ID "+m.MessageID+")")
	}
	r.sentTwice(sent, &r.DuplicateReminders, "e-mails")
	if err := checkReminders(ctx, r, db, msgs); err != nil {
		return err
	}

	// Notifications orders: the idempotencyId names the notification.
	ordered := map[item]int{}
	seenOrder := map[string]int{}
	for _, o := range sm.NotificationOrders() {
		r.NotificationOrders++
		seenOrder[o.IdempotencyID]++
		n, ok := byKey[strings.TrimPrefix(o.IdempotencyID, "postvakt-reminder-")]
		r.count(ordered, itemsOf, n, ok, "a Notifications order ("+o.IdempotencyID+")")
	}
	r.sentTwice(ordered, &r.DuplicateOrders, "Notifications orders")
	for id, c := range seenOrder {
		if c > 1 {
			r.DuplicateOrders++
			r.problem("Notifications order %s placed %d times", id, c)
		}
	}

	// Print orders: one per letter (documentRef channel:id).
	prints := map[string]int{}
	for _, o := range sm.PrintOrders() {
		r.PrintOrders++
		prints[o.DocumentRef]++
	}
	for ref, c := range prints {
		if c > 1 {
			r.DuplicatePrints++
			r.problem("letter %s printed %d times", ref, c)
		}
	}

	if err := checkRecorded(ctx, r, db, sm); err != nil {
		return err
	}
	if err := checkAlerts(ctx, r, db, msgs); err != nil {
		return err
	}
	if err := checkStatuses(ctx, r, db, sm, speed); err != nil {
		return err
	}
	return checkStates(ctx, r, db)
}

// checkReminders: every reminder recorded as sent by e-mail (a Message-ID
// kept) reached mailpit, as checkAlerts asks of the alert notices. One that
// did not is a loss: its letters count as reminded, and no run sends it
// again.
func checkReminders(ctx context.Context, r *Report, db *sqlx.DB, msgs []mail) error {
	var sent []notification
	if err := db.SelectContext(ctx, &sent, `SELECT id, key, status FROM notifications
		WHERE kind = 'reminder' AND status = 'sent' AND message_id <> ''`); err != nil {
		return fmt.Errorf("read reminders sent by e-mail: %w", err)
	}
	received := map[string]bool{}
	for _, m := range msgs {
		if alertKey(m.MessageID) == "" {
			key, _, _ := strings.Cut(strings.TrimPrefix(m.MessageID, "reminder."), "@")
			received[key] = true
		}
	}
	for _, n := range sent {
		if !received[n.Key[:min(40, len(n.Key))]] {
			r.LostReminders++
			r.problem("reminder %d recorded as sent by e-mail, never received", n.ID)
		}
	}
	return nil
}

// checkStates looks for letters in states no run should leave behind.
func checkStates(ctx context.Context, r *Report, db *sqlx.DB) error {
	var n struct {
		HandOffs  int `db:"hand_offs"`
		Queued    int `db:"queued"`
		Reminded  int `db:"reminded"`
		Uncounted int `db:"uncounted"`
	}
	if err := db.GetContext(ctx, &n, `SELECT
		(SELECT count(*) FROM shipments s WHERE stage = '`+string(model.StagePrintDue)+`'
			AND NOT EXISTS (SELECT 1 FROM print_orders p WHERE p.shipment_id = s.id)) AS hand_offs,
		(SELECT count(*) FROM print_orders p WHERE state = 'queued'
			AND NOT EXISTS (SELECT 1 FROM print_outbox o WHERE o.shipment_id = p.shipment_id)) AS queued,
		(SELECT count(*) FROM shipments WHERE stage = '`+string(model.StageReminded)+`' AND reminders_sent = 0) AS reminded,
		(SELECT count(*) FROM shipments s WHERE reminders_sent > 0 AND NOT EXISTS (
			SELECT 1 FROM notification_items i JOIN notifications n ON n.id = i.notification_id
			WHERE i.shipment_id = s.id AND n.status = 'sent')) AS uncounted`); err != nil {
		return fmt.Errorf("check states: %w", err)
	}
	r.LostHandOffs += n.HandOffs + n.Queued
	r.Invalid += n.Reminded + n.Uncounted
	if n.HandOffs+n.Queued > 0 {
		r.problem("%d print-due letters without an order, %d queued orders without an outbox row", n.HandOffs, n.Queued)
	}
	if n.Reminded+n.Uncounted > 0 {
		r.problem("%d letters reminded without a count, %d with a count but no sent reminder", n.Reminded, n.Uncounted)
	}
	return nil
}
