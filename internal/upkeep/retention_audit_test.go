package upkeep

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The purge is itself written to the audit log with its counts (README,
// Retention). With a policy that keeps its letters longer than
// POSTVAKT_RETENTION_YEARS (the shipped barnevern policy's 10 years), the
// audit entries between the two ages went by a second delete that wrote
// nothing there: the log said "0 audit entries" of a purge that deleted
// them. Every audit entry deleted is counted in a retention_purge entry.
func TestRetentionAuditEntriesCountedInTheAuditLog(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	set := policytest.Files(t, map[string]string{
		"default.yaml": "name: default\ncalendar: NO\nreminders:\n  max: 0\nprint:\n  enabled: false\n",
		"barnevern.yaml": "name: barnevern\nmatch:\n  class: [barnevern]\ncalendar: NO\nreminders:\n  max: 0\nprint:\n  enabled: false\n" +
			"retention:\n  years: 10\n",
	})
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	for i, at := range []time.Time{now.AddDate(-7, 0, 0), now.AddDate(-7, 1, 0), now.AddDate(-12, 0, 0), now.AddDate(-1, 0, 0)} {
		if err := st.Audit(ctx, store.AuditEntry{At: at, Actor: "user:kari", Action: store.ActExport, Object: fmt.Sprintf("unopened %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), Policies: set, RetentionYears: 5}
	p, err := u.Purge(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Evidence.Audit != 3 {
		t.Fatalf("purge deleted %d audit entries, want the three older than five years", p.Evidence.Audit)
	}
	entries, err := st.AuditEntries(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^(\d+) events, (\d+) audit entries$`)
	logged := 0
	for _, e := range entries {
		if e.Action != store.ActRetentionPurge {
			continue
		}
		m := re.FindStringSubmatch(e.Detail)
		if m == nil {
			t.Fatalf("retention_purge entry %q: not its form", e.Detail)
		}
		n, _ := strconv.Atoi(m[2])
		logged += n
		t.Logf("%s %s: %s", e.Action, e.Object, e.Detail)
	}
	if logged != 3 {
		t.Errorf("the audit log counts %d audit entries deleted by the purge, want 3", logged)
	}
}
