package web_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/web"
)

// storePrint stands in for the print fallback's approval (internal/printing
// owns what a release sets in motion, and logs it): it decides the batch in
// the store with the officer's view checked, as printing.Service does.
type storePrint struct{ st *store.Store }

func (f storePrint) ReleaseBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) error {
	_, err := f.st.ReleasePrintBatchSeen(ctx, id, seen, actor, now)
	return err
}

func (f storePrint) RejectBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) error {
	_, err := f.st.RejectPrintBatchSeen(ctx, id, seen, actor, now)
	return err
}

// TestBrowser drives the UI in a real headless Chromium: a compliance
// officer logs in, opens the unopened list, drills into an organisation and
// a shipment, records a follow-up, releases a print batch and downloads an
// export; a unit user is refused another unit's shipment; all of it is in
// the audit log. Screenshots go to $POSTVAKT_SCREENSHOTS (or a temporary
// folder).
func TestBrowser(t *testing.T) {
	ctx := context.Background()
	var e *env
	e = newEnvWith(t, web.WithPrintApprovals(printer{&e}))
	got := e.seed(18)
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET state = 'available', stage = 'reminded', reminders_sent = 1, last_reminded_at = $2 WHERE id = $1`, got[0].ID, now.Add(-48*time.Hour))
	db.MustExec(`UPDATE shipments SET state = 'rejected' WHERE id = $1`, got[4].ID)
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, from_state, to_state, raw_status, payload)
		VALUES ($1, 'state', 'svarut', $2, 'registered', 'available', 'Mottatt', '{"status":"Mottatt","forsendelseId":"ch-a"}')`, got[0].ID, now.Add(-30*24*time.Hour))
	var batch int64
	if err := db.GetContext(ctx, &batch, `INSERT INTO print_batches (policy, created_at) VALUES ('taushetsbelagt', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	for i, sh := range []store.Shipment{got[6], got[12]} {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
			VALUES ($1, 'taushetsbelagt', true, $2, 'held', $3, $4, $4)`, sh.ID, "k"+string(rune('0'+i)), batch, now)
	}
	karipw := e.user("kari", "compliance", "964338531", "")
	olapw := e.user("ola", "unit", "964338531", "NAV")

	shots := os.Getenv("POSTVAKT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()
	c := startChrome(t)
	c.allowDownloads(downloads)
	base := e.srv.URL

	login := func(name, pw string) {
		c.navigate(base + "/login")
		c.eval(`document.querySelector("#name").value = `+jsString(name)+`; document.querySelector("#password").value = `+jsString(pw), nil)
		c.click("#login")
	}

	// Log in; the start page is the unopened list by organisation.
	login("kari", karipw)
	if p := c.path(); p != "/unopened" {
		t.Fatalf("after login at %s: %s", p, c.text())
	}
	page := c.text()
	if !strings.Contains(page, "Unopened by receiving organisation") || !strings.Contains(page, "974760673") || !strings.Contains(page, "010170*****") {
		t.Fatalf("unopened list:\n%s", page)
	}
	if strings.Contains(page, "01017012343") {
		t.Fatal("a person id is shown unmasked in the summary")
	}
	c.screenshot(filepath.Join(shots, "unopened.png"))

	// Drill into the first organisation, then into its oldest shipment.
	c.click("a.drill")
	if !strings.HasPrefix(c.path(), "/list?") || !strings.Contains(c.text(), "Unopened confidential shipments — ") {
		t.Fatalf("drill-down: %s\n%s", c.path(), c.text())
	}
	c.click("a.evidence")
	if c.path() != "/shipments/"+got[0].ID {
		t.Fatalf("evidence page at %s, want shipment %s", c.path(), got[0].ID)
	}
	page = c.text()
	if !strings.Contains(page, "available to the recipient from") || !strings.Contains(page, "according to svarut") {
		t.Fatalf("evidence page lacks the proof:\n%s", page)
	}
	c.screenshot(filepath.Join(shots, "evidence.png"))

	// Record a follow-up decision.
	c.eval(`document.querySelector("#decision-select").value = "consequences_assessed";
		document.querySelector("#note").value = "Klagefristen er ikke passert; nytt brev sendes i posten."`, nil)
	c.click("#record")
	if page = c.text(); !strings.Contains(page, "consequences_assessed by user:kari") {
		t.Fatalf("follow-up not shown after recording:\n%s", page)
	}

	// Release the held print batch.
	c.navigate(base + "/print")
	c.click("button.release")
	if page = c.text(); !strings.Contains(page, "released by user:kari") {
		t.Fatalf("print batch not released:\n%s", page)
	}

	// Download the unopened list as CSV.
	c.navigate(base + "/unopened")
	c.eval(`document.querySelector("#export-csv").click()`, nil)
	file := c.waitDownload(downloads)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// 18 seeded, one rejected: 17 unopened, plus the header.
	if len(rows) != 18 || rows[0][0] != "id" {
		t.Fatalf("export has %d rows (want 18 with header): %v", len(rows), rows[0])
	}

	// Log out; the unit user is refused another unit's shipment.
	c.click("header form button")
	login("ola", olapw)
	c.navigate(base + "/shipments/" + got[0].ID) // Barnevernstjenesten's
	if page = c.text(); !strings.Contains(page, "Forbidden") || strings.Contains(page, "Vedtak om tiltak") {
		t.Fatalf("unit user sees another unit's shipment:\n%s", page)
	}
	var status int
	c.eval(`fetch("/shipments/`+got[0].ID+`").then(r => r.status)`, &status)
	if status != 403 {
		t.Fatalf("status of another unit's shipment: %d, want 403", status)
	}
	c.navigate(base + "/shipments/" + got[1].ID) // NAV's own
	if !strings.Contains(c.text(), "Evidence report") {
		t.Fatal("unit user cannot see its own shipment")
	}

	// Every view is in the audit log.
	for _, a := range []struct{ actor, action, object string }{
		{"user:kari", "login", ""},
		{"user:kari", "view_summary", "by recipient"},
		{"user:kari", "view_list", "unopened"},
		{"user:kari", "view_shipment", got[0].ID},
		{"user:kari", "followup", got[0].ID},
		{"user:kari", "print_release", "print_batch"},
		{"user:kari", "export", "unopened"},
		{"user:ola", "forbidden", got[0].ID},
		{"user:ola", "view_shipment", got[1].ID},
	} {
		if !e.audited(a.actor, a.action, a.object) {
			t.Errorf("audit log lacks %s %s %s", a.actor, a.action, a.object)
		}
	}
}

// printer defers to a storePrint over the env's store, which exists only
// after the server is made.
type printer struct{ e **env }

func (p printer) ReleaseBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) error {
	return storePrint{(*p.e).st}.ReleaseBatch(ctx, id, seen, actor, now)
}

func (p printer) RejectBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) error {
	return storePrint{(*p.e).st}.RejectBatch(ctx, id, seen, actor, now)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
