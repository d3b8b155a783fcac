package register

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// NameStore is what the names job needs from storage; *store.Store is one.
type NameStore interface {
	OrgsToName(ctx context.Context, now, staleBefore time.Time, countries []string, limit int) ([]string, error)
	PutRegisterEntry(ctx context.Context, e store.RegisterEntry) error
	RegisterFailed(ctx context.Context, orgnr string, now time.Time, first, longest time.Duration, msg string) (store.RegisterRetry, error)
	FillOrgNames(ctx context.Context) (int64, error)
}

// Namer is the names job: it asks the registers about the organisations
// (receiving and sending) that have no name, or whose cached answer is older
// than TTL, caches the answers where the print fallback caches its own
// (register_cache), and copies the names into the organisations. It asks
// only for what is due, in batches: a Norwegian number is one request
// (/enheter, then /underenheter for a sub-unit), a batch of Danish numbers
// one CVR search. One organisation's failed lookup is recorded with its own
// backoff (RetryFirst, doubling up to RetryMax) and never stops the others.
type Namer struct {
	Store NameStore
	// Norway asks Enhetsregisteret; nil: Norwegian numbers are not asked.
	Norway *Brreg
	// Denmark asks the CVR; nil: Danish numbers are not asked.
	Denmark *CVR
	// TTL is how long an answer is used (POSTVAKT_REGISTER_CACHE_TTL).
	// Default 24h.
	TTL time.Duration
	// Batch is how many numbers one round takes from the store (and at most
	// how many one CVR search asks for). Default 50.
	Batch int
	// MaxPerRun bounds the numbers one run asks about. Default 1000.
	MaxPerRun int
	// RetryFirst is the wait after a first failed lookup, doubled with every
	// further one, at most RetryMax. Defaults 5 minutes and TTL.
	RetryFirst, RetryMax time.Duration
	// Log; default slog.Default().
	Log *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// NameSummary counts what one run did.
type NameSummary struct {
	Asked   int   // numbers looked up
	Named   int   // answers with a name
	Unknown int   // answers without one (unknown, removed, not a valid number)
	Failed  int   // lookups that failed: asked again after their backoff
	Renamed int64 // organisations whose name was set or changed
}

func (n *Namer) defaults() {
	if n.TTL <= 0 {
		n.TTL = 24 * time.Hour
	}
	if n.Batch <= 0 {
		n.Batch = 50
	}
	n.Batch = min(n.Batch, MaxCVRBatch)
	if n.MaxPerRun <= 0 {
		n.MaxPerRun = 1000
	}
	if n.RetryFirst <= 0 {
		n.RetryFirst = 5 * time.Minute
	}
	if n.RetryMax <= 0 {
		n.RetryMax = n.TTL
	}
	if n.Log == nil {
		n.Log = slog.Default()
	}
	if n.Now == nil {
		n.Now = time.Now
	}
}

// Job is RunOnce at the current time, for the scheduler.
func (n *Namer) Job(ctx context.Context) error {
	n.defaults()
	_, err := n.RunOnce(ctx, n.Now())
	return err
}

// RunOnce looks up what is due at now. It stops taking new batches at the
// soft stop (jobs.Draining). A register that cannot be asked at all (its
// circuit breaker open, credentials refused) is left alone for the rest of
// the run, and reported in the returned error; one that throttled a lookup
// (a 429: Stop) is left alone for the rest of the run too, logged;
// the names found are copied either way.
func (n *Namer) RunOnce(ctx context.Context, now time.Time) (NameSummary, error) {
	n.defaults()
	// A run of slow answers can take minutes: an answer is dated, and a
	// failure's wait counted, from when it came, now plus the time since the
	// run began, so neither is shorter than it says.
	began := n.Now()
	at := func() time.Time { return now.Add(max(0, n.Now().Sub(began))) }
	var sum NameSummary
	var countries []string
	if n.Norway != nil {
		countries = append(countries, "NO")
	}
	if n.Denmark != nil {
		countries = append(countries, "DK")
	}
	var problems []error
	for len(countries) > 0 && sum.Asked < n.MaxPerRun && ctx.Err() == nil && !jobs.Draining(ctx) {
		nrs, err := n.Store.OrgsToName(ctx, now, now.Add(-n.TTL), countries, min(n.Batch, n.MaxPerRun-sum.Asked))
		if err != nil {
			return sum, err
		}
		if len(nrs) == 0 {
			break
		}
		var no, dk []string
		for _, nr := range nrs {
			switch model.OrgCountry(nr) {
			case "NO":
				no = append(no, nr)
			case "DK":
				dk = append(dk, nr)
			default: // OrgsToName lists only these; never ask about anything else
				return sum, fmt.Errorf("names: %q is neither a Norwegian nor a Danish organisation number", nr)
			}
		}
		sum.Asked += len(nrs)
		for _, c := range []struct {
			country string
			ask     func() error
		}{
			{"NO", func() error { return n.norway(ctx, no, at, &sum) }},
			{"DK", func() error { return n.denmark(ctx, dk, at, &sum) }},
		} {
			switch err := c.ask(); {
			case err == nil:
			case Unavailable(err):
				problems = append(problems, err)
				countries = without(countries, c.country)
			case Stop(err) != nil: // throttled: Unavailable is reported
				n.Log.Warn("a register is throttling the names job: its other numbers wait for a later run", "error", err)
				countries = without(countries, c.country)
			default:
				return sum, err
			}
		}
	}
	if sum.Asked > 0 {
		var err error
		if sum.Renamed, err = n.Store.FillOrgNames(ctx); err != nil {
			return sum, err
		}
		n.Log.Info("organisation names looked up in the registers", "asked", sum.Asked, "named", sum.Named,
			"unknown", sum.Unknown, "failed", sum.Failed, "renamed", sum.Renamed)
	}
	return sum, errors.Join(problems...)
}

// norway asks Enhetsregisteret about each number. It returns an error the
// store gave, the context's, a register-wide failure, or the throttled
// lookup's error once that lookup is recorded as failed (the numbers not
// yet asked are left for the next run).
func (n *Namer) norway(ctx context.Context, nrs []string, at func() time.Time, sum *NameSummary) error {
	for i, nr := range nrs {
		a, err := n.Norway.Lookup(ctx, nr)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if Unavailable(err) {
				sum.Asked -= len(nrs) - i // this one and the rest: not asked after all
				return fmt.Errorf("names: Enhetsregisteret is not asked again this run: %w", Stop(err))
			}
			if err := n.failed(ctx, nr, at(), err, sum); err != nil {
				return err
			}
			if stop := Stop(err); stop != nil {
				sum.Asked -= len(nrs) - i - 1
				return fmt.Errorf("names: Enhetsregisteret is not asked again this run: %w", stop)
			}
			continue
		}
		if err := n.answered(ctx, a, at(), sum); err != nil {
			return err
		}
	}
	return nil
}

