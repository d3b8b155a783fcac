// Package config turns the environment into one typed configuration,
// validated at start: every variable postvakt reads is read here (or through
// a Reader this package hands to a channel's registration), and a bad value
// fails the start with the variable's name instead of becoming a default.
// Flags of the subcommands may override fields afterwards.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"
	"unicode"
)

// Config is postvakt's configuration.
type Config struct {
	DatabaseURL string // DATABASE_URL (or _FILE)
	// StatementTimeout (POSTVAKT_STATEMENT_TIMEOUT) is how long a UI or
	// API request's database statement may run (store.Interactive).
	StatementTimeout time.Duration
	Addr             string        // POSTVAKT_ADDR
	StopDrain        time.Duration // POSTVAKT_STOP_DRAIN
	LogLevel         string        // POSTVAKT_LOG_LEVEL
	LogFormat        string        // POSTVAKT_LOG_FORMAT
	Policies         string        // POSTVAKT_POLICIES

	PollSchedule     string        // POSTVAKT_POLL_SCHEDULE
	PollLease        time.Duration // POSTVAKT_POLL_LEASE
	PollMaxWait      time.Duration // POSTVAKT_POLL_MAX_WAIT
	EscalateSchedule string        // POSTVAKT_ESCALATE_SCHEDULE
	PrintSchedule    string        // POSTVAKT_PRINT_SCHEDULE
	NoticeSchedule   string        // POSTVAKT_NOTICE_SCHEDULE
	PublicURL        string        // POSTVAKT_PUBLIC_URL
	SecureCookies    bool          // POSTVAKT_SECURE_COOKIES
	RetentionYears   int           // POSTVAKT_RETENTION_YEARS
	FollowUpDays     int           // POSTVAKT_FOLLOWUP_DAYS
	FollowUpUnread   int           // POSTVAKT_FOLLOWUP_UNREAD_DAYS

	SMTP         SMTP
	Health       Health
	Altinn       Altinn
	Maskinporten Maskinporten
	Print        Print
	CVR          CVR
	// NamesSchedule (POSTVAKT_NAMES_SCHEDULE) is when the names job asks
	// the registers about organisations without a name.
	NamesSchedule string

	// TestCrashAt (POSTVAKT_TEST_CRASH_AT) makes the print fallback kill
	// its own process at a named point: for crash tests only.
	TestCrashAt string

	lookup func(string) (string, bool)
}

// SMTP is the relay reminders go through; off when Addr is empty.
type SMTP struct {
	Addr     string // POSTVAKT_SMTP_ADDR: host:port
	From     string // POSTVAKT_SMTP_FROM
	User     string // POSTVAKT_SMTP_USER
	Password string // POSTVAKT_SMTP_PASSWORD (or _FILE)
	TLS      string // POSTVAKT_SMTP_TLS: require, starttls or none
}

// Health configures the health evaluation and where its alerts go (the
// rules themselves are in the policy folder's health.yaml).
type Health struct {
	Schedule   string   // POSTVAKT_HEALTH_SCHEDULE
	Emails     []string // POSTVAKT_ALERT_EMAIL
	WebhookURL string   // POSTVAKT_ALERT_WEBHOOK_URL (or _FILE)
}

// Altinn holds the settings of the Altinn platform that more than the
// Correspondence channel use: the token exchange, the correspondence
// resource, Profile (reminder addresses) and Notifications.
type Altinn struct {
	ExchangeURL      string // POSTVAKT_ALTINN_EXCHANGE_URL
	ResourceID       string // POSTVAKT_ALTINN_RESOURCE_ID
	ProfileURL       string // POSTVAKT_PROFILE_URL
	NotificationsURL string // POSTVAKT_NOTIFICATIONS_URL
}

