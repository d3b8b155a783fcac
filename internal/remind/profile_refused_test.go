package remind_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// TestResolverStopsWhenRefused: Altinn Profile refusing a lookup with 401
// (a token it does not take, or none) or 403 (a token without the scope
// altinn:profile/correspondence.notificationsettings.read) refuses every
// lookup of the run alike: each batch of organisations was asked and
// refused all the same, an error logged for each. The batches after it are
// not asked this run (unknown, as when throttled); one error says so and
// names the scope.
func TestResolverStopsWhenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tokens remind.TokenSource
	}{
		{"403 without the scope", staticTokens("tok-none")},
		{"401 for a token not taken", staticTokens("tok-unknown")},
		{"401 without a token", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAltinn(t)
			logger, buf := logtest.New()
			orgs := []string{"974760673", "964338531", "910753614", "991825827", "987654325", "912345678"}
			res := &remind.Resolver{Book: storetest.Open(t), Batch: 2, Logger: logger,
				Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: tc.tokens}}
			got, err := res.Resolve(context.Background(), orgs, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range orgs {
				if !got.Unknown[o] {
					t.Errorf("%s: not unknown after Profile refused the lookup (found %v)", o, got.Found[o])
				}
			}
			f.mu.Lock()
			n := f.lookups
			f.mu.Unlock()
			if n != 1 {
				t.Errorf("%d lookups after Altinn Profile refused the first; want 1", n)
			}
			log := buf.String()
			if errs := strings.Count(log, "level=ERROR"); errs != 1 {
				t.Errorf("%d errors logged, want 1:\n%s", errs, log)
			}
			if !strings.Contains(log, remind.ProfileScope) {
				t.Errorf("the log does not name the scope %s:\n%s", remind.ProfileScope, log)
			}
		})
	}
}
