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

	"postvakt/internal/i18n"
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
// CSV), in English (TextProblem); "" when it is fine.
func CheckText(s string, max int) string { return TextProblem(s, max).English() }

// TextProblem is what is wrong with a text value from outside: bytes that
// are not UTF-8, a control character (NUL included: the database refuses
// it, and no title needs one), or more than max characters; the zero
// Phrase when it is fine. Positions are 1-based characters.
func TextProblem(s string, max int) i18n.Phrase {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return i18n.P("problem.text_utf8", "Byte", fmt.Sprintf("%02X", s[i]), "At", i+1)
			}
			i += n
		}
	}
	pos := 0
	for _, r := range s {
		pos++
		if unicode.IsControl(r) {
			return i18n.P("problem.text_control", "Char", fmt.Sprintf("%04X", r), "At", pos)
		}
	}
	if pos > max {
		return i18n.P("problem.text_long", "Max", max, "Len", pos)
	}
	return i18n.Phrase{}
}

// BidiProblem says why a name (a unit's, a sender system's, a class) may
// not hold s: it has a bidirectional embedding, override or isolate
// control (U+202A–U+202E, U+2066–U+2069), which turns the text shown after
// it around (a unit's name with U+202E reverses the organisation number
// beside it in a list, a chart, a mail). Right-to-left letters themselves
// are names as any; titles may carry the controls (they are never shown
// beside other text without being isolated). The zero Phrase when none.
func BidiProblem(s string) i18n.Phrase {
	pos := 0
	for _, r := range s {
		pos++
		if (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return i18n.P("problem.name_bidi", "Char", fmt.Sprintf("%04X", r), "At", pos)
		}
	}
	return i18n.Phrase{}
}

// InvisibleProblem says why a name (a unit's, a sender system's, a
// class) may not hold s: it has a character that is not seen (a format
// character: a zero-width space or joiner, a byte-order mark, a soft
// hyphen, a left-to-right mark) or one that looks like a plain space (a
// no-break space, as a word processor writes between words), inside it
// (those around it are trimmed). Such a name looks like the name without
// it and is another: a policy's match.sender_unit, a unit in units.csv, a
// unit's user, a class filter, written as it looks, would not match the
// letter. Checked after BidiProblem, whose controls are format characters
// too. The zero Phrase when none.
func InvisibleProblem(s string) i18n.Phrase {
	pos := 0
	for _, r := range s {
		pos++
		if unicode.Is(unicode.Cf, r) || (r != ' ' && unicode.IsSpace(r) && !unicode.IsControl(r)) {
			return i18n.P("problem.name_invisible", "Char", fmt.Sprintf("%04X", r), "At", pos)
		}
	}
	return i18n.Phrase{}
}

// Quote is a value from outside as a problem quotes it back: in quotes
// (as %q), with the national ids in it masked (as MaskNationalIDsIn masks
// them, but as text: an id alone, a JSON number, is not made the JSON
// string "311299*****" inside the quotes), so that
// a fødselsnummer or CPR number in the wrong field or column does not
// reach an error message, a log or a terminal in clear. A value whose id
// an invisible character (a soft hyphen or a zero-width space, as a copy
// from a PDF or a web page carries) splits is quoted without those
// characters: the masker reads digits, and the quote would write the
// character as an escape between the id's digits, in clear.
func Quote(s string) string {
	if t := withoutFormat(s); t != s && HoldsNationalID(t) {
		s = t
	}
	masked, _ := maskNational([]byte(s))
	return strconv.Quote(string(masked))
}

// ParseSentAt reads a registration's sent_at, an RFC 3339 time. When it
// is not one, problem is the sent_at field's error saying why, quoting it
// masked (a national id pasted into the wrong column stays unread); a
// local time without an offset is told so, as it is what a system writing
// its database's timestamps sends. ok is false then.
//
// The other unambiguous ways of writing such a time are read as it: a
// space or a lower-case t between date and time, a lower-case z, and an
// offset of hours alone or without its colon (2026-11-20 10:00:00+01, as
// PostgreSQL prints a timestamptz; +0100), and a whole minute without
// its seconds (2026-11-20T10:00+01:00, as Java's OffsetDateTime writes
// it). So is Java's ZonedDateTime.toString(), the zone's name after the
// offset (2026-03-02T09:15:00+01:00[Europe/Oslo]), when the offset is the
// zone's at that instant (parseZoned).
func ParseSentAt(v string) (t time.Time, problem FieldError, ok bool) {
	if at, zone, ok := zoneSuffix(v); ok {
		return parseZoned(v, at, zone)
	}
	t, err := time.Parse(time.RFC3339, rfc3339Form(v))
	if err == nil && t.IsZero() {
		// 0001-01-01T00:00:00Z is a time, a default's: not "missing", as
		// the zero value Validate reads would say, but too early.
		return t, NewFieldError("sent_at", i18n.P("problem.sent_at_early", "Year", EarliestSent.Year(), "At", v)), false
	}
	if err == nil {
		// In UTC: an offset past PostgreSQL's ±15:59 (Go reads up to
		// ±23:59) would fail the whole import's write.
		return t.UTC(), FieldError{}, true
	}
	if _, err := time.Parse("2006-01-02T15:04:05.999999999", rfc3339Form(v)); err == nil {
		return t, NewFieldError("sent_at", i18n.P("problem.sent_at_zone", "Value", Quote(v))), false
	}
	return t, NewFieldError("sent_at", i18n.P("problem.sent_at_format", "Value", Quote(v))), false
}

