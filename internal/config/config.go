// Package config turns the environment into one typed configuration,
// validated at start. Flags of the subcommands may override fields.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is postvakt's configuration.
type Config struct {
	DatabaseURL string // DATABASE_URL: lib/pq URL of the PostgreSQL database
	Addr        string // POSTVAKT_ADDR: where serve listens
	LogLevel    string // POSTVAKT_LOG_LEVEL: debug, info, warn, error
	LogFormat   string // POSTVAKT_LOG_FORMAT: text or json
	Policies    string // POSTVAKT_POLICIES: the policy folder

	PollSchedule     string // POSTVAKT_POLL_SCHEDULE: cron spec of the poll cycle
	EscalateSchedule string // POSTVAKT_ESCALATE_SCHEDULE: cron spec of the escalation run
	PrintURL         string // POSTVAKT_PRINT_URL: print provider; empty = no print fallback
	SecureCookies    bool   // POSTVAKT_SECURE_COOKIES
	RetentionYears   int    // POSTVAKT_RETENTION_YEARS
	FollowUpDays     int    // POSTVAKT_FOLLOWUP_DAYS
	FollowUpUnread   int    // POSTVAKT_FOLLOWUP_UNREAD_DAYS

	SvarUt       SvarUt
	Altinn       Altinn
	DigitalPost  DigitalPost
	Maskinporten Maskinporten
}

// DigitalPost configures the Danish Digital Post channel; off when URL is empty.
type DigitalPost struct {
	URL      string        // POSTVAKT_DIGITALPOST_URL: API base including /apis/v1
	SystemID string        // POSTVAKT_DIGITALPOST_SYSTEM_ID
	APIToken string        // POSTVAKT_DIGITALPOST_API_TOKEN (or _FILE)
	CertFile string        // POSTVAKT_DIGITALPOST_CERT_FILE: OCES3 certificate (PEM)
	KeyFile  string        // POSTVAKT_DIGITALPOST_KEY_FILE: its private key (PEM)
	Overlap  time.Duration // POSTVAKT_DIGITALPOST_OVERLAP: default 10m
	Err      error         // a setting that could not be read
}

// SvarUt configures the KS SvarUt channel; it is off when URL is empty.
type SvarUt struct {
	URL                string // POSTVAKT_SVARUT_URL: API base, e.g. https://svarut.ks.no/api
	API                string // POSTVAKT_SVARUT_API: v2 (default) or v1
	KontoID            string // POSTVAKT_SVARUT_KONTO_ID
	IntegrasjonID      string // POSTVAKT_SVARUT_INTEGRASJON_ID
	IntegrasjonPassord string // POSTVAKT_SVARUT_INTEGRASJON_PASSORD (or _FILE)
	User               string // POSTVAKT_SVARUT_USER (v1 Basic)
	Password           string // POSTVAKT_SVARUT_PASSWORD (or _FILE)
	RatePerSecond      float64
}

// Altinn configures the Altinn 3 Correspondence channel; off when URL is empty.
type Altinn struct {
	URL         string // POSTVAKT_ALTINN_URL: platform root, e.g. https://platform.altinn.no
	ResourceID  string // POSTVAKT_ALTINN_RESOURCE_ID
	ExchangeURL string // POSTVAKT_ALTINN_EXCHANGE_URL: where a Maskinporten token becomes an Altinn token
}

// Maskinporten configures the JWT-grant token source both channels use.
type Maskinporten struct {
	URL      string // POSTVAKT_MASKINPORTEN_URL: token endpoint
	ClientID string // POSTVAKT_MASKINPORTEN_CLIENT_ID
	KeyFile  string // POSTVAKT_MASKINPORTEN_KEY_FILE: PEM private key that signs the grant
	Audience string // POSTVAKT_MASKINPORTEN_AUDIENCE: default scheme://host/ of the URL
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
}

