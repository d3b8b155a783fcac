package sim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// faultGroups are the endpoint groups faults can be configured for; "all"
// is the default for every group not listed.
var faultGroups = []string{"all", "svarut", "svarut_v1", "altinn", "token", "register", "cvr", "profile", "notifications", "print", "digitalpost"}

func knownFaultGroup(g string) bool {
	for _, k := range faultGroups {
		if k == g {
			return true
		}
	}
	return false
}

// groupOf returns the endpoint group of a path ("" for none: /sim/ and
// unknown paths get no faults).
func groupOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/v2/"):
		return "svarut"
	case strings.HasPrefix(path, "/tjenester/api/forsendelse/v1/"):
		return "svarut_v1"
	case strings.HasPrefix(path, "/correspondence/"):
		return "altinn"
	case path == "/token", strings.HasPrefix(path, "/authentication/"):
		return "token"
	case strings.HasPrefix(path, "/enhetsregisteret/"):
		return "register"
	case strings.HasPrefix(path, cvrBase+"/"):
		return "cvr"
	case strings.HasPrefix(path, "/profile/"):
		return "profile"
	case strings.HasPrefix(path, "/notifications/"):
		return "notifications"
	case strings.HasPrefix(path, "/print/"):
		return "print"
	case strings.HasPrefix(path, dpBase+"/"):
		return "digitalpost"
	}
	return ""
}

// Fault kinds as recorded in the request log.
const (
	faultOutage    = "outage"
	faultServer    = "server_error"
	faultRateLimit = "rate_limit"
	faultHTML      = "html_error"
	faultMalformed = "malformed"
	faultSlow      = "slow"
)

// faultInjector decides, per request, which fault hits it. The decision is a
// hash of the seed, the group and the group's request counter, so the same
// sequence of requests meets the same faults.
type faultInjector struct {
	seed     int64
	start    time.Time
	off      bool
	specs    map[string]FaultSpec
	counters map[string]*atomic.Uint64
}

func newFaultInjector(sc *Scenario, seed int64, start time.Time, off bool) *faultInjector {
	f := &faultInjector{seed: seed, start: start, off: off, specs: map[string]FaultSpec{}, counters: map[string]*atomic.Uint64{}}
	for _, g := range faultGroups {
		f.counters[g] = new(atomic.Uint64)
		if spec, ok := sc.Faults[g]; ok {
			f.specs[g] = spec
		} else if spec, ok := sc.Faults["all"]; ok && g != "all" {
			f.specs[g] = spec
		}
	}
	return f
}

// decision is what happens to one request.
type decision struct {
	kind   string        // one of the fault kinds, or "" for none
	status int           // status for outage and server errors
	slow   time.Duration // extra delay, 0 for none
	retry  int           // Retry-After seconds for 429
}

// decide returns the fault for the next request of group at simulated time now.
func (f *faultInjector) decide(group string, now time.Time) decision {
	spec, ok := f.specs[group]
	if f.off || !ok {
		return decision{}
	}
	n := f.counters[group].Add(1)
	h := mix64(uint64(f.seed) ^ hashString(group) ^ mix64(n))
	u1, u2, u3 := unitFloat(h), unitFloat(mix64(h^1)), unitFloat(mix64(h^2))
	var d decision
	if u2 < spec.Slow {
		d.slow = spec.SlowDelay.D()
		if d.slow <= 0 {
			d.slow = 2 * time.Second
		}
	}
	elapsed := now.Sub(f.start)
	for _, o := range spec.Outages {
		if inWindow(elapsed, o) {
			d.kind, d.status = faultOutage, o.Status
			if d.status == 0 {
				d.status = http.StatusServiceUnavailable
			}
			return d
		}
	}
	switch x := u1; {
	case x < spec.ServerError:
		d.kind, d.status = faultServer, http.StatusInternalServerError
		if u3 < 0.5 {
			d.status = http.StatusServiceUnavailable
		}
	case x < spec.ServerError+spec.RateLimit:
		d.kind = faultRateLimit
		d.retry = int((spec.RetryAfter.D() + time.Second - 1) / time.Second)
		if d.retry <= 0 {
			d.retry = 1
		}
	case x < spec.ServerError+spec.RateLimit+spec.HTMLError:
		d.kind, d.status = faultHTML, http.StatusBadGateway
	case x < spec.ServerError+spec.RateLimit+spec.HTMLError+spec.Malformed:
		d.kind = faultMalformed
	}
	return d
}

// inWindow reports whether elapsed (since the start) falls in an outage.
func inWindow(elapsed time.Duration, o Outage) bool {
	at, dur, every := o.At.D(), o.Duration.D(), o.Every.D()
	if elapsed < at {
		return false
	}
	since := elapsed - at
	if every > 0 {
		since %= every
	}
	return since < dur
}

const htmlErrorPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// applyFault answers the request with the fault, or, for malformed, runs
// next and spoils its JSON. It returns false when the request should go on
// normally.
func (s *Sim) applyFault(w http.ResponseWriter, r *http.Request, d decision, next http.Handler) bool {
	switch d.kind {
	case faultOutage, faultServer:
		writeError(w, r, d.status, "simulated failure ("+d.kind+")")
	case faultRateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(d.retry))
		writeError(w, r, http.StatusTooManyRequests, fmt.Sprintf("rate limited: retry after %d s", d.retry))
	case faultHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(d.status)
		_, _ = w.Write([]byte(htmlErrorPage))
	case faultMalformed:
		buf := &bufferWriter{header: http.Header{}}
		next.ServeHTTP(buf, r)
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Del("Content-Length")
		body := buf.body.Bytes()
		cut := len(body) / 2
		if cut < 1 {
			cut = 1
		}
		status := buf.status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(append(bytes.Clone(body[:min(cut, len(body))]), []byte(`,"<truncated`)...))
	default:
		return false
	}
	return true
}

// bufferWriter collects a handler's answer.
type bufferWriter struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}
