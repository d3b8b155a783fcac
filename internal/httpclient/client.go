// Package httpclient is the outbound HTTP client every channel adapter uses:
// go-resty underneath, with a per-attempt timeout, retries with exponential
// backoff and jitter on 5xx, 429 and network errors (honouring Retry-After),
// a circuit breaker, bounded concurrency, a request rate limit, slog logging
// that never shows credentials, and Prometheus metrics.
//
// Retries are done here, not by resty, so that the breaker counts whole
// calls, the rate limit and concurrency bound apply to every attempt, and
// tests can replace the clock.
package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
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
	// RetryAfter says when to come back. Default 2m.
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

// ErrNotSent is matched (errors.Is) by the error of a request that was
// never sent because preparing it failed: no token could be had (the token
// service's own answer is wrapped too). Nothing about the request's
// content caused it.
var ErrNotSent = errors.New("request not sent: preparing it failed")

// utf8BOM is the UTF-8 encoding of U+FEFF, the byte order mark.
var utf8BOM = []byte("\ufeff")

// DefaultMaxBodyBytes is the default Options.MaxBodyBytes.
const DefaultMaxBodyBytes = 8 << 20

// ErrBodyTooLarge is matched (errors.Is) by the error Do returns when an
// answer's body is larger than Options.MaxBodyBytes. Such an answer is not
// retried and does not count against the breaker: the service answered.
var ErrBodyTooLarge = errors.New("response body too large")

// ErrTimeout is matched (errors.Is) by the error Do returns when the last
// attempt timed out: the service did not answer this request in time,
// which may concern this request alone (one record slow to build).
var ErrTimeout = errors.New("timed out")

// Client sends requests to one remote service. It is safe for concurrent use.
type Client struct {
	opts    Options
	rc      *resty.Client
	log     *slog.Logger
	red     *redactor
	breaker *breaker
	limiter *Limiter
	sem     chan struct{}
	m       *metrics
}

// New builds a Client. It fails only on invalid options or when the metrics
// cannot be registered.
func New(opts Options) (*Client, error) {
	if opts.Name == "" {
		return nil, errors.New("httpclient: Options.Name is required")
	}
	opts.defaults()
	m, err := newMetrics(opts.Registerer, opts.Name)
	if err != nil {
		return nil, fmt.Errorf("httpclient %s: registering metrics: %w", opts.Name, err)
	}
	c := &Client{
		opts: opts,
		log:  opts.Logger.With("channel", opts.Name),
		red:  newRedactor(opts.Secrets),
		sem:  make(chan struct{}, opts.MaxConcurrent),
		m:    m,
	}
	if opts.RatePerSecond > 0 {
		c.limiter = NewLimiter(opts.RatePerSecond, opts.RateBurst, opts.Clock)
	}
	c.breaker = newBreaker(opts.BreakerThreshold, opts.BreakerCooldown, c.breakerChanged)
	m.breakerState(stateClosed)

	rc := resty.New().
		SetRetryCount(0).
		SetDisableWarn(true).
		SetLogger(restyLogger{log: c.log, red: c.red}).
		SetResponseBodyLimit(opts.MaxBodyBytes).
		SetHeader("User-Agent", opts.UserAgent)
	if opts.BaseURL != "" {
		rc.SetBaseURL(strings.TrimRight(opts.BaseURL, "/"))
	}
	// resty keeps GOMAXPROCS+1 idle connections per host, a transport of
	// net/http's two: with more calls in flight than that, every answer
	// closed a connection and the next call dialled a new one (15 % of a
	// poll cycle's CPU on two cores, and as much again in the channel's
	// accept loop; a TLS handshake each with a client certificate). Keep
	// one per call that may be in flight; a given transport is copied, not
	// changed.
	switch t := opts.Transport.(type) {
	case nil:
		if t, ok := rc.GetClient().Transport.(*http.Transport); ok {
			t.MaxIdleConnsPerHost = opts.MaxConcurrent
		}
	case *http.Transport:
		if t.MaxIdleConnsPerHost < opts.MaxConcurrent {
			t = t.Clone()
			t.MaxIdleConnsPerHost = opts.MaxConcurrent
		}
		rc.SetTransport(t)
	default:
		rc.SetTransport(opts.Transport)
	}
	c.rc = rc
	return c, nil
}

// Name returns Options.Name.
func (c *Client) Name() string { return c.opts.Name }