// rfc3339Form writes v, a time as ParseSentAt takes it, in RFC 3339's
// own form: T between date and time, Z in capitals, the offset as +hh:mm,
// the seconds of a whole minute written without them (Java's
// OffsetDateTime.toString(): 2026-11-20T10:00+01:00) as :00. Anything
// else is left as it is, for time.Parse to refuse.
func rfc3339Form(v string) string {
	if m := len("2006-01-02T15:04"); len(v) >= m && v[4] == '-' && v[7] == '-' && v[13] == ':' &&
		(len(v) == m || strings.IndexByte("+-Zz", v[m]) >= 0) {
		v = v[:m] + ":00" + v[m:]
	}
	if len(v) < len("2006-01-02T15:04:05") || v[4] != '-' || v[7] != '-' {
		return v
	}
	b := []byte(v)
	if b[10] == ' ' || b[10] == 't' {
		b[10] = 'T'
	}
	if n := len(b); b[n-1] == 'z' {
		b[n-1] = 'Z'
	}
	// The offset: after the seconds (and their fraction), a sign.
	i := 19
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		switch off := string(b[i+1:]); {
		case len(off) == 2 && digits(off):
			b = append(b, ":00"...)
		case len(off) == 4 && digits(off):
			b = append(b[:i+3], ':', off[2], off[3])
		}
	}
	return string(b)
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
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

// FieldError is one problem with one field of a registration: Message in
// English (what the API and `postvakt import` say), and, when it has one,
// Reason, the same problem as a catalogue phrase (keys problem.*), which a
// page says in its reader's language.
type FieldError struct {
	Field   string      `json:"field"`
	Message string      `json:"message"`
	Reason  i18n.Phrase `json:"-"`
}

// NewFieldError is the problem reason with field, its Message the
// reason's English.
func NewFieldError(field string, reason i18n.Phrase) FieldError {
	return FieldError{Field: field, Message: reason.English(), Reason: reason}
}

// Normalized is the registration as it is stored: its text fields
// without surrounding spaces, a channel id that is a UUID in lower case
// (a UUID is the same in either case, and the channels answer in lower
// case), and a person's CPR number written DDMMYY-SSSS as its ten digits
// (NormalizePersonID). So the same letter registered through the API and
// an import, once with its id in upper case, or its CPR number once with
// the hyphen Danish staff write, is one letter. Its unit, class and sender
// system are in Unicode's composed form (NormalizeName).
func (s NewShipment) Normalized() NewShipment {
	for _, f := range []*string{&s.Channel, &s.ChannelID, &s.SenderOrg, &s.SenderUnit, &s.RecipientKind, &s.RecipientID,
		&s.Title, &s.Class, &s.SenderSystem} {
		*f = strings.TrimSpace(*f)
	}
	for _, f := range []*string{&s.SenderUnit, &s.Class, &s.SenderSystem} {
		*f = NormalizeName(*f)
	}
	if isUUID(s.ChannelID) {
		s.ChannelID = strings.ToLower(s.ChannelID)
	}
	if s.RecipientKind == RecipientPerson {
		s.RecipientID = NormalizePersonID(s.RecipientID)
	}
	return s
}

