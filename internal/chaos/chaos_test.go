package chaos

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"postvakt/internal/remind/mailpittest"
)

// TestCrashShort is `make chaos` in small: 10 SIGKILLs, two replicas for
// part of it, a PostgreSQL restart, then the comparison, which must find
// no duplicate and no loss, with kills landed in sends (before and after
// the answer). Then it shows the comparison can fail: a reminder recorded
// as sent whose e-mail never arrived, a reminder e-mail and an alert e-mail
// sent twice, a reminder in two Notifications orders, a letter printed
// twice, orders the database does not record and a status the evidence
// log lacks are each found.
func TestCrashShort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	for _, d := range []string{work, filepath.Dir(work)} {
		if err := os.Chmod(d, 0o755); err != nil { // the cluster may run as another user (scripts/pg.sh)
			t.Fatal(err)
		}
	}
	bin := filepath.Join(work, "postvakt")
	build := exec.Command("go", "build", "-o", bin, "./cmd/postvakt")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build postvakt: %v\n%s", err, out)
	}
	var log bytes.Buffer
	cfg := Config{Postvakt: bin, Mailpit: mailpittest.Binary(t), PGScript: filepath.Join(root, "scripts", "pg.sh"), Work: work,
		Kills: 10, Letters: 400, Orgs: 40, MaxGap: 1500 * time.Millisecond, Seed: 7, Log: &log}
	w, err := setUp(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	rep, err := w.crash(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if err := w.check(ctx, rep); err != nil {
		t.Fatal(err)
	}
	t.Log(rep.String())
	if rep.Failed() {
		serveLog, _ := os.ReadFile(filepath.Join(work, "serve.log"))
		t.Fatalf("duplicate or loss:\n%s\nserve log (last 4 kB):\n%s", rep, tail(serveLog, 4096))
	}
	if rep.Kills != 10 || rep.KillsTwoReplicas == 0 || rep.PGRestarts != 1 || rep.ThroughRestart != 1 {
		t.Fatalf("the run was not the one asked for: %s", rep)
	}
	if rep.KillsBeforeAnswer == 0 || rep.KillsAfterAnswer == 0 {
		t.Fatalf("no kill landed in a send: %s\n%s", rep, log.String())
	}
	if rep.StatusAnswers < 2*cfg.Letters || rep.Reminders == 0 || rep.NotificationOrders == 0 || rep.PrintOrders == 0 || rep.AlertMails == 0 {
		t.Fatalf("too little happened to prove anything: %s", rep)
	}

	// The comparison finds what it looks for. First a loss: a reminder
	// recorded as sent by e-mail that mailpit never received.
	msgs, err := w.mp.messages()
	if err != nil || len(msgs) == 0 {
		t.Fatal(msgs, err)
	}
	db := sqlx.MustOpen("postgres", w.pg.url)
	defer db.Close()
	var sentKeys []string
	if err := db.SelectContext(ctx, &sentKeys, `SELECT left(key, 40) FROM notifications
		WHERE kind = 'reminder' AND status = 'sent' AND message_id <> ''`); err != nil {
		t.Fatal(err)
	}
	var lostOne *mail
	for i := range msgs {
		key, _, _ := strings.Cut(strings.TrimPrefix(msgs[i].MessageID, "reminder."), "@")
		if alertKey(msgs[i].MessageID) == "" && slices.Contains(sentKeys, key) {
			lostOne = &msgs[i]
			break
		}
	}
	if lostOne == nil {
		t.Fatalf("no reminder e-mail recorded as sent to take away (%d messages)", len(msgs))
	}
	forget(t, w.mp, *lostOne)
	lost := &Report{}
	if err := w.check(ctx, lost); err != nil {
		t.Fatal(err)
	}
	if lost.LostReminders != 1 || !lost.Failed() {
		t.Fatalf("the comparison missed a reminder recorded as sent that never arrived: %s", lost)
	}
	if msgs, err = w.mp.messages(); err != nil {
		t.Fatal(err)
	}
	var reminder, alert *mail
	for i := range msgs {
		if alertKey(msgs[i].MessageID) != "" {
			alert = &msgs[i]
		} else {
			reminder = &msgs[i]
		}
	}
	if reminder == nil || alert == nil {
		t.Fatalf("no reminder (%v) or no alert e-mail (%v) to plant a copy of", reminder, alert)
	}
	resend(t, w.mp, *reminder)
	resend(t, w.mp, *alert)
	reprint(t, w.sm) // a second print order, which the database does not record either
	db.MustExec(`UPDATE shipments SET channel_status = 'NOT-WHAT-THE-CHANNEL-SAID'
		WHERE id = (SELECT id FROM shipments WHERE channel_status <> '' LIMIT 1)`)
	// A reminder in two Notifications orders: one ordered reminder's
	// letter listed (inactive, as a superseded row's) in another ordered
	// one too.
	if n := db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder, active)
		SELECT b.id, i.shipment_id, i.reminder, false
		FROM notification_items i JOIN notifications a ON a.id = i.notification_id, notifications b
		WHERE a.order_id <> '' AND b.order_id <> '' AND b.id <> a.id AND NOT EXISTS (
			SELECT 1 FROM notification_items j WHERE j.notification_id = b.id AND j.shipment_id = i.shipment_id)
		LIMIT 1`); must(t, n) != 1 {
		t.Fatal("no two Notifications orders to plant a duplicate in")
	}
	// A status in a letter's evidence log the channel never answered for it.
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status)
		SELECT id, 'status', 'svarut', now(), 'NEVER-SAID' FROM shipments LIMIT 1`)
	// A print hand-off lost (a letter due for print without its order) and
	// a letter in an impossible state (reminded, no reminder counted).
	db.MustExec(`UPDATE shipments SET stage = 'print_due' WHERE id = (SELECT id FROM shipments s
		WHERE reminders_sent > 0 AND NOT EXISTS (SELECT 1 FROM print_orders p WHERE p.shipment_id = s.id) LIMIT 1)`)
	db.MustExec(`UPDATE shipments SET stage = 'reminded' WHERE id = (SELECT id FROM shipments
		WHERE reminders_sent = 0 AND stage = 'none' LIMIT 1)`)
	// An order Altinn took that the database does not record.
	db.MustExec(`UPDATE notifications SET order_id = '' WHERE id = (SELECT min(id) FROM notifications WHERE order_id <> '')`)
	again := &Report{}
	if err := w.check(ctx, again); err != nil {
		t.Fatal(err)
	}
	if again.DuplicateReminders == 0 || again.DuplicateAlerts == 0 || again.DuplicatePrints != 1 || again.DuplicateOrders != 1 ||
		again.LostStatuses != 1 || again.LostReminders != 1 || again.UnrecordedOrders != 2 || again.Unreported != 1 ||
		again.LostHandOffs != 1 || again.Invalid != 1 || !again.Failed() {
		t.Fatalf("the comparison missed a planted duplicate or loss: %s", again)
	}
}

