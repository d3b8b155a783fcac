package model

import (
	"strings"
	"testing"
	"time"
)

// TestCPRWithHyphen: Danish staff write a CPR number DDMMYY-SSSS; a
// registration so written is accepted and stored as the ten digits (the
// same recipient, and the same letter, as one written without the
// hyphen). Another separator, or a hyphen elsewhere, stays refused, the
// former saying how a CPR number is written; an organisation's number is
// not touched.
func TestCPRWithHyphen(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	good := NewShipment{Channel: "digitalpost", ChannelID: "0b6d3c5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", SenderOrg: "64942212",
		SenderUnit: "Socialforvaltningen", RecipientKind: "person", RecipientID: "0101801234", Title: "T", Class: "fortrolig",
		SentAt: now.Add(-time.Hour)}
	for _, tc := range []struct {
		name, kind, id string
		stored         string // Normalized's recipient id
		key            string // the recipient.id problem's key; "" for none
	}{
		{"ten digits", "person", "0101801234", "0101801234", ""},
		{"DDMMYY-SSSS", "person", "010180-1234", "0101801234", ""},
		{"DDMMYY-SSSS with spaces around", "person", " 010180-1234 ", "0101801234", ""},
		{"a space between", "person", "010180 1234", "010180 1234", "problem.person_cpr_separator"},
		{"a slash between", "person", "010180/1234", "010180/1234", "problem.person_cpr_separator"},
		{"a dot between", "person", "010180.1234", "010180.1234", "problem.person_cpr_separator"},
		{"an en dash between", "person", "010180–1234", "010180–1234", "problem.person_cpr_separator"},
		{"the hyphen elsewhere", "person", "0101-801234", "0101-801234", "problem.person_digits"},
		{"two hyphens", "person", "010180--1234", "010180--1234", "problem.person_digits"},
		{"a bad date with the hyphen", "person", "321380-1234", "3213801234", "problem.person_cpr_date"},
		{"an organisation's number is not a CPR number", "org", "101508-17", "101508-17", "problem.org_digits"},
	} {
		s := good
		s.RecipientKind, s.RecipientID = tc.kind, tc.id
		if got := s.Normalized().RecipientID; got != tc.stored {
			t.Errorf("%s: stored as %q, want %q", tc.name, got, tc.stored)
		}
		errs := s.Validate(now, nil)
		switch {
		case tc.key == "" && len(errs) != 0:
			t.Errorf("%s: refused: %v", tc.name, errs)
		case tc.key != "" && (len(errs) != 1 || errs[0].Field != "recipient.id" || errs[0].Reason.Key != tc.key):
			t.Errorf("%s: errors %+v, want one on recipient.id with %s", tc.name, errs, tc.key)
		}
		for _, e := range errs {
			if strings.Contains(e.Message, "0180") || strings.Contains(e.Message, "1508") {
				t.Errorf("%s: the message quotes the id: %q", tc.name, e.Message)
			}
		}
	}
}