// EarliestSent bounds a letter's sent time from below: before it there was
// no digital post, and a time such as year 1 is a default or a typing
// error, which would break every business-day count.
var EarliestSent = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Validate checks a registration as of now and returns every problem found.
// configured are the channels this deployment has on (those whose settings
// are set): a letter of a registered channel not among them is refused, as
// it would never be polled (problem.channel_off). nil (or none) is every
// registered channel: a deployment, or a test, that names none. The
// registration is checked as it will be stored (Normalized): a CPR
// number written DDMMYY-SSSS is the ten digits it is stored as.
func (s NewShipment) Validate(now time.Time, configured []string) []FieldError {
	s = s.Normalized()
	var errs []FieldError
	add := func(field, key string, args ...any) {
		errs = append(errs, NewFieldError(field, i18n.P(key, args...)))
	}
	addErr := func(field string, err error) {
		errs = append(errs, FieldError{Field: field, Message: err.Error(), Reason: ReasonOf(err)})
	}
	bad := map[string]bool{}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"channel", s.Channel, maxShortLen}, {"channel_id", s.ChannelID, MaxChannelIDLen}, {"sender_org", s.SenderOrg, maxShortLen},
		{"sender_unit", s.SenderUnit, MaxUnitLen}, {"recipient.kind", s.RecipientKind, maxShortLen}, {"recipient.id", s.RecipientID, maxShortLen},
		{"title", s.Title, MaxTitleLen}, {"class", s.Class, MaxClassLen}, {"sender_system", s.SenderSystem, MaxSystemLen}} {
		if p := TextProblem(f.value, f.max); p.Key != "" {
			errs = append(errs, NewFieldError(f.name, p))
			bad[f.name] = true
		}
	}
	if len(bad) > 0 {
		return errs // the other checks would quote the bad bytes back
	}
	// A name is shown in lists and exports, unmasked, as token and user
	// names are (which refuse a national id too); so is a class, in the
	// class filter and an alert's labels.
	for _, f := range []struct{ name, value string }{{"sender_unit", s.SenderUnit}, {"sender_system", s.SenderSystem}, {"class", s.Class}} {
		if HoldsNationalID(f.value) {
			add(f.name, "problem.name_national_id", "Value", Quote(f.value))
		}
		if p := BidiProblem(f.value); p.Key != "" {
			errs = append(errs, NewFieldError(f.name, p))
		} else if p := InvisibleProblem(f.value); p.Key != "" {
			errs = append(errs, NewFieldError(f.name, p))
		}
	}
	if s.Channel == "" {
		add("channel", "problem.required")
	} else if !knownChannel(s.Channel) {
		add("channel", "problem.unknown_channel", "Value", Quote(s.Channel), "Known", strings.Join(Channels(), ", "))
	} else if len(configured) > 0 && !slices.Contains(configured, s.Channel) {
		add("channel", "problem.channel_off", "Value", Quote(s.Channel), "Channel", ChannelDisplay(s.Channel),
			"Configured", strings.Join(configured, ", "))
	}
	if strings.TrimSpace(s.ChannelID) == "" {
		add("channel_id", "problem.required")
	}
	// The organisation numbers and person ids are checked as their
	// channel's country's (numberKind.checkIn): one of the other
	// country's form is checkChannel's.
	country := ruleOf(s.Channel).Country
	if s.SenderOrg == "" {
		add("sender_org", "problem.required")
	} else if err := orgNumbers.checkIn(s.SenderOrg, country); err != nil {
		addErr("sender_org", err)
	}
	if strings.TrimSpace(s.SenderUnit) == "" {
		add("sender_unit", "problem.required")
	}
	switch s.RecipientKind {
	case RecipientOrg:
		if s.RecipientID == "" {
			add("recipient.id", "problem.required")
		} else if err := orgNumbers.checkIn(s.RecipientID, country); err != nil {
			addErr("recipient.id", err)
		}
	case RecipientPerson:
		if s.RecipientID == "" {
			add("recipient.id", "problem.required")
		} else if leadingZeroLost(s.RecipientID, country) {
			add("recipient.id", "problem.person_leading_zero", "Number", countryPhrase(country, "person_id"), "Count", len(s.RecipientID))
		} else if err := personIDs.checkIn(s.RecipientID, country); err != nil {
			addErr("recipient.id", err)
		}
	case "":
		add("recipient.kind", "problem.recipient_kind_required")
	default:
		add("recipient.kind", "problem.recipient_kind", "Value", Quote(s.RecipientKind))
	}
	if strings.TrimSpace(s.Title) == "" && !s.TitleWithheld {
		add("title", "problem.required")
	}
	s.checkChannel(add)
	if strings.TrimSpace(s.Class) == "" {
		add("class", "problem.required")
	}
	switch {
	case s.SentAt.IsZero():
		add("sent_at", "problem.sent_at_required")
	case s.SentAt.After(now.Add(MaxFutureSkew)):
		add("sent_at", "problem.sent_at_future", "At", s.SentAt.Format(time.RFC3339))
	case s.SentAt.Before(EarliestSent):
		add("sent_at", "problem.sent_at_early", "Year", EarliestSent.Year(), "At", s.SentAt.Format(time.RFC3339))
	}
	return errs
}

