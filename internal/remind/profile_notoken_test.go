package remind_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// downTokens is a token source that cannot give a token (Maskinporten or
// the exchange down or refusing the client), counting how often it is asked.
type downTokens struct{ asked *atomic.Int32 }

func (d downTokens) Token(context.Context) (string, error) {
	d.asked.Add(1)
	return "", errors.New("maskinporten: token endpoint answered 503")
}

// TestResolverStopsWithoutToken: when no token for Altinn Profile can be
// had, every batch of the run would fail alike, each asking Maskinporten
// again and logging its own error. The batches after the first are not
// asked this run (unknown, as when refused or throttled); one error says so.
func TestResolverStopsWithoutToken(t *testing.T) {
	t.Parallel()
	f := newFakeAltinn(t)
	logger, buf := logtest.New()
	var asked atomic.Int32
	orgs := []string{"974760673", "964338531", "910753614", "991825827", "987654325", "912345678"}
	res := &remind.Resolver{Book: storetest.Open(t), Batch: 2, Logger: logger,
		Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: downTokens{&asked}}}
	got, err := res.Resolve(context.Background(), orgs, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if !got.Unknown[o] {
			t.Errorf("%s: not unknown without a token (found %v)", o, got.Found[o])
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the token source was asked %d times in the run; want 1", n)
	}
	if errs := strings.Count(buf.String(), "level=ERROR"); errs != 1 {
		t.Errorf("%d errors logged, want 1:\n%s", errs, buf.String())
	}
}