// Scrub replaces secrets, bearer tokens and JWTs in s by [REDACTED]. Use it
// before logging any text that came from or goes to the remote service.
func (c *Client) Scrub(s string) string { return c.red.scrub(s) }

// shown is a request's path as logs and errors show it: without its query
// string (which may carry an id), secrets redacted.
// where is how logs and errors name the request's address: its label, or
// its path without the query.
func (c *Client) where(req Request) string {
	if req.Label != "" {
		return req.Label
	}
	return c.shown(req.Path)
}

func (c *Client) shown(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return c.red.scrub(p)
}

// Request is one logical call; Do may send it several times.
type Request struct {
	// Op names the operation ("status", "history", "token") for metrics and
	// logs. Keep it a constant: it is a metric label. Default: the method.
	Op string
	// Method is the HTTP method.
	Method string
	// Path is relative to Options.BaseURL, or an absolute URL.
	Path string
	// Label is shown instead of Path in logs and errors: for a URL that
	// carries a credential in its path (a Slack-style webhook).
	Label string
	// Prepare sets body, headers, query and credentials. It is called before
	// every attempt, so credentials fetched in it are fresh on a retry.
	Prepare func(ctx context.Context, r *resty.Request) error
	// Unauthorized, when set, is called with the answer the first time the
	// service answers 401: a token source drops the token the service
	// refused (revoked, or expired before its time), and when it returns
	// true the request is sent once more, Prepare fetching a new one. A
	// second 401 is the answer. It may look at the answer: a 401 about the
	// request's object rather than its token (Altinn's code 4001) renews
	// nothing.
	Unauthorized func(*Response) bool
}

// With returns the request with its Prepare and Unauthorized set (as a
// Bearer's authorisation gives them).
func (r Request) With(prepare func(ctx context.Context, r *resty.Request) error, unauthorized func(*Response) bool) Request {
	r.Prepare, r.Unauthorized = prepare, unauthorized
	return r
}

// Response is the final answer to a call.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Attempts   int
	// Received describes the body as it came when it was decoded from
	// another character set; nil when Body is as it came (a UTF-8 byte
	// order mark aside).
	Received *Received
}

// StatusError is returned when the final answer had a non-2xx status.
type StatusError struct {
	Name, Op, Method, Path string
	StatusCode             int
	// RetryAfter is the server's Retry-After when it asked for a longer
	// wait than Options.RetryAfterMax; zero otherwise.
	RetryAfter time.Duration
	// Body holds the first bytes of the answer as it came, for the
	// adapters to read error codes from; Error and Raw show only what
	// shown lets through.
	Body []byte
	// Received describes the answer as it came when Body was decoded from
	// another character set (Response.Received).
	Received *Received
	msg      string
}

func (e *StatusError) Error() string { return e.msg }

// Raw returns what is shown of the answer (shown), for the evidence trail;
// of an answer decoded from another character set also its charset and
// the length and SHA-256 of the bytes received.
func (e *StatusError) Raw() string {
	if e.Received != nil {
		return shown(e.Body) + " [" + e.Received.String() + "]"
	}
	return shown(e.Body)
}

