package upkeep

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter's retention is its policy's, and the purge chooses that policy
// as the rest of postvakt does, by every match field (README Retention:
// "older than its policy's retention.years"; policies/default.yaml: match).
// For each field a policy matching by it alone keeps its letter 10 years:
// seven years on, the letter it matches is kept, a letter it does not
// match (the default's 5 years) is purged. A purge that left the channel
// out of the facts purged an Altinn archive's letters after 5 years.
func TestRetentionMatchesPolicyByEveryField(t *testing.T) {
	base := model.NewShipment{Channel: "svarut", ChannelID: "ret-base", SenderOrg: bergen, SenderUnit: "Skatt",
		RecipientKind: "org", RecipientID: firma, Title: "TITTEL-5-AAR", Confidential: true, Class: "taushetsbelagt"}
	for _, tc := range []struct {
		field, match string
		letter       func(*model.NewShipment)
	}{
		{"channel", "channel: [altinn]", func(s *model.NewShipment) { s.Channel = "altinn" }},
		{"class", "class: [barnevern]", func(s *model.NewShipment) { s.Class = "barnevern" }},
		{"confidential", "confidential: false", func(s *model.NewShipment) { s.Confidential = false }},
		{"recipient_kind", "recipient_kind: person", func(s *model.NewShipment) { s.RecipientKind, s.RecipientID = "person", personA }},
		{"sender_org", `sender_org: ["` + firma + `"]`, func(s *model.NewShipment) { s.SenderOrg = firma }},
		{"sender_unit", "sender_unit: [Barnevernstjenesten]", func(s *model.NewShipment) { s.SenderUnit = "Barnevernstjenesten" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			set := policytest.Files(t, map[string]string{
				"default.yaml": "name: default\ncalendar: NO\nreminders:\n  max: 0\nprint:\n  enabled: false\n",
				"ten.yaml": "name: ten\nmatch:\n  " + tc.match + "\ncalendar: NO\nreminders:\n  max: 0\nprint:\n  enabled: false\n" +
					"retention:\n  years: 10\n",
			})
			sent := time.Date(2019, 1, 10, 10, 0, 0, 0, time.UTC)
			kept := base
			tc.letter(&kept)
			kept.ChannelID, kept.Title = "ret-kept", "TITTEL-10-AAR"
			kept.SentAt, base.SentAt = sent, sent
			// What the rest of postvakt matches the letter by.
			if p, err := set.Match(policy.Facts{Channel: kept.Channel, Class: kept.Class, Confidential: kept.Confidential,
				RecipientKind: kept.RecipientKind, SenderOrg: kept.SenderOrg, SenderUnit: kept.SenderUnit}); err != nil || p.Name != "ten" {
				t.Fatalf("the letter's policy: %v %v, want ten", p, err)
			}
			ids := storetest.IDs(storetest.Register(t, st, kept, base))
			storetest.Set(t, st, ids, storetest.State(model.StateRejected), storetest.StateChangedAt(sent.Add(time.Hour)))

			u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), Policies: set, RetentionYears: 5}
			if _, err := u.Purge(ctx, sent.AddDate(7, 0, 0)); err != nil {
				t.Fatal(err)
			}
			for i, want := range []bool{false, true} {
				var purged bool
				if err := st.DB().Get(&purged, `SELECT purged_at IS NOT NULL FROM shipments WHERE id = $1`, ids[i]); err != nil {
					t.Fatal(err)
				}
				if purged != want {
					t.Errorf("letter %d after 7 years: purged %v, want %v (policy ten matches %s, retention 10 years)", i, purged, want, tc.match)
				}
			}
		})
	}
}

// The purge matches a letter's policy by every fact policy.Facts has: each
// field of the facts it builds of a candidate is set. A fact added to
// policy.Facts that the purge does not fill fails here.
func TestRetentionPolicyFactsAreComplete(t *testing.T) {
	c := store.RetentionCandidate{ID: "x", Channel: "altinn", Class: "barnevern", Confidential: true, RecipientKind: "person",
		SenderOrg: bergen, SenderUnit: "Skatt"}
	f := reflect.ValueOf(policyFacts(c))
	for i := range f.NumField() {
		if f.Field(i).IsZero() {
			t.Errorf("the purge matches policies without %s", f.Type().Field(i).Name)
		}
	}
}
