package httpclient

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a Client. Zero values get the defaults noted.
type Options struct {
	// Name identifies the remote service ("svarut", "altinn",
	// "maskinporten"). It is the "channel" label of the metrics and the
	// "channel" attribute of log records. Required.
	Name string
	// BaseURL is prepended to relative request paths.
	BaseURL string
	// Timeout bounds one attempt, body read included. Default 30s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt.
	// Default 3; a negative value disables retries.
	MaxRetries int
	// BackoffBase is the first backoff delay, doubled on every retry.
	// Default 250ms.
	BackoffBase time.Duration
	// BackoffMax caps one backoff delay. Default 15s.
	BackoffMax time.Duration
	// RetryAfterMax caps how long a Retry-After may make the client wait.
	// A longer Retry-After ends the call at once with a *StatusError whose
	// RetryAfter says when to come back; so does one longer than the
	// request's context has time left for (its deadline). Default 2m.
	RetryAfterMax time.Duration
	// BreakerThreshold is the number of consecutive failed calls that opens
	// the circuit breaker. Default 5; a negative value disables the breaker.
	BreakerThreshold int
	// BreakerCooldown is how long the breaker stays open before it lets one
	// probe call through (half-open). Default 30s.
	BreakerCooldown time.Duration
	// MaxConcurrent bounds attempts in flight. Default 16.
	MaxConcurrent int
	// RatePerSecond limits attempts per second; 0 means no limit.
	RatePerSecond float64
	// RateBurst is the token bucket's size. Default 1.
	RateBurst int
	// MaxBodyBytes bounds a response body: reading stops there and the
	// call fails with an error matching ErrBodyTooLarge, so a channel that
	// streams gigabytes costs a bounded error, not memory. Default 8 MiB
	// (a SvarUt status answer for 500 ids is about 60 KiB).
	MaxBodyBytes int
	// UserAgent is sent on every request. Default "postvakt".
	UserAgent string
	// Secrets are literal values (passwords, keys) that are replaced by
	// [REDACTED] in everything this package logs or puts in an error.
	// Authorization-like headers, bearer tokens and JWTs are redacted
	// whether listed or not. Values shorter than 4 bytes are ignored (they
	// would blank out ordinary text).
	Secrets []string
	// Logger receives retry, breaker and debug records. Default slog.Default().
	Logger *slog.Logger
	// Registerer receives the metrics; nil means no metrics.
	Registerer prometheus.Registerer
	// Clock is the time source; nil means real time.
	Clock Clock
	// Transport replaces the HTTP transport (tests, proxies).
	Transport http.RoundTripper
	// Jitter maps a backoff delay to the delay actually waited; nil means a
	// random delay in [d/2, d]. Tests set it to make waits predictable.
	Jitter func(d time.Duration) time.Duration
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 3
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 250 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 15 * time.Second
	}
	if o.RetryAfterMax <= 0 {
		o.RetryAfterMax = 2 * time.Minute
	}
	if o.BreakerThreshold == 0 {
		o.BreakerThreshold = 5
	}
	if o.BreakerCooldown <= 0 {
		o.BreakerCooldown = 30 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 16
	}
	if o.RateBurst <= 0 {
		o.RateBurst = 1
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = "postvakt"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Jitter == nil {
		o.Jitter = halfJitter
	}
}
