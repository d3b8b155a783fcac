package altinn

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// TestStatusConnectionTrouble: a connection Altinn (or a proxy before it)
// drops without an answer, every time one letter is asked about, is that
// letter's ErrFailing; the batch's other letters are answered. It failed
// the whole batch, every poll, one letter holding back hundreds. When
// every letter's connection is dropped, Altinn is unreachable: the call
// fails (channel.AllFailedError, which the poller tells from the letters'
// own failures by asking a letter it answered before).
func TestStatusConnectionTrouble(t *testing.T) {
	ids := []string{uuid(1), uuid(2), uuid(3), uuid(4)}
	for _, tc := range []struct {
		name    string
		dropped map[string]bool
	}{
		{"one letter", map[string]bool{uuid(2): true}},
		{"every letter", map[string]bool{uuid(1): true, uuid(2): true, uuid(3): true, uuid(4): true}},
		{"none", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			for i := 1; i <= 4; i++ {
				f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
			}
			var hungUp atomic.Int32
			f.hangUp = func(r *http.Request) bool {
				for id := range tc.dropped {
					if strings.Contains(r.URL.Path, id) {
						hungUp.Add(1)
						return true
					}
				}
				return false
			}
			c := newAdapter(t, f, setup{cfg: Config{Concurrency: 4}, timeout: 5 * time.Second, retries: 1})
			obs, err := c.Status(context.Background(), ids)
			if len(tc.dropped) == len(ids) {
				var each *channel.AllFailedError
				if !errors.As(err, &each) || obs != nil {
					t.Fatalf("every connection dropped: %v, %d observations; want a *channel.AllFailedError", err, len(obs))
				}
				if !strings.Contains(err.Error(), "4 failed connections") {
					t.Errorf("the call's error does not say how it failed: %v", err)
				}
				for _, o := range each.Obs {
					if !errors.Is(o.Err, channel.ErrFailing) || !errors.Is(o.Err, httpclient.ErrNetwork) {
						t.Errorf("%s in the call's error: %v, want ErrFailing of a network error", o.ChannelID, o.Err)
					}
				}
				return
			}
			if err != nil || len(obs) != len(ids) {
				t.Fatalf("Status: %v (%d observations)", err, len(obs))
			}
			for _, o := range obs {
				if tc.dropped[o.ChannelID] {
					if !errors.Is(o.Err, channel.ErrFailing) || !errors.Is(o.Err, httpclient.ErrNetwork) {
						t.Errorf("%s, its connection dropped: %v, want its own ErrFailing of a network error", o.ChannelID, o.Err)
					}
					continue
				}
				if o.Err != nil || o.State != model.StateOpened {
					t.Errorf("%s, answered: %s %v, want opened", o.ChannelID, o.State, o.Err)
				}
			}
			// Each dropped letter asked once more (httpclient's retry);
			// Go's transport may itself resend a request whose reused
			// connection closed without an answer.
			if least := int32(2 * len(tc.dropped)); hungUp.Load() < least {
				t.Errorf("%d connections dropped, want %d or more (each dropped letter asked once more)", hungUp.Load(), least)
			}
		})
	}
}

