package store_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// StuckCounts counts what the pages that list it list, in scope: the
// refused Altinn Notifications orders as /refused (not a superseded
// reminder's, nor an accepted order), the unresolved manual-handling
// items as /manual (print_lost among them), the reminders of unknown
// outcome as /reminders, and the organisations /reminders lists as having
// no address with their letters; a scope counts those of its letters only
// (a refused order whose reminder lists no letter: the unscoped count
// only; a reminder without address listing none: no count).
func TestStuckCounts(t *testing.T) {
	w := newStuckWorld(t, 4)
	st, ctx, at, db := w.st, t.Context(), w.at, w.st.DB()
	a, a2, b, b2 := w.ids[0], w.ids[1], w.ids[2], w.ids[3]
	w.notification("refused-ab", "910859897", "sent", true, a, b)
	w.notification("refused-by-order", "910859897", "failed", true, a)
	w.notification("refused-superseded", "910859897", "superseded", true, b)
	w.notification("refused-bare", "910859897", "sent", true)
	w.notification("accepted", "910859897", "sent", false, b)
	w.notification("unknown-b", "910859897", "unknown", false, b2)
	w.notification("unknown-a", "910859897", "unknown", false, a2)
	w.notification("unknown-bare", "910859897", "unknown", false)
	w.notification("failed", "910859897", "failed", false, a2)
	w.notification("no-address-ab", "910859897", "no_address", false, a, b)
	w.notification("no-address-2", "987654321", "no_address", false, a2)
	w.notification("no-address-old", "910859897", "superseded", false, b2)
	w.notification("no-address-bare", "910859897", "no_address", false)
	manual := func(id, reason string, resolved bool) {
		db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at, resolved_at)
			VALUES ($1, $2, '', $3, CASE WHEN $4 THEN $3::timestamptz END)`, id, reason, at, resolved)
	}
	manual(a, store.ReasonPrintLost, false)
	manual(a2, "no_address", false)
	manual(b, store.ReasonPrintLost, true)
	manual(b2, "print_failed", false)

	for _, tc := range []struct {
		name  string
		scope store.Scope
		want  store.StuckCounts
	}{
		{"every organisation", store.Scope{}, store.StuckCounts{RefusedOrders: 3, Manual: 3, PrintLost: 1, RemindersUnknown: 2,
			NoAddressOrgs: 2, NoAddressLetters: 3}},
		{"organisation A", store.Scope{SenderOrg: "964338531"}, store.StuckCounts{RefusedOrders: 2, Manual: 2, PrintLost: 1, RemindersUnknown: 1,
			NoAddressOrgs: 2, NoAddressLetters: 2}},
		{"organisation B", store.Scope{SenderOrg: "974760673"}, store.StuckCounts{RefusedOrders: 1, Manual: 1, RemindersUnknown: 1,
			NoAddressOrgs: 1, NoAddressLetters: 1}},
		{"A's unit NAV (none)", store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, store.StuckCounts{}},
		{"B's unit NAV", store.Scope{SenderOrg: "974760673", SenderUnit: "NAV"}, store.StuckCounts{RefusedOrders: 1, Manual: 1, RemindersUnknown: 1,
			NoAddressOrgs: 1, NoAddressLetters: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.StuckCounts(ctx, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("StuckCounts = %+v, want %+v", got, tc.want)
			}
			list, err := st.RefusedOrdersIn(ctx, tc.scope, 10)
			if err != nil || list.Total != got.RefusedOrders {
				t.Errorf("/refused counts %v (%v), StuckCounts %d", list, err, got.RefusedOrders)
			}
			q, err := st.ManualQueue(ctx, tc.scope, 100)
			if err != nil || len(q) != got.Manual {
				t.Errorf("/manual lists %d (%v), StuckCounts %d", len(q), err, got.Manual)
			}
			settle, err := st.NotificationsToSettle(ctx, tc.scope, store.SettleFilter{}, 100)
			orgs := map[string]bool{}
			for _, n := range settle {
				if n.Status == store.NotifyNoAddress {
					orgs[n.Org] = true
				}
			}
			if err != nil || len(orgs) != got.NoAddressOrgs {
				t.Errorf("/reminders lists %d organisations without address (%v), StuckCounts %d", len(orgs), err, got.NoAddressOrgs)
			}
		})
	}

	// Cheap: the refused orders are counted by their partial index, not
	// by reading every reminder.
	var plan []string
	tx := db.MustBegin()
	defer tx.Rollback()
	tx.MustExec(`SET LOCAL enable_seqscan = off`)
	if err := tx.Select(&plan, `EXPLAIN SELECT count(*) FROM notifications n WHERE n.order_refused_at IS NOT NULL AND n.status <> 'superseded'`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "notifications_refused") {
		t.Errorf("the refused orders' count uses no index of its own: %v", plan)
	}
}

// The overview's card counts the organisations without address and the
// reminders of unknown outcome as the operations page does (one
// definition each, noAddressItems and unknownReminders), in every scope:
// a reminder counts in the scope of its active letters only, a superseded
// one or one listing no letter never, an organisation with two reminders
// waiting for an address once, a reminder listing letters of two
// organisations once in the unscoped count.
func TestOverviewCardIsStuckCounts(t *testing.T) {
	w := newStuckWorld(t, 3)
	st, ctx, at := w.st, t.Context(), w.at
	a, a2, b := w.ids[0], w.ids[1], w.ids[2]
	w.notification("na-1", "910859897", "no_address", false, a, b)
	w.notification("na-2", "910859897", "no_address", false, a2)
	w.notification("na-3", "987654321", "no_address", false, a2)
	w.notification("na-old", "912345678", "superseded", false, b)
	w.notification("na-bare", "923456789", "no_address", false)
	w.notification("unk-a", "910859897", "unknown", false, a)
	w.notification("unk-b", "910859897", "unknown", false, b)
	w.notification("unk-ab", "910859897", "unknown", false, a2, b)
	w.notification("unk-bare", "910859897", "unknown", false)
	for _, tc := range []struct {
		name  string
		scope store.Scope
		want  int // organisations without address
		unk   int // reminders of unknown outcome
	}{
		{"every organisation", store.Scope{}, 2, 3},
		{"organisation A", store.Scope{SenderOrg: "964338531"}, 2, 2},
		{"organisation B", store.Scope{SenderOrg: "974760673"}, 1, 2},
		{"A's unit NAV (none)", store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stuck, err := st.StuckCounts(ctx, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			act, err := st.Activity(ctx, tc.scope, at.Add(-7*24*time.Hour), at)
			if err != nil {
				t.Fatal(err)
			}
			if act.NoAddress != tc.want || stuck.NoAddressOrgs != tc.want {
				t.Errorf("overview %d, operations %d organisations without address; want %d", act.NoAddress, stuck.NoAddressOrgs, tc.want)
			}
			if act.UnknownReminders != tc.unk || stuck.RemindersUnknown != tc.unk {
				t.Errorf("overview %d, operations %d reminders of unknown outcome; want %d", act.UnknownReminders, stuck.RemindersUnknown, tc.unk)
			}
		})
	}
}

// stuckWorld is a fresh store with n letters (n >= 3): the first two
// storetest.Letter's of organisation A (964338531), the rest organisation
// B's (974760673) unit NAV; the reminders written in at a fixed time.
type stuckWorld struct {
	t        *testing.T
	st       *store.Store
	at       time.Time
	ids      []string
	reminder int // the last reminder number given to a letter
}

func newStuckWorld(t *testing.T, n int) *stuckWorld {
	t.Helper()
	st := newStore(t)
	items := make([]model.NewShipment, n)
	for i := range items {
		items[i] = storetest.Letter(i)
		if i >= 2 {
			items[i].SenderOrg, items[i].SenderUnit = "974760673", "NAV"
		}
	}
	ids := storetest.IDs(storetest.Register(t, st, items...))
	return &stuckWorld{t: t, st: st, at: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), ids: ids}
}

// notification writes a reminder to orgnr in status listing letters (a
// superseded one's letters inactive); refused: its order refused for good
// (NOT-00001) at w.at.
// notice adds a notice of kind in status telling of letters (none: a
// held batch's).
func (w *stuckWorld) notice(key, kind, status string, letters ...string) {
	w.t.Helper()
	db := w.st.DB()
	var id int64
	if err := db.Get(&id, `INSERT INTO notifications (key, kind, orgnr, status, created_at, claimed_at, updated_at)
		VALUES ($1, $2, '', $3, $4, $4, $4) RETURNING id`, key, kind, status, w.at); err != nil {
		w.t.Fatal(err)
	}
	if len(letters) == 0 {
		db.MustExec(`INSERT INTO notification_notices (notification_id, grp, ref) VALUES ($1, 'held', $2)`, id, "held:"+key)
	}
	for _, l := range letters {
		db.MustExec(`INSERT INTO notification_notices (notification_id, grp, ref, shipment_id) VALUES ($1, 'followup', $2, $3)`,
			id, "followup:"+l+":"+key, l)
	}
}

// TestStuckNoticesUnknown: a notice to the sending organisation's people
// (a follow-up, an escalation, the digest) of unknown outcome is counted
// on /ops beside the reminders (which it is not among): every one
// unscoped, a held batch's that tells of no letter too; in a scope those
// telling of a letter in it. Sent ones and reminders are not counted.
func TestStuckNoticesUnknown(t *testing.T) {
	w := newStuckWorld(t, 3)
	a, b := w.ids[0], w.ids[2]
	w.notice("due-a", store.KindFollowUpDue, "unknown", a)
	w.notice("esc-held", store.KindEscalation, "unknown")
	w.notice("digest-ab", store.KindComplianceDigest, "unknown", a, b)
	w.notice("overdue-b", store.KindFollowUpOverdue, "sent", b)
	w.notification("unknown-a", "910859897", "unknown", false, a)
	for _, tc := range []struct {
		name            string
		scope           store.Scope
		notices, remind int
	}{
		{"every organisation", store.Scope{}, 3, 1},
		{"organisation A", store.Scope{SenderOrg: "964338531"}, 2, 1},
		{"organisation B", store.Scope{SenderOrg: "974760673"}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.st.StuckCounts(t.Context(), tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.NoticesUnknown != tc.notices || got.RemindersUnknown != tc.remind {
				t.Errorf("notices unknown %d, reminders unknown %d; want %d, %d", got.NoticesUnknown, got.RemindersUnknown, tc.notices, tc.remind)
			}
		})
	}
}

func (w *stuckWorld) notification(key, orgnr, status string, refused bool, letters ...string) {
	w.t.Helper()
	db := w.st.DB()
	var id int64
	if err := db.Get(&id, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at, order_error, order_refused_at)
		VALUES ($1, $2, $3, $4, $4, $4, CASE WHEN $5 THEN 'NOT-00001' ELSE '' END, CASE WHEN $5 THEN $4::timestamptz END) RETURNING id`,
		key, orgnr, status, w.at, refused); err != nil {
		w.t.Fatal(err)
	}
	for _, l := range letters {
		w.reminder++
		db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder, active) VALUES ($1, $2, $3, $4)`,
			id, l, w.reminder, status != "superseded")
	}
}