// Temporary reports whether the status is one that may go away by itself
// (5xx, 429).
func (e *StatusError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Throttled reports whether err is a server asking its caller to slow down:
// a final 429 Too Many Requests, or an answer whose Retry-After asked for a
// longer wait than the client makes itself. wait is that Retry-After, at
// most MaxHonouredWait (zero when it gave none, or one the client waited
// out). Such an answer is the service's, never one request's: the caller
// stops asking it and comes back after wait at the earliest.
func Throttled(err error) (wait time.Duration, ok bool) {
	var se *StatusError
	if !errors.As(err, &se) {
		return 0, false
	}
	return min(se.RetryAfter, MaxHonouredWait), se.StatusCode == http.StatusTooManyRequests || se.RetryAfter > 0
}

// MaxHonouredWait bounds the wait Throttled gives: a Retry-After of days or
// a date centuries ahead (a misconfigured proxy) would silence a channel,
// and with it the alerts about it, for as long.
const MaxHonouredWait = time.Hour

// maxSnippet is how much of a failed answer's body an error carries.
const maxSnippet = 512

// Do sends req, retrying as configured; every method is retried, so send
// only requests that are safe to repeat (postvakt's are all reads, the
// token request included). On a 2xx answer it returns the
// response and nil. On a final non-2xx answer it returns the response and a
// *StatusError. On a transport failure it returns nil and the error; while
// the breaker is open it returns nil and a *CircuitOpenError at once.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	if req.Op == "" {
		req.Op = strings.ToLower(req.Method)
	}
	probe, err := c.breaker.allow(c.opts.Clock.Now())
	if err != nil {
		c.m.request(req.Op, outcomeCircuitOpen)
		var coe *CircuitOpenError
		if errors.As(err, &coe) {
			coe.Name = c.opts.Name
		}
		return nil, err
	}
	maxRetries := c.opts.MaxRetries
	narrowing := isNarrowing(ctx)
	if narrowing {
		maxRetries = min(maxRetries, 1)
	}
	if probe {
		maxRetries = 0 // a half-open probe is one attempt: recovery is seen quickly
	}
	renewed := false
	for attempt := 1; ; attempt++ {
		res := c.attempt(ctx, req)
		if res.resp != nil && res.resp.StatusCode == http.StatusUnauthorized && req.Unauthorized != nil && !renewed && ctx.Err() == nil {
			renewed = true
			if req.Unauthorized(res.resp) {
				c.log.LogAttrs(ctx, slog.LevelInfo, "the service refused the token; asking once more with a new one",
					slog.String("op", req.Op), slog.String("method", req.Method), slog.String("path", c.where(req)))
				continue
			}
		}
		if res.outcome == outcomeOK {
			c.breaker.done(c.opts.Clock.Now(), probe, true)
			res.resp.Attempts = attempt
			return res.resp, nil
		}
		if ctx.Err() != nil {
			c.breaker.abandon(probe)
			return nil, fmt.Errorf("%s %s %s: %w", c.opts.Name, req.Method, c.where(req), ctx.Err())
		}
		if res.outcome == outcomePrepare {
			c.breaker.abandon(probe) // the remote was not asked: neither success nor failure
			return nil, res.err
		}
		if res.resp != nil {
			res.resp.Attempts = attempt
		}
		if !res.retryable || attempt > maxRetries || res.retryAfterTooLong {
			if narrowing && res.failure && !probe {
				// Expected while narrowing a failing batch down: it says
				// nothing new about the service's health.
				c.breaker.abandon(probe)
			} else {
				c.breaker.done(c.opts.Clock.Now(), probe, !res.failure)
			}
			return res.resp, res.err
		}
		wait := c.backoff(attempt)
		if res.hasRetryAfter {
			wait = res.retryAfter
		}
		c.m.retry(req.Op)
		c.log.LogAttrs(ctx, slog.LevelWarn, "retrying request",
			slog.String("op", req.Op),
			slog.String("method", req.Method),
			slog.String("path", c.where(req)),
			slog.Int("attempt", attempt),
			slog.String("outcome", res.outcome),
			slog.Duration("wait", wait),
			slog.String("error", c.red.scrub(res.err.Error())))
		if err := c.opts.Clock.Sleep(ctx, wait); err != nil {
			c.breaker.abandon(probe)
			return nil, fmt.Errorf("%s %s %s: waiting to retry: %w", c.opts.Name, req.Method, c.where(req), err)
		}
	}
}

// result is what one attempt came to.
type result struct {
	resp              *Response
	err               error
	outcome           string
	retryable         bool
	failure           bool // counts against the breaker
	hasRetryAfter     bool
	retryAfter        time.Duration
	retryAfterTooLong bool
}

