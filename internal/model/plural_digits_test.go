package model

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
)

// TestOneDigitNumberPlural: a recipient number of one digit on a
// Digital Post letter is told "not 1 digits" / "ikke 1 cifre" / "ikke 1
// sifre": problem.*_length_in has no singular (its count is "Len", not
// "Count").
func TestOneDigitNumberPlural(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := NewShipment{Channel: ChannelDigitalPost, ChannelID: "0b6d3c5e-1f2a-4b3c-8d4e-000000000001", SenderOrg: "64942212",
		SenderUnit: "Socialforvaltningen", RecipientKind: "org", RecipientID: "5", Title: "Afgørelse", Confidential: true,
		Class: "fortrolig", SentAt: now.Add(-time.Hour)}
	errs := s.Validate(now, nil)
	if len(errs) != 1 {
		t.Fatalf("errors %+v, want one", errs)
	}
	for _, tc := range []struct{ lang, wrong string }{{"en", "1 digits"}, {"da", "1 cifre"}, {"nb", "1 sifre"}} {
		got := i18n.For(tc.lang, nil).Say(errs[0].Reason, errs[0].Message)
		if strings.Contains(got, tc.wrong) {
			t.Errorf("%s: %q", tc.lang, got)
		}
	}
}
