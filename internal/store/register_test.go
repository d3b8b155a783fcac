package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestRegistrationContradictions: a staged row naming a letter with
// another sender organisation or recipient than the stored letter, or
// with any other fact (but the sender system) than the earlier row of the
// same registration that stored it, is returned with the first fact that
// differs and that row; a letter stored before under another unit or
// title, and a plain duplicate, are not.
func TestRegistrationContradictions(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	with := func(i int, f func(*model.NewShipment)) model.NewShipment {
		ns := sample(i)
		f(&ns)
		return ns
	}
	same := func(*model.NewShipment) {}
	cases := []struct {
		name string
		rows []model.NewShipment
		want string // "ord field earlier" of each contradiction
	}{
		{"a duplicate, in the batch and of a stored letter", []model.NewShipment{sample(2), sample(2), sample(1)}, "[]"},
		{"stored before: another unit and title", []model.NewShipment{with(1, func(n *model.NewShipment) { n.SenderUnit, n.Title = "NAV", "Annet" })}, "[]"},
		{"stored before: another sender organisation", []model.NewShipment{with(1, func(n *model.NewShipment) { n.SenderOrg = "974760673" })}, "[0 sender_org -]"},
		{"stored before: another recipient", []model.NewShipment{with(1, func(n *model.NewShipment) { n.RecipientID = "964338531" })}, "[0 recipient_id -]"},
		{"in the batch: another recipient kind", []model.NewShipment{sample(3), with(3, func(n *model.NewShipment) { n.RecipientKind, n.RecipientID = "person", "01017010170" })}, "[1 recipient_kind 0]"},
		{"in the batch: another unit", []model.NewShipment{sample(3), with(3, func(n *model.NewShipment) { n.SenderUnit = "NAV" })}, "[1 sender_unit 0]"},
		{"in the batch: another sent time, third row", []model.NewShipment{sample(3), with(3, same), with(3, func(n *model.NewShipment) { n.SentAt = n.SentAt.Add(time.Hour) })}, "[2 sent_at 0]"},
		{"in the batch: another sender system only", []model.NewShipment{sample(3), with(3, func(n *model.NewShipment) { n.SenderSystem = "other" })}, "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := st.BeginRegistration(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer reg.Rollback()
			for _, ns := range tc.rows {
				if err := reg.Add(ctx, ns); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := reg.Apply(ctx, store.SourceImport, "test"); err != nil {
				t.Fatal(err)
			}
			cs, err := reg.Contradictions(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				earlier := "-"
				if c.Earlier.Valid {
					earlier = fmt.Sprint(c.Earlier.Int32)
				}
				got = append(got, fmt.Sprintf("%d %s %s", c.Ord, c.Field, earlier))
			}
			if fmt.Sprint(got) != tc.want {
				t.Fatalf("contradictions %v, want %s", got, tc.want)
			}
		})
	}
}
