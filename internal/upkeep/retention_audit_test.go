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

// README: "The purge writes its counts to the log and to the audit log."
// What it deletes besides letters, persons, events and audit entries (the
// reminder addresses, resolved alerts, notifications' recipients, disabled
// users' e-mail addresses and register answers: people's addresses, all)
// was counted in the log alone, so the audit log, which an inspector
// reads, did not show that they went on time. The purge writes their
// counts in an audit entry (retention_purge_data).
func TestRetentionOtherDataCountedInTheAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	disabledUser(t, st, "gammel", now, now.AddDate(-6, 0, 0))
	p, err := purge(ctx, st, now)
	if err != nil || p.UserEmails != 1 {
		t.Fatalf("purge %+v %v; want one user's e-mail cleared", p, err)
	}
	if n := auditCount(t, st, string(store.ActRetentionPurgeData),
		"0 poll errors and register answers, 0 reminder addresses, 0 resolved alerts, 0 notifications' recipients, 1 disabled users' e-mail addresses"); n != 1 {
		t.Errorf("%d retention_purge_data entries counting the e-mail address cleared, want 1", n)
	}
	// A night that deletes none of these writes no such entry.
	if _, err := purge(ctx, st, now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, st, string(store.ActRetentionPurgeData), "%"); n != 1 {
		t.Errorf("%d retention_purge_data entries after a night that deleted none of that data, want still 1", n)
	}
}
