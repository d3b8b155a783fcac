package altinn

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
	"postvakt/internal/model"
)

func TestTokenExchange(t *testing.T) {
	f := newFake(t)
	for i := range 5 {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	f.wantAuth = "Bearer " + f.token(1)
	mp := &mutableToken{tok: mpToken}
	c := newAdapter(t, f, setup{exchange: true, tokens: mp})
	ids := []string{uuid(0), uuid(1), uuid(2), uuid(3), uuid(4)}
	if _, err := c.Status(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if f.exchanges != 1 {
		t.Fatalf("%d exchanges for one Maskinporten token, want 1", f.exchanges)
	}
	// A new Maskinporten token is exchanged again.
	mp.set(mpToken + "-2")
	f.mu.Lock()
	f.wantAuth = "Bearer " + f.token(2)
	f.mu.Unlock()
	if _, err := c.Status(context.Background(), ids[:1]); err != nil || f.exchanges != 2 {
		t.Fatalf("err %v, %d exchanges", err, f.exchanges)
	}
}

// TestRevokedTokenRenewed: Altinn refusing the token mid-cycle (401
// without code 4001) gets the token exchanged again and the letters read,
// not a 401 blamed on each; an exchange that refuses the Maskinporten
// token fails the call as a token problem, with no letter blamed.
func TestRevokedTokenRenewed(t *testing.T) {
	f := newFake(t)
	for i := range 3 {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	f.wantAuth = "Bearer " + f.token(1)
	var clock atomic.Int64 // minutes passed
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(clock.Load()) * time.Minute) }
	c := newAdapter(t, f, setup{exchange: true, tokens: &mutableToken{tok: mpToken}, now: now})
	ids := []string{uuid(0), uuid(1), uuid(2)}
	if _, err := c.Status(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	// A 401 about one correspondence (code 4001) is that letter's, and
	// renews no token.
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.PathValue("id") != uuid(1) {
			return false
		}
		spectestSkip(w)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"errorCode":4001}`))
		return true
	}
	if obs, err := c.Status(context.Background(), ids); err != nil || !errors.Is(obs[1].Err, channel.ErrRefused) || f.exchanges != 1 {
		t.Fatalf("a per-letter 401: %v %v, %d exchanges; want the letter refused and no new token", err, obs, f.exchanges)
	}
	f.override = nil
	f.mu.Lock()
	f.revoked, f.wantAuth = "Bearer "+f.token(1), "Bearer "+f.token(2)
	f.mu.Unlock()
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	for _, o := range obs {
		if o.Err != nil || o.State != model.StateAvailable {
			t.Errorf("%s: %s %v", o.ChannelID, o.State, o.Err)
		}
	}
	if f.exchanges != 2 {
		t.Errorf("%d exchanges, want 2 (one renewal)", f.exchanges)
	}
	// The renewed token refused too, within the minute: no second
	// renewal (maskinporten.RenewAtMostEvery); the refusal is the answer.
	f.mu.Lock()
	f.revoked = "Bearer " + f.token(2)
	f.mu.Unlock()
	if obs, err = c.Status(context.Background(), ids); err == nil || f.exchanges != 2 {
		t.Errorf("refused again within a minute: %v (%d observations), %d exchanges; want the refusal and no renewal", err, len(obs), f.exchanges)
	}
	clock.Add(1)
	f.mu.Lock()
	f.exchange401 = true
	f.mu.Unlock()
	obs, err = c.Status(context.Background(), ids)
	if !errors.Is(err, httpclient.ErrNotSent) || obs != nil || !strings.Contains(err.Error(), "exchanging") {
		t.Errorf("the exchange refusing: %v (%d observations), want a whole-call token error", err, len(obs))
	}
}

func TestSecretsNotLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	f.wantAuth = "Bearer " + f.token(1)
	f.override = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 1 {
			return false
		}
		w.WriteHeader(503)
		_, _ = w.Write([]byte("upstream said: " + r.Header.Get("Authorization")))
		return true
	}
	c := newAdapter(t, f, setup{exchange: true, logger: logger, clock: &spectest.Clock{}})
	if _, err := c.Status(context.Background(), []string{uuid(1)}); err != nil {
		t.Fatal(err)
	}
	tok := f.token(1)
	for _, secret := range []string{mpToken, tok, strings.Split(tok, ".")[1]} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("secret %q logged:\n%s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "retrying request") {
		t.Errorf("no retry record:\n%s", buf.String())
	}
}
