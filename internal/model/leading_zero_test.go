package model

import (
	"strings"
	"testing"
	"time"
)

// TestPersonIDLeadingZeroLost: Excel reads a column of national ids as
// numbers and drops the leading 0 of everyone born on the 1st to the 9th
// of a month; saved again, the file has a fødselsnummer of 10 digits (on
// SvarUt, told it needs a Norwegian id, as if it were a CPR number) or a
// CPR number of 9. Such an id, valid with its 0, is told that its
// leading zero is lost (Excel), never quoting it; one that is no id with
// a 0 either keeps its problem.
func TestPersonIDLeadingZeroLost(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	no := NewShipment{Channel: "svarut", ChannelID: "0b6d3c5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", SenderOrg: "964338531",
		SenderUnit: "Barnevernstjenesten", RecipientKind: "person", Title: "T", Class: "barnevern", SentAt: now.Add(-time.Hour)}
	dk := no
	dk.Channel, dk.SenderOrg, dk.SenderUnit = "digitalpost", "64942212", "Socialforvaltningen"
	for _, tc := range []struct {
		name string
		s    NewShipment
		id   string
		key  string // the recipient.id problem's key
	}{
		{"fødselsnummer without its 0", no, "5038500076", "problem.person_leading_zero"},
		{"CPR number without its 0", dk, "101801234", "problem.person_leading_zero"},
		{"ten digits, no fødselsnummer with a 0 either", no, "5038500077", "problem.channel_recipient_persons"},
		{"nine digits, no CPR date with a 0 either", dk, "113801234", "problem.person_length_in"},
	} {
		s := tc.s
		s.RecipientID = tc.id
		errs := s.Validate(now, nil)
		if len(errs) != 1 || errs[0].Field != "recipient.id" || errs[0].Reason.Key != tc.key {
			t.Errorf("%s: errors %+v, want one on recipient.id with %s", tc.name, errs, tc.key)
			continue
		}
		if strings.Contains(errs[0].Message, tc.id[2:]) {
			t.Errorf("%s: the message quotes the id: %q", tc.name, errs[0].Message)
		}
	}
}
