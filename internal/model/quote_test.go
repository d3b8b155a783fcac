package model

import (
	"strings"
	"testing"
	"time"
)

// TestValidateMasksNationalIDs: a value Validate quotes back (a channel,
// a recipient kind, a channel id) keeps a national id in it masked, as
// Quote does: a fødselsnummer or CPR number in the wrong field never
// reaches a 422 body, a log or a terminal in clear.
func TestValidateMasksNationalIDs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"01017012345", `"010170*****"`}, {"0101901234", `"010190****"`}, {"010190-1234", `"010190-****"`},
		{"010170 12345", `"010170******"`}, {"fax", `"fax"`}, {"00000000-0000-4000-8000-000000000001", `"00000000-0000-4000-8000-000000000001"`},
		// An id alone that is a JSON number (no leading zero) is quoted
		// once, as any other: not the masked JSON string in quotes
		// ("\"311299*****\"", as policy explain and import --system said).
		{"31129912345", `"311299*****"`}, {"3112991234", `"311299****"`}, {"[31129912345]", `"[311299*****]"`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	registerChannels()
	good := NewShipment{Channel: "svarut", ChannelID: "00000000-0000-4000-8000-000000000001", SenderOrg: "964338531",
		SenderUnit: "NAV", RecipientKind: "org", RecipientID: "974760673", Title: "Vedtak", Class: "c",
		SentAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, set := range []func(*NewShipment){
		func(s *NewShipment) { s.Channel = "01017012345" },
		func(s *NewShipment) { s.RecipientKind = "01017012345" },
		func(s *NewShipment) { s.ChannelID = "01017012345" },
	} {
		s := good
		set(&s)
		errs := s.Validate(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), nil)
		if len(errs) == 0 {
			t.Fatalf("%+v: no problem", s)
		}
		for _, e := range errs {
			if strings.Contains(e.Message, "12345") || !strings.Contains(e.Message, "010170*****") {
				t.Errorf("%s: %s, want the id masked", e.Field, e.Message)
			}
		}
	}
}