// TestStatusBreakerHalfOpen: while the breaker is half-open its one probe
// goes out and the batch's other requests are kept back unsent: those
// letters are ErrNotAsked (asked again soon, no failure of theirs), the
// probe's letter answered. They failed the batch, the probe's answer lost.
// A breaker fully open still fails the call: Altinn is failing.
func TestStatusBreakerHalfOpen(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 4; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	var down atomic.Bool
	down.Store(true)
	f.hangUp = func(*http.Request) bool { return down.Load() }
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		time.Sleep(300 * time.Millisecond) // the probe is in flight while the others ask
		return false
	}
	const cooldown = 100 * time.Millisecond
	c := newAdapter(t, f, setup{cfg: Config{Concurrency: 4}, timeout: 5 * time.Second, retries: -1, breaker: 1, cooldown: cooldown})
	ctx := context.Background()
	var each *channel.AllFailedError
	if _, err := c.Status(ctx, []string{uuid(1)}); !errors.As(err, &each) {
		t.Fatalf("Altinn unreachable: %v, want *channel.AllFailedError", err)
	}
	if _, err := c.Status(ctx, []string{uuid(1), uuid(2)}); !errors.Is(err, httpclient.ErrCircuitOpen) {
		t.Fatalf("breaker open: %v, want the call's ErrCircuitOpen", err)
	}
	down.Store(false)
	time.Sleep(cooldown + 20*time.Millisecond)
	ids := []string{uuid(1), uuid(2), uuid(3), uuid(4)}
	obs, err := c.Status(ctx, ids)
	if err != nil || len(obs) != len(ids) {
		t.Fatalf("breaker half-open: %v (%d observations)", err, len(obs))
	}
	answered, kept := 0, 0
	for _, o := range obs {
		switch {
		case o.Err == nil && o.State == model.StateOpened:
			answered++
		case errors.Is(o.Err, channel.ErrNotAsked) && !errors.Is(o.Err, channel.ErrFailing):
			kept++
		default:
			t.Errorf("%s: %s %v, want answered or ErrNotAsked", o.ChannelID, o.State, o.Err)
		}
	}
	if answered != 1 || kept != 3 {
		t.Errorf("%d answered, %d not asked; want the probe's 1 and 3", answered, kept)
	}
	obs, err = c.Status(ctx, ids)
	if err != nil || len(obs) != len(ids) {
		t.Fatalf("breaker closed by the probe: %v", err)
	}
	for _, o := range obs {
		if o.Err != nil {
			t.Errorf("%s, asked again once the probe closed the breaker: %v", o.ChannelID, o.Err)
		}
	}
}

// TestDiscoverConnectionTrouble: a listing whose one letter's details
// could not be read for a dropped connection gives the others, and an
// incomplete listing naming the letter, to be run again: a Found without
// its details has no time sent, and would be skipped without a word. One
// letter that always fails does not hold back the others (the listing
// failed whole, at every run). Every letter failing is an outage: the
// listing fails whole.
func TestDiscoverConnectionTrouble(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 3; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	var down atomic.Bool
	down.Store(true)
	var every atomic.Bool // every letter's details, not only the second's
	f.hangUp = func(r *http.Request) bool {
		return down.Load() && strings.HasSuffix(r.URL.Path, "/details") && (every.Load() || strings.Contains(r.URL.Path, uuid(2)))
	}
	c := newAdapter(t, f, setup{timeout: 5 * time.Second, retries: -1})
	found, err := c.Discover(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour))
	if !errors.Is(err, channel.ErrIncomplete) || !errors.Is(err, httpclient.ErrNetwork) || !strings.Contains(err.Error(), uuid(2)) {
		t.Fatalf("one letter's details unread: %v; want an incomplete listing naming %s (a network error)", err, uuid(2))
	}
	var got []string
	for _, f := range found {
		if f.SentAt.IsZero() {
			t.Errorf("%s found without its time sent", f.ChannelID)
		}
		got = append(got, f.ChannelID)
	}
	if slices.Sort(got); strings.Join(got, " ") != uuid(1)+" "+uuid(3) {
		t.Errorf("found %v, want the two letters read (%s, %s)", got, uuid(1), uuid(3))
	}
	every.Store(true)
	if found, err = c.Discover(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour)); !errors.Is(err, httpclient.ErrNetwork) || errors.Is(err, channel.ErrIncomplete) || found != nil {
		t.Fatalf("no letter's details read: %d found, %v; want the listing's failure (a network error)", len(found), err)
	}
	down.Store(false)
	if found, err = c.Discover(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour)); err != nil || len(found) != 3 {
		t.Fatalf("listed again: %d found, %v; want 3", len(found), err)
	}
}