// Maskinporten configures the JWT-grant token source of the Norwegian
// channels and Altinn services; off when URL is empty.
type Maskinporten struct {
	URL      string // POSTVAKT_MASKINPORTEN_URL: token endpoint
	ClientID string // POSTVAKT_MASKINPORTEN_CLIENT_ID
	KeyFile  string // POSTVAKT_MASKINPORTEN_KEY_FILE
	KeyID    string // POSTVAKT_MASKINPORTEN_KEY_ID: the grant's kid
	Audience string // POSTVAKT_MASKINPORTEN_AUDIENCE
}

// Print configures the print fallback; off when URL is empty.
type Print struct {
	URL              string        // POSTVAKT_PRINT_URL
	APIKey           string        // POSTVAKT_PRINT_API_KEY (or _FILE)
	RegisterURL      string        // POSTVAKT_REGISTER_URL
	RegisterCacheTTL time.Duration // POSTVAKT_REGISTER_CACHE_TTL
	Lease            time.Duration // POSTVAKT_PRINT_LEASE
}

// CVR is the Danish business register's system-to-system access
// (Erhvervsstyrelsen); no Danish names when URL is empty.
type CVR struct {
	URL      string // POSTVAKT_CVR_URL, e.g. http://distribution.virk.dk/cvr-permanent
	User     string // POSTVAKT_CVR_USER
	Password string // POSTVAKT_CVR_PASSWORD (or _FILE)
}

// Load reads and validates the configuration through lookup (os.LookupEnv,
// or a map in tests). The error names every bad variable.
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := NewReader(lookup)
	c := read(r)
	c.lookup = lookup
	c.validate(r)
	return c, r.Err()
}

// FromEnv loads the configuration from the process environment.
func FromEnv() (Config, error) { return Load(os.LookupEnv) }

