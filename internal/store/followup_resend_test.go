package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// toPerson is sample(i) to a person: a resend then needs the person the
// retention purge deletes with the last letter to them.
func toPerson(i int) model.NewShipment {
	ns := sample(i)
	ns.RecipientKind, ns.RecipientID = model.RecipientPerson, "01017012345"
	return ns
}

// lettersWithChannelID counts the letters registered under a channel id.
func lettersWithChannelID(t *testing.T, st *store.Store, channelID string) int {
	t.Helper()
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM shipments WHERE channel_id = $1`, channelID); err != nil {
		t.Fatal(err)
	}
	return n
}

// A resend's new letter is registered in the decision's transaction
// (FollowUpDecision.Resend): recorded, both letters are linked; the
// original purged after its page was read (the store's functions called in
// that order), the decision is refused with ErrPurged and no new letter is
// registered (before, the web handler registered it first, in a
// transaction of its own, and a purge in between left it registered and
// linked to nothing); another sending unit's channel id is refused, nothing
// stored.
func TestResendRegisteredWithItsDecision(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		purge   bool // the original purged after its page was read
		foreign bool // the new channel id is another unit's letter's
		want    error
	}{
		{"recorded: both letters linked", false, false, nil},
		{"purged after the page was read", true, false, store.ErrPurged},
		{"another unit's channel id", false, true, &store.ForeignError{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			got, _, err := st.Register(ctx, []model.NewShipment{toPerson(1)}, store.SourceAPI, "test")
			if err != nil {
				t.Fatal(err)
			}
			orig := got[0].ID
			resend := toPerson(2)
			if tc.foreign {
				other := toPerson(2)
				other.SenderUnit = "NAV"
				if _, _, err := st.Register(ctx, []model.NewShipment{other}, store.SourceAPI, "test"); err != nil {
					t.Fatal(err)
				}
			}
			// The page read: the letter not purged, its follow-up offered.
			if sh, err := st.Shipment(ctx, orig, store.Scope{}); err != nil || sh.PurgedAt != nil {
				t.Fatalf("page read: %+v %v", sh, err)
			}
			if tc.purge {
				if _, err := st.PurgeShipments(ctx, storetest.Due(orig), now, "system:retention"); err != nil {
					t.Fatal(err)
				}
			}
			err = st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: orig, Decision: store.DecisionResent,
				Resend: &resend, Actor: "user:kari", At: now, Deadline: now})
			var foreign *store.ForeignError
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("record: %v", err)
			case errors.Is(tc.want, store.ErrPurged) && !errors.Is(err, store.ErrPurged):
				t.Fatalf("record: %v, want ErrPurged", err)
			case tc.foreign && !errors.As(err, &foreign):
				t.Fatalf("record: %v, want a ForeignError", err)
			}
			fu, ferr := st.FollowUp(ctx, orig, store.Scope{})
			if tc.want != nil {
				if !errors.Is(ferr, store.ErrNotFound) {
					t.Errorf("a follow-up was recorded (%+v, %v), want none", fu, ferr)
				}
				want := 0 // none registered for the refused resend
				if tc.foreign {
					want = 1 // the other unit's letter
				}
				if n := lettersWithChannelID(t, st, resend.ChannelID); n != want {
					t.Errorf("%d letters under the new channel id, want %d", n, want)
				}
				return
			}
			var newID string
			if err := st.DB().Get(&newID, `SELECT id FROM shipments WHERE channel_id = $1`, resend.ChannelID); err != nil {
				t.Fatalf("the new letter is not registered: %v", err)
			}
			if ferr != nil || fu.Decision == nil || *fu.Decision != store.DecisionResent || fu.NewShipmentID == nil || *fu.NewShipmentID != newID {
				t.Fatalf("follow-up %+v (%v), want resent as %s", fu, ferr, newID)
			}
			if from, err := st.ResentFrom(ctx, newID, store.Scope{}); err != nil || from != orig {
				t.Fatalf("the new letter resent from %q (%v), want %s", from, err, orig)
			}
			sh, err := st.Shipment(ctx, newID, store.Scope{})
			if err != nil || len(sh.Events) == 0 || sh.Events[0].Kind != store.EventRegistered || sh.Events[0].Actor != "user:kari" ||
				sh.Events[0].Source != store.SourceUser {
				t.Fatalf("the new letter %+v (%v), want registered by user:kari", sh, err)
			}
		})
	}
}

// A resend against a retention purge in progress on its letter: the purge
// locks the letter, then its person, and marks it purged (as
// PurgeShipments does, here held open by the test). The resend waits for
// the letter before it registers anything (it holds the person of its new
// letter only after the letter: the purge's order, so no deadlock), and
// once the purge commits it is refused with ErrPurged, no letter
// registered.
func TestResendWaitsForAPurgeInProgress(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got, _, err := st.Register(ctx, []model.NewShipment{toPerson(1)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	orig := got[0].ID
	purge, err := st.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer purge.Rollback() //nolint:errcheck // committed below
	if _, err := purge.Exec(`SET LOCAL lock_timeout = '5s'`); err != nil {
		t.Fatal(err)
	}
	var person int64
	if err := purge.Get(&person, `SELECT recipient_id FROM shipments WHERE id = $1 FOR UPDATE`, orig); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	resend := toPerson(2)
	done := make(chan error, 1)
	go func() {
		done <- st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: orig, Decision: store.DecisionResent,
			Resend: &resend, Actor: "user:kari", At: now, Deadline: now})
	}()
	waitLockWait(t, st, "purged_at IS NOT NULL AS purged")
	if _, err := purge.Exec(`SELECT id FROM recipients WHERE id = $1 FOR UPDATE`, person); err != nil {
		t.Fatalf("the purge could not lock the letter's person (the resend holds it?): %v", err)
	}
	if _, err := purge.Exec(`UPDATE shipments SET purged_at = $2 WHERE id = $1`, orig, now); err != nil {
		t.Fatal(err)
	}
	if err := purge.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, store.ErrPurged) {
			t.Fatalf("resend during the purge: %v, want ErrPurged", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the resend did not finish")
	}
	if n := lettersWithChannelID(t, st, resend.ChannelID); n != 0 {
		t.Errorf("%d letters registered for the resend of the purged letter, want none", n)
	}
	if _, err := st.FollowUp(ctx, orig, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was recorded for the purged letter (err %v)", err)
	}
}
