package notice

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestHeldBatchNoticeLeavesOutOpenedLetters: a print held for approval
// whose letter was opened before the notices ran will not print (the
// release skips it, the batch page marks it): the held-batch notice does
// not count it, and a batch whose letters were all opened is not told at
// all. It was told as waiting for approval, to compliance and the unit's
// manager, for letters already read.
func TestHeldBatchNoticeLeavesOutOpenedLetters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		held, opened int
		want         string // in the held-batch mail's text; "": no held-batch mail
	}{
		{"one of two opened", 2, 1, "1 letter (Barnevernstjenesten 1)"},
		{"none opened", 2, 0, "2 letters (Barnevernstjenesten 2)"},
		{"all opened", 1, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
			ids := f.register("Barnevernstjenesten", "barnevern", model.StateAvailable, now.AddDate(0, 0, -8), tc.held)
			if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "Barnevernstjenesten",
				ManagerEmail: "leder.bv@bergen.kommune.no"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
				Email: "personvern@bergen.kommune.no"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.CreatePrintOrders(ctx, ids, "barnevern", true, now); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if st, err := f.st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: id, Outcome: store.ResolveOrder, At: now,
					Request: []byte(`{"address":"Storgata 1"}`)}); err != nil || st != store.PrintStateHeld {
					t.Fatalf("hold %s: %s %v", id, st, err)
				}
			}
			if tc.opened > 0 {
				storetest.Set(t, f.st, ids[:tc.opened], storetest.State(model.StateOpened), storetest.StateChangedAt(now.Add(time.Minute)))
			}
			f.run(now.Add(5 * time.Minute))
			got := kinds(f.take(), "postvakt:")
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("a batch of opened letters was told: %+v", got)
				}
				return
			}
			if len(got) != 2 {
				t.Fatalf("%d mails, want compliance and the manager: %+v", len(got), got)
			}
			for _, m := range got {
				if !strings.Contains(m.text, tc.want) {
					t.Errorf("held-batch mail to %v lacks %q:\n%s", m.to, tc.want, m.text)
				}
			}
		})
	}
}
