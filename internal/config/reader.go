package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Var documents one environment variable: the line that reads it is the
// line that documents it, so help and README never drift from the code.
type Var struct {
	Name, Default, Help string
	File                bool // a secret: may be given as Name_FILE instead
}

// Reader reads typed settings from an environment and keeps every problem
// it meets, each naming its variable. Nothing else in postvakt reads the
// environment: packages that own settings (a channel) read theirs through a
// Reader handed to them.
type Reader struct {
	lookup func(string) (string, bool)
	errs   []error
	vars   []Var
	seen   map[string]bool
}

// NewReader returns a Reader over lookup (os.LookupEnv, or a map in tests).
func NewReader(lookup func(string) (string, bool)) *Reader {
	return &Reader{lookup: lookup, seen: map[string]bool{}}
}

// Env returns a Reader over the process environment.
func Env() *Reader { return NewReader(os.LookupEnv) }

func (r *Reader) doc(name, def, help string) {
	if !r.seen[name] {
		r.seen[name] = true
		r.vars = append(r.vars, Var{Name: name, Default: def, Help: help})
	}
}

// raw returns the value of name, or "" when unset or empty.
func (r *Reader) raw(name string) string {
	if v, ok := r.lookup(name); ok {
		return strings.TrimSpace(v)
	}
	return ""
}