// read reads every core variable; its order is the order of `postvakt help`.
func read(r *Reader) Config {
	return Config{
		// A secret (its password), taken without surrounding blanks, as
		// every other variable's value is: a URL has none of its own.
		DatabaseURL: strings.TrimSpace(r.Secret("DATABASE_URL", "PostgreSQL URL (lib/pq), e.g. postgres://postvakt:secret@db:5432/postvakt?sslmode=require")),
		StatementTimeout: r.Duration("POSTVAKT_STATEMENT_TIMEOUT", time.Minute, "how long one database statement of a UI or API request may run: "+
			"the database then ends it and the request is answered 503, saying so (statement_timeout on the requests' own connections, "+
			"at least 1s, at most 596h); the background jobs (polls, imports, the purge, the escalation run) have none"),
		Addr: r.HostPort("POSTVAKT_ADDR", "127.0.0.1:8080", "host:port the API and UI listen on (:8080: every address)"),
		StopDrain: r.DurationUpTo("POSTVAKT_STOP_DRAIN", 10*time.Second, 40*time.Second, "how long serve still answers HTTP after SIGTERM at least, "+
			"/readyz saying stopping, so that a load balancer takes it out of rotation before its listener closes "+
			"(the balancer's probe interval times its failure threshold; at most 40s; 0s: no balancer)"),
		LogLevel:  r.OneOf("POSTVAKT_LOG_LEVEL", "info", "debug, info, warn or error", "debug", "info", "warn", "error"),
		LogFormat: r.OneOf("POSTVAKT_LOG_FORMAT", "text", "text or json", "text", "json"),
		Policies:  r.String("POSTVAKT_POLICIES", "policies/", "folder of policy YAML files and health.yaml (a relative path: from the working directory)"),

		PollSchedule: r.Schedule("POSTVAKT_POLL_SCHEDULE", "@every 1m", "when the poll cycle runs"),
		PollLease: r.DurationAtLeast("POSTVAKT_POLL_LEASE", 10*time.Minute, 10*time.Second, "how long a replica's claim on letters to poll holds (at least 10s); "+
			"letters a crashed replica claimed are polled again after it"),
		PollMaxWait: r.Duration("POSTVAKT_POLL_MAX_WAIT", 12*time.Hour, "the longest an open letter waits between two polls: "+
			"the wait grows with its age (5 minutes in its first day, 30 in its first week, 2 hours in its first month, then 12 hours) up to this"),
		EscalateSchedule: r.Schedule("POSTVAKT_ESCALATE_SCHEDULE", "*/15 * * * *", "when the escalation run (reminders, print due) runs"),
		PrintSchedule:    r.Schedule("POSTVAKT_PRINT_SCHEDULE", "@every 1m", "when print orders are sent and followed (with POSTVAKT_PRINT_URL)"),
		NoticeSchedule: r.Schedule("POSTVAKT_NOTICE_SCHEDULE", "*/5 * * * *", "when follow-ups are opened and the notices go out "+
			"(follow-up mails to units and managers, the compliance digest, escalation.to)"),
		PublicURL: r.URL("POSTVAKT_PUBLIC_URL", "the UI's address as people reach it (e.g. https://postvakt.bergen.kommune.no), "+
			"for the links in notices and alerts; unset = no links"),
		SecureCookies:  r.Bool("POSTVAKT_SECURE_COOKIES", false, "mark session cookies Secure (set true behind TLS)"),
		RetentionYears: r.IntIn("POSTVAKT_RETENTION_YEARS", 5, 1, 100, "default retention (at most 100 years, as a policy's retention.years): a letter older than this loses its personal data and evidence in the nightly purge (a policy's retention.years overrides it per class); older audit entries go too, as do the reminder addresses of organisations with no letter kept, resolved health alerts and the recipients of old notifications that list no letter kept"),
		FollowUpDays:   r.IntIn("POSTVAKT_FOLLOWUP_DAYS", 10, 1, 365, "days a sending unit has to record a follow-up decision (at most 365)"),
		FollowUpUnread: r.IntIn("POSTVAKT_FOLLOWUP_UNREAD_DAYS", 30, 1, 36500, "days unread after which a shipment needs a follow-up (at most 36500, 100 years, as the retention)"),

		Maskinporten: Maskinporten{
			URL:      r.URL("POSTVAKT_MASKINPORTEN_URL", "Maskinporten token endpoint (e.g. https://maskinporten.no/token)"),
			ClientID: r.String("POSTVAKT_MASKINPORTEN_CLIENT_ID", "", "Maskinporten client id"),
			KeyFile:  r.String("POSTVAKT_MASKINPORTEN_KEY_FILE", "", "PEM RSA private key that signs the JWT grant"),
			KeyID:    r.String("POSTVAKT_MASKINPORTEN_KEY_ID", "", "the key's id (kid) as registered with the Maskinporten client; sent in the grant's header, which Maskinporten requires"),
			Audience: r.String("POSTVAKT_MASKINPORTEN_AUDIENCE", "", "grant audience; default scheme://host/ of the token URL"),
		},
		Altinn: Altinn{
			ExchangeURL: r.URL("POSTVAKT_ALTINN_EXCHANGE_URL", "Altinn root whose token exchange turns a Maskinporten token into an Altinn token; needed with POSTVAKT_NOTIFICATIONS_URL or POSTVAKT_PROFILE_URL (they take Altinn tokens only); unset = send the Maskinporten token (Correspondence takes it)"),
			ResourceID:  r.String("POSTVAKT_ALTINN_RESOURCE_ID", "", "correspondence resource id: discovery, and the access the reminders' Notifications orders name"),
			ProfileURL: r.URL("POSTVAKT_PROFILE_URL", "Altinn Profile API base (e.g. https://platform.altinn.no/profile/api/v1): addresses of organisations "+
				"without imported ones (cached 24h); unset = contacts table only. Its token has the scope altinn:profile/correspondence.notificationsettings.read"),
			NotificationsURL: r.URL("POSTVAKT_NOTIFICATIONS_URL", "Altinn Notifications API base (e.g. https://platform.altinn.no/notifications/api/v1): "+
				"reminders also ordered there; unset = e-mail only. Its token has the scopes altinn:serviceowner/notifications.create altinn:serviceowner"),
		},
		SMTP: SMTP{
			Addr:     r.OptionalHostPort("POSTVAKT_SMTP_ADDR", "SMTP relay for reminders, host:port (STARTTLS when offered; port 465: TLS from the first byte); unset = reminders wait"),
			From:     r.String("POSTVAKT_SMTP_FROM", "postvakt@localhost", "sender address of reminders, e.g. postvakt@bergen.kommune.no"),
			User:     r.String("POSTVAKT_SMTP_USER", "", "SMTP user for AUTH PLAIN or LOGIN (optional)"),
			Password: r.Secret("POSTVAKT_SMTP_PASSWORD", "SMTP password for AUTH PLAIN or LOGIN (optional)"),
			TLS: r.OneOf("POSTVAKT_SMTP_TLS", "starttls", "require (STARTTLS or no mail: use in production), "+
				"starttls (when the server offers it) or none (plain, a local relay)", "require", "starttls", "none"),
		},
		Health: Health{
			Schedule: r.Schedule("POSTVAKT_HEALTH_SCHEDULE", "@every 5m", "when the health rules are evaluated (once cluster-wide)"),
			Emails: r.List("POSTVAKT_ALERT_EMAIL", "comma-separated addresses every health alert is e-mailed to "+
				"(through POSTVAKT_SMTP_ADDR); health.yaml's to: adds more per rule"),
			// The receivers it is meant for carry their credential in the
			// URL (Slack's and Mattermost's hooks, a ?code= or ?sig=).
			WebhookURL: r.SecretURL("POSTVAKT_ALERT_WEBHOOK_URL", "where health alerts are posted as Alertmanager webhook JSON (version 4); unset = no webhook"),
		},
		Print: Print{
			URL:    r.URL("POSTVAKT_PRINT_URL", "print provider base; unset = no print fallback"),
			APIKey: r.Secret("POSTVAKT_PRINT_API_KEY", "print provider bearer key (optional)"),
			RegisterURL: r.URL("POSTVAKT_REGISTER_URL", "business register (Enhetsregisteret) base, e.g. https://data.brreg.no/enhetsregisteret/api: "+
				"postal addresses for print, names of Norwegian organisations"),
			RegisterCacheTTL: r.Duration("POSTVAKT_REGISTER_CACHE_TTL", 24*time.Hour, "how long a register answer (Enhetsregisteret, CVR) is reused"),
			Lease: r.DurationAtLeast("POSTVAKT_PRINT_LEASE", 5*time.Minute, 10*time.Second, "how long a replica's claim on print work holds (at least 10s); "+
				"orders a crashed replica claimed are sent again (same idempotency key) after it"),
		},
		CVR: CVR{
			URL: r.URL("POSTVAKT_CVR_URL", "Danish CVR system-to-system access (Elasticsearch) base, e.g. http://distribution.virk.dk/cvr-permanent: "+
				"names of Danish organisations; unset = no Danish names"),
			User:     r.String("POSTVAKT_CVR_USER", "", "CVR access user name (from Erhvervsstyrelsen, cvrselvbetjening@erst.dk)"),
			Password: r.Secret("POSTVAKT_CVR_PASSWORD", "CVR access password"),
		},
		NamesSchedule: r.Schedule("POSTVAKT_NAMES_SCHEDULE", "@every 5m", "when organisations without a name (or with a stale register answer) are looked up "+
			"in Enhetsregisteret (POSTVAKT_REGISTER_URL) and the CVR (POSTVAKT_CVR_URL)"),
		TestCrashAt: r.String("POSTVAKT_TEST_CRASH_AT", "", "crash tests only: kill the process at a named point (never in production)"),
	}
}

