package config

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/lib/pq"
)

// settingName is what a PostgreSQL connection setting is called: a
// keyword (host, dbname) or a run-time parameter (lock_timeout,
// application_name, a custom one such as pg_stat_statements.track).
var settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// checkDatabaseURL is why url (DATABASE_URL's value) cannot be the
// database's address, or nil: it must read as lib/pq reads it, a
// postgres:// URL or key=value settings, and name its settings by names.
// The second catches what lib/pq takes and then waits on: a URL's query
// without the URL before it ("&lock_timeout=3s", from
// DATABASE_URL="$(cat a-missing-file)&lock_timeout=3s") reads as one
// setting "&lock_timeout" on localhost, and serve waited 30 s for a server
// that was never meant. The error never quotes the value, nor a piece of
// it: a key=value string mistyped around a password's blank would quote
// the password's words.
func checkDatabaseURL(s string) error {
	cfg, err := pq.NewConfig(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return errors.New("cannot be read as a URL (percent-encode special characters such as / % @ in the password)")
		}
		if strings.Contains(err.Error(), "in connection info string") {
			return errors.New("cannot be read: it is neither a postgres:// URL nor key=value settings (quote a value with blanks in single quotes)")
		}
		return errors.New("cannot be read as a PostgreSQL URL or key=value settings")
	}
	for k := range cfg.Runtime {
		if !settingName.MatchString(k) {
			return errors.New("has a setting whose name is not a name (a URL's query, such as &lock_timeout=3s, with no postgres://host/database? before it)")
		}
	}
	return nil
}
