package httpclient

import (
	"errors"
	"net/http"
	"strings"
)

// sameOrigin is the client's redirect policy: a redirect is followed only
// within the origin (scheme, host and port) of the request that was sent,
// and at most 10 times, as net/http does. Anywhere else its 3xx is the
// answer: net/http drops Authorization only for another host name (not
// another port, nor http after https), and never drops a service's own
// credential header (SvarUt's IntegrasjonPassord), so following it would
// hand the credentials to whoever the Location names.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	from := via[0].URL
	if !strings.EqualFold(req.URL.Scheme, from.Scheme) || !strings.EqualFold(canonicalHost(req.URL.Scheme, req.URL.Host), canonicalHost(from.Scheme, from.Host)) {
		return http.ErrUseLastResponse
	}
	return nil
}

// canonicalHost is host with the scheme's default port made explicit.
func canonicalHost(scheme, host string) string {
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		return host
	}
	switch strings.ToLower(scheme) {
	case "https":
		return host + ":443"
	case "http":
		return host + ":80"
	}
	return host
}
