package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/model"
)

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
	// Whether any of the request went out: the transport writes it again
	// by itself on a fresh connection after a reused one broke (a request
	// with an Idempotency-Key is replayable), so that the last error being
	// a failed dial does not say that nothing reached the remote.
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
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
	rr, err := r.Execute(req.Method, c.target(req.Path))
	var raw []byte
	if err == nil {
		raw, err = readBody(rr.RawResponse, c.opts.MaxBodyBytes)
	}
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
		res.err = &networkError{msg: fmt.Sprintf("%s %s %s: %s", c.opts.Name, req.Method, c.where(req), c.red.scrub(detail.Error())),
			unwritten: !wrote.Load()}
		if res.outcome == outcomeTimeout {
			res.err = fmt.Errorf("%s %s %s: %w: %s", c.opts.Name, req.Method, c.where(req), ErrTimeout, c.red.scrub(detail.Error()))
		}
		return res
	}
	// A UTF-8 byte order mark before a body (RFC 8259 §8.1 lets a reader
	// ignore it) would make every JSON decoder refuse the answer; one in
	// another character set is decoded (toUTF8).
	body, charset := toUTF8(rr.Header().Get("Content-Type"), raw)
	resp := &Response{StatusCode: rr.StatusCode(), Header: rr.Header(), Body: bytes.TrimPrefix(body, utf8BOM),
		Received: received(charset, raw)}
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
		Received: resp.Received, red: c.red}
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
	if code >= 300 && code < 400 && resp.Header.Get("Location") != "" {
		se.msg += " (a redirect to another address, not followed: the request's credentials stay with the service)"
	}
	res.err = se
	c.m.request(req.Op, res.outcome)
	return res
}

// snippet returns a copy of at most maxSnippet leading bytes of b, less a
// run of digits its end would cut (model.Excerpt): shown masks what it
// keeps, and a national id cut short is no id the masker knows.
func snippet(b []byte) []byte { return model.Excerpt(b, maxSnippet) }
