package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// channelNames holds the channels registered by their packages
// (internal/channel.Register); a shipment names its channel by one of them.
// channelRules are what a registration through each must look like.
var (
	channelMu    sync.RWMutex
	channelNames []string
	channelRules = map[string]ChannelRule{}
)

// ChannelRule is what a letter registered for a channel must look like
// beyond the common checks.
type ChannelRule struct {
	// Display names the channel in a field error ("KS SvarUt").
	Display string
	// Country is where the channel delivers ("NO", "DK"): the sender
	// organisation and the recipient are numbered as there. "" for any.
	Country string
	// UUIDs: the channel's letter ids are UUIDs.
	UUIDs bool
}

// RegisterChannel makes name a known channel with its rule.
// internal/channel.Register calls it; nothing else should.
func RegisterChannel(name string, rule ChannelRule) {
	channelMu.Lock()
	defer channelMu.Unlock()
	if !slices.Contains(channelNames, name) {
		channelNames = append(channelNames, name)
		slices.Sort(channelNames)
	}
	if rule.Display == "" {
		rule.Display = name
	}
	channelRules[name] = rule
}

func ruleOf(name string) ChannelRule {
	channelMu.RLock()
	defer channelMu.RUnlock()
	return channelRules[name]
}

// Channels returns the registered channels' names, sorted.
func Channels() []string {
	channelMu.RLock()
	defer channelMu.RUnlock()
	return slices.Clone(channelNames)
}

// ChannelDisplay is the name people read for a channel ("Digital Post"),
// or the name itself for one not registered.
func ChannelDisplay(name string) string {
	if r := ruleOf(name); r.Display != "" {
		return r.Display
	}
	return name
}

// ChannelCountry is the country a registered channel delivers in ("NO",
// "DK"), "" when it is not tied to one or not registered.
func ChannelCountry(name string) string { return ruleOf(name).Country }

// ChannelDigitalPost is Danish Digital Post: channel_id is the MeMo
// messageUUID, the sender a CVR number, the recipient a CVR (org) or a CPR
// (person) number.
const ChannelDigitalPost = "digitalpost"

// Recipient kinds.
const (
	RecipientOrg    = "org"
	RecipientPerson = "person"
)

// RecipientKindOf is the kind of recipient id is: RecipientOrg for a valid
// organisation number, RecipientPerson for a valid national id, false for
// neither (a search or a filter typed by a person).
func RecipientKindOf(id string) (string, bool) {
	switch {
	case CheckOrgNumber(id) == nil:
		return RecipientOrg, true
	case CheckPersonID(id) == nil:
		return RecipientPerson, true
	}
	return "", false
}

// MaxFutureSkew is how far in the future a sent time may lie before it is
// refused: clocks of sending systems drift a little.
const MaxFutureSkew = 2 * time.Minute

// Length limits of a registration's text fields, in characters.
const (
	MaxChannelIDLen = 200
	MaxUnitLen      = 200
	MaxTitleLen     = 1000
	MaxClassLen     = 100
	MaxSystemLen    = 200
	maxShortLen     = 50 // channel, organisation number, recipient kind and id
)

// CheckText returns what is wrong with a text value from outside (API,
// CSV): bytes that are not UTF-8, a control character (NUL included: the
// database refuses it, and no title needs one), or more than max
// characters; "" when it is fine. Positions are 1-based characters.
func CheckText(s string, max int) string {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return fmt.Sprintf("not valid UTF-8 (byte 0x%02X at byte %d)", s[i], i+1)
			}
			i += n
		}
	}
	pos := 0
	for _, r := range s {
		pos++
		if unicode.IsControl(r) {
			return fmt.Sprintf("contains the control character U+%04X at character %d", r, pos)
		}
	}
	if pos > max {
		return fmt.Sprintf("longer than %d characters (%d)", max, pos)
	}
	return ""
}

// Quote is a value from outside as a problem quotes it back: in quotes
// (as %q), with the national ids in it masked (MaskNationalIDsIn), so that
// a fødselsnummer or CPR number in the wrong field or column does not
// reach an error message, a log or a terminal in clear.
func Quote(s string) string { return strconv.Quote(string(MaskNationalIDsIn([]byte(s)))) }