// resourceURN is the prefix of an Altinn resource's URN.
const resourceURN = "urn:altinn:resource:"

// MaxStatementTimeout is the longest POSTVAKT_STATEMENT_TIMEOUT:
// PostgreSQL's statement_timeout is a 32-bit count of milliseconds, and a
// session that asks for more is refused as it connects (FATAL: invalid
// value), which would end serve as it opens the requests' pool.
const MaxStatementTimeout = math.MaxInt32 * time.Millisecond

// validate checks the rules that span several variables, and bounds.
func (c *Config) validate(r *Reader) {
	if c.DatabaseURL != "" {
		if err := checkDatabaseURL(c.DatabaseURL); err != nil {
			r.Failf("DATABASE_URL", "%s", err)
		}
	}
	if c.StatementTimeout > 0 && c.StatementTimeout < time.Second {
		r.Failf("POSTVAKT_STATEMENT_TIMEOUT", "%s is less than 1s: pages would fail on an ordinary query", c.StatementTimeout)
	}
	if c.StatementTimeout > MaxStatementTimeout {
		r.Failf("POSTVAKT_STATEMENT_TIMEOUT", "%s is more than PostgreSQL's statement_timeout takes (%s)", c.StatementTimeout, MaxStatementTimeout)
	}
	if m := c.Maskinporten; m.URL != "" && (m.ClientID == "" || m.KeyFile == "" || m.KeyID == "") {
		r.Failf("POSTVAKT_MASKINPORTEN_URL", "is set, so POSTVAKT_MASKINPORTEN_CLIENT_ID, POSTVAKT_MASKINPORTEN_KEY_FILE and POSTVAKT_MASKINPORTEN_KEY_ID are needed too")
	}
	if c.Print.URL != "" && c.Print.RegisterURL == "" {
		r.Failf("POSTVAKT_PRINT_URL", "is set, so POSTVAKT_REGISTER_URL (the business register that gives the postal address) is needed too")
	}
	for _, e := range c.Health.Emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			r.Failf("POSTVAKT_ALERT_EMAIL", "%q is not a plain e-mail address", e)
		} else if strings.IndexFunc(e, func(c rune) bool { return c > unicode.MaxASCII }) >= 0 {
			// Most relays refuse it (SMTPUTF8): every alert to it would fail.
			r.Failf("POSTVAKT_ALERT_EMAIL", "%q has letters outside ASCII, which most mail servers refuse: give the ASCII form (a domain as xn--…)", e)
		}
	}
	if len(c.Health.Emails) > 0 && c.SMTP.Addr == "" {
		r.Failf("POSTVAKT_ALERT_EMAIL", "is set, so POSTVAKT_SMTP_ADDR (the SMTP relay alerts go through) is needed too")
	}
	// Altinn Notifications and Profile take Altinn tokens only (one scheme
	// that checks Altinn's signing keys, testdata/specs/README.md): a
	// Maskinporten token sent as it is would be refused with a 401 on
	// every reminder order and address lookup.
	for _, u := range []struct{ key, url string }{{"POSTVAKT_NOTIFICATIONS_URL", c.Altinn.NotificationsURL}, {"POSTVAKT_PROFILE_URL", c.Altinn.ProfileURL}} {
		if u.url != "" && c.Altinn.ExchangeURL == "" {
			r.Failf(u.key, "is set, so POSTVAKT_ALTINN_EXCHANGE_URL is needed too: the API takes Altinn tokens only, not Maskinporten's")
		}
		if u.url != "" && c.Maskinporten.URL == "" {
			// The exchange turns a Maskinporten token into Altinn's:
			// without one every call would go without a token (a 401).
			r.Failf("POSTVAKT_MASKINPORTEN_URL", "required with %s: the API takes its calls only with a token (a Maskinporten one, exchanged), see Maskinporten", u.key)
		}
	}
	c.validateAltinnURLs(r)
	if id := c.Altinn.ResourceID; strings.ContainsFunc(id, unicode.IsSpace) || strings.ContainsFunc(id, unicode.IsControl) {
		// Altinn refuses such an order with a 400, which is no refusal
		// for good: every reminder by order would wait on it.
		r.Failf("POSTVAKT_ALTINN_RESOURCE_ID", "%q holds white space: a resource id is one word (a correspondence resource's id, or urn:altinn:resource: and it)", id)
	}
	if id := c.Altinn.ResourceID; len(id) == len(resourceURN) && strings.EqualFold(id, resourceURN) {
		// Notifications refuses an order naming it (400: its resource id
		// syntax), and discovery would ask for the resource "".
		r.Failf("POSTVAKT_ALTINN_RESOURCE_ID", "%q names no resource: give the resource's id after it (or the id alone)", id)
	}
	if c.CVR.URL != "" && (c.CVR.User == "" || c.CVR.Password == "") {
		r.Failf("POSTVAKT_CVR_URL", "is set, so POSTVAKT_CVR_USER and POSTVAKT_CVR_PASSWORD (or _FILE) are needed too")
	}
	if c.SMTP.Addr != "" {
		// The envelope sender of every reminder, notice and alert: else
		// serve stops only after the database was opened and migrated,
		// or, outside ASCII, the relay refuses every one of them.
		if a, err := mail.ParseAddress(c.SMTP.From); err != nil {
			r.Failf("POSTVAKT_SMTP_FROM", "%q is not an e-mail address (e.g. postvakt@bergen.kommune.no, or Bergen kommune <postvakt@bergen.kommune.no>)", c.SMTP.From)
		} else if strings.IndexFunc(a.Address, func(c rune) bool { return c > unicode.MaxASCII }) >= 0 {
			r.Failf("POSTVAKT_SMTP_FROM", "%q has letters outside ASCII, which most mail servers refuse: give the ASCII form (a domain as xn--…)", a.Address)
		}
	}
	if c.SMTP.User != "" && c.SMTP.Password == "" {
		r.Failf("POSTVAKT_SMTP_USER", "is set, so POSTVAKT_SMTP_PASSWORD (or _FILE) is needed too")
	}
	if c.SMTP.Password != "" && c.SMTP.User == "" {
		// No AUTH without a user: the password would never be sent, and a
		// relay that wants a login refuses every reminder and alert.
		r.Failf("POSTVAKT_SMTP_PASSWORD", "is set, so POSTVAKT_SMTP_USER is needed too (the login the password goes with)")
	}
	if host, _, err := net.SplitHostPort(c.SMTP.Addr); err == nil && c.SMTP.User != "" && c.SMTP.TLS == "none" && !loopbackHost(host) {
		// net/smtp sends no password over an unencrypted connection but
		// to localhost: every reminder would fail at the login.
		r.Failf("POSTVAKT_SMTP_USER", "is set with POSTVAKT_SMTP_TLS=none: a password is never sent unencrypted except to localhost; "+
			"set POSTVAKT_SMTP_TLS to starttls or require (or log in to a relay on localhost)")
	}
}

