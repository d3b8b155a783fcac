// Package altinn is the Altinn 3 Correspondence channel adapter: it reads
// each correspondence's details (status and status history) and discovers
// the sender's correspondences in a time window. Auth is a Maskinporten
// token, optionally exchanged for an Altinn token.
package altinn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// DefaultScope is the Maskinporten scope a sender needs for reading its
// correspondences; give it to the maskinporten.Config of the token source.
const DefaultScope = "altinn:correspondence.write altinn:serviceowner"

// basePath is the Correspondence API's prefix below Config.BaseURL.
const basePath = "/correspondence/api/v1/correspondence"

// Config configures the adapter. The lead wires it from POSTVAKT_ALTINN_*.
type Config struct {
	// BaseURL is the Altinn platform root: https://platform.altinn.no
	// (test: https://platform.tt02.altinn.no). (POSTVAKT_ALTINN_URL)
	BaseURL string
	// ResourceID is the correspondence resource the shipments were sent
	// under; discovery lists it. (POSTVAKT_ALTINN_RESOURCE_ID)
	ResourceID string
	// Concurrency bounds the details requests in flight within one Status
	// or Discover call. Default 8.
	Concurrency int
	// BatchSize is how many ids one Status call should carry. Default 200.
	BatchSize int
	// BatchTime bounds one Status call: a correspondence whose details are
	// not in by then (a record slow to build, retried) is that letter's
	// ErrFailing when it was waited for half of it or more (else, and for
	// one not asked yet, ErrNotAsked), so it does not hold back the
	// batch's answers; a 429 whose
	// Retry-After is longer than the time left ends the batch at once as
	// the channel's rate limit (httpclient). Default 60 s.
	BatchTime time.Duration
	// MinWindow is the narrowest discovery window that is still split when
	// it holds 1000 correspondences. Default 1s.
	MinWindow time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Doer sends a request with retries; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// TokenSource gives access tokens; *maskinporten.Source is one. It is
// httpclient's: httpclient.Bearer puts the tokens in the requests.
type TokenSource = httpclient.TokenSource

// Client is the Altinn adapter. It implements channel.Channel,
// channel.Discoverer and channel.HistoryFetcher.
type Client struct {
	cfg    Config
	http   Doer
	tokens TokenSource // the Maskinporten source, or the exchanger around it
	log    *slog.Logger
}

var (
	_ channel.Channel        = (*Client)(nil)
	_ channel.Discoverer     = (*Client)(nil)
	_ channel.HistoryFetcher = (*Client)(nil)
)

// New checks cfg and builds the adapter. hc should be an httpclient.Client
// with Name "altinn" and BaseURL cfg.BaseURL. tokens gives Altinn tokens
// (maskinporten.Tokens.Altinn: exchanged where the platform wants it); the
// start refuses Altinn without Maskinporten (configure), so nil is for
// tests whose endpoint takes no token.
func New(cfg Config, hc Doer, tokens TokenSource) (*Client, error) {
	if hc == nil {
		return nil, errors.New("altinn: an HTTP client is required")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.BatchTime <= 0 {
		cfg.BatchTime = time.Minute
	}
	if cfg.MinWindow <= 0 {
		cfg.MinWindow = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Client{cfg: cfg, http: hc, tokens: tokens, log: cfg.Logger.With("channel", "altinn")}
	if tokens == nil {
		c.log.Warn("altinn: no token source; requests go without Authorization")
	}
	return c, nil
}

// Name returns "altinn".
func (c *Client) Name() string { return "altinn" }

// BatchSize returns Config.BatchSize.
func (c *Client) BatchSize() int { return c.cfg.BatchSize }

// Status reads the details of every id, Concurrency at a time. Whatever
// Altinn answers about one id is that id's Observation.Err (see details):
// ids that are not UUIDs are not sent (ErrInvalidID), 404/410 give
// ErrNotKnown, 401/403 ErrRefused, 5xx after retries ErrFailing, an
// unreadable answer ErrBadRecord, no answer in time or a failed
// connection after retries ErrFailing, a request the half-open breaker
// kept back (another was its probe) ErrNotAsked. The error return is for
// a call that failed as a whole: an open breaker, no token, a 403 about the token once renewed
// (errTokenRefused, see altinntoken), an HTML page or an empty 200
// instead of JSON on every id, a redirect to another address on every id
// (a wrong POSTVAKT_ALTINN_URL: Altinn's API redirects nowhere), no answer in time for any id, a 5xx or a
// failed connection after retries on every id, or on some and on the rest
// no answer in time, a page, a redirect or an answer over the size cap
// (a *channel.AllFailedError, each id's observation in it: Altinn
// down, or letters that each fail, which the poller tells apart), 401/403 on
// every id without Altinn's per-correspondence code 4001 (a token or
// access problem, not the letters'), or on every one of two or more ids
// with it, or a 404 on every one of three or more ids that only a
// code-less ProblemDetails makes Altinn's (a wrong path); no observations
// are returned then.
func (c *Client) Status(ctx context.Context, ids []string) ([]channel.Observation, error) {
	obs := make([]channel.Observation, len(ids))
	index := map[string][]int{} // lower-case id → positions in ids
	var send []string
	for i, id := range ids {
		obs[i].ChannelID = id
		if !channel.ValidUUID(id) {
			obs[i].Err = fmt.Errorf("%w: %q is not a UUID", channel.ErrInvalidID, id)
			continue
		}
		k := strings.ToLower(id)
		if _, ok := index[k]; !ok {
			send = append(send, id)
		}
		index[k] = append(index[k], i)
	}
	var mu sync.Mutex
	refusedAlike, refusedCoded, timedOut := 0, 0, 0 // 401/403 without code 4001, with it; no answer in time
	serverErrors, netErrors := 0, 0                 // 5xx after retries; failed connections after retries
	var pages []*channel.BadResponseError           // pages or empty answers instead of JSON
	foreign404, bare404 := 0, 0                     // 404s not Altinn's CorrespondenceNotFound; code-less ProblemDetails 404s
	redirects, tooLarge := 0, 0                     // 3xx to another origin, not followed; answers over the size cap
	done := map[string]bool{}
	bctx, cancel := context.WithTimeout(ctx, c.cfg.BatchTime)
	defer cancel()
	err := c.forEach(bctx, send, func(fctx context.Context, id string) error {
		asked := time.Now()
		d, err := c.details(fctx, id)
		if err != nil && bctx.Err() != nil && ctx.Err() == nil && context.Cause(fctx) == bctx.Err() {
			// The batch's time ran out before this letter's answer: its
			// own failure when it was waited for half the batch's time
			// or more; asked late (after others' slow answers), it has
			// shown nothing of its own and is asked again soon.
			why := fmt.Errorf("%w: altinn details of %s: no answer within the batch's %s", channel.ErrFailing, id, c.cfg.BatchTime)
			if waited := time.Since(asked); waited < c.cfg.BatchTime/2 {
				why = fmt.Errorf("%w: altinn details of %s: asked %s before the batch's %s ran out", channel.ErrNotAsked, id,
					waited.Round(time.Millisecond), c.cfg.BatchTime)
			}
			d, err = &detail{obs: channel.Observation{ChannelID: id, Err: why}, timedOut: true}, nil
		}
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case d.refused && d.perLetter:
			refusedCoded++
		case d.refused:
			refusedAlike++
		}
		if d.timedOut {
			timedOut++
		}
		if d.serverError {
			serverErrors++
		}
		if d.netError {
			netErrors++
		}
		if d.page != nil {
			pages = append(pages, d.page)
		}
		if d.foreign404 {
			foreign404++
		}
		if d.bare404 {
			bare404++
		}
		if d.redirect {
			redirects++
		}
		if d.tooLarge {
			tooLarge++
		}
		done[id] = true
		for _, i := range index[strings.ToLower(id)] {
			o := d.obs
			o.ChannelID = ids[i]
			obs[i] = o
		}
		return nil
	})
	if err != nil && bctx.Err() != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		// The batch's time ran out: the letters not asked about yet are
		// timed out too; those answered stay answered.
		err = nil
		for _, id := range send {
			if done[id] {
				continue
			}
			timedOut++ // for the whole call: no answer in time
			for _, i := range index[strings.ToLower(id)] {
				obs[i].Err = fmt.Errorf("%w: altinn details of %s: the batch's %s ran out first", channel.ErrNotAsked, id, c.cfg.BatchTime)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if len(send) > 0 && timedOut == len(send) {
		return nil, fmt.Errorf("altinn details: none of %d correspondences answered in time (first: %w)",
			len(send), obs[index[strings.ToLower(send[0])][0]].Err)
	}
	if len(send) > 0 && len(pages) == len(send) {
		return nil, fmt.Errorf("altinn details: every one of %d correspondences answered with a page or an empty answer instead of JSON: %w", len(send), pages[0])
	}
	if len(send) > 0 && foreign404 == len(send) {
		return nil, fmt.Errorf("altinn details: every one of %d correspondences answered 404 without Altinn's CorrespondenceNotFound: check POSTVAKT_ALTINN_URL (first: %w)",
			len(send), obs[index[strings.ToLower(send[0])][0]].Err)
	}
	if len(send) > 0 && redirects == len(send) {
		return nil, fmt.Errorf("altinn details: every one of %d correspondences answered with a redirect to another address, not followed (Altinn's API redirects nowhere): check POSTVAKT_ALTINN_URL, its https:// and host (first: %v)",
			len(send), obs[index[strings.ToLower(send[0])][0]].Err)
	}
	if len(send) >= refusedCallAt && bare404 == len(send) {
		// A ProblemDetails 404 without a code is ASP.NET's for any path it
		// has no route for (a wrong POSTVAKT_ALTINN_URL, a retired API
		// version) as well as Altinn's for one missing letter: on every
		// letter of a batch and nothing read, it is the path's, or every
		// letter would be marked unknown to the channel.
		return nil, fmt.Errorf("altinn details: every one of %d correspondences answered 404 with a ProblemDetails without Altinn's code %d: check POSTVAKT_ALTINN_URL (first: %w)",
			len(send), codeCorrespondenceNotFound, obs[index[strings.ToLower(send[0])][0]].Err)
	}
	if len(send) > 0 && refusedAlike == len(send) {
		return nil, fmt.Errorf("altinn details: every one of %d correspondences answered 401/403 without the per-correspondence code %d: check the token, its scopes and the resource's access (first: %w)",
			len(send), codeNotSenderOrRecipient, obs[index[strings.ToLower(send[0])][0]].Err)
	}
	if len(send) >= refusedCallAt && refusedCoded > 0 && refusedAlike+refusedCoded == len(send) {
		// The specs notes make 4001 one letter's refusal, and so it is
		// when others are read; but current Altinn answers the same code
		// (NoAccessToResource) to every call of a client that has lost
		// access to the resource or the organisation.
		return nil, fmt.Errorf("altinn details: every one of %d correspondences answered 401/403, %d with code %d, which Altinn also gives a caller without access to the resource or the organisation: check the token, its scopes and the resource's access (first: %w)",
			len(send), refusedCoded, codeNotSenderOrRecipient, obs[index[strings.ToLower(send[0])][0]].Err)
	}
	if failing := serverErrors + netErrors + timedOut + len(pages) + foreign404 + redirects + tooLarge; len(send) > 0 && failing == len(send) {
		// Each letter was asked on its own and Altinn failed on every one:
		// Altinn is down or unreachable, unless it answers about a letter
		// it answered before, which the poller asks (channel.AllFailedError).
		// Failures of one kind on every letter ended the call above; a mix
		// without any 5xx or dropped connection (a proxy's empty answers
		// beside its 404s, pages beside no answer in time) is the same
		// outage, and was each letter's own error, the call answered.
		var how []string
		for _, k := range []struct {
			n    int
			what string
		}{{serverErrors, "server errors after retries"}, {netErrors, "failed connections after retries"}, {timedOut, "no answer in time"}, {len(pages), "pages or empty answers"}, {foreign404, "foreign 404s"}, {redirects, "redirects elsewhere"}, {tooLarge, "answers over the size cap"}} {
			if k.n > 0 {
				how = append(how, fmt.Sprintf("%d %s", k.n, k.what))
			}
		}
		return nil, &channel.AllFailedError{Obs: obs, Err: fmt.Errorf("altinn details: Altinn failed on every one of %d correspondences, each asked on its own (%s; first: %v)",
			len(send), strings.Join(how, ", "), obs[index[strings.ToLower(send[0])][0]].Err)}
	}
	return obs, nil
}

// refusedCallAt is how many letters of a batch, each refused with code
// 4001 and none read, make the refusal the call's (lost access) rather than
// each letter's; so too for code-less ProblemDetails 404s (a wrong path). Fewer are each letter's own: two foreign letters that
// came due together would otherwise fail together at every poll, as an
// outage, and never get their own evidence and backoff.
const refusedCallAt = 3

// History returns the statusHistory of one correspondence, as Altinn sent
// it. Status already fills Observation.History, so the poller needs this
// only for ids it did not just poll.
func (c *Client) History(ctx context.Context, id string) (json.RawMessage, error) {
	if !channel.ValidUUID(id) {
		return nil, fmt.Errorf("altinn history: %w: %q is not a UUID", channel.ErrInvalidID, id)
	}
	d, err := c.details(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("altinn history of %s: %w", id, err)
	}
	if d.obs.History == nil && d.obs.Err != nil {
		return nil, fmt.Errorf("altinn history of %s: %w", id, d.obs.Err)
	}
	return d.obs.History, nil
}

// forEach calls fn for every id, at most Concurrency at a time, and stops
// at the first error, which it returns.
func (c *Client) forEach(ctx context.Context, ids []string, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
loop:
	for _, id := range ids {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Go(func() {
			defer func() { <-sem }()
			// A panic here (an answer the adapter did not expect) is the
			// call's error: outside the poll job's goroutine, it ended
			// the whole process.
			defer func() {
				if v := recover(); v != nil {
					err := fmt.Errorf("altinn %s: panic: %v", id, v)
					c.log.Error("a letter's request panicked; it is the call's error", "error", err, "stack", string(debug.Stack()))
					cancel(err)
				}
			}()
			if err := fn(ctx, id); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}
