package main_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A reminder whose outcome is unknown is listed, and the officer's
// "release" makes it a failed send that the next run retries.
func TestNotificationsReleaseUnknown(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	now := time.Now().UTC()
	got, _, err := st.Register(ctx, []model.NewShipment{{Channel: "svarut", ChannelID: "n-1", SenderOrg: "964338531",
		SenderUnit: "U", RecipientKind: "org", RecipientID: "974760673", Title: "T", Confidential: true,
		Class: "taushetsbelagt", SentAt: now.Add(-240 * time.Hour)}}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	claim, err := st.ClaimNotification(ctx, store.Claim{Org: "974760673", Recipients: []string{"post@example.no"},
		Items: []model.ReminderItem{{ShipmentID: got[0].ID, Reminder: 1}}, Now: now.Add(-time.Hour)})
	if err != nil || !claim.Send {
		t.Fatalf("claim: %+v %v", claim, err)
	}
	// The sender crashed after handing the message over: past the lease it is unknown.
	if err := st.BeginSend(ctx, claim.Notification.ID, claim.Notification.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExpirePendingNotifications(ctx, now, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(claim.Notification.ID)
	out, stderr, code := run(t, db, "notifications", "list")
	if code != 0 || !strings.Contains(out, id+"\tunknown\t974760673") {
		t.Fatalf("list: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, _, code := run(t, db, "notifications", "release", "x"); code != 2 {
		t.Fatalf("release of a non-id: exit %d, want 2", code)
	}
	// Asked for help, a command of verbs shows its usage on standard
	// output, exit 0, as a command of flags does (import --help); without a
	// verb it is a wrong invocation: the usage on standard error, exit 2.
	for _, cmd := range []string{"notifications", "print", "units"} {
		if out, _, code := run(t, db, cmd, "--help"); code != 0 || !strings.Contains(out, "usage: postvakt "+cmd+" list") {
			t.Errorf("%s --help: exit %d, %q; want 0 and the usage", cmd, code, out)
		}
		if _, stderr, code := run(t, db, cmd); code != 2 || !strings.Contains(stderr, "usage: postvakt "+cmd+" list") {
			t.Errorf("%s: exit %d, %q; want 2 and the usage", cmd, code, stderr)
		}
	}
	out, stderr, code = run(t, db, "notifications", "release", id)
	if code != 0 {
		t.Fatalf("release: exit %d\n%s\n%s", code, out, stderr)
	}
	out, _, _ = run(t, db, "notifications", "list")
	if !strings.Contains(out, id+"\tfailed\t") {
		t.Fatalf("after release the notification should wait as failed for the next run:\n%s", out)
	}
	entries, err := st.AuditEntries(ctx, "", 10)
	if err != nil || len(entries) == 0 || entries[0].Action != "notification_release" || entries[0].Object != "notification "+id {
		t.Fatalf("the settlement is not audited: %+v %v", entries, err)
	}
}
