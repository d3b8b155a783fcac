// Package storetest is the test support every package's tests share: a
// store on a fresh migrated database (internal/pgtest), registration
// fixtures, and Set, the one place where a test puts a letter into a state
// that a channel or an earlier run would have brought it to — so tests do
// not write SQL of their own.
package storetest

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

// Open returns a store on a fresh migrated database of its own, closed
// (and the database dropped) when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenURL(t, pgtest.New(t))
}

// OpenURL returns a store on the database url names, closed when the test
// ends: for tests that need the URL too (to run the binary on it, or to
// open a second store on it).
func OpenURL(t testing.TB, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Letter returns a valid registration numbered i: a confidential SvarUt
// letter from Bergen kommune's child welfare to one organisation, sent on
// 20 November 2026 (i seconds past 10:00 UTC). Tests change what matters
// to them.
func Letter(i int) model.NewShipment {
	return model.NewShipment{
		Channel: "svarut", ChannelID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten",
		RecipientKind: model.RecipientOrg, RecipientID: "974760673",
		Title: "Vedtak", Confidential: true, Class: "taushetsbelagt",
		SentAt: time.Date(2026, 11, 20, 10, 0, i, 0, time.UTC),
	}
}

// Letters returns Letter(0) to Letter(n-1).
func Letters(n int) []model.NewShipment {
	out := make([]model.NewShipment, n)
	for i := range out {
		out[i] = Letter(i)
	}
	return out
}

// ChannelID is a channel id made from a name and a number, the same at
// every call and different for every pair: a UUID, as every channel's
// letter ids are (registration refuses others). Tests that write letters
// by hand, or number them per test, name them by it.
func ChannelID(name string, i int) string {
	h := sha1.Sum(fmt.Appendf(nil, "%s/%d", name, i))
	h[6] = h[6]&0x0f | 0x50 // version 5 (name-based)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Register registers items (as an import by "test") and returns the
// shipments in the order given.
func Register(t testing.TB, st *store.Store, items ...model.NewShipment) []store.Shipment {
	t.Helper()
	got, _, err := st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// IDs returns the shipments' ids.
func IDs(ships []store.Shipment) []string {
	ids := make([]string, len(ships))
	for i, s := range ships {
		ids[i] = s.ID
	}
	return ids
}

// Change is one fact Set changes: column = expr, where expr is the
// placeholder of value ("$n" when empty).
type Change struct {
	column string
	value  any
	expr   string // with %s for the placeholder; "" means the value itself
	queue  bool   // a column of poll_queue, not of shipments
}

// State sets the delivery state.
func State(s model.State) Change { return Change{column: "state", value: string(s)} }

// Stage sets the escalation stage.
func Stage(s model.Stage) Change { return Change{column: "stage", value: string(s)} }

// AvailableAt sets when the letter became available to the recipient.
func AvailableAt(at time.Time) Change { return Change{column: "available_at", value: at} }

// NotAvailable clears when the letter became available (not yet).
func NotAvailable() Change { return Change{column: "available_at", value: nil} }

// ChannelStatus sets the channel's own status, as a poll leaves it.
func ChannelStatus(s string) Change { return Change{column: "channel_status", value: s} }

// HeldUntil sets when the channel is to publish the letter, as a poll of a
// letter held for a later publication leaves it.
func HeldUntil(at time.Time) Change { return Change{column: "held_until", value: at} }

// StateChangedAt sets when the state last changed.
func StateChangedAt(at time.Time) Change { return Change{column: "state_changed_at", value: at} }

// AvailableAfterSent makes each letter available d after it was sent.
func AvailableAfterSent(d time.Duration) Change {
	return Change{column: "available_at", value: d.Seconds(), expr: "sent_at + %s * interval '1 second'"}
}

// RegisteredAt sets when postvakt registered the letter (created_at).
func RegisteredAt(at time.Time) Change { return Change{column: "created_at", value: at} }

// SentAt sets when the letter was sent.
func SentAt(at time.Time) Change { return Change{column: "sent_at", value: at} }

// NextPollAt sets when the poller asks about the letter next.
func NextPollAt(at time.Time) Change { return Change{column: "next_poll_at", value: at, queue: true} }

// NoPoll takes the letter out of polling.
func NoPoll() Change { return Change{column: "next_poll_at", value: nil, queue: true} }

// UnknownToChannelSince marks the letter unknown to its channel since at.
func UnknownToChannelSince(at time.Time) Change {
	return Change{column: "unknown_to_channel_since", value: at}
}

// Set changes facts of the shipments ids (every shipment when ids is
// empty) directly, as a channel or an earlier run would have left them,
// without evidence events: a fixture, never a way to test the store's own
// transitions.
func Set(t testing.TB, st *store.Store, ids []string, changes ...Change) {
	t.Helper()
	if len(changes) == 0 {
		t.Fatal("storetest.Set: nothing to change")
	}
	for _, queue := range []bool{false, true} {
		table, key := "shipments", "id"
		if queue {
			table, key = "poll_queue", "shipment_id"
		}
		var (
			sets  []string
			args  []any
			where = "true"
		)
		if len(ids) > 0 {
			args = append(args, pq.Array(ids))
			where = key + " = ANY($1::uuid[])"
		}
		for _, c := range changes {
			if c.queue != queue {
				continue
			}
			args = append(args, c.value)
			ph := fmt.Sprintf("$%d", len(args))
			if c.expr != "" {
				ph = fmt.Sprintf(c.expr, ph)
			}
			sets = append(sets, c.column+" = "+ph)
		}
		if len(sets) == 0 {
			continue
		}
		if _, err := st.DB().ExecContext(context.Background(),
			`UPDATE `+table+` SET `+strings.Join(sets, ", ")+` WHERE `+where, args...); err != nil {
			t.Fatalf("storetest.Set %v: %v", changes, err)
		}
	}
}

// SetUnitManager sets the manager address of the sending unit named unit.
func SetUnitManager(t testing.TB, st *store.Store, unit, email string) {
	t.Helper()
	if _, err := st.DB().ExecContext(context.Background(), `UPDATE sender_units SET manager_email = $2 WHERE name = $1`,
		unit, email); err != nil {
		t.Fatal(err)
	}
}

// FromSim is the registration of a letter the simulator sent, as its sender
// system registers it (the record's sender_system).
func FromSim(r sim.ShipmentRecord) model.NewShipment {
	return model.NewShipment{Channel: r.Channel, ChannelID: r.ChannelID, SenderOrg: r.SenderOrg,
		SenderUnit: r.SenderUnit, RecipientKind: r.Recipient.Kind, RecipientID: r.Recipient.ID, Title: r.Title,
		Confidential: r.Confidential, Class: r.Class, SentAt: r.SentAt, SenderSystem: r.SenderSystem}
}

// OrgNumbers returns n valid Norwegian organisation numbers, the same on
// every call: 91000000 and up, each with its check digit.
func OrgNumbers(n int) []string {
	var out []string
	for base := 91000000; len(out) < n; base++ {
		s := fmt.Sprint(base)
		if d, ok := model.OrgCheckDigit(s); ok {
			out = append(out, s+string(d))
		}
	}
	return out
}

// Due is ids as due for the retention purge whatever their last change
// (store.PurgeShipments checks it again under its lock): a test that purges
// letters as of a made-up time.
func Due(ids ...string) []store.RetentionDue {
	return store.DueBefore(ids, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
}

// RefuseAudit makes the database refuse every audit entry (as an audit
// log that cannot be written), until the function it returns is called:
// for the tests of changes that must not stand unaudited. db is the
// database's connection (*sql.DB, or a store's DB()).
func RefuseAudit(t testing.TB, db interface {
	Exec(query string, args ...any) (sql.Result, error)
}) (restore func()) {
	t.Helper()
	if _, err := db.Exec(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := db.Exec(`DROP TRIGGER refuse_audit ON audit_log`); err != nil {
			t.Fatal(err)
		}
	}
}
