package model

import (
	"testing"
	"time"
)

// A SvarUt forsendelse id and an Altinn correspondence id are UUIDs, and
// both channels are Norwegian: the sender a Norwegian organisation (9
// digits), a person recipient a Norwegian national id (11 digits), an
// organisation a Norwegian number. A registration with anything else gets a
// field error (SPEC: a malformed registration is refused with field
// errors): an id "abc" would fail every poll and, counted as unread, go to
// print.
func TestValidateNorwegianChannels(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, ch := range []string{"svarut", "altinn"} {
		good := NewShipment{Channel: ch, ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d", SenderOrg: "964338531",
			SenderUnit: "U", RecipientKind: "org", RecipientID: "974760673", Title: "T", Class: "c", SentAt: now.Add(-time.Hour)}
		if errs := good.Validate(now); len(errs) != 0 {
			t.Fatalf("%s: good shipment: %v", ch, errs)
		}
		for _, tc := range []struct {
			field string
			mod   func(*NewShipment)
		}{
			{"channel_id", func(s *NewShipment) { s.ChannelID = "abc" }},
			{"sender_org", func(s *NewShipment) { s.SenderOrg = "29189846" }},                                  // a Danish CVR
			{"recipient.id", func(s *NewShipment) { s.RecipientKind, s.RecipientID = "person", "0101701234" }}, // a Danish CPR
			{"recipient.id", func(s *NewShipment) { s.RecipientID = "10150817" }},                              // a Danish CVR
		} {
			s := good
			tc.mod(&s)
			errs := s.Validate(now)
			if len(errs) != 1 || errs[0].Field != tc.field {
				t.Errorf("%s, bad %s: errors %v, want one on %s", ch, tc.field, errs, tc.field)
			}
		}
	}
}
