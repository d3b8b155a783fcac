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
	if strings.TrimSpace(s.Title) == "" {
		add("title", "required")
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

func knownChannel(c string) bool { return slices.Contains(Channels(), c) }