// attempt sends req once, within the rate limit, the concurrency bound and
// the per-attempt timeout.
func (c *Client) attempt(ctx context.Context, req Request) result {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return result{err: err, outcome: outcomeCanceled}
		}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return result{err: ctx.Err(), outcome: outcomeCanceled}
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	r := c.rc.R().SetContext(actx)
	if req.Prepare != nil {
		if err := req.Prepare(actx, r); err != nil {
			// Preparing failed (e.g. no token): not the remote's fault.
			c.m.request(req.Op, outcomePrepare)
			return result{err: fmt.Errorf("%s %s %s: %w: %w", c.opts.Name, req.Method, c.where(req), ErrNotSent, err), outcome: outcomePrepare}
		}
	}
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "sending request",
			slog.String("op", req.Op), slog.String("method", req.Method),
			slog.String("path", c.where(req)),
			slog.Any("headers", RedactHeader(r.Header)))
	}
	start := c.opts.Clock.Now()
	rr, err := r.Execute(req.Method, req.Path)
	c.m.observe(req.Op, c.opts.Clock.Now().Sub(start))
	if err != nil {
		if ctx.Err() != nil {
			return result{err: err, outcome: outcomeCanceled}
		}
		res := result{retryable: true, failure: true, outcome: outcomeNetwork}
		if errors.Is(err, context.DeadlineExceeded) || actx.Err() != nil {
			res.outcome = outcomeTimeout
		}
		if errors.Is(err, resty.ErrResponseBodyTooLarge) {
			c.m.request(req.Op, outcomeBadResponse)
			return result{outcome: outcomeBadResponse, err: fmt.Errorf("%s %s %s: %w (more than %d bytes)",
				c.opts.Name, req.Method, c.where(req), ErrBodyTooLarge, c.opts.MaxBodyBytes)}
		}
		c.m.request(req.Op, res.outcome)
		// Not the transport's own words whole: they quote the full URL,
		// its query (credentials, ids) included; where(req) names it.
		detail := err
		var ue *url.Error
		if errors.As(err, &ue) {
			detail = ue.Err
		}
		res.err = &networkError{fmt.Sprintf("%s %s %s: %s", c.opts.Name, req.Method, c.where(req), c.red.scrub(detail.Error()))}
		if res.outcome == outcomeTimeout {
			res.err = fmt.Errorf("%s %s %s: %w: %s", c.opts.Name, req.Method, c.where(req), ErrTimeout, c.red.scrub(detail.Error()))
		}
		return res
	}
	// A UTF-8 byte order mark before a body (RFC 8259 §8.1 lets a reader
	// ignore it) would make every JSON decoder refuse the answer; one in
	// another character set is decoded (toUTF8).
	body, charset := toUTF8(rr.Header().Get("Content-Type"), rr.Body())
	resp := &Response{StatusCode: rr.StatusCode(), Header: rr.Header(), Body: bytes.TrimPrefix(body, utf8BOM),
		Received: received(charset, rr.Body())}
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		c.m.request(req.Op, outcomeOK)
		return result{resp: resp, outcome: outcomeOK}
	}
	res := result{resp: resp}
	switch {
	case code == http.StatusTooManyRequests:
		res.outcome, res.retryable, res.failure = outcomeRateLimited, true, true
	case code >= 500:
		res.outcome, res.retryable, res.failure = outcomeServerError, true, true
	default:
		res.outcome = outcomeClientError
	}
	se := &StatusError{Name: c.opts.Name, Op: req.Op, Method: req.Method, Path: c.where(req), StatusCode: code, Body: snippet(resp.Body),
		Received: resp.Received}
	if res.retryable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.opts.Clock.Now()); ok {
			res.hasRetryAfter, res.retryAfter = true, d
			if d > c.opts.RetryAfterMax {
				res.retryAfterTooLong = true
				se.RetryAfter = d
			}
		}
	}
	se.msg = fmt.Sprintf("%s %s %s: HTTP %d: %q", c.opts.Name, req.Method, c.where(req), code, c.red.scrub(shown(se.Body)))
	if se.RetryAfter > 0 {
		se.msg += fmt.Sprintf(" (Retry-After %s exceeds the %s cap)", se.RetryAfter, c.opts.RetryAfterMax)
	}
	res.err = se
	c.m.request(req.Op, res.outcome)
	return res
}

// snippet returns a copy of at most maxSnippet leading bytes of b.
func snippet(b []byte) []byte {
	if len(b) > maxSnippet {
		b = b[:maxSnippet]
	}
	return append([]byte(nil), b...)
}

func (c *Client) breakerChanged(s breakerState) {
	c.m.breakerState(s)
	level := slog.LevelWarn
	if s == stateClosed {
		level = slog.LevelInfo
	}
	c.log.LogAttrs(context.Background(), level, "circuit breaker "+s.String())
}

// restyLogger sends resty's own messages to slog at debug level, scrubbed.
type restyLogger struct {
	log *slog.Logger
	red *redactor
}

func (l restyLogger) Errorf(format string, v ...any) { l.out(format, v...) }
func (l restyLogger) Warnf(format string, v ...any)  { l.out(format, v...) }
func (l restyLogger) Debugf(format string, v ...any) { l.out(format, v...) }

func (l restyLogger) out(format string, v ...any) {
	l.log.Debug("resty", "msg", l.red.scrub(fmt.Sprintf(format, v...)))
}
