package upkeep

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// failingNotices is the store with its notifications' purge failing (a
// statement timeout, a lost connection), a step after the letters'.
type failingNotices struct{ *store.Store }

var errNotices = errors.New("notices: statement timeout")

func (failingNotices) PurgeNotices(context.Context, time.Time) (int64, error) { return 0, errNotices }

// Each step of the purge commits on its own: a step that fails after the
// letters were purged leaves them purged. The log said nothing of them (the
// counts were logged only after a purge that went through, the scheduler
// logged the error alone), so operations read "retention failed" of a night
// that deleted the personal data and evidence of letters. The log says what
// was purged before the purge stopped, beside why.
func TestRetentionStoppedLogsWhatWasPurged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	ids := register(t, st,
		letter{"taushetsbelagt", "person", personA, "TITTEL-STOPP-A", old},
		letter{"taushetsbelagt", "org", firma, "TITTEL-STOPP-F", old})
	log, buf := logtest.New()
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	u := &Upkeep{Store: failingNotices{st}, Log: log, RetentionYears: 5, Now: func() time.Time { return now }}
	if err := u.Retention(ctx); !errors.Is(err, errNotices) {
		t.Fatalf("retention: %v, want the notices' error", err)
	}
	var purged int
	if err := st.DB().Get(&purged, `SELECT count(*) FROM shipments WHERE purged_at IS NOT NULL AND id = ANY($1::uuid[])`,
		"{"+strings.Join(ids, ",")+"}"); err != nil || purged != 2 {
		t.Fatalf("%d letters purged before the failing step (%v), want 2", purged, err)
	}
	var line string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "retention purge") {
			line = l
		}
	}
	for _, want := range []string{"letters=2", "persons=1", "error=", "statement timeout"} {
		if !strings.Contains(line, want) {
			t.Errorf("the log's retention line %q does not say %q\nlog:\n%s", line, want, buf.String())
		}
	}
	if !strings.Contains(line, "level=ERROR") {
		t.Errorf("the log's retention line %q is no error", line)
	}
}
