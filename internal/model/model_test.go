package model

import (
	"strings"
	"testing"
	"time"
)

func TestCheckOrgNumber(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"964338531", true},  // Bergen kommune
		{"974760673", true},  // Brønnøysundregistrene
		{"974760674", false}, // wrong check digit
		{"123456789", false},
		{"96433853", false}, // 8 digits, bad CVR
		{"10150817", true},  // a CVR with a valid mod-11 sum
		{"9643385311", false},
		{"96433853a", false},
		{"", false},
	} {
		if err := CheckOrgNumber(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckOrgNumber(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestOrgCountry(t *testing.T) {
	for in, want := range map[string]string{"964338531": "NO", "64942212": "DK", "9643385311": "", "9643385a": "", "": ""} {
		if got := OrgCountry(in); got != want {
			t.Errorf("OrgCountry(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPersonID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"01017012343", true},
		{"01017012345", false},
		{"0101701234", true}, // Danish CPR, format only
		{"3213701234", false},
		{"0101", false},
	} {
		if err := CheckPersonID(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckPersonID(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	if got := MaskPersonID("01017012343"); got != "010170*****" {
		t.Errorf("MaskPersonID = %q", got)
	}
	if got := MaskRecipient("org", "974760673"); got != "974760673" {
		t.Errorf("MaskRecipient(org) = %q", got)
	}
}

func TestTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to State
		ok       bool
	}{
		{StateRegistered, StateAccepted, true},
		{StateAccepted, StateAvailable, true},
		{StateAvailable, StateOpened, true},
		{StateRegistered, StateOpened, true}, // first seen already opened
		{StateAccepted, StateRejected, true},
		{StateOpened, StateAvailable, false}, // never back
		{StateAvailable, StateAccepted, false},
		{StateRejected, StateOpened, false},
		{StateAvailable, StateAvailable, false}, // not a transition
		{StateFailed, StateOpened, true},
		{StateFailed, StateExpired, true}, // SvarUt IKKE_LEVERT, then MANUELT_HANDTERT
		{StateExpired, StateFailed, false},
		{State("lost"), StateOpened, false},
	} {
		err := CheckTransition(tc.from, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v, want ok=%v", tc.from, tc.to, err, tc.ok)
		}
	}
}

// Every state is exactly one of: waiting to be opened, opened, or ended
// without reaching its reader (the SQL lists in internal/store are built
// from Open and Undelivered).
func TestStateKinds(t *testing.T) {
	for _, tc := range []struct {
		s                 State
		open, undelivered bool
	}{
		{StateRegistered, true, false},
		{StateAccepted, true, false},
		{StateAvailable, true, false},
		{StateOpened, false, false},
		{StateRejected, false, true},
		{StateFailed, false, true},
		{StateExpired, false, true},
		{State("lost"), false, false},
	} {
		if tc.s.Open() != tc.open || tc.s.Undelivered() != tc.undelivered {
			t.Errorf("%s: Open=%v Undelivered=%v, want %v %v", tc.s, tc.s.Open(), tc.s.Undelivered(), tc.open, tc.undelivered)
		}
	}
	if n := len(States); n != 7 {
		t.Errorf("%d states; each needs a row above", n)
	}
}

// registerChannels registers the real channels with their rules, as
// internal/channel.Register does in the binary (model cannot import them).
func registerChannels() {
	RegisterChannel("svarut", ChannelRule{Display: "KS SvarUt", Country: "NO", UUIDs: true})
	RegisterChannel("altinn", ChannelRule{Display: "Altinn", Country: "NO", UUIDs: true})
	RegisterChannel(ChannelDigitalPost, ChannelRule{Display: "Digital Post", Country: "DK", UUIDs: true})
}

func TestValidate(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	good := NewShipment{Channel: "svarut", ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d", SenderOrg: "964338531", SenderUnit: "U",
		RecipientKind: "org", RecipientID: "974760673", Title: "T", Class: "c", SentAt: now.Add(-time.Hour)}
	if errs := good.Validate(now, nil); len(errs) != 0 {
		t.Fatalf("good shipment: %v", errs)
	}
	for _, tc := range []struct {
		field string
		mod   func(*NewShipment)
	}{
		{"channel", func(s *NewShipment) { s.Channel = "fax" }},
		{"channel_id", func(s *NewShipment) { s.ChannelID = " " }},
		{"sender_org", func(s *NewShipment) { s.SenderOrg = "123" }},
		{"sender_unit", func(s *NewShipment) { s.SenderUnit = "" }},
		{"recipient.kind", func(s *NewShipment) { s.RecipientKind = "company" }},
		{"recipient.id", func(s *NewShipment) { s.RecipientKind = "person" }},
		{"title", func(s *NewShipment) { s.Title = "" }},
		{"class", func(s *NewShipment) { s.Class = "" }},
		{"sent_at", func(s *NewShipment) { s.SentAt = now.Add(time.Hour) }},
		{"sent_at", func(s *NewShipment) { s.SentAt = time.Time{} }},
		{"title", func(s *NewShipment) { s.Title = "Vedtak\x00" }},
		{"title", func(s *NewShipment) { s.Title = "Vedtak \xe6\xf8" }},
		{"title", func(s *NewShipment) { s.Title = strings.Repeat("æ", MaxTitleLen+1) }},
		{"sender_unit", func(s *NewShipment) { s.SenderUnit = "Barne\tvern" }},
		{"channel_id", func(s *NewShipment) { s.ChannelID = strings.Repeat("x", MaxChannelIDLen+1) }},
		{"class", func(s *NewShipment) { s.Class = "a\x00" }},
		// Text direction controls turn around what is shown beside a
		// name; a title may carry them, right-to-left letters are names.
		{"sender_unit", func(s *NewShipment) { s.SenderUnit = "Barnevern\u202E" }},
		{"sender_system", func(s *NewShipment) { s.SenderSystem = "\u2067sak\u2069" }},
		{"class", func(s *NewShipment) { s.Class = "c\u202B" }},
	} {
		s := good
		tc.mod(&s)
		errs := s.Validate(now, nil)
		if len(errs) != 1 || errs[0].Field != tc.field {
			t.Errorf("%s: errors %v", tc.field, errs)
		}
	}
	withheld := good
	withheld.Title, withheld.TitleWithheld = "", true
	if errs := withheld.Validate(now, nil); len(errs) != 0 {
		t.Errorf("a title the channel withholds: %v", errs)
	}
	rtl := good
	rtl.Title, rtl.SenderUnit, rtl.SenderSystem = "\u202Bقرار\u202C", "وحدة", "نظام"
	if errs := rtl.Validate(now, nil); len(errs) != 0 {
		t.Errorf("right-to-left names and a title with its embedding: %v", errs)
	}
	max := good
	max.Title = strings.Repeat("æ", MaxTitleLen) // characters, not bytes
	if errs := max.Validate(now, nil); len(errs) != 0 {
		t.Errorf("a title of exactly %d characters: %v", MaxTitleLen, errs)
	}
}

func TestCheckText(t *testing.T) {
	for in, want := range map[string]string{
		"Blåbærsyltetøy":   "",
		"a\x00b":           "control character U+0000 at character 2",
		"æø\xe5":           "not valid UTF-8 (byte 0xE5 at byte 5)",
		"linje\nto":        "control character U+000A at character 6",
		"abcdefghijk":      "longer than 10 characters (11)",
		"\u200bzero-width": "",
	} {
		got := CheckText(in, 10+len("zero-width"))
		if in == "abcdefghijk" {
			got = CheckText(in, 10)
		}
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("CheckText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestValidateDigitalPost: a Danish letter has a messageUUID, a CVR sender
// and a CVR or CPR recipient; a discovered one may lack a title.
func TestValidateDigitalPost(t *testing.T) {
	registerChannels()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	good := NewShipment{Channel: "digitalpost", ChannelID: "0b6d3c5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", SenderOrg: "64942212",
		SenderUnit: "Socialforvaltningen", RecipientKind: "person", RecipientID: "0101801234", Title: "T", Class: "fortrolig",
		SentAt: now.Add(-time.Hour)}
	if errs := good.Validate(now, nil); len(errs) != 0 {
		t.Fatalf("good Danish letter: %v", errs)
	}
	company := good
	company.RecipientKind, company.RecipientID = "org", "10150817"
	if errs := company.Validate(now, nil); len(errs) != 0 {
		t.Fatalf("letter to a company: %v", errs)
	}
	discovered := good
	discovered.Title, discovered.TitleWithheld = "", true
	if errs := discovered.Validate(now, nil); len(errs) != 0 {
		t.Fatalf("discovered letter without title: %v", errs)
	}
	for _, tc := range []struct {
		name, field string
		mod         func(*NewShipment)
	}{
		{"not a uuid", "channel_id", func(s *NewShipment) { s.ChannelID = "KK-2026-000123" }},
		{"Norwegian sender", "sender_org", func(s *NewShipment) { s.SenderOrg = "964338531" }},
		{"bad CVR sender", "sender_org", func(s *NewShipment) { s.SenderOrg = "64942213" }},
		{"Norwegian company", "recipient.id", func(s *NewShipment) { s.RecipientKind, s.RecipientID = "org", "974760673" }},
		{"Norwegian person", "recipient.id", func(s *NewShipment) { s.RecipientID = "01017012345" }},
		{"CPR with a bad date", "recipient.id", func(s *NewShipment) { s.RecipientID = "3213801234" }},
		{"no title, not withheld", "title", func(s *NewShipment) { s.Title = "" }},
	} {
		s := good
		tc.mod(&s)
		errs := s.Validate(now, nil)
		if len(errs) != 1 || errs[0].Field != tc.field {
			t.Errorf("%s: errors %v, want one on %s", tc.name, errs, tc.field)
		}
	}
	if err := CheckCVR("64942212"); err != nil {
		t.Errorf("Københavns Kommune's CVR: %v", err)
	}
	for _, bad := range []string{"964338531", "64942213", "6494221a", ""} {
		if CheckCVR(bad) == nil {
			t.Errorf("CheckCVR(%q) accepted", bad)
		}
	}
}

func TestOrgCheckDigit(t *testing.T) {
	for _, c := range []struct {
		first8 string
		want   byte
		ok     bool
	}{{"96433853", '1', true}, {"97476067", '3', true}, {"91000000", '4', true}, {"91000008", 0, false}} {
		if d, ok := OrgCheckDigit(c.first8); d != c.want || ok != c.ok {
			t.Errorf("OrgCheckDigit(%s) = %q, %v; want %q, %v", c.first8, d, ok, c.want, c.ok)
		}
	}
}

// TestNormalized: the same letter through the API and an import, or with
// its id in upper case, is stored alike.
func TestNormalized(t *testing.T) {
	in := NewShipment{Channel: " digitalpost ", ChannelID: " D6B23522-DDF3-462A-8140-16E59E1F476E ", SenderOrg: "29189846 ",
		SenderUnit: "  Børn og Unge  ", RecipientKind: "person", RecipientID: " 0101801234", Title: " Afgørelse ", Class: "barn "}
	got := in.Normalized()
	want := NewShipment{Channel: "digitalpost", ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476e", SenderOrg: "29189846",
		SenderUnit: "Børn og Unge", RecipientKind: "person", RecipientID: "0101801234", Title: "Afgørelse", Class: "barn"}
	if got != want {
		t.Errorf("Normalized() = %+v, want %+v", got, want)
	}
	if id := (NewShipment{ChannelID: "KK-2025-1"}).Normalized().ChannelID; id != "KK-2025-1" {
		t.Errorf("an id that is no UUID changed: %q", id)
	}
}

// TestRecipientKindOf: a typed recipient is an organisation by its number
// (Norwegian or Danish), a person by a valid national id, else neither.
func TestRecipientKindOf(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want string
		ok   bool
	}{
		{"964338531", RecipientOrg, true},
		{"01017012343", RecipientPerson, true},
		{"12345", "", false},
		{"964338532", "", false},
		{"", "", false},
	} {
		if got, ok := RecipientKindOf(tc.id); got != tc.want || ok != tc.ok {
			t.Errorf("RecipientKindOf(%q) = %q, %v; want %q, %v", tc.id, got, ok, tc.want, tc.ok)
		}
	}
}
