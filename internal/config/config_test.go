package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoadDefaultsAndSecrets(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(lookup(map[string]string{
		"POSTVAKT_SMTP_USER":              "postvakt",
		"POSTVAKT_SMTP_PASSWORD_FILE":     secretFile,
		"POSTVAKT_PRINT_API_KEY":          "direct",
		"POSTVAKT_PROFILE_URL":            "https://platform.example/profile/api/v1/",
		"POSTVAKT_ALTINN_EXCHANGE_URL":    "https://platform.example",
		"POSTVAKT_MASKINPORTEN_URL":       "https://maskinporten.example/token",
		"POSTVAKT_MASKINPORTEN_CLIENT_ID": "postvakt",
		"POSTVAKT_MASKINPORTEN_KEY_FILE":  "/run/secrets/maskinporten.pem",
		"POSTVAKT_MASKINPORTEN_KEY_ID":    "k1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, got, want string }{
		{"addr default", c.Addr, "127.0.0.1:8080"},
		{"policies default", c.Policies, "policies/"},
		{"secret from file, newline trimmed", c.SMTP.Password, "s3cret"},
		{"secret given directly", c.Print.APIKey, "direct"},
		{"URL without its trailing slash", c.Altinn.ProfileURL, "https://platform.example/profile/api/v1"},
		{"print off", c.Print.URL, ""},
		{"no Danish names", c.CVR.URL, ""},
		{"names schedule default", c.NamesSchedule, "@every 5m"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if c.Print.RegisterCacheTTL != 24*time.Hour || c.RetentionYears != 5 || c.StatementTimeout != time.Minute {
		t.Errorf("defaults: ttl %s, retention %d, statement timeout %s", c.Print.RegisterCacheTTL, c.RetentionYears, c.StatementTimeout)
	}
	if c, err := Load(lookup(map[string]string{"POSTVAKT_STOP_DRAIN": "0s"})); err != nil || c.StopDrain != 0 {
		t.Errorf("POSTVAKT_STOP_DRAIN=0s: %s, %v", c.StopDrain, err)
	}
	if c, err := Load(lookup(map[string]string{"POSTVAKT_STATEMENT_TIMEOUT": "90s"})); err != nil || c.StatementTimeout != 90*time.Second {
		t.Errorf("POSTVAKT_STATEMENT_TIMEOUT=90s: %s, %v", c.StatementTimeout, err)
	}
	if err := c.NeedDatabase(); err == nil {
		t.Error("no DATABASE_URL accepted")
	}
}

// POSTVAKT_ADDR takes what a listener does: a host (or none, for every
// address) and a port number, 0 for a free one.
func TestAddrTakesListenAddresses(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:8080", "127.0.0.1:0", "[::1]:8080", "localhost:65535"} {
		c, err := Load(lookup(map[string]string{"POSTVAKT_ADDR": addr}))
		if err != nil || c.Addr != addr {
			t.Errorf("POSTVAKT_ADDR=%s: %q, %v", addr, c.Addr, err)
		}
	}
}

// A schedule may name its zone (README: Time zone): CRON_TZ= with an IANA
// name is taken as given; an unknown zone is refused.
func TestScheduleWithZone(t *testing.T) {
	spec := "CRON_TZ=Europe/Oslo */15 7-16 * * 1-5"
	c, err := Load(lookup(map[string]string{"POSTVAKT_ESCALATE_SCHEDULE": spec}))
	if err != nil || c.EscalateSchedule != spec {
		t.Errorf("%q: %q, %v", spec, c.EscalateSchedule, err)
	}
	_, err = Load(lookup(map[string]string{"POSTVAKT_ESCALATE_SCHEDULE": "CRON_TZ=Europe/Bergen 0 7 * * *"}))
	if err == nil || !strings.Contains(err.Error(), "POSTVAKT_ESCALATE_SCHEDULE") {
		t.Errorf("an unknown zone: %v", err)
	}
}

// A bad value fails the load with the variable's name, never silently
// becoming the default.
func TestLoadRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"POSTVAKT_RETENTION_YEARS": "five"}, `POSTVAKT_RETENTION_YEARS: "five" is not a whole number`},
		// From an independent review of operations: values that started
		// serve and failed later. Ten thousand years put the nightly
		// purge's cut-off before year 1 (a timestamp out of range every
		// night); a relay without its port, a schedule that runs every
		// second or never, a rate that is not a number.
		{map[string]string{"POSTVAKT_RETENTION_YEARS": "10000"}, `POSTVAKT_RETENTION_YEARS: 10000 is more than 100`},
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.example.no:"}, `POSTVAKT_SMTP_ADDR: "smtp.example.no:" is not host:port`},
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.example.no:99999"}, `POSTVAKT_SMTP_ADDR: "smtp.example.no:99999" is not host:port`},
		{map[string]string{"POSTVAKT_SMTP_ADDR": ":25"}, `POSTVAKT_SMTP_ADDR: ":25" is not host:port`},
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.example.no"}, `POSTVAKT_SMTP_ADDR: "smtp.example.no" is not host:port`},
		// Port 0 is a listener's "any free port": no relay is reached there.
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.example.no:0"}, `POSTVAKT_SMTP_ADDR: "smtp.example.no:0" is not host:port`},
		{map[string]string{"POSTVAKT_POLL_SCHEDULE": "@every -5m"}, `POSTVAKT_POLL_SCHEDULE: "@every -5m": @every needs at least 1s`},
		{map[string]string{"POSTVAKT_POLL_SCHEDULE": "@every 100ms"}, `POSTVAKT_POLL_SCHEDULE: "@every 100ms": @every needs at least 1s`},
		{map[string]string{"POSTVAKT_HEALTH_SCHEDULE": "0 0 30 2 *"}, `POSTVAKT_HEALTH_SCHEDULE: "0 0 30 2 *" never runs`},
		// The listen address: without a port, or a port past 65535.
		{map[string]string{"POSTVAKT_ADDR": "localhost"}, `POSTVAKT_ADDR: "localhost" is not host:port`},
		{map[string]string{"POSTVAKT_ADDR": "127.0.0.1:99999"}, `POSTVAKT_ADDR: "127.0.0.1:99999" is not host:port`},
		{map[string]string{"POSTVAKT_ADDR": "0.0.0.0:http"}, `POSTVAKT_ADDR: "0.0.0.0:http" is not host:port`},
		{map[string]string{"POSTVAKT_FOLLOWUP_DAYS": "0"}, `POSTVAKT_FOLLOWUP_DAYS: 0 is less than 1`},
		{map[string]string{"POSTVAKT_REGISTER_CACHE_TTL": "abc"}, `POSTVAKT_REGISTER_CACHE_TTL: "abc" is not a positive duration`},
		{map[string]string{"POSTVAKT_SECURE_COOKIES": "yes please"}, `POSTVAKT_SECURE_COOKIES: "yes please" is not true or false`},
		{map[string]string{"POSTVAKT_POLL_SCHEDULE": "every minute"}, `POSTVAKT_POLL_SCHEDULE: "every minute" is not a cron schedule`},
		{map[string]string{"POSTVAKT_LOG_LEVEL": "loud"}, `POSTVAKT_LOG_LEVEL: "loud" is not one of debug, info, warn, error`},
		{map[string]string{"POSTVAKT_PRINT_URL": "print.example"}, `POSTVAKT_PRINT_URL: "print.example" is not an absolute http or https URL`},
		{map[string]string{"POSTVAKT_SMTP_PASSWORD_FILE": "/nonexistent/pw"}, `POSTVAKT_SMTP_PASSWORD_FILE: cannot read the secret`},
		{map[string]string{"POSTVAKT_MASKINPORTEN_URL": "https://mp.example/token"}, `POSTVAKT_MASKINPORTEN_URL: is set, so POSTVAKT_MASKINPORTEN_CLIENT_ID`},
		{map[string]string{"POSTVAKT_PRINT_URL": "https://print.example"}, `POSTVAKT_PRINT_URL: is set, so POSTVAKT_REGISTER_URL`},
		// Notifications and Profile take Altinn tokens only: without the
		// exchange every order and lookup would be refused.
		{map[string]string{"POSTVAKT_NOTIFICATIONS_URL": "https://platform.example/notifications/api/v1"},
			`POSTVAKT_NOTIFICATIONS_URL: is set, so POSTVAKT_ALTINN_EXCHANGE_URL is needed too`},
		{map[string]string{"POSTVAKT_PROFILE_URL": "https://platform.example/profile/api/v1"},
			`POSTVAKT_PROFILE_URL: is set, so POSTVAKT_ALTINN_EXCHANGE_URL is needed too`},
		// Nor without a Maskinporten client, whose token is exchanged:
		// every order and lookup would go without a token and be refused
		// (401), naming no setting.
		{map[string]string{"POSTVAKT_NOTIFICATIONS_URL": "https://platform.example/notifications/api/v1", "POSTVAKT_ALTINN_EXCHANGE_URL": "https://platform.example"},
			`POSTVAKT_MASKINPORTEN_URL: required with POSTVAKT_NOTIFICATIONS_URL`},
		{map[string]string{"POSTVAKT_PROFILE_URL": "https://platform.example/profile/api/v1", "POSTVAKT_ALTINN_EXCHANGE_URL": "https://platform.example"},
			`POSTVAKT_MASKINPORTEN_URL: required with POSTVAKT_PROFILE_URL`},
		{map[string]string{"POSTVAKT_CVR_URL": "http://distribution.virk.dk/cvr-permanent", "POSTVAKT_CVR_USER": "u"},
			`POSTVAKT_CVR_URL: is set, so POSTVAKT_CVR_USER and POSTVAKT_CVR_PASSWORD`},
		// Altinn answers an order naming it with a 400, which waits.
		{map[string]string{"POSTVAKT_ALTINN_RESOURCE_ID": "taushetsbelagt post"}, `POSTVAKT_ALTINN_RESOURCE_ID: "taushetsbelagt post" holds white space`},
		// The prefix alone names no resource: every order naming it is
		// refused (400), and discovery asks for the resource "".
		{map[string]string{"POSTVAKT_ALTINN_RESOURCE_ID": "urn:altinn:resource:"}, `POSTVAKT_ALTINN_RESOURCE_ID: "urn:altinn:resource:" names no resource`},
		// net/smtp logs in unencrypted to localhost only.
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.kommune.no:25", "POSTVAKT_SMTP_USER": "postvakt", "POSTVAKT_SMTP_PASSWORD": "pw",
			"POSTVAKT_SMTP_TLS": "none"}, `POSTVAKT_SMTP_USER: is set with POSTVAKT_SMTP_TLS=none`},
		{map[string]string{"POSTVAKT_SMTP_ADDR": "127.0.0.2:25", "POSTVAKT_SMTP_USER": "postvakt", "POSTVAKT_SMTP_PASSWORD": "pw",
			"POSTVAKT_SMTP_TLS": "none"}, `POSTVAKT_SMTP_USER: is set with POSTVAKT_SMTP_TLS=none`},
		// A password without its user is never sent (no AUTH without a
		// user): the relay would refuse every reminder as unauthenticated.
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.kommune.no:587", "POSTVAKT_SMTP_PASSWORD": "pw"},
			`POSTVAKT_SMTP_PASSWORD: is set, so POSTVAKT_SMTP_USER is needed too`},
		// Most relays refuse such an address: every alert would fail.
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.kommune.no:25", "POSTVAKT_ALERT_EMAIL": "drift@kommune.no,drift@bærum.kommune.no"},
			`POSTVAKT_ALERT_EMAIL: "drift@bærum.kommune.no" has letters outside ASCII, which most mail servers refuse`},
		// The reminders' sender, read when the relay is set: refused at
		// start, not after the database was migrated (not an address), nor
		// at the relay for every reminder (outside ASCII).
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.kommune.no:25", "POSTVAKT_SMTP_FROM": "postvakt"},
			`POSTVAKT_SMTP_FROM: "postvakt" is not an e-mail address`},
		{map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.kommune.no:25", "POSTVAKT_SMTP_FROM": "Bærum kommune <postvakt@bærum.kommune.no>"},
			`POSTVAKT_SMTP_FROM: "postvakt@bærum.kommune.no" has letters outside ASCII, which most mail servers refuse`},
		{map[string]string{"POSTVAKT_NAMES_SCHEDULE": "often"}, `POSTVAKT_NAMES_SCHEDULE: "often" is not a cron schedule`},
		{map[string]string{"POSTVAKT_STATEMENT_TIMEOUT": "30"}, `POSTVAKT_STATEMENT_TIMEOUT: "30" is not a positive duration`},
		// serve's stop drain: within the minute README gives a stop.
		{map[string]string{"POSTVAKT_STOP_DRAIN": "1m"}, `POSTVAKT_STOP_DRAIN: "1m" is not a duration from 0s to 40s`},
		{map[string]string{"POSTVAKT_STOP_DRAIN": "-1s"}, `POSTVAKT_STOP_DRAIN: "-1s" is not a duration from 0s to 40s`},
		{map[string]string{"POSTVAKT_STATEMENT_TIMEOUT": "0s"}, `POSTVAKT_STATEMENT_TIMEOUT: "0s" is not a positive duration`},
		{map[string]string{"POSTVAKT_STATEMENT_TIMEOUT": "500ms"}, `POSTVAKT_STATEMENT_TIMEOUT: 500ms is less than 1s`},
		// PostgreSQL's statement_timeout is a 32-bit count of milliseconds:
		// a longer one is refused here, not by the database's FATAL when
		// serve opens the requests' pool.
		{map[string]string{"POSTVAKT_STATEMENT_TIMEOUT": "720h"}, `POSTVAKT_STATEMENT_TIMEOUT: 720h0m0s is more than PostgreSQL's statement_timeout takes (596h31m23.647s)`},
	} {
		_, err := Load(lookup(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.env, err, tc.want)
		}
	}
	// A login over plain SMTP to a relay on this machine is allowed.
	for _, addr := range []string{"localhost:1025", "127.0.0.1:25", "[::1]:25"} {
		if _, err := Load(lookup(map[string]string{"POSTVAKT_SMTP_ADDR": addr, "POSTVAKT_SMTP_USER": "postvakt",
			"POSTVAKT_SMTP_PASSWORD": "pw", "POSTVAKT_SMTP_TLS": "none"})); err != nil {
			t.Errorf("a login to %s without TLS: %v", addr, err)
		}
	}
	// A sender with a name outside ASCII is fine: the header encodes it.
	if _, err := Load(lookup(map[string]string{"POSTVAKT_SMTP_ADDR": "smtp.kommune.no:25",
		"POSTVAKT_SMTP_FROM": "Bærum kommune <postvakt@baerum.kommune.no>"})); err != nil {
		t.Errorf("a sender with a name: %v", err)
	}
	// Every problem is reported, not only the first.
	_, err := Load(lookup(map[string]string{"POSTVAKT_RETENTION_YEARS": "x", "POSTVAKT_FOLLOWUP_DAYS": "y"}))
	if err == nil || !strings.Contains(err.Error(), "POSTVAKT_RETENTION_YEARS") || !strings.Contains(err.Error(), "POSTVAKT_FOLLOWUP_DAYS") {
		t.Errorf("two bad values: %v", err)
	}
}