// denmark asks the CVR about the numbers in one search. When that search
// fails, each number is asked alone, so that one number's trouble stays
// that number's; a throttled search (Stop) is each number's failed
// lookup, and its error is returned: the CVR is not asked again this run.
// A search whose answer had a hit that could not be read
// (*HitErrors) stands for the others: a number whose own hit it was has
// failed (its backoff), and those the answer left unsettled (a hit named
// no number, or hits were left out) are asked alone.
func (n *Namer) denmark(ctx context.Context, nrs []string, at func() time.Time, sum *NameSummary) error {
	if len(nrs) == 0 {
		return nil
	}
	answers, err := n.Denmark.Lookup(ctx, nrs)
	var hits *HitErrors
	if errors.As(err, &hits) {
		err = nil
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && Unavailable(err):
		sum.Asked -= len(nrs)
		return fmt.Errorf("names: the CVR is not asked again this run: %w", Stop(err))
	case err != nil && Stop(err) != nil:
		for _, nr := range nrs {
			if err := n.failed(ctx, nr, at(), err, sum); err != nil {
				return err
			}
		}
		return fmt.Errorf("names: the CVR is not asked again this run: %w", Stop(err))
	case err != nil && len(nrs) > 1:
		n.Log.Warn("CVR search failed; asking each number alone", "numbers", len(nrs), "error", err)
		return n.denmarkAlone(ctx, nrs, at, sum)
	case err != nil:
		return n.failed(ctx, nrs[0], at(), err, sum)
	}
	for _, a := range answers {
		if err := n.answered(ctx, a, at(), sum); err != nil {
			return err
		}
	}
	if hits == nil {
		return nil
	}
	for _, nr := range nrs {
		if cause, ok := hits.Numbers[nr]; ok {
			if err := n.failed(ctx, nr, at(), cause, sum); err != nil {
				return err
			}
		}
	}
	if len(hits.Unsettled) == 0 {
		return nil
	}
	if len(nrs) == 1 {
		return n.failed(ctx, nrs[0], at(), hits, sum)
	}
	n.Log.Warn("CVR search answer had a hit that names no number, or left hits out; asking each number it did not answer alone",
		"numbers", len(hits.Unsettled), "error", hits.Cause)
	return n.denmarkAlone(ctx, hits.Unsettled, at, sum)
}

