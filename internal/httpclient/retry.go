package httpclient

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Outcomes of one attempt, the "outcome" label of the request counter.
const (
	outcomeOK          = "ok"
	outcomeClientError = "client_error"
	outcomeServerError = "server_error"
	outcomeRateLimited = "rate_limited"
	outcomeNetwork     = "network_error"
	outcomeTimeout     = "timeout"
	outcomeBadResponse = "bad_response"
	outcomeCircuitOpen = "circuit_open"
	outcomeCanceled    = "canceled"
	outcomePrepare     = "prepare_error"
)

// backoff returns the delay before retry number n (1-based): BackoffBase
// doubled n-1 times, capped at BackoffMax, then jittered.
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.BackoffBase
	for i := 1; i < n && d < c.opts.BackoffMax; i++ {
		d *= 2
	}
	if d > c.opts.BackoffMax {
		d = c.opts.BackoffMax
	}
	return c.opts.Jitter(d)
}

// halfJitter returns a random duration in [d/2, d]: spread out, never
// much shorter than the backoff asked for.
func halfJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	const year = int64(365 * 24 * time.Hour / time.Second)
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		secs, err = year, nil // more digits than an int64 holds: a wait longer than any
	}
	if err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > year {
			secs = year
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}
