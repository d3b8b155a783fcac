package digitalpost

import (
	"net/url"
	"path"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/config"
)

func init() {
	channel.Register(channel.Spec{Name: Name, Display: "Digital Post", Country: "DK", UUIDs: true, Configure: configure, Discovers: true,
		Letter:    map[string]string{"da": "Digital Post-brev", "no": "Digital Post-brev", "en": "Digital Post letter"},
		Scheduled: []string{"DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY"}})
}

// configure reads POSTVAKT_DIGITALPOST_*; Digital Post is off without a URL.
func configure(_ config.Config, r *config.Reader) channel.Opener {
	c := Config{
		BaseURL:  r.URL("POSTVAKT_DIGITALPOST_URL", "Danish Digital Post API base including /apis/v1 (e.g. https://api.digitalpost.dk/apis/v1); unset = Digital Post off"),
		SystemID: r.String("POSTVAKT_DIGITALPOST_SYSTEM_ID", "", "Digital Post sender system id (uuid), the user of Authorization: Basic"),
		APIToken: r.Secret("POSTVAKT_DIGITALPOST_API_TOKEN", "Digital Post API token of the sender system"),
		CertFile: r.String("POSTVAKT_DIGITALPOST_CERT_FILE", "", "OCES3 function or organisation certificate (PEM) for mutual TLS; required for an https URL"),
		KeyFile:  r.String("POSTVAKT_DIGITALPOST_KEY_FILE", "", "private key of the OCES3 certificate (PEM)"),
		Overlap:  r.Duration("POSTVAKT_DIGITALPOST_OVERLAP", defaultOverlap, "how far each read of the event log reaches back (the log is only eventually consistent)"),
		Reread: r.Duration("POSTVAKT_DIGITALPOST_REREAD", defaultReread,
			"how far back the wide re-read of the event log reaches, for entries that showed later than the overlap reaches"),
		RereadEvery: r.Duration("POSTVAKT_DIGITALPOST_REREAD_EVERY", defaultRereadEvery,
			"how often the wide re-read starts (less than POSTVAKT_DIGITALPOST_REREAD)"),
	}
	checkReread(r, c)
	if c.BaseURL == "" {
		return nil
	}
	checkBase(r, c.BaseURL)
	switch {
	case c.SystemID == "":
		r.Failf("POSTVAKT_DIGITALPOST_SYSTEM_ID", "required when POSTVAKT_DIGITALPOST_URL is set")
	case !channel.ValidUUID(c.SystemID):
		// Else every read answers 401, at the first poll.
		r.Failf("POSTVAKT_DIGITALPOST_SYSTEM_ID", "%q is not a UUID: the sender system's id in Digital Post's administration", c.SystemID)
	}
	if c.APIToken == "" {
		r.Failf("POSTVAKT_DIGITALPOST_API_TOKEN", "required when POSTVAKT_DIGITALPOST_URL is set (or _FILE)")
	}
	switch {
	case strings.HasPrefix(c.BaseURL, "https:") && c.CertFile == "" && c.KeyFile == "":
		r.Failf(certVar, "an https URL needs the OCES3 certificate and key (%s, %s)", certVar, keyVar)
	case c.CertFile == "" && c.KeyFile != "":
		r.Failf(certVar, "not set, while %s is: the OCES3 certificate (PEM) of that key", keyVar)
	case c.CertFile != "" && c.KeyFile == "":
		r.Failf(keyVar, "not set, while %s is: the OCES3 certificate's private key (PEM)", certVar)
	case c.CertFile != "":
		// Read at start, as the Maskinporten key is: a file missing or
		// unreadable stops every command, named by its variable, not
		// the first poll.
		if _, variable, err := openCertificate(c.CertFile, c.KeyFile, nil); err != nil {
			r.Failf(variable, "%v", err)
		}
	}
	return func(deps channel.Deps) (channel.Adapter, error) {
		c.Logger = deps.Log
		return Build(c, deps.Registerer)
	}
}

// maxReread bounds POSTVAKT_DIGITALPOST_REREAD: each re-read reads that
// much of the log again (a typo of 4800h would read half a year daily).
const maxReread = 31 * 24 * time.Hour

// minRereadEvery bounds how often a re-read starts: each one reads the
// whole span again.
const minRereadEvery = time.Hour

// checkReread refuses re-read settings that would miss what they are for,
// or read the log to no end: a re-read reaches entries late by up to
// Reread minus RereadEvery, and must reach further back than the overlap.
func checkReread(r *config.Reader, c Config) {
	switch {
	case c.Reread > maxReread:
		r.Failf("POSTVAKT_DIGITALPOST_REREAD", "%s is more than %s: each re-read reads that much of the event log again", c.Reread, maxReread)
	case c.Reread <= c.Overlap:
		r.Failf("POSTVAKT_DIGITALPOST_REREAD", "%s does not reach further back than POSTVAKT_DIGITALPOST_OVERLAP (%s): it would read nothing the cycles do not", c.Reread, c.Overlap)
	case c.RereadEvery >= c.Reread:
		r.Failf("POSTVAKT_DIGITALPOST_REREAD_EVERY", "%s is not less than POSTVAKT_DIGITALPOST_REREAD (%s): an entry that shows late would fall between two re-reads", c.RereadEvery, c.Reread)
	}
	if c.RereadEvery < minRereadEvery {
		r.Failf("POSTVAKT_DIGITALPOST_REREAD_EVERY", "%s is less than %s: each re-read reads POSTVAKT_DIGITALPOST_REREAD of the event log again", c.RereadEvery, minRereadEvery)
	}
}

// The hosts of Digital Post's API (production, test): they serve it under
// apiPath.
var apiHosts = map[string]bool{"api.digitalpost.dk": true, "api.test.digitalpost.dk": true}

const apiPath = "/apis/v1"

// checkBase refuses a POSTVAKT_DIGITALPOST_URL that is not the API base
// postvakt appends events/ to: Digital Post's own host without /apis/v1,
// or any host's URL of an endpoint (…/events, or …/memos and …/receipts
// kept from the sending system's settings). Each sent every read to a
// path the log does not serve, and every poll failed with a 404 naming no
// setting. Another host's path (a gateway, the simulator) is its own.
func checkBase(r *config.Reader, base string) {
	u, err := url.Parse(base)
	if err != nil {
		return // r.URL said so
	}
	p := strings.TrimRight(u.Path, "/")
	switch last := path.Base(p); {
	case last == "events" || last == "memos" || last == "receipts":
		r.Failf("POSTVAKT_DIGITALPOST_URL", "%q is an endpoint's URL: give the API base including %s (e.g. https://api.digitalpost.dk%s), to which postvakt appends events/", base, apiPath, apiPath)
	case apiHosts[strings.ToLower(u.Hostname())] && p != apiPath:
		r.Failf("POSTVAKT_DIGITALPOST_URL", "%q: Digital Post serves its API under %s (e.g. https://%s%s)", base, apiPath, u.Hostname(), apiPath)
	}
}
