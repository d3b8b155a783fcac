package store_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestFallbackDoesNotRefuseALockWait: a lock wait that times out (a
// transient condition: lock_timeout, as a deadlock or a statement_timeout
// would be) is no fault of the entry: ApplyFeed fails and the cursor stays,
// so the next cycle writes the entry; the fallback does not refuse it and
// commit the cursor past it.
func TestFallbackDoesNotRefuseALockWait(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	st1 := storetest.OpenURL(t, url)
	got := storetest.Register(t, st1, danish(1), danish(2))
	a, b := got[0], got[1]
	// An operator's usual guard: lock_timeout on the database (or role).
	if _, err := st1.DB().ExecContext(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lock_timeout = %L', current_database(), '300ms'); END $$`); err != nil {
		t.Fatal(err)
	}
	st2 := storetest.OpenURL(t, url)
	// Another transaction (an escalation run, a poll write) holds letter b for a moment.
	hold, err := st1.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM shipments WHERE id = $1 FOR UPDATE`, b.ID); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	cursor := t0.Add(time.Hour)
	w, err := st2.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: cursor, Entries: []store.FeedEntry{
		entry("ea", a.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", t0),
		entry("eb", b.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", t0),
	}})
	_ = hold.Rollback()
	c, ok, cerr := st1.FeedCursor(ctx, "digitalpost")
	if cerr != nil {
		t.Fatal(cerr)
	}
	sb, serr := st1.Shipment(ctx, b.ID, store.Scope{})
	if serr != nil {
		t.Fatal(serr)
	}
	t.Logf("ApplyFeed err=%v refused=%d cursor=%v(%v) b.state=%s", err, len(w.Refused), c, ok, sb.State)
	for _, r := range w.Refused {
		t.Logf("refused %s (shipment %q): %v", r.Entry.ID, r.ShipmentID, r.Err)
	}
	if err == nil && ok && c.Equal(cursor) && sb.State != model.StateAvailable {
		t.Fatalf("a lock timeout on letter b's row was taken for a bad entry: its MEMO_AVAILABLE_TO_RECIPIENT (the legal proof) was dropped and the cursor committed past it")
	}
}

// TestFallbackSameAsBatch: the same page written with and without an
// unstorable entry of a third letter must leave the other letters alike.
// The batch applies a letter's entries in the order they happened
// (applyFeedStates sorts by At); the fallback applies them one at a time in
// page order, the order Digital Post's log created them.
func TestFallbackSameAsBatch(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	run := func(withBad bool) (store.FeedWrite, *store.Shipment) {
		st := newStore(t)
		got := storetest.Register(t, st, danish(1), danish(3))
		a, c := got[0], got[1]
		es := []store.FeedEntry{
			// page order = created order; the read was logged first (late
			// entries of the log: LateDelay in the simulator)
			entry("e2", a.ChannelID, "MESSAGE_READ", model.StateOpened, "", t0.Add(3*time.Hour)),
			entry("e1", a.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", t0.Add(time.Minute)),
			entry("e0", a.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0),
		}
		if withBad {
			raw := make([]byte, 9000)
			rand.Read(raw)
			es = append(es, entry(base64.RawURLEncoding.EncodeToString(raw), c.ChannelID, "MESSAGE_READ", model.StateOpened, "", t0))
		}
		w, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: t0.Add(4 * time.Hour), Entries: es})
		if err != nil {
			t.Fatal(err)
		}
		sa, err := st.Shipment(ctx, a.ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		return w, sa
	}
	w1, s1 := run(false)
	w2, s2 := run(true)
	states := func(s *store.Shipment) (out []string) {
		for _, e := range s.Events {
			if e.Kind == store.EventState {
				out = append(out, e.FromState+"->"+e.ToState)
			}
		}
		return out
	}
	t.Logf("batch:    changed=%d behind=%d states=%v status=%s", w1.Changed, w1.Behind, states(s1), s1.ChannelStatus)
	t.Logf("fallback: changed=%d behind=%d states=%v status=%s refused=%d", w2.Changed, w2.Behind, states(s2), s2.ChannelStatus, len(w2.Refused))
	if w1.Changed != w2.Changed || w1.Behind != w2.Behind || strings.Join(states(s1), ",") != strings.Join(states(s2), ",") {
		t.Errorf("letter a's evidence depends on whether another letter's entry was bad on the page")
	}
}