// Failf records a problem with the variable name (for cross-field rules).
func (r *Reader) Failf(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// Err returns every problem met so far, one per line, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// Vars returns the variables read so far, in reading order.
func (r *Reader) Vars() []Var { return r.vars }

// String reads a text setting.
func (r *Reader) String(name, def, help string) string {
	r.doc(name, def, help)
	if v := r.raw(name); v != "" {
		return v
	}
	return def
}

// OneOf reads a setting that must be one of allowed (compared without case).
func (r *Reader) OneOf(name, def, help string, allowed ...string) string {
	v := strings.ToLower(r.String(name, def, help))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.Failf(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// Secret reads a secret (a password, a key, a URL with credentials in it)
// from NAME, or from the file named by NAME_FILE: what Kubernetes and
// Docker secrets and systemd credentials hand over. The file's content is
// the secret but for one trailing newline (\n or \r\n, as echo and editors
// add it). A file that cannot be read, holds nothing or starts with a
// byte-order mark, or NAME and NAME_FILE both set, is an error naming the
// variable; the secret itself never is in one.
func (r *Reader) Secret(name, help string) string {
	r.doc(name, "", help+" (or "+name+"_FILE: read from that file)")
	for i := range r.vars {
		if r.vars[i].Name == name {
			r.vars[i].File = true
		}
	}
	return r.secret(name)
}

// SecretURL reads a URL that carries its own credential (a webhook's token
// in its path or query) as Secret does, and checks it as URL does, without
// showing it in the error.
func (r *Reader) SecretURL(name, help string) string {
	v := r.Secret(name, help)
	if v == "" {
		return ""
	}
	u, ok := absoluteURL(v)
	if !ok {
		r.Failf(name, "is not an absolute http or https URL (the value is not shown: it may carry a credential)")
	}
	return u
}

func (r *Reader) secret(name string) string {
	fileVar := name + "_FILE"
	v, _ := r.lookup(name)
	f := r.raw(fileVar)
	switch {
	case v != "" && f != "":
		r.Failf(name, "is set and so is %s: give the secret one way", fileVar)
		return ""
	case f == "":
		return v
	}
	b, err := os.ReadFile(f)
	if err != nil {
		r.Failf(fileVar, "cannot read the secret: %v", err)
		return ""
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff")) {
		// Windows PowerShell's Out-File and > write UTF-16, Notepad and
		// Set-Content -Encoding UTF8 a UTF-8 byte-order mark: the secret
		// would be bytes nobody typed, and the login refused saying not why.
		r.Failf(fileVar, "%s starts with a byte-order mark (UTF-16, or UTF-8 with a BOM, as Windows editors and PowerShell save it): "+
			"save it as plain text without one", f)
		return ""
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	if s == "" {
		r.Failf(fileVar, "%s is empty: it should hold the secret", f)
	}
	return s
}

// Int reads a whole number of at least min.
func (r *Reader) Int(name string, def, min int, help string) int {
	r.doc(name, strconv.Itoa(def), help)
	v := r.raw(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.Failf(name, "%q is not a whole number", v)
		return def
	}
	if n < min {
		r.Failf(name, "%d is less than %d", n, min)
		return def
	}
	return n
}

// IntIn reads a whole number of at least min and at most max.
func (r *Reader) IntIn(name string, def, min, max int, help string) int {
	n := r.Int(name, def, min, help)
	if n > max {
		r.Failf(name, "%d is more than %d", n, max)
		return def
	}
	return n
}

// Float reads a number of at least zero.
func (r *Reader) Float(name string, def float64, help string) float64 {
	r.doc(name, strconv.FormatFloat(def, 'g', -1, 64), help)
	v := r.raw(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0) || math.IsInf(f, 1) { // NaN is not at least 0
		r.Failf(name, "%q is not a number of at least 0", v)
		return def
	}
	return f
}

// MinRate is the smallest request rate a rate setting takes, one request
// a minute: a smaller one holds every request for longer than a poll
// cycle, and one small enough overflows the limiter's wait and means no
// limit at all.
const MinRate = 1.0 / 60

// Rate reads a most-requests-per-second setting: 0 is no limit, anything
// else at least MinRate.
func (r *Reader) Rate(name, help string) float64 {
	f := r.Float(name, 0, help)
	if f > 0 && f < MinRate {
		r.Failf(name, "%g is less than one request a minute (%.4f); 0 = no limit", f, MinRate)
		return 0
	}
	return f
}

// Bool reads true/false (also 1/0, yes/no, on/off).
func (r *Reader) Bool(name string, def bool, help string) bool {
	r.doc(name, strconv.FormatBool(def), help)
	switch v := strings.ToLower(r.raw(name)); v {
	case "":
		return def
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	default:
		r.Failf(name, "%q is not true or false", v)
		return def
	}
}

// Duration reads a positive Go duration ("90s", "10m", "24h").
func (r *Reader) Duration(name string, def time.Duration, help string) time.Duration {
	r.doc(name, def.String(), help)
	v := r.raw(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.Failf(name, "%q is not a positive duration (e.g. 90s, 10m, 24h)", v)
		return def
	}
	return d
}

// DurationAtLeast reads a Go duration of at least min.
func (r *Reader) DurationAtLeast(name string, def, min time.Duration, help string) time.Duration {
	d := r.Duration(name, def, help)
	if d < min {
		r.Failf(name, "%s is less than %s", d, min)
		return def
	}
	return d
}

// DurationUpTo reads a Go duration from 0 up to max ("0s": none).
func (r *Reader) DurationUpTo(name string, def, max time.Duration, help string) time.Duration {
	r.doc(name, def.String(), help)
	v := r.raw(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > max {
		r.Failf(name, "%q is not a duration from 0s to %s (e.g. 0s, 10s)", v, max)
		return def
	}
	return d
}

// URL reads an absolute http(s) URL, without its trailing slash; "" when
// unset.
func (r *Reader) URL(name, help string) string {
	r.doc(name, "", help)
	v := r.raw(name)
	if v == "" {
		return ""
	}
	u, ok := absoluteURL(v)
	if !ok {
		r.Failf(name, "%q is not an absolute http or https URL", v)
	}
	return u
}

// absoluteURL returns v without its trailing slash if it is an absolute
// http(s) URL, else "" and false.
func absoluteURL(v string) (string, bool) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return strings.TrimRight(v, "/"), true
}

// HostPort reads a listen address, host:port (the host may be empty, the
// port a number, 0 for any free one): "localhost" or a port past 65535
// stops the start here, naming the variable, instead of after the
// database was opened and migrated.
func (r *Reader) HostPort(name, def, help string) string {
	v := r.String(name, def, help)
	if err := CheckListenAddr(v); err != nil {
		r.Failf(name, "%s", err)
		return def
	}
	return v
}

// CheckListenAddr says why v is no listen address, as HostPort reads one
// (serve --addr is checked so too, before the database is opened), or nil.
func CheckListenAddr(v string) error {
	if checkHostPort(v) != nil {
		return fmt.Errorf("%q is not host:port with a port number (e.g. 127.0.0.1:8080, or :8080 for every address)", v)
	}
	return nil
}

// OptionalHostPort reads host:port, both given (a server to reach, such
// as an SMTP relay: port 0, a listener's any free port, is none); unset
// is "".
func (r *Reader) OptionalHostPort(name, help string) string {
	v := r.String(name, "", help)
	if v == "" {
		return ""
	}
	if host, port, _ := net.SplitHostPort(v); host == "" || port == "0" || checkHostPort(v) != nil {
		r.Failf(name, "%q is not host:port with a port number (e.g. smtp.example.no:587)", v)
		return ""
	}
	return v
}

// checkHostPort checks host:port with a port number from 0 to 65535.
func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err == nil {
		var n uint64
		if n, err = strconv.ParseUint(port, 10, 16); err == nil && port != strconv.FormatUint(n, 10) {
			err = errors.New("not a port number")
		}
	}
	return err
}

// cronParser accepts what robfig/cron's default scheduler accepts: five
// fields or a descriptor such as "@every 1m".
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule reads a cron spec (five fields, or @every D, @hourly, ...).
func (r *Reader) Schedule(name, def, help string) string {
	v := r.String(name, def, help+" (cron: 5 fields or @every D)")
	sched, err := cronParser.Parse(v)
	if err != nil {
		r.Failf(name, "%q is not a cron schedule: %v", v, err)
		return def
	}
	// robfig/cron runs an @every under a second (or negative) every
	// second, and a date that never comes (30 February) never.
	if d, ok := strings.CutPrefix(v, "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && every < time.Second {
			r.Failf(name, "%q: @every needs at least 1s", v)
			return def
		}
	}
	if sched.Next(time.Now()).IsZero() {
		r.Failf(name, "%q never runs: no such date in the next five years", v)
		return def
	}
	return v
}

// List reads a comma-separated list, trimmed, without empty entries.
func (r *Reader) List(name, help string) []string {
	var out []string
	for _, p := range strings.Split(r.String(name, "", help), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