func must(t *testing.T, res sql.Result) int64 {
	t.Helper()
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// resend sends a copy of a message mailpit holds, as a second delivery
// would.
func resend(t *testing.T, mp *mailpit, m mail) {
	t.Helper()
	resp, err := http.Get(mp.api + "/api/v1/message/" + m.ID + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := smtp.SendMail(mp.smtp, nil, "postvakt@chaos.example", []string{"copy@chaos.example"}, raw); err != nil {
		t.Fatal(err)
	}
}

// forget deletes a message from mailpit, as a message that never arrived.
func forget(t *testing.T, mp *mailpit, m mail) {
	t.Helper()
	body, _ := json.Marshal(map[string][]string{"IDs": {m.ID}})
	req, _ := http.NewRequest(http.MethodDelete, mp.api+"/api/v1/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delete message %s from mailpit: %s", m.ID, resp.Status)
	}
}

// reprint places a second print order for a letter already printed, under
// another idempotency key.
func reprint(t *testing.T, sm *simulator) {
	t.Helper()
	orders := sm.PrintOrders()
	if len(orders) == 0 {
		t.Fatal("no print orders")
	}
	body, _ := json.Marshal(map[string]any{"documentRef": orders[0].DocumentRef, "recipientName": "x",
		"address": map[string]any{"lines": []string{"Gate 1"}, "postalCode": "5003", "city": "Bergen", "countryCode": "NO"}})
	req, _ := http.NewRequest(http.MethodPost, sm.base+"/print/v1/orders", bytes.NewReader(body))
	req.Header.Set("Idempotency-Key", fmt.Sprintf("planted-%d", time.Now().UnixNano()))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("planted print order: %s", resp.Status)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
