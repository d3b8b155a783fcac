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

// failingSteps is the store with the first batch of letters and the purge
// of old events failing, each as one step may (a deadlock, a lost
// connection, a statement a bug breaks every night).
type failingSteps struct {
	*store.Store
	batches int
}

var (
	errBatch  = errors.New("letters: deadlock detected")
	errEvents = errors.New("events: connection reset")
)

func (f *failingSteps) PurgeShipments(ctx context.Context, due []store.RetentionDue, now time.Time, actor string) (store.ShipmentPurge, error) {
	if f.batches++; f.batches == 1 {
		return store.ShipmentPurge{}, errBatch
	}
	return f.Store.PurgeShipments(ctx, due, now, actor)
}

func (*failingSteps) PurgeBefore(context.Context, time.Time, string) (store.Purged, error) {
	return store.Purged{}, errEvents
}

// One failing step of the purge held every step after it to the next
// night, and to every night while it failed again (a step a bug or the
// data breaks fails each time): the audit entries, reminder addresses,
// resolved alerts, notifications' recipients and disabled users' e-mail
// addresses stayed past their retention for as long, though their
// deletes need nothing of the failing step. A failure concerns its step:
// the next batch of letters and the other steps go on, and the run
// fails with each error.
func TestRetentionFailingStepLetsTheOthersRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	ids := register(t, st,
		letter{"taushetsbelagt", "org", firma, "TITTEL-STEG-1", old},
		letter{"taushetsbelagt", "org", firma, "TITTEL-STEG-2", old})
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	if err := st.Audit(ctx, store.AuditEntry{At: now.AddDate(-6, 0, 0), Actor: "user:kari", Action: store.ActExport, Object: "unopened"}); err != nil {
		t.Fatal(err)
	}
	disabledUser(t, st, "gammel", now, now.AddDate(-6, 0, 0))
	log, buf := logtest.New()
	u := &Upkeep{Store: &failingSteps{Store: st}, Log: log, RetentionYears: 5, Now: func() time.Time { return now }, batch: 1}
	err := u.Retention(ctx)
	if !errors.Is(err, errBatch) || !errors.Is(err, errEvents) {
		t.Fatalf("retention: %v, want both steps' errors", err)
	}
	var purged []string
	if err := st.DB().Select(&purged, `SELECT id FROM shipments WHERE purged_at IS NOT NULL ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(purged) != 1 || purged[0] != max(ids[0], ids[1]) {
		t.Errorf("purged %v of %v, want the letter of the batch after the failing one", purged, ids)
	}
	var audit, emails int
	if err := st.DB().Get(&audit, `SELECT count(*) FROM audit_log WHERE at < $1`, now.AddDate(-5, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&emails, `SELECT count(*) FROM users WHERE email <> ''`); err != nil {
		t.Fatal(err)
	}
	if audit != 0 || emails != 0 {
		t.Errorf("after a failing step: %d audit entries older than five years, %d disabled users' e-mail addresses left; want the later steps run", audit, emails)
	}
	if !strings.Contains(buf.String(), "level=ERROR") || !strings.Contains(buf.String(), "letters=1") {
		t.Errorf("the log does not say the run failed with what it purged:\n%s", buf.String())
	}
}
