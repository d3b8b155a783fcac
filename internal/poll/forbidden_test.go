package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// kontoFake is SvarUt as the specs describe it (v2 status-sok and
// hendelser, v3 status/sok, v1 statuser and historikk), for one account: it answers
// VARSLET for every letter, and 403 with its ErrorMessage for a whole
// status call carrying a letter of another account (foreign), or for
// every call while the integration may not use the account (forbidden).
// The specs leave the status call's errors open ("default": ErrorMessage).
type kontoFake struct {
	mu        sync.Mutex
	foreign   map[string]bool
	forbidden bool
	calls     int // status calls
}

func (f *kontoFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	refuse := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"timestamp":%d,"status":403,"error":"Forbidden","errorId":"5f0c3d5e-2a52-4d55-9a3e-0c6f7d1f3b11","path":%q,"message":"Ingen tilgang til forsendelse"}`,
			time.Now().UnixMilli(), r.URL.Path)
	}
	v1 := strings.HasPrefix(r.URL.Path, "/tjenester/api/forsendelse/v1/")
	switch {
	case r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/forsendelser/status-sok") ||
		strings.HasSuffix(r.URL.Path, "/forsendelser/status/sok") || r.URL.Path == "/tjenester/api/forsendelse/v1/statuser"):
		f.calls++
		var ids []string
		if v1 {
			_ = json.Unmarshal(body, &ids)
		} else {
			var sok struct {
				ForsendelseIDs []string `json:"forsendelseIds"` // v2
				ID             []string `json:"id"`             // v3
			}
			_ = json.Unmarshal(body, &sok)
			ids = append(sok.ForsendelseIDs, sok.ID...)
		}
		if f.forbidden || slices.ContainsFunc(ids, func(id string) bool { return f.foreign[id] }) {
			refuse()
			return
		}
		changed := time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)
		var recs []map[string]any
		for _, id := range ids {
			if v1 {
				recs = append(recs, map[string]any{"forsendelsesId": map[string]string{"id": id}, "sisteStatusEndring": changed.UnixMilli(), "status": "VARSLET"})
			} else {
				recs = append(recs, map[string]any{"id": id, "sisteStatusEndring": changed.Format(time.RFC3339), "status": "VARSLET"})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"statuser": recs})
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/hendelser"):
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hendelser":[{"tidspunkt":"2026-11-20T11:05:00+01:00","hendelse":"Varslet mottaker"}]}`))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/historikk"):
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hendelsesLogger":[{"tidspunkt":"20.11.2026 11:05:00","hendelse":"Varslet mottaker"}]}`))
	default:
		http.NotFound(w, r)
	}
}

func (f *kontoFake) statusCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// svarutAt is the real SvarUt adapter (api "v1", "v2" or "v3", 40 ids a call)
// asking f over HTTP.
func svarutAt(t *testing.T, api string, f *kontoFake, logger *slog.Logger) *svarut.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	su, err := svarut.New(svarut.Config{BaseURL: srv.URL, API: api, KontoID: "2b2d3c3e-3f3a-4b4c-8d8e-9f9a0b0c0d0e",
		IntegrasjonID: "integrasjon", IntegrasjonPassord: "passord", User: "avsender", Password: "passord",
		BatchSize: 40, Logger: logger}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return su
}

