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
)

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
	base    string // Options.BaseURL without its trailing slashes, when it is absolute (target)
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
		SetDoNotParseResponse(true). // readBody reads it, within MaxBodyBytes
		SetHeader("User-Agent", opts.UserAgent)
	rc.GetClient().CheckRedirect = sameOrigin
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
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		c.base = strings.TrimRight(opts.BaseURL, "/")
	}
	return c, nil
}

// target is the URL resty is given for path: for a plain path (a slash,
// then letters, digits, - . _ ~ and slashes alone) Options.BaseURL and
// path joined, the URL resty would make of them, so that it parses one
// absolute URL instead of parsing the path, writing it back and parsing
// the whole again (a twentieth of the client's CPU per request); any
// other path as given, for resty to join as it does.
func (c *Client) target(path string) string {
	if c.base == "" || !plainPath(path) {
		return path
	}
	return c.base + path
}

// plainPath: path starts with a slash and holds nothing that parsing and
// writing it back as a URL could change (no escapes, query, fragment,
// spaces or non-ASCII).
func plainPath(path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	for i := 1; i < len(path); i++ {
		switch c := path[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '/', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// Name returns Options.Name.
func (c *Client) Name() string { return c.opts.Name }

// Host returns the host (and port) of Options.BaseURL, "" without one: it
// names the remote service in a log line without a path, a query or
// credentials.
func (c *Client) Host() string {
	u, err := url.Parse(c.opts.BaseURL)
	if err != nil {
		return ""
	}
	return u.Host
}

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
	// service answers 401 or 403: a token source drops the token the
	// service refused (revoked, expired before its time, or not one it
	// takes), and when it returns true the request is sent once more,
	// Prepare fetching a new one. A second refusal is the answer. It looks
	// at the answer: a 401 about the request's object rather than its token
	// (Altinn's code 4001) renews nothing, nor does a 403 unless the caller
	// knows its service gives 403 for a token it does not take
	// (Bearer.Unauthorized renews on 401 only).
	Unauthorized func(*Response) bool
	// Secondary: the request asks about one item after the service's main
	// call answered (a letter's history after the batch's status): its
	// failure does not count toward opening the breaker, which the main
	// calls judge, so a part of the service failing (a history endpoint,
	// a few letters' histories) does not stop the calls that work. Its
	// success counts and an open breaker refuses it; as the half-open
	// probe, its failure leaves the probe to the next request.
	Secondary bool
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

// WebPage reports whether the answer is a web page (HTML): a proxy's, a
// load balancer's, or a server's at a wrong base address, not the JSON
// API's own answer. A client error so answered says nothing about what
// was asked (an organisation number, an order): to be asked again, not
// taken at its word.
func (r *Response) WebPage() bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	body := bytes.TrimSpace(r.Body)
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml") || bytes.HasPrefix(body, []byte("<"))
}

// StatusError is returned when the final answer had a non-2xx status.
type StatusError struct {
	Name, Op, Method, Path string
	StatusCode             int
	// RetryAfter is the server's Retry-After when it asked for a longer
	// wait than Options.RetryAfterMax or than the caller's context had
	// time left for, or when it came with the last 429 the client gave up
	// on (a wait not made: the client waits before a retry, not after the
	// last answer); zero otherwise.
	RetryAfter time.Duration
	// Body holds the first bytes of the answer as it came (less a run of
	// digits cut at their end: snippet), for the adapters to read error
	// codes from; Error and Raw show only what shown lets through.
	Body []byte
	// Received describes the answer as it came when Body was decoded from
	// another character set (Response.Received).
	Received *Received
	// EarlierMayHaveActed says an attempt of the call before the one
	// answered so reached the remote and was not refused: a 5xx, no
	// answer (a broken connection, a timeout) or one that could not be
	// read. The remote may have acted on the request then (an order
	// taken before its 503), whatever this last answer says.
	EarlierMayHaveActed bool
	msg                 string
	red                 *redactor // the client's, for Raw; nil: the patterns alone
}

func (e *StatusError) Error() string { return e.msg }

// Raw returns what is shown of the answer (shown), credentials redacted as
// in Error (a server may echo the request's headers), for the evidence
// trail; of an answer decoded from another character set also its charset
// and the length and SHA-256 of the bytes received.
func (e *StatusError) Raw() string {
	red := e.red
	if red == nil {
		red = &redactor{}
	}
	if e.Received != nil {
		return red.scrub(shown(e.Body)) + " [" + e.Received.String() + "]"
	}
	return red.scrub(shown(e.Body))
}

// Temporary reports whether the status is one that may go away by itself
// (5xx, 429).
func (e *StatusError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Throttled reports whether err is a server asking its caller to slow down:
// a final 429 Too Many Requests, or an answer whose Retry-After asked for a
// longer wait than the client makes itself (RetryAfterMax, or the time
// its caller's deadline left). wait is that Retry-After (of a final 429,
// also a shorter one: the client waits before a retry, not after the last
// answer), at most MaxHonouredWait; zero when it gave none. Such an answer
// is the service's, never one request's: the caller stops asking it and
// comes back after wait at the earliest.
func Throttled(err error) (wait time.Duration, ok bool) {
	var se *StatusError
	if !errors.As(err, &se) {
		return 0, false
	}
	return min(se.RetryAfter, MaxHonouredWait), se.StatusCode == http.StatusTooManyRequests || se.RetryAfter > 0
}

// outlasts reports whether ctx's deadline comes before wait is over.
// Deadlines are in real time, whatever the client's Clock.
func outlasts(ctx context.Context, wait time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < wait
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
	reached := false // an attempt wrote some of the request
	acted := false   // an attempt may have been acted on (mayHaveActed)
	for attempt := 1; ; attempt++ {
		res := c.attempt(ctx, req)
		var ne *networkError
		if res.outcome != outcomePrepare && (!errors.As(res.err, &ne) || !ne.unwritten) {
			reached = true
		} else if ne != nil && !reached {
			ne.unreached = true
		}
		refused := res.resp != nil && (res.resp.StatusCode == http.StatusUnauthorized || res.resp.StatusCode == http.StatusForbidden)
		if refused && req.Unauthorized != nil && !renewed && ctx.Err() == nil {
			renewed = true
			if req.Unauthorized(res.resp) {
				c.log.LogAttrs(ctx, slog.LevelInfo, "the service refused the token; asking once more with a new one",
					slog.String("op", req.Op), slog.String("method", req.Method), slog.String("path", c.where(req)),
					slog.Int("status", res.resp.StatusCode))
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
			if reached {
				return nil, reachedBefore{res.err}
			}
			return nil, res.err
		}
		if res.resp != nil {
			res.resp.Attempts = attempt
		}
		if res.retryable && attempt <= maxRetries && res.hasRetryAfter && !res.retryAfterTooLong && outlasts(ctx, res.retryAfter) {
			// The caller's deadline (a batch's time) ends before the wait
			// the service asked for: waiting would end in the caller's
			// timeout, the service's answer lost. The call ends now, as
			// for a Retry-After beyond the cap, saying when to come back.
			res.retryAfterTooLong = true
			var se *StatusError
			if errors.As(res.err, &se) {
				se.RetryAfter = res.retryAfter
				se.msg += fmt.Sprintf(" (Retry-After %s outlasts the time the caller has left)", res.retryAfter)
			}
		}
		if !res.retryable || attempt > maxRetries || res.retryAfterTooLong {
			if (narrowing && !probe || req.Secondary) && res.failure {
				// Expected while narrowing a failing batch down, or of a
				// secondary request: it says nothing new about the
				// service's health.
				c.breaker.abandon(probe)
			} else {
				c.breaker.done(c.opts.Clock.Now(), probe, !res.failure)
			}
			lastRetryAfter(res)
			var se *StatusError
			if acted && errors.As(res.err, &se) {
				se.EarlierMayHaveActed = true
			}
			return res.resp, res.err
		}
		acted = acted || mayHaveActed(res)
		// The server's Retry-After is the least wait: "0" or a date already
		// past does not make the retry immediate, the backoff still spaces
		// out attempts against a service that is struggling.
		wait := max(c.backoff(attempt), res.retryAfter)
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

// mayHaveActed reports whether the remote may have acted on a failed
// attempt: it reached the remote and was not refused (a 5xx, no answer, a
// timeout, an answer that could not be read). A 4xx, an attempt that
// wrote nothing, or one never sent was not acted on.
func mayHaveActed(res result) bool {
	switch res.outcome {
	case outcomePrepare, outcomeCanceled, outcomeClientError, outcomeRateLimited, outcomeCircuitOpen:
		return false
	}
	var ne *networkError
	return !errors.As(res.err, &ne) || !ne.unwritten
}

// lastRetryAfter gives the StatusError of a final 429 its Retry-After
// when the client would have waited it out before a retry: the service
// asked for that wait after its last answer too, and the caller, not the
// client, must make it (Throttled). A Retry-After longer than the client
// waits is there already; a 5xx's short one stays the client's own, so a
// server error a letter may cause is still narrowed down.
func lastRetryAfter(res result) {
	var se *StatusError
	if !res.hasRetryAfter || res.retryAfterTooLong || res.retryAfter <= 0 || !errors.As(res.err, &se) ||
		se.StatusCode != http.StatusTooManyRequests {
		return
	}
	se.RetryAfter = res.retryAfter
	se.msg += fmt.Sprintf(" (Retry-After %s)", res.retryAfter)
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
