package main_test

import (
	"strings"
	"testing"

	"postvakt/internal/pgtest"
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