// ParseSentAt reads a registration's sent_at, an RFC 3339 time. When it
// is not one, problem says why, quoting it masked (a national id pasted
// into the wrong column stays unread); a local time without an offset is
// told so, as it is what a system writing its database's timestamps sends.
func ParseSentAt(v string) (t time.Time, problem string) {
	t, err := time.Parse(time.RFC3339, v)
	if err == nil {
		return t, ""
	}
	if _, err := time.Parse("2006-01-02T15:04:05.999999999", v); err == nil {
		return t, Quote(v) + " has no time zone: give its offset (2026-11-20T10:00:00+01:00) or Z for UTC"
	}
	return t, Quote(v) + " is not an RFC 3339 time (such as 2026-11-20T10:00:00+01:00)"
}

// NewShipment is a shipment as it is registered (API, CSV, discovery).
type NewShipment struct {
	Channel       string    `json:"channel"`
	ChannelID     string    `json:"channel_id"`
	SenderOrg     string    `json:"sender_org"`
	SenderUnit    string    `json:"sender_unit"`
	RecipientKind string    `json:"-"`
	RecipientID   string    `json:"-"`
	Title         string    `json:"title"`
	Confidential  bool      `json:"confidential"`
	Class         string    `json:"class"`
	SentAt        time.Time `json:"sent_at"`
	// SenderSystem is the system that registered the letter (optional at
	// registration; each way of registering fills in its default: the API
	// token's name, SystemImport, DiscoverSystem).
	SenderSystem string `json:"sender_system"`
	// TitleWithheld: the channel does not tell the sender the title (Altinn
	// since June 2025, for discovered letters); an empty title is then
	// accepted, never made up.
	TitleWithheld bool `json:"-"`
}

// SystemImport is the sender system of letters imported from a CSV file
// without a sender_system column (or with it empty).
const SystemImport = "import"

// DiscoverSystem is the sender system of letters `postvakt discover`
// registers from a channel's own list.
func DiscoverSystem(channel string) string { return "discover:" + channel }

// FieldError is one problem with one field of a registration.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Normalized is the registration as it is stored: its text fields
// without surrounding spaces, and a channel id that is a UUID in lower
// case (a UUID is the same in either case, and the channels answer in
// lower case). So the same letter registered through the API and an
// import, or once with its id in upper case, is one letter.
func (s NewShipment) Normalized() NewShipment {
	for _, f := range []*string{&s.Channel, &s.ChannelID, &s.SenderOrg, &s.SenderUnit, &s.RecipientKind, &s.RecipientID,
		&s.Title, &s.Class, &s.SenderSystem} {
		*f = strings.TrimSpace(*f)
	}
	if isUUID(s.ChannelID) {
		s.ChannelID = strings.ToLower(s.ChannelID)
	}
	return s
}