// TestForeignLetterForbidsItsBatch: SvarUt refuses a whole status call
// (403) that carries one letter of another account. The batch is narrowed
// down like any call a letter makes fail: the foreign letter gets its own
// refusal, evidence and backoff, is not marked unknown to the channel, and
// every other letter of its batch gets its state; no whole-call failure is
// recorded. Due alone later, it is still its own refusal (the channel
// answers about another letter), not an outage.
func TestForeignLetterForbidsItsBatch(t *testing.T) {
	for _, api := range []string{svarut.APIv2, svarut.APIv3, svarut.APIv1} {
		t.Run(api, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			var letters []model.NewShipment
			for i := 0; i < 40; i++ {
				letters = append(letters, storetest.Letter(i))
			}
			ships := storetest.Register(t, st, letters...)
			const foreign = 13
			f := &kontoFake{foreign: map[string]bool{ships[foreign].ChannelID: true}}
			var log bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&log, nil))
			su := svarutAt(t, api, f, logger)
			now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
			sum, err := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Workers: 1}).Cycle(ctx, su)
			if err != nil {
				t.Fatalf("cycle: %v (%+v): a channel that answered about 39 letters was reached", err, sum)
			}
			if sum.Changed != 39 || sum.Errors != 1 || sum.Unknown != 0 || sum.Unanswered != 0 {
				t.Errorf("summary %+v: want 39 changed, the foreign letter its own error", sum)
			}
			// 1 + 2·log2(40) or so; the narrowing's budget is 4·6+8.
			if c := f.statusCalls(); c < 8 || c > 1+4*6+8 {
				t.Errorf("%d status calls to isolate one letter among 40", c)
			}
			for i, sh := range ships {
				got, err := st.Shipment(ctx, sh.ID, store.Scope{})
				if err != nil {
					t.Fatal(err)
				}
				if got.UnknownToChannelSince != nil || countKind(got.Events, store.EventUnknown) != 0 {
					t.Errorf("letter %d marked unknown to the channel: %v", i, kinds(got.Events))
				}
				if i != foreign {
					if got.State != model.StateAvailable || countKind(got.Events, store.EventPollError) != 0 {
						t.Errorf("letter %d held back by the foreign letter in its batch: %s, events %v", i, got.State, kinds(got.Events))
					}
					continue
				}
				last := got.Events[len(got.Events)-1]
				if got.State != model.StateRegistered || last.Kind != store.EventPollError || !strings.Contains(last.Message, "403 whenever this letter is asked about") ||
					got.NextPollAt == nil || !got.NextPollAt.Equal(now.Add(poll.Backoff(1))) {
					t.Errorf("the foreign letter: %s, next poll %v, last event %+v; want its own refusal and backoff", got.State, got.NextPollAt, last)
				}
			}
			if n, err := st.PollErrors(ctx, "svarut", time.Time{}); err != nil || n != 0 {
				t.Errorf("%d whole-call poll errors (%v): one foreign letter was taken for a refused account", n, err)
			}

			// Due alone: the letter, one letter answered before, the letter
			// again.
			later := now.Add(poll.Backoff(1) + time.Minute)
			before := f.statusCalls()
			sum, err = poll.New(st, logger, poll.Options{Now: func() time.Time { return later }, Workers: 1}).Cycle(ctx, su)
			if err != nil || sum.Polled != 1 || sum.Errors != 1 || sum.Unanswered != 0 {
				t.Fatalf("the foreign letter due alone: %+v %v", sum, err)
			}
			if c := f.statusCalls() - before; c != 3 {
				t.Errorf("%d status calls for the foreign letter due alone, want 3", c)
			}
			got, _ := st.Shipment(ctx, ships[foreign].ID, store.Scope{})
			if countKind(got.Events, store.EventPollError) != 2 || got.UnknownToChannelSince != nil {
				t.Errorf("the foreign letter due alone: events %v", kinds(got.Events))
			}
			if n, _ := st.PollErrors(ctx, "svarut", time.Time{}); n != 0 {
				t.Errorf("%d whole-call poll errors: the foreign letter due alone was taken for a refused account", n)
			}
		})
	}
}

// TestForbiddenAccount: SvarUt refuses every status call (403: the
// integration may no longer use the account). The narrowing stops early:
// no part is answered by its second level, nor a letter answered before,
// so each batch is one failed call, recorded once; no letter gets an error
// of its own or an unknown mark, and the cycle is unreachable. Before any
// letter was ever answered there is no such letter to ask: the batch, its
// halves and its quarters; after, one call more for it.
func TestForbiddenAccount(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	var letters []model.NewShipment
	for i := 0; i < 41; i++ {
		letters = append(letters, storetest.Letter(i))
	}
	ships := storetest.Register(t, st, letters...)
	f := &kontoFake{forbidden: true}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	su := svarutAt(t, svarut.APIv2, f, logger)
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	cycle := func() (poll.Summary, error) {
		return poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Workers: 1}).Cycle(ctx, su)
	}
	check := func(when string, calls, pollErrors int) {
		t.Helper()
		if c := f.statusCalls(); c != calls {
			t.Errorf("%s: %d status calls, want %d", when, c, calls)
		}
		if n, err := st.PollErrors(ctx, "svarut", time.Time{}); err != nil || n != pollErrors {
			t.Errorf("%s: %d whole-call poll errors (%v), want %d", when, n, err, pollErrors)
		}
		for i, sh := range ships {
			got, err := st.Shipment(ctx, sh.ID, store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			if countKind(got.Events, store.EventPollError) != 0 || got.UnknownToChannelSince != nil || countKind(got.Events, store.EventUnknown) != 0 {
				t.Errorf("%s: letter %d got an error or mark of its own for a refused account: %v", when, i, kinds(got.Events))
			}
		}
	}

	// Never answered: the batch of 40 (7 calls) and the batch of 1.
	sum, err := cycle()
	if !errors.Is(err, poll.ErrUnreachable) || sum.Errors != 41 || sum.Changed != 0 {
		t.Fatalf("a refused account: %+v %v, want unreachable", sum, err)
	}
	check("never answered", 1+2+4+1, 2)

	// Answered, then refused again: only the 40 are due, and the 41st,
	// answered before, is asked once and refused too.
	f.mu.Lock()
	f.forbidden, f.calls = false, 0
	f.mu.Unlock()
	now = now.Add(time.Hour)
	storetest.Set(t, st, nil, storetest.NextPollAt(now.Add(-time.Minute)))
	if sum, err := cycle(); err != nil || sum.Changed != 41 {
		t.Fatalf("the account usable again: %+v %v", sum, err)
	}
	f.mu.Lock()
	f.forbidden, f.calls = true, 0
	f.mu.Unlock()
	now = now.Add(time.Hour)
	storetest.Set(t, st, storetest.IDs(ships[:40]), storetest.NextPollAt(now.Add(-time.Minute)))
	sum, err = cycle()
	if !errors.Is(err, poll.ErrUnreachable) || sum.Errors != 40 {
		t.Fatalf("refused after answers: %+v %v, want unreachable", sum, err)
	}
	check("refused after answers", 1+2+4+1, 3)
}
