package channel

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/config"
	"postvakt/internal/maskinporten"
	"postvakt/internal/model"
)

// Spec is what a channel package registers about itself, in one line of
// its own (channel.Register(Spec{...}) in an init function). Everything
// that names channels — configuration, help, CLI usage, registration
// validation, display names in messages — reads it from here.
type Spec struct {
	// Name is the channel's name as stored on shipments ("svarut").
	Name string
	// Display is the name people read ("KS SvarUt").
	Display string
	// Country is where the channel delivers ("NO", "DK"): the recipient
	// register and the language of messages follow it.
	Country string
	// UUIDs: the channel's letter ids are UUIDs; a registration with
	// another id is refused with a field error.
	UUIDs bool
	// Discovers says the opened channel is a Discoverer: it can list the
	// sender's letters for a back-fill (`postvakt discover`).
	Discovers bool
	// Letter names one letter on the channel in messages, by language
	// ("no", "da", "en"), e.g. "SvarUt-forsendelse"; Display when missing.
	Letter map[string]string
	// Scheduled are the channel's statuses of a letter the sender asked to
	// be delivered later (Digital Post's delayed delivery): such a letter
	// waits on purpose, and the health rules do not count it as overdue.
	Scheduled []string
	// Configure reads the channel's settings through r (shared settings,
	// such as the Altinn platform's, are in cfg) and returns how to open
	// it, or nil when the channel is off (its URL unset). Problems are
	// recorded on r with the variable's name.
	Configure func(cfg config.Config, r *config.Reader) Opener
}

// Opener builds a configured channel.
type Opener func(deps Deps) (Adapter, error)

// Deps is what a channel gets from the process when it is opened.
type Deps struct {
	Log        *slog.Logger
	Registerer prometheus.Registerer // may be nil
	Tokens     *maskinporten.Tokens  // the shared Maskinporten client; may give nil sources
}

// Adapter is an opened channel: it implements Channel (per-id status
// calls) or Feed (an event log read by time window).
type Adapter interface {
	Name() string
}

// Certified is an opened channel that presents a client certificate
// (Digital Post's OCES3): CertificateEnd is when the certificate its files
// hold now ends, false when it presents none. The health rule
// certificate_expiring watches it.
type Certified interface {
	Adapter
	CertificateEnd() (time.Time, bool)
}

var (
	regMu sync.RWMutex
	specs = map[string]Spec{}
)

// Register adds a channel. It panics on a duplicate or incomplete Spec: a
// programming error found at start.
func Register(s Spec) {
	if s.Name == "" || s.Display == "" || s.Configure == nil {
		panic(fmt.Sprintf("channel.Register: incomplete spec %+v", s))
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := specs[s.Name]; dup {
		panic("channel.Register: " + s.Name + " registered twice")
	}
	specs[s.Name] = s
	model.RegisterChannel(s.Name, model.ChannelRule{Display: s.Display, Country: s.Country, UUIDs: s.UUIDs})
}

// Specs returns every registered channel, by name.
func Specs() []Spec {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]Spec, 0, len(specs))
	for _, s := range specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered channels' names, sorted.
func Names() []string {
	var out []string
	for _, s := range Specs() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup returns the registered channel name.
func Lookup(name string) (Spec, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := specs[name]
	return s, ok
}

// Display returns the name people read for a channel, or the name itself
// for one not registered.
func Display(name string) string {
	if s, ok := Lookup(name); ok {
		return s.Display
	}
	return name
}

// Ref names one letter for people, in lang ("no" or "nb", "da", "en"):
// "SvarUt-forsendelse <id>".
func Ref(name, id, lang string) string {
	s, ok := Lookup(name)
	if !ok {
		return name + " " + id
	}
	if l := s.Letter[lang]; l != "" {
		return l + " " + id
	}
	if l := s.Letter["no"]; l != "" && lang == "nb" { // bokmål: the catalogues' name of Norwegian
		return l + " " + id
	}
	if l := s.Letter["en"]; l != "" {
		return l + " " + id
	}
	return s.Display + " " + id
}

// HeldAtMost bounds a hold for a later delivery (Spec.Scheduled,
// Observation.HeldUntil): a letter held three months after it was sent is
// taken as waiting, its steps counted from its sending as for any other (its
// delivery may have come in a gap of the channel's log, leaving the held
// status behind), and a publish time further ahead counts as three months.
const HeldAtMost = 90 * 24 * time.Hour

// Scheduled returns a registered channel's Scheduled statuses (none for
// an unknown channel).
func Scheduled(name string) []string {
	s, _ := Lookup(name)
	return s.Scheduled
}

// Usage returns "a|b|c" over the registered names, for CLI usage lines.
func Usage() string { return strings.Join(Names(), "|") }

// DiscoverUsage is Usage over the channels that can list letters.
func DiscoverUsage() string {
	var out []string
	for _, s := range Specs() {
		if s.Discovers {
			out = append(out, s.Name)
		}
	}
	return strings.Join(out, "|")
}

// Sections returns every channel's settings reader, for config.Describe
// (help lists every channel's variables).
func Sections() []func(r *config.Reader) {
	var out []func(r *config.Reader)
	for _, s := range Specs() {
		s := s
		out = append(out, func(r *config.Reader) { s.Configure(config.Config{}, r) })
	}
	return out
}

// Check reads every registered channel's settings without opening any:
// the error names every bad variable. Start-up calls it with the rest of
// the configuration, before anything else is done.
func Check(cfg config.Config) error {
	var errs []error
	for _, s := range Specs() {
		errs = append(errs, cfg.Section(func(r *config.Reader) { s.Configure(cfg, r) }))
	}
	return errors.Join(errs...)
}

// Configured returns the names of the channels this deployment has on
// (their settings set: those Open opens), sorted, without opening any. A
// channel whose settings are bad is left out (Check names it). Registration
// takes letters of these channels only (model.NewShipment.Validate).
func Configured(cfg config.Config) []string {
	var out []string
	for _, s := range Specs() {
		var op Opener
		if err := cfg.Section(func(r *config.Reader) { op = s.Configure(cfg, r) }); err == nil && op != nil {
			out = append(out, s.Name)
		}
	}
	return out
}

// Open reads every registered channel's settings and opens those that are
// configured. The error names every bad variable.
func Open(cfg config.Config, deps Deps) ([]Adapter, error) {
	var (
		out  []Adapter
		errs []error
	)
	for _, s := range Specs() {
		var op Opener
		if err := cfg.Section(func(r *config.Reader) { op = s.Configure(cfg, r) }); err != nil {
			errs = append(errs, err)
			continue
		}
		if op == nil {
			continue
		}
		a, err := op(deps)
		if err != nil {
			errs = append(errs, fmt.Errorf("open channel %s: %w", s.Name, err))
			continue
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}

// Known is nil when name is a registered channel, or else an error
// naming the channels there are.
func Known(name string) error {
	if _, ok := Lookup(name); !ok {
		return fmt.Errorf("unknown channel %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return nil
}

// Pick returns one channel by name, or all when name is empty.
func Pick(chans []Adapter, name string) ([]Adapter, error) {
	if name == "" {
		return chans, nil
	}
	for _, c := range chans {
		if c.Name() == name {
			return []Adapter{c}, nil
		}
	}
	if err := Known(name); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("channel %q is not configured (set its POSTVAKT_%s_URL)", name, strings.ToUpper(name))
}