// EarliestSent bounds a letter's sent time from below: before it there was
// no digital post, and a time such as year 1 is a default or a typing
// error, which would break every business-day count.
var EarliestSent = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Validate checks a registration as of now and returns every problem found.
func (s NewShipment) Validate(now time.Time) []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	bad := map[string]bool{}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"channel", s.Channel, maxShortLen}, {"channel_id", s.ChannelID, MaxChannelIDLen}, {"sender_org", s.SenderOrg, maxShortLen},
		{"sender_unit", s.SenderUnit, MaxUnitLen}, {"recipient.kind", s.RecipientKind, maxShortLen}, {"recipient.id", s.RecipientID, maxShortLen},
		{"title", s.Title, MaxTitleLen}, {"class", s.Class, MaxClassLen}, {"sender_system", s.SenderSystem, MaxSystemLen}} {
		if msg := CheckText(f.value, f.max); msg != "" {
			add(f.name, "%s", msg)
			bad[f.name] = true
		}
	}
	if len(bad) > 0 {
		return errs // the other checks would quote the bad bytes back
	}
	if s.Channel == "" {
		add("channel", "required")
	} else if !knownChannel(s.Channel) {
		add("channel", "unknown channel %s (known: %s)", Quote(s.Channel), strings.Join(Channels(), ", "))
	}
	if strings.TrimSpace(s.ChannelID) == "" {
		add("channel_id", "required")
	}
	if s.SenderOrg == "" {
		add("sender_org", "required")
	} else if err := CheckOrgNumber(s.SenderOrg); err != nil {
		add("sender_org", "%v", err)
	}
	if strings.TrimSpace(s.SenderUnit) == "" {
		add("sender_unit", "required")
	}
	switch s.RecipientKind {
	case RecipientOrg:
		if s.RecipientID == "" {
			add("recipient.id", "required")
		} else if err := CheckOrgNumber(s.RecipientID); err != nil {
			add("recipient.id", "%v", err)
		}
	case RecipientPerson:
		if s.RecipientID == "" {
			add("recipient.id", "required")
		} else if err := CheckPersonID(s.RecipientID); err != nil {
			add("recipient.id", "%v", err)
		}
	case "":
		add("recipient.kind", "required (org or person)")
	default:
		add("recipient.kind", "must be org or person, not %s", Quote(s.RecipientKind))
	}
	if strings.TrimSpace(s.Title) == "" && !s.TitleWithheld {
		add("title", "required")
	}
	s.checkChannel(add)
	if strings.TrimSpace(s.Class) == "" {
		add("class", "required")
	}
	switch {
	case s.SentAt.IsZero():
		add("sent_at", "required (RFC 3339 time)")
	case s.SentAt.After(now.Add(MaxFutureSkew)):
		add("sent_at", "in the future (%s)", s.SentAt.Format(time.RFC3339))
	case s.SentAt.Before(EarliestSent):
		add("sent_at", "before %d (%s): no digital letter was sent then", EarliestSent.Year(), s.SentAt.Format(time.RFC3339))
	}
	return errs
}

// checkChannel adds what the letter's channel needs beyond the common
// checks (its ChannelRule): a UUID channel id (a SvarUt forsendelse, an
// Altinn correspondence and a Digital Post messageUUID all are), and the
// numbers of the channel's country only (SvarUt and Altinn deliver to
// Norwegian organisations and persons from Norwegian senders, Digital
// Post to Danish ones).
func (s NewShipment) checkChannel(add func(field, format string, args ...any)) {
	r := ruleOf(s.Channel)
	if id := strings.TrimSpace(s.ChannelID); r.UUIDs && id != "" && !isUUID(id) {
		add("channel_id", "%s is not a UUID, and %s's letter ids are", Quote(id), r.Display)
	}
	if r.Country == "" {
		return
	}
	if s.SenderOrg != "" && CheckOrgNumber(s.SenderOrg) == nil && OrgCountry(s.SenderOrg) != r.Country {
		add("sender_org", "%s's senders are organisations of %s, with a %s", r.Display, countryName[r.Country], orgNumberName[r.Country])
	}
	switch {
	case s.RecipientID == "":
	case s.RecipientKind == RecipientOrg && CheckOrgNumber(s.RecipientID) == nil && OrgCountry(s.RecipientID) != r.Country:
		add("recipient.id", "%s's recipient organisations have a %s", r.Display, orgNumberName[r.Country])
	case s.RecipientKind == RecipientPerson && CheckPersonID(s.RecipientID) == nil && PersonCountry(s.RecipientID) != r.Country:
		add("recipient.id", "%s's recipient persons have a %s", r.Display, personIDName[r.Country])
	}
}

// What the numbers are called in each country, for field errors.
var (
	countryName   = map[string]string{"NO": "Norway", "DK": "Denmark"}
	orgNumberName = map[string]string{"NO": "Norwegian organisation number (9 digits)", "DK": "CVR number (8 digits)"}
	personIDName  = map[string]string{"NO": "Norwegian national id (11 digits)", "DK": "CPR number (10 digits)"}
)

// isUUID reports whether s is a UUID in the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}

func knownChannel(c string) bool { return slices.Contains(Channels(), c) }
