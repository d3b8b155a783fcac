package model

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
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
		if errs := good.Validate(now, nil); len(errs) != 0 {
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
			errs := s.Validate(now, nil)
			if len(errs) != 1 || errs[0].Field != tc.field {
				t.Errorf("%s, bad %s: errors %v, want one on %s", ch, tc.field, errs, tc.field)
			}
		}
	}
}

// An organisation number is checked as its letter's channel's country's:
// an 8-digit number on a SvarUt or Altinn letter is told that the channel
// needs a Norwegian organisation number, not that it is an invalid Danish
// CVR number (check digit); a 9-digit one on a Digital Post letter that
// the channel needs a CVR number. Within the channel's country the check
// digit is still checked.
func TestOrgNumberCheckedByChannelCountry(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		channel, sender, recipient string
		field, key                 string
	}{
		{"svarut", "12345678", "974760673", "sender_org", "problem.channel_senders"},
		{"altinn", "964338531", "12345678", "recipient.id", "problem.channel_recipient_orgs"},
		{"altinn", "29189846", "974760673", "sender_org", "problem.channel_senders"}, // a valid CVR: as before
		{"altinn", "964338532", "974760673", "sender_org", "problem.org_check_no"},
		{ChannelDigitalPost, "964338532", "29189846", "sender_org", "problem.channel_senders"},
		{ChannelDigitalPost, "29189846", "974760674", "recipient.id", "problem.channel_recipient_orgs"},
		{ChannelDigitalPost, "29189846", "12345678", "recipient.id", "problem.org_check_dk"},
		{"fax", "12345678", "974760673", "sender_org", "problem.org_check_dk"}, // no channel's country: by its length
	} {
		s := NewShipment{Channel: tc.channel, ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d", SenderOrg: tc.sender,
			SenderUnit: "U", RecipientKind: "org", RecipientID: tc.recipient, Title: "T", Class: "c", SentAt: now.Add(-time.Hour)}
		var got []string
		for _, e := range s.Validate(now, nil) {
			if e.Field == tc.field {
				got = append(got, e.Reason.Key)
			}
		}
		if len(got) != 1 || got[0] != tc.key {
			t.Errorf("%s, sender %s, recipient %s: %s reasons %v, want only %s", tc.channel, tc.sender, tc.recipient, tc.field, got, tc.key)
		}
	}
}

// A person id is checked as its letter's channel's country's, as an
// organisation number is: a 10-digit id on a SvarUt or Altinn letter is
// told that the channel needs a Norwegian national id, not that it is an
// invalid Danish CPR number (date part); an 11-digit one on a Digital Post
// letter that the channel needs a CPR number, not that it is an invalid
// fødselsnummer. Within the channel's country the id is still checked. No
// problem quotes the id.
func TestPersonIDCheckedByChannelCountry(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		channel, sender, recipient string
		key                        string
	}{
		{"svarut", "964338531", "3213701234", "problem.channel_recipient_persons"},
		{"altinn", "964338531", "0199801234", "problem.channel_recipient_persons"},
		{"altinn", "964338531", "0101701234", "problem.channel_recipient_persons"}, // a valid CPR: as before
		{"altinn", "964338531", "01017012346", "problem.person_check_no"},
		{ChannelDigitalPost, "29189846", "01017012346", "problem.channel_recipient_persons"},
		{ChannelDigitalPost, "29189846", "3213701234", "problem.person_cpr_date"},
		{"fax", "29189846", "3213701234", "problem.person_cpr_date"}, // no channel's country: by its length
	} {
		s := NewShipment{Channel: tc.channel, ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d", SenderOrg: tc.sender,
			SenderUnit: "U", RecipientKind: "person", RecipientID: tc.recipient, Title: "T", Class: "c", SentAt: now.Add(-time.Hour)}
		var got []string
		for _, e := range s.Validate(now, nil) {
			if e.Field == "recipient.id" {
				got = append(got, e.Reason.Key)
			}
			for _, lang := range []string{"en", "nb", "da"} {
				if msg := i18n.For(lang, nil).Say(e.Reason, ""); strings.Contains(msg, tc.recipient) || strings.Contains(e.Message, tc.recipient) {
					t.Errorf("%s, recipient %s: problem %q (%s) quotes the id", tc.channel, MaskPersonID(tc.recipient), msg, lang)
				}
			}
		}
		if len(got) != 1 || got[0] != tc.key {
			t.Errorf("%s, recipient %s: recipient.id reasons %v, want only %s", tc.channel, MaskPersonID(tc.recipient), got, tc.key)
		}
	}
}

// A number of no country's length on a letter of a channel's country is
// told the channel's number, not "9 digits (Norway) or 8 (Denmark)": a
// Danish kommune's 10-digit sender_org on Digital Post must be a CVR
// number, and a 9-digit one, as that message invited, is refused too.
func TestNumberLengthByChannelCountry(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		channel, sender, kind, recipient string
		field, key, english              string
	}{
		{ChannelDigitalPost, "0101701234", "org", "29189846", "sender_org", "problem.org_length_in", "must be a CVR number (8 digits), not 10 digits"},
		{ChannelDigitalPost, "29189846", "org", "123", "recipient.id", "problem.org_length_in", "must be a CVR number (8 digits), not 3 digits"},
		{ChannelDigitalPost, "29189846", "person", "010170123", "recipient.id", "problem.person_length_in", "must be a CPR number (10 digits), not 9 digits"},
		{"svarut", "9643385", "org", "974760673", "sender_org", "problem.org_length_in", "must be a Norwegian organisation number (9 digits), not 7 digits"},
		{"altinn", "964338531", "person", "0101701", "recipient.id", "problem.person_length_in", "must be a Norwegian national id (11 digits), not 7 digits"},
		{"fax", "9643385", "org", "974760673", "sender_org", "problem.org_length", "organisation number must have 9 digits (Norway) or 8 (Denmark, CVR), not 7"},
	} {
		s := NewShipment{Channel: tc.channel, ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d", SenderOrg: tc.sender,
			SenderUnit: "U", RecipientKind: tc.kind, RecipientID: tc.recipient, Title: "T", Class: "c", SentAt: now.Add(-time.Hour)}
		var got []string
		for _, e := range s.Validate(now, nil) {
			if e.Field == tc.field {
				got = append(got, e.Reason.Key+": "+e.Reason.English())
			}
		}
		if want := tc.key + ": " + tc.english; len(got) != 1 || got[0] != want {
			t.Errorf("%s, sender %s, recipient %s: %s reasons %q, want only %q", tc.channel, tc.sender, tc.recipient, tc.field, got, want)
		}
	}
}
