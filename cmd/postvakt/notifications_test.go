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

// notifications list shows the Altinn Notifications orders refused for
// good, and says which reminder went by its order alone (failed, sent again
// after its wait) and which had its e-mail; a superseded reminder's order
// is not listed.
func TestNotificationsListRefusedOrders(t *testing.T) {
	db := pgtest.New(t)
	if out, stderr, code := run(t, db, "notifications", "list"); code != 0 {
		t.Fatalf("list: %d\n%s\n%s", code, out, stderr)
	}
	if _, err := openDB(t, db).Exec(`INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at,
			order_error, order_refused_at) VALUES
		('k-mail', '974760673', 'sent', now(), now(), now(), 'refused: NOT-00001', now()),
		('k-order', '964338531', 'failed', now(), now(), now(), 'refused: NOT-00001', now()),
		('k-old', '964338531', 'superseded', now(), now(), now(), 'refused: NOT-00001', now())`); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, db, "notifications", "list")
	if code != 0 {
		t.Fatalf("list: %d\n%s\n%s", code, out, stderr)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "\torder refused") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.Contains(out, "2 Altinn Notifications orders refused for good") {
		t.Fatalf("refused orders listed:\n%s\nwant two", out)
	}
	for _, l := range lines {
		byOrder := strings.Contains(l, "order refused, no e-mail")
		if byOrder != strings.Contains(l, "964338531") {
			t.Errorf("line %q: by order %v, want it for 964338531's failed reminder only", l, byOrder)
		}
	}
}

// The menu of a deployment that no longer orders through Altinn
// Notifications (POSTVAKT_NOTIFICATIONS_URL unset) still links to the
// orders Altinn refused while it did, as long as one is listed there; a
// superseded reminder's order is not listed, so alone it brings no link.
func TestRefusedMenuOutlivesNotificationsURL(t *testing.T) {
	db := pgtest.New(t)
	password := addUser(t, db, "kari", "--role", "compliance")
	conn := openDB(t, db)
	if _, err := conn.Exec(`INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at, order_error, order_refused_at)
		VALUES ('k-old', '964338531', 'superseded', now(), now(), now(), 'refused: NOT-00001', now())`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, insert string
		link         bool
	}{
		{"a superseded reminder's order only", "", false},
		{"an order refused for good", `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at, order_error, order_refused_at)
			VALUES ('k-order', '964338531', 'failed', now(), now(), now(), 'refused: NOT-00001', now())`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.insert != "" {
				if _, err := conn.Exec(tc.insert); err != nil {
					t.Fatal(err)
				}
			}
			addr, cmd, _ := startServe(t, db, "POSTVAKT_NOTIFICATIONS_URL=")
			defer cmd.Process.Kill()
			get := login(t, addr, "kari", password, "nb-NO")
			home := get("/")
			if !strings.Contains(home, `href="/unopened"`) {
				t.Fatalf("no menu on the home page:\n%s", home)
			}
			if has := strings.Contains(home, `href="/refused"`); has != tc.link {
				t.Errorf("the menu links to /refused: %v, want %v", has, tc.link)
			}
		})
	}
}

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