// checkChannel adds what the letter's channel needs beyond the common
// checks (its ChannelRule): a UUID channel id (a SvarUt forsendelse, an
// Altinn correspondence and a Digital Post messageUUID all are), and the
// numbers of the channel's country only (SvarUt and Altinn deliver to
// Norwegian organisations and persons from Norwegian senders, Digital
// Post to Danish ones).
func (s NewShipment) checkChannel(add func(field, key string, args ...any)) {
	r := ruleOf(s.Channel)
	if id := strings.TrimSpace(s.ChannelID); r.UUIDs && id != "" && !isUUID(id) {
		add("channel_id", "problem.not_uuid", "Value", Quote(id), "Channel", r.Display)
	}
	if r.Country == "" {
		return
	}
	if orgNumbers.ofOtherCountry(s.SenderOrg, r.Country) {
		add("sender_org", "problem.channel_senders", "Channel", r.Display, "Country", countryPhrase(r.Country, "country"),
			"Number", countryPhrase(r.Country, "org_number"))
	}
	switch {
	case s.RecipientID == "":
	case s.RecipientKind == RecipientOrg && orgNumbers.ofOtherCountry(s.RecipientID, r.Country):
		add("recipient.id", "problem.channel_recipient_orgs", "Channel", r.Display, "Number", countryPhrase(r.Country, "org_number"))
	case s.RecipientKind == RecipientPerson && leadingZeroLost(s.RecipientID, r.Country):
		// Validate said so.
	case s.RecipientKind == RecipientPerson && personIDs.ofOtherCountry(s.RecipientID, r.Country):
		add("recipient.id", "problem.channel_recipient_persons", "Channel", r.Display, "Number", countryPhrase(r.Country, "person_id"))
	}
}

// leadingZeroLost reports whether id, a person id on a letter of a
// channel of country ("NO", "DK"; "" for none), is a valid one of that
// country with its leading 0 dropped: Excel reads a column of national
// ids as numbers, and the 0 of everyone born on the 1st to the 9th of a
// month is gone from the file it saves (a fødselsnummer of 10 digits, the
// length of a CPR number; a CPR number of 9).
func leadingZeroLost(id, country string) bool {
	return country != "" && allDigits(id) && PersonCountry("0"+id) == country && CheckPersonID("0"+id) == nil
}

// numberKind is a kind of national number (organisation numbers, person
// ids): the country of a number by its form (OrgCountry, PersonCountry)
// and its check (CheckOrgNumber, CheckPersonID).
type numberKind struct {
	countryOf func(string) string
	check     func(string) error
	// what names the kind in the country phrases (countryPhrase), and
	// lengthIn is the problem of a number of no country's length on a
	// letter of a channel's country.
	what, lengthIn string
}

var (
	orgNumbers = numberKind{countryOf: OrgCountry, check: CheckOrgNumber, what: "org_number", lengthIn: "problem.org_length_in"}
	personIDs  = numberKind{countryOf: PersonCountry, check: CheckPersonID, what: "person_id", lengthIn: "problem.person_length_in"}
)

// checkIn checks s as a number of its kind on a letter whose channel is
// of country ("NO", "DK"; "" for a channel of neither, or unknown): a
// number of the other country's form is not checked as one of that
// country's (an 8-digit organisation number on a SvarUt letter is not
// "not a valid CVR number", nor a 10-digit person id there "not a valid
// CPR number": the channel needs a Norwegian one, and checkChannel says
// so); anything else is checked by the kind's check. Digits of no
// country's length are told the channel's country's number ("must be a
// CVR number (8 digits)"), not every country's lengths: on a Digital Post
// letter a 9-digit organisation number is refused too.
func (k numberKind) checkIn(s, country string) error {
	if k.ofOtherCountry(s, country) {
		return nil
	}
	if country != "" && allDigits(s) && k.countryOf(s) == "" {
		return numberError(k.lengthIn, "Number", countryPhrase(country, k.what), "Count", len(s))
	}
	return k.check(s)
}

// ofOtherCountry reports whether s has the form of a number of its kind
// of another country than country (a channel's; "" for none), valid or
// not.
func (k numberKind) ofOtherCountry(s, country string) bool {
	c := k.countryOf(s)
	return country != "" && c != "" && c != country
}

// countryPhrase is a country's name, or what its organisation numbers or
// person ids are called, for field errors: what is one of "country",
// "org_number", "person_id" (keys problem.<what>.no, problem.<what>.dk).
func countryPhrase(country, what string) i18n.Phrase {
	return i18n.P("problem." + what + "." + strings.ToLower(country))
}

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
