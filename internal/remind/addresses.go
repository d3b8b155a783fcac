package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// AddressBook is what address resolution needs of the store.
type AddressBook interface {
	OrgsNeedingLookup(ctx context.Context, orgs []string, now time.Time, ttl time.Duration) ([]string, error)
	StoreLookedUpContacts(ctx context.Context, asked []string, found map[string][]string, now time.Time) error
}

// Lookuper answers organisations' notification e-mail addresses
// (*Profile): an organisation its whole answer leaves out has none.
type Lookuper interface {
	Lookup(ctx context.Context, orgs []string) (map[string][]string, error)
}

// Resolver finds reminder addresses in the channel for organisations that
// have none imported: it asks Altinn Profile in batches and caches each
// answer (also "no addresses") for TTL. A failed lookup is logged and its
// organisations are reported as unknown for this run; it never fails the
// run. So is one organisation whose entry in an answer could not be read
// (*EntryErrors): the answer's other organisations are used and cached.
// A lookup Altinn throttled (httpclient.Throttled) or refused (401, 403:
// the token, which every lookup has alike) leaves the organisations not
// asked yet unknown this run too.
type Resolver struct {
	Book    AddressBook
	Profile Lookuper
	TTL     time.Duration // how long an answer is reused; default 24h
	Batch   int           // organisations per lookup call; default 100
	Logger  *slog.Logger
}

// Resolved is what one Resolve call learnt.
type Resolved struct {
	// Found are the addresses looked up now, per organisation (with none
	// for an organisation the answer did not list).
	Found map[string][]string
	// Unknown are organisations whose lookup failed this run.
	Unknown map[string]bool
}

// Resolve looks up, as of now, the organisations among orgs that have no
// imported address and no fresh cached answer (Norwegian organisation
// numbers only: Altinn does not know Danish CVR numbers). With dryRun the
// answers are returned but not cached. The error is for the store only.
func (r *Resolver) Resolve(ctx context.Context, orgs []string, now time.Time, dryRun bool) (Resolved, error) {
	res := Resolved{Found: map[string][]string{}, Unknown: map[string]bool{}}
	var candidates []string
	for _, o := range orgs {
		if model.OrgCountry(o) == "NO" {
			candidates = append(candidates, o)
		}
	}
	need, err := r.Book.OrgsNeedingLookup(ctx, candidates, now, r.ttl())
	if err != nil {
		return res, err
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 100
	}
	// alone are organisations an answer left unsettled (EntryErrors.Unsettled:
	// not listed beside an entry that names no organisation), asked one by
	// one, so that one organisation's unreadable entry never leaves the
	// others of its batch unknown run after run.
	var alone []string
	for len(need) > 0 || len(alone) > 0 {
		var chunk []string
		if len(alone) > 0 {
			chunk, alone = alone[:1], alone[1:]
		} else {
			chunk = need[:min(batch, len(need))]
			need = need[len(chunk):]
		}
		found, err := r.Profile.Lookup(ctx, chunk)
		var entries *EntryErrors
		if errors.As(err, &entries) {
			// The answer was whole but for some organisations' entries:
			// those count as unknown this run, each with its own error,
			// and are asked again next run; the others' answers stand.
			// Those it left unsettled are asked alone first.
			settle := map[string]bool{}
			if len(chunk) > 1 {
				for _, o := range entries.Unsettled {
					settle[o] = true
				}
			}
			if len(settle) > 0 {
				r.logger().Warn("Altinn Profile's answer had an entry that names no organisation; asking each organisation it did not list alone",
					"orgs", len(settle), "error", err)
			}
			for _, o := range chunk {
				e, ok := entries.Orgs[o]
				switch {
				case !ok:
				case settle[o]:
					alone = append(alone, o)
				default:
					r.logger().Error("notification addresses of an organisation could not be read from Altinn Profile's answer; unknown this run",
						"orgnr", o, "error", e)
					res.Unknown[o] = true
				}
			}
			chunk = slices.DeleteFunc(slices.Clone(chunk), func(o string) bool { return res.Unknown[o] || settle[o] })
			err = nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, fmt.Errorf("address lookup: %w", ctx.Err())
			}
			for _, o := range chunk {
				res.Unknown[o] = true
			}
			if refused(err) {
				// A 401 or 403 is about the token (Profile refuses no
				// organisation alone: altinntoken), so every batch would
				// be refused alike: the rest are not asked this run.
				for _, o := range append(need, alone...) {
					res.Unknown[o] = true
				}
				r.logger().Error("Altinn Profile refused the address lookup: no organisation is looked up this run (all count as unknown); "+
					"its token needs the scope "+ProfileScope+" (the Maskinporten client's, exchanged through POSTVAKT_ALTINN_EXCHANGE_URL)",
					"orgs", len(chunk)+len(need)+len(alone), "error", err)
				break
			}
			if errors.Is(err, httpclient.ErrNotSent) {
				// No token could be had (Maskinporten or the exchange down
				// or refusing): every batch would fail alike, each asking
				// for a token again; the rest are not asked this run.
				for _, o := range append(need, alone...) {
					res.Unknown[o] = true
				}
				r.logger().Error("no Altinn token for the address lookup: no organisation is looked up this run (all count as unknown)",
					"orgs", len(chunk)+len(need)+len(alone), "error", err)
				break
			}
			r.logger().Error("notification addresses could not be looked up; these organisations count as unknown this run",
				"orgs", chunk, "error", err)
			if _, throttled := httpclient.Throttled(err); throttled {
				// Altinn asked postvakt to slow down: the rest are not
				// asked this run (each batch one more request it said not
				// to make, held by the HTTP client's waits); unknown this
				// run, the next run asks them.
				for _, o := range append(need, alone...) {
					res.Unknown[o] = true
				}
				r.logger().Warn("Altinn Profile is throttling: the other organisations are not looked up this run",
					"orgs", len(need)+len(alone))
				break
			}
			continue
		}
		for _, o := range chunk {
			res.Found[o] = found[o] // none when the answer left it out
		}
		if !dryRun {
			if err := r.Book.StoreLookedUpContacts(ctx, chunk, found, now); err != nil {
				return res, err
			}
		}
		r.logger().Info("notification addresses looked up", "asked", len(chunk), "with_addresses", len(found))
	}
	return res, nil
}

// refused reports whether Altinn Profile itself refused a lookup with 401
// or 403 (httpclient.StopAsking), not a token that could not be had
// (httpclient.ErrNotSent: Maskinporten's or the exchange's answer).
func refused(err error) bool {
	if _, throttled := httpclient.Throttled(err); throttled || errors.Is(err, httpclient.ErrNotSent) {
		return false
	}
	return httpclient.StopAsking(err) != nil
}

func (r *Resolver) ttl() time.Duration {
	if r.TTL <= 0 {
		return 24 * time.Hour
	}
	return r.TTL
}

func (r *Resolver) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}
