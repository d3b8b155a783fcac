package main_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestNoticeWithUnknownOutcomeIsNamedAsANotice: a notice to a unit whose
// outcome is unknown was printed by `escalate --once` as "reminder 1 to
// unit:1 (1 shipment(s), …)" and by `notifications list` with "1
// shipment(s)": an officer looked for a reminder to a receiving
// organisation, and a digest or a held batch (one item) listed as one
// letter. Both name it by kind, as the run's "not sent" line does
// ("followup_overdue notice 1"), and count its items.
func TestNoticeWithUnknownOutcomeIsNamedAsANotice(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	now := time.Now().UTC()
	res, err := st.ClaimNotice(ctx, store.NoticeClaim{Kind: store.KindComplianceDigest, Group: "compliance:964338531",
		Refs: []store.NoticeRef{{Ref: "digest:2026-11-29"}}, Recipients: []string{"personvern@kommune.no"}, Now: now.Add(-time.Hour)})
	if err != nil || !res.Send {
		t.Fatalf("claim: %+v %v", res, err)
	}
	nf := res.Notification
	if err := st.BeginSend(ctx, nf.ID, nf.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExpirePendingNotifications(ctx, now, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, db, "notifications", "list")
	want := fmt.Sprintf("%d\tunknown\tcompliance:964338531\tcompliance_digest notice, 1 item(s)\t", nf.ID)
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("notifications list: exit %d, want a line with %q\n%s\n%s", code, want, out, stderr)
	}
	out, stderr, _ = escalateOnce(t, db)
	want = fmt.Sprintf("compliance_digest notice %d to compliance:964338531 (1 item(s), claimed ", nf.ID)
	if !strings.Contains(out, want) || strings.Contains(out, fmt.Sprintf("reminder %d", nf.ID)) {
		t.Errorf("escalate --once, want %q, not a reminder\n%s\n%s", want, out, stderr)
	}
}