// Vars lists every environment variable postvakt reads, for `postvakt help`
// and the README.
var Vars = []Var{
	{"DATABASE_URL", "", "PostgreSQL URL (lib/pq), e.g. postgres://postvakt:secret@db:5432/postvakt?sslmode=require"},
	{"POSTVAKT_ADDR", "127.0.0.1:8080", "address the API and UI listen on"},
	{"POSTVAKT_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"POSTVAKT_LOG_FORMAT", "text", "text or json"},
	{"POSTVAKT_POLICIES", "policies/", "folder of policy YAML files"},
	{"POSTVAKT_POLL_SCHEDULE", "@every 1m", "cron spec of the poll cycle (robfig/cron: 5 fields or @every D)"},
	{"POSTVAKT_SVARUT_URL", "", "SvarUt API base (e.g. https://svarut.ks.no/api); unset = SvarUt off"},
	{"POSTVAKT_SVARUT_API", "v2", "v2 (bulk status-sok, Maskinporten + IntegrasjonId) or v1 (HTTP Basic)"},
	{"POSTVAKT_SVARUT_KONTO_ID", "", "SvarUt account (konto) UUID, v2"},
	{"POSTVAKT_SVARUT_INTEGRASJON_ID", "", "SvarUt integration id, v2"},
	{"POSTVAKT_SVARUT_INTEGRASJON_PASSORD", "", "SvarUt integration password, v2 (or _FILE: read from a file)"},
	{"POSTVAKT_SVARUT_USER", "", "SvarUt v1 avsender name (HTTP Basic)"},
	{"POSTVAKT_SVARUT_PASSWORD", "", "SvarUt v1 password (or _FILE)"},
	{"POSTVAKT_ALTINN_URL", "", "Altinn platform root (e.g. https://platform.altinn.no); unset = Altinn off"},
	{"POSTVAKT_ALTINN_RESOURCE_ID", "", "correspondence resource id, for discovery"},
	{"POSTVAKT_ALTINN_EXCHANGE_URL", "", "Altinn root whose token exchange turns a Maskinporten token into an Altinn token; unset = send the Maskinporten token"},
	{"POSTVAKT_DIGITALPOST_URL", "", "Danish Digital Post API base including /apis/v1 (e.g. https://api.digitalpost.dk/apis/v1); unset = Digital Post off"},
	{"POSTVAKT_DIGITALPOST_SYSTEM_ID", "", "Digital Post sender system id (uuid), for Authorization: Basic"},
	{"POSTVAKT_DIGITALPOST_API_TOKEN", "", "Digital Post API token of the sender system (or _FILE)"},
	{"POSTVAKT_DIGITALPOST_CERT_FILE", "", "OCES3 function/organisation certificate (PEM), required for an https URL"},
	{"POSTVAKT_DIGITALPOST_KEY_FILE", "", "private key of the OCES3 certificate (PEM)"},
	{"POSTVAKT_DIGITALPOST_OVERLAP", "10m", "how far each read of the event log reaches back (the log is only eventually consistent)"},
	{"POSTVAKT_MASKINPORTEN_URL", "", "Maskinporten token endpoint (e.g. https://maskinporten.no/token)"},
	{"POSTVAKT_MASKINPORTEN_CLIENT_ID", "", "Maskinporten client id"},
	{"POSTVAKT_MASKINPORTEN_KEY_FILE", "", "PEM RSA private key that signs the JWT grant"},
	{"POSTVAKT_MASKINPORTEN_AUDIENCE", "", "grant audience; default scheme://host/ of the token URL"},
	{"POSTVAKT_ESCALATE_SCHEDULE", "*/15 * * * *", "cron spec of the escalation run (reminders, print due)"},
	{"POSTVAKT_SMTP_ADDR", "", "SMTP relay for reminders, host:port (STARTTLS when offered); unset = reminders wait"},
	{"POSTVAKT_SMTP_FROM", "", "sender address of reminders, e.g. postvakt@bergen.kommune.no"},
	{"POSTVAKT_SMTP_USER", "", "SMTP user for AUTH PLAIN (optional)"},
	{"POSTVAKT_SMTP_PASSWORD", "", "SMTP password for AUTH PLAIN (optional)"},
	{"POSTVAKT_PROFILE_URL", "", "Altinn Profile API base (e.g. https://platform.altinn.no/profile/api/v1): addresses of organisations without imported ones (cached 24h); unset = contacts table only"},
	{"POSTVAKT_NOTIFICATIONS_URL", "", "Altinn Notifications API base (e.g. https://platform.altinn.no/notifications/api/v1): reminders also ordered there; unset = e-mail only"},
	{"POSTVAKT_REGISTER_URL", "", "business register (Enhetsregisteret) base, e.g. https://data.brreg.no/enhetsregisteret/api"},
	{"POSTVAKT_PRINT_URL", "", "print provider base; unset = no print fallback"},
	{"POSTVAKT_PRINT_API_KEY", "", "print provider bearer key (optional)"},
	{"POSTVAKT_REGISTER_CACHE_TTL", "24h", "how long a register answer is reused"},
	{"POSTVAKT_SECURE_COOKIES", "false", "mark session cookies Secure (set true behind TLS)"},
	{"POSTVAKT_RETENTION_YEARS", "5", "events and audit entries older than this are purged nightly"},
	{"POSTVAKT_FOLLOWUP_DAYS", "10", "days a sending unit has to record a follow-up decision"},
	{"POSTVAKT_FOLLOWUP_UNREAD_DAYS", "30", "days unread after which a shipment needs a follow-up"},
}

// FromEnv reads the configuration from the environment, with defaults.
func FromEnv() Config { return From(os.LookupEnv) }

// From reads the configuration through lookup (os.LookupEnv, or a map in
// tests), with defaults.
func From(lookup func(string) (string, bool)) Config {
	env := func(name, def string) string {
		if v, ok := lookup(name); ok && v != "" {
			return v
		}
		return def
	}
	// secret reads a secret from NAME, or from the file named by NAME_FILE
	// (a mounted secret), without its trailing newline.
	secret := func(name string) string {
		if v := env(name, ""); v != "" {
			return v
		}
		if f := env(name+"_FILE", ""); f != "" {
			if b, err := os.ReadFile(f); err == nil {
				return strings.TrimRight(string(b), "\r\n")
			}
		}
		return ""
	}
	return Config{
		DatabaseURL: env("DATABASE_URL", ""),
		Addr:        env("POSTVAKT_ADDR", "127.0.0.1:8080"),
		LogLevel:    env("POSTVAKT_LOG_LEVEL", "info"),
		LogFormat:   env("POSTVAKT_LOG_FORMAT", "text"),
		Policies:    env("POSTVAKT_POLICIES", "policies/"),

		PollSchedule:     env("POSTVAKT_POLL_SCHEDULE", "@every 1m"),
		EscalateSchedule: env("POSTVAKT_ESCALATE_SCHEDULE", "*/15 * * * *"),
		PrintURL:         env("POSTVAKT_PRINT_URL", ""),
		SecureCookies:    env("POSTVAKT_SECURE_COOKIES", "false") == "true",
		RetentionYears:   atoi(env("POSTVAKT_RETENTION_YEARS", ""), 5),
		FollowUpDays:     atoi(env("POSTVAKT_FOLLOWUP_DAYS", ""), 10),
		FollowUpUnread:   atoi(env("POSTVAKT_FOLLOWUP_UNREAD_DAYS", ""), 30),
		SvarUt: SvarUt{
			URL:                env("POSTVAKT_SVARUT_URL", ""),
			API:                env("POSTVAKT_SVARUT_API", "v2"),
			KontoID:            env("POSTVAKT_SVARUT_KONTO_ID", ""),
			IntegrasjonID:      env("POSTVAKT_SVARUT_INTEGRASJON_ID", ""),
			IntegrasjonPassord: secret("POSTVAKT_SVARUT_INTEGRASJON_PASSORD"),
			User:               env("POSTVAKT_SVARUT_USER", ""),
			Password:           secret("POSTVAKT_SVARUT_PASSWORD"),
		},
		Altinn: Altinn{
			URL:         env("POSTVAKT_ALTINN_URL", ""),
			ResourceID:  env("POSTVAKT_ALTINN_RESOURCE_ID", ""),
			ExchangeURL: env("POSTVAKT_ALTINN_EXCHANGE_URL", ""),
		},
		DigitalPost: digitalPost(env, secret),
		Maskinporten: Maskinporten{
			URL:      env("POSTVAKT_MASKINPORTEN_URL", ""),
			ClientID: env("POSTVAKT_MASKINPORTEN_CLIENT_ID", ""),
			KeyFile:  env("POSTVAKT_MASKINPORTEN_KEY_FILE", ""),
			Audience: env("POSTVAKT_MASKINPORTEN_AUDIENCE", ""),
		},
	}
}

func digitalPost(env func(name, def string) string, secret func(name string) string) DigitalPost {
	d := DigitalPost{URL: env("POSTVAKT_DIGITALPOST_URL", ""), SystemID: env("POSTVAKT_DIGITALPOST_SYSTEM_ID", ""),
		APIToken: secret("POSTVAKT_DIGITALPOST_API_TOKEN"), CertFile: env("POSTVAKT_DIGITALPOST_CERT_FILE", ""),
		KeyFile: env("POSTVAKT_DIGITALPOST_KEY_FILE", ""), Overlap: 10 * time.Minute}
	if v := env("POSTVAKT_DIGITALPOST_OVERLAP", ""); v != "" {
		o, err := time.ParseDuration(v)
		if err != nil || o < 0 {
			d.Err = fmt.Errorf("POSTVAKT_DIGITALPOST_OVERLAP: %q is not a duration like 10m", v)
		} else {
			d.Overlap = o
		}
	}
	return d
}

// NeedDatabase returns an error when no database is configured.
func (c Config) NeedDatabase() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL is not set (e.g. postgres://user:password@host:5432/postvakt?sslmode=require)")
	}
	return nil
}

// Logger builds the process logger.
func (c Config) Logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("POSTVAKT_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("POSTVAKT_LOG_FORMAT: %q is not text or json", c.LogFormat)
}

// atoi reads a positive whole number, or def when s is empty or not one.
func atoi(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return def
	}
	return n
}
