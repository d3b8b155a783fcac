package httpclient

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Redacted replaces a secret in logs and errors.
const Redacted = "[REDACTED]"

// sensitiveHeaders are always redacted; so is any header whose name
// contains one of sensitiveWords.
var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
	"Integrasjonpassord":  true, // canonical form of IntegrasjonPassord
}

var sensitiveWords = []string{"passord", "password", "secret", "token", "apikey", "api-key"}

// RedactHeader returns a copy of h with the values of credential headers
// (Authorization, IntegrasjonPassord, cookies, anything named like a
// password, secret or token) replaced by [REDACTED].
func RedactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if sensitiveHeader(k) {
			out[k] = []string{Redacted}
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func sensitiveHeader(name string) bool {
	if sensitiveHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	l := strings.ToLower(name)
	for _, w := range sensitiveWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// patterns catch credentials in free text whether or not they were listed
// as secrets: auth schemes with their value, JWTs, and key=value or
// "key":"value" pairs with a credential-like key.
var patterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+`),
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`),
	regexp.MustCompile(`(?i)("?(?:access_token|id_token|refresh_token|assertion|client_secret|password|passord|integrasjonpassord)"?\s*[:=]\s*"?)[^"&\s,;}]+`),
}

// Scrub hides in s what looks like a credential (auth schemes with their
// value, JWTs, credential-like key=value pairs), for a text a service
// wrote that postvakt passes on in an error, such as an OAuth
// error_description echoing a grant.
func Scrub(s string) string { return (&redactor{}).scrub(s) }

type redactor struct {
	secrets []string // longest first, so a secret containing another is replaced whole
}

func newRedactor(secrets []string) *redactor {
	var s []string
	for _, v := range secrets {
		if len(v) >= 4 { // shorter "secrets" would blank out ordinary text
			s = append(s, v)
		}
	}
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	return &redactor{secrets: s}
}

func (r *redactor) scrub(s string) string {
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, Redacted)
	}
	s = patterns[0].ReplaceAllString(s, "$1 "+Redacted)
	s = patterns[1].ReplaceAllString(s, Redacted)
	s = patterns[2].ReplaceAllString(s, "${1}"+Redacted)
	return s
}
