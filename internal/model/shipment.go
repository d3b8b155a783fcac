package model

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// channelNames holds the channels registered by their packages
// (internal/channel.Register); a shipment names its channel by one of them.
var (
	channelMu    sync.RWMutex
	channelNames []string
)

// RegisterChannel makes name a known channel. internal/channel.Register
// calls it; nothing else should.
func RegisterChannel(name string) {
	channelMu.Lock()
	defer channelMu.Unlock()
	if !slices.Contains(channelNames, name) {
		channelNames = append(channelNames, name)
		slices.Sort(channelNames)
	}
}

// Channels returns the registered channels' names, sorted.
func Channels() []string {
	channelMu.RLock()
	defer channelMu.RUnlock()
	return slices.Clone(channelNames)
}

// ChannelDigitalPost is Danish Digital Post: channel_id is the MeMo
// messageUUID, the sender a CVR number, the recipient a CVR (org) or a CPR
// (person) number.
const ChannelDigitalPost = "digitalpost"

// Recipient kinds.
const (
	RecipientOrg    = "org"
	RecipientPerson = "person"
)

// MaxFutureSkew is how far in the future a sent time may lie before it is
// refused: clocks of sending systems drift a little.
const MaxFutureSkew = 2 * time.Minute

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
	// Discovered marks a shipment found on the channel rather than
	// registered by its sender: it may have no title (the channel's title is
	// content postvakt does not keep).
	Discovered bool `json:"-"`
}

// FieldError is one problem with one field of a registration.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Validate checks a registration as of now and returns every problem found.
func (s NewShipment) Validate(now time.Time) []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if s.Channel == "" {
		add("channel", "required")
	} else if !knownChannel(s.Channel) {
		add("channel", "unknown channel %q (known: %s)", s.Channel, strings.Join(Channels(), ", "))
	}
	if strings.TrimSpace(s.ChannelID) == "" {
		add("channel_id", "required")
	} else if len(s.ChannelID) > 200 {
		add("channel_id", "longer than 200 characters")
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
		add("recipient.kind", "must be org or person, not %q", s.RecipientKind)
	}
	if strings.TrimSpace(s.Title) == "" && !s.Discovered {
		add("title", "required")
	}
	if s.Channel == ChannelDigitalPost {
		s.checkDanish(add)
	}
	if strings.TrimSpace(s.Class) == "" {
		add("class", "required")
	}
	if s.SentAt.IsZero() {
		add("sent_at", "required (RFC 3339 time)")
	} else if s.SentAt.After(now.Add(MaxFutureSkew)) {
		add("sent_at", "in the future (%s)", s.SentAt.Format(time.RFC3339))
	}
	return errs
}

// checkDanish adds what Digital Post needs beyond the common checks: a UUID
// channel id and Danish numbers only.
func (s NewShipment) checkDanish(add func(field, format string, args ...any)) {
	if id := strings.TrimSpace(s.ChannelID); id != "" && !isUUID(id) {
		add("channel_id", "a Digital Post channel_id is the letter's messageUUID (a UUID), not %q", id)
	}
	if s.SenderOrg != "" && CheckOrgNumber(s.SenderOrg) == nil && len(s.SenderOrg) != 8 {
		add("sender_org", "a Digital Post sender is a Danish authority: its CVR number (8 digits)")
	}
	switch {
	case s.RecipientID == "":
	case s.RecipientKind == RecipientOrg && CheckOrgNumber(s.RecipientID) == nil && len(s.RecipientID) != 8:
		add("recipient.id", "a Digital Post recipient organisation is a CVR number (8 digits)")
	case s.RecipientKind == RecipientPerson && CheckPersonID(s.RecipientID) == nil && len(s.RecipientID) != 10:
		add("recipient.id", "a Digital Post recipient person is a CPR number (10 digits)")
	}
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