// denmarkAlone asks the CVR about each number in its own search.
func (n *Namer) denmarkAlone(ctx context.Context, nrs []string, at func() time.Time, sum *NameSummary) error {
	for i, nr := range nrs {
		if err := n.denmark(ctx, []string{nr}, at, sum); err != nil {
			if Stop(err) != nil {
				sum.Asked -= len(nrs) - i - 1
			}
			return err
		}
	}
	return nil
}

// answered caches an answer.
func (n *Namer) answered(ctx context.Context, a Answer, at time.Time, sum *NameSummary) error {
	if err := n.Store.PutRegisterEntry(ctx, a.Entry(at)); err != nil {
		return err
	}
	if a.Name != "" {
		sum.Named++
	} else {
		sum.Unknown++
	}
	return nil
}

// failed records a failed lookup with its backoff.
func (n *Namer) failed(ctx context.Context, nr string, at time.Time, cause error, sum *NameSummary) error {
	sum.Failed++
	// The register's Retry-After, when it asked for longer than the first
	// wait (a 429 with an hour), is waited for, as the print fallback's
	// lookups wait for it (up to the longest wait).
	first := n.RetryFirst
	var se *httpclient.StatusError
	if errors.As(cause, &se) && se.RetryAfter > first {
		first = min(se.RetryAfter, max(n.RetryMax, first))
	}
	r, err := n.Store.RegisterFailed(ctx, nr, at, first, n.RetryMax, cause.Error())
	if err != nil {
		return err
	}
	n.Log.Warn("organisation name lookup failed; asked again later", "orgnr", nr, "attempts", r.Attempts,
		"retry_at", r.RetryAt, "error", cause)
	return nil
}

// Unavailable reports whether err, of a lookup, says a register cannot be
// asked at all right now rather than that one number's lookup failed: its circuit
// breaker is open, or it refused the request itself (401, 403 and other
// lasting 4xx; a number's own 400/404/410 are answers, not errors).
func Unavailable(err error) bool {
	var coe *httpclient.CircuitOpenError
	if errors.As(err, &coe) {
		return true
	}
	var se *httpclient.StatusError
	return errors.As(err, &se) && !se.Temporary()
}

// Stop is why a register is not to be asked again in a run after a lookup
// failed with err; nil for a failure of that number's lookup alone. An
// answer about the register, not the number (httpclient.StopAsking: it
// asked postvakt to slow down, a 429 or a Retry-After longer than the
// client waits; or it refused the request itself, a 401 or 403), or a
// register that cannot be asked at all now (Unavailable: its breaker open,
// a web page for a 404 at a wrong address): each further lookup would be
// one more request it said not to make, or one more refused, and would
// open the circuit breaker. The names job and the print fallback's address
// lookups both leave it so.
func Stop(err error) error {
	if stop := httpclient.StopAsking(err); stop != nil {
		return stop
	}
	if Unavailable(err) {
		return fmt.Errorf("it cannot be asked now: %w", err)
	}
	return nil
}

// without returns countries without c.
func without(countries []string, c string) []string {
	out := countries[:0:0]
	for _, x := range countries {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}