// loopbackHost reports whether the SMTP login (AUTH PLAIN or LOGIN) goes to host
// over an unencrypted connection: localhost, 127.0.0.1 or ::1 as written
// (not another loopback address).
func loopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Section reads settings that another package owns (a channel's) from the
// same environment, through fn; the error names every bad variable.
func (c Config) Section(fn func(r *Reader)) error {
	lookup := c.lookup
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	r := NewReader(lookup)
	fn(r)
	return r.Err()
}

// Describe lists every variable: the core ones, then those the sections
// read, with their defaults and help, for `postvakt help` and the README.
func Describe(sections ...func(r *Reader)) []Var {
	r := NewReader(func(string) (string, bool) { return "", false })
	read(r)
	for _, s := range sections {
		s(r)
	}
	return r.Vars()
}

// NeedDatabase returns an error when no database is configured.
func (c Config) NeedDatabase() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL is not set, nor DATABASE_URL_FILE (e.g. postgres://user:password@host:5432/postvakt?sslmode=require)")
	}
	return nil
}

// Logger builds the process logger, writing to standard error.
func (c Config) Logger() (*slog.Logger, error) { return c.loggerTo(os.Stderr) }

func (c Config) loggerTo(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("POSTVAKT_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		// A duration as people read it ("1.518s"), as the text format
		// writes it, not as integer nanoseconds.
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("POSTVAKT_LOG_FORMAT: %q is not text or json", c.LogFormat)
}