// The secrets of the SMTP relay and the print provider come from files
// (mounted secrets), without the trailing newline; the SMTP TLS mode is
// require, starttls (default) or none.
func TestSecretFilesAndSMTPTLS(t *testing.T) {
	dir := t.TempDir()
	pw, key := filepath.Join(dir, "smtp"), filepath.Join(dir, "print")
	if err := os.WriteFile(pw, []byte("smtp-hemmelig\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte("print-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(lookup(map[string]string{"POSTVAKT_SMTP_USER": "postvakt", "POSTVAKT_SMTP_PASSWORD_FILE": pw,
		"POSTVAKT_PRINT_API_KEY_FILE": key, "POSTVAKT_SMTP_TLS": "REQUIRE"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Password != "smtp-hemmelig" || c.Print.APIKey != "print-key" || c.SMTP.TLS != "require" {
		t.Fatalf("password %q, key %q, tls %q", c.SMTP.Password, c.Print.APIKey, c.SMTP.TLS)
	}
	if c, _ := Load(lookup(nil)); c.SMTP.TLS != "starttls" {
		t.Fatalf("default TLS mode %q", c.SMTP.TLS)
	}
	for env, want := range map[string]string{
		"POSTVAKT_SMTP_TLS":           `POSTVAKT_SMTP_TLS: "sometimes" is not one of require, starttls, none`,
		"POSTVAKT_PRINT_API_KEY_FILE": "POSTVAKT_PRINT_API_KEY_FILE: cannot read the secret",
	} {
		v := map[string]string{"POSTVAKT_SMTP_TLS": "sometimes", "POSTVAKT_PRINT_API_KEY_FILE": filepath.Join(dir, "missing")}[env]
		if _, err := Load(lookup(map[string]string{env: v})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: %v, want %q", env, v, err, want)
		}
	}
}

func TestSectionAndDescribe(t *testing.T) {
	c, err := Load(lookup(map[string]string{"POSTVAKT_X_URL": "https://x.example", "POSTVAKT_X_RATE": "-1"}))
	if err != nil {
		t.Fatal(err)
	}
	var url string
	section := func(r *Reader) {
		url = r.URL("POSTVAKT_X_URL", "x's base")
		r.Float("POSTVAKT_X_RATE", 0, "x's rate")
	}
	if err := c.Section(section); err == nil || !strings.Contains(err.Error(), "POSTVAKT_X_RATE") {
		t.Fatalf("section error: %v", err)
	}
	if url != "https://x.example" {
		t.Errorf("section read %q", url)
	}
	vars := Describe(section)
	names := map[string]bool{}
	for _, v := range vars {
		names[v.Name] = true
		if v.Help == "" {
			t.Errorf("%s has no help", v.Name)
		}
	}
	for _, n := range []string{"DATABASE_URL", "POSTVAKT_SMTP_PASSWORD", "POSTVAKT_X_URL", "POSTVAKT_X_RATE"} {
		if !names[n] {
			t.Errorf("Describe lacks %s", n)
		}
	}
}

func TestLogger(t *testing.T) {
	for _, bad := range []Config{{LogLevel: "loud", LogFormat: "text"}, {LogLevel: "info", LogFormat: "xml"}} {
		if _, err := bad.Logger(); err == nil {
			t.Errorf("logger accepted %+v", bad)
		}
	}
}

// The JSON log writes a duration as people read it, as the text log does,
// not as integer nanoseconds.
func TestJSONLogDurations(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var b strings.Builder
		log, err := Config{LogLevel: "info", LogFormat: format}.loggerTo(&b)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("done", "took", 1518*time.Millisecond)
		if !strings.Contains(b.String(), "1.518s") || strings.Contains(b.String(), "1518000000") {
			t.Errorf("%s: %s", format, b.String())
		}
	}
}

// TestFloatRefusesNotANumber: a rate of NaN passed "at least 0" (NaN < 0
// is false) and meant no limit; infinity is no number either.
func TestFloatRefusesNotANumber(t *testing.T) {
	for _, v := range []string{"NaN", "nan", "+Inf", "Inf", "-1", "x"} {
		r := NewReader(lookup(map[string]string{"POSTVAKT_SVARUT_RATE": v}))
		r.Float("POSTVAKT_SVARUT_RATE", 0, "rate")
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), "is not a number of at least 0") {
			t.Errorf("%q: %v", v, err)
		}
	}
	r := NewReader(lookup(map[string]string{"POSTVAKT_SVARUT_RATE": "2.5"}))
	if f := r.Float("POSTVAKT_SVARUT_RATE", 0, "rate"); f != 2.5 || r.Err() != nil {
		t.Errorf("2.5: %v, %v", f, r.Err())
	}
}

// TestRate: a rate setting is 0 (no limit) or at least one request a
// minute; a smaller one fails naming the variable.
func TestRate(t *testing.T) {
	for _, c := range []struct {
		v    string
		want float64
		err  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"2.5", 2.5, false}, {"0.02", 0.02, false},
		{"0.01", 0, true}, {"1e-12", 0, true}, {"5e-324", 0, true}, {"-1", 0, true},
	} {
		r := NewReader(lookup(map[string]string{"POSTVAKT_X_RATE": c.v}))
		got := r.Rate("POSTVAKT_X_RATE", "rate")
		if err := r.Err(); c.err != (err != nil) || got != c.want || (err != nil && !strings.Contains(err.Error(), "POSTVAKT_X_RATE")) {
			t.Errorf("%q: %v, %v; want %v, error %v", c.v, got, err, c.want, c.err)
		}
	}
}

// POSTVAKT_PUBLIC_URL's help (postvakt help) said it was for "the links
// in notices", while the health alerts' mails and webhook link to the UI
// by it too (cmd/postvakt hands it to both notifiers; README says so).
func TestPublicURLHelpNamesAlerts(t *testing.T) {
	for _, v := range Describe() {
		if v.Name == "POSTVAKT_PUBLIC_URL" {
			if !strings.Contains(v.Help, "notices and alerts") {
				t.Errorf("POSTVAKT_PUBLIC_URL's help: %q, want it to name the links in notices and alerts", v.Help)
			}
			return
		}
	}
	t.Fatal("Describe lacks POSTVAKT_PUBLIC_URL")
}
