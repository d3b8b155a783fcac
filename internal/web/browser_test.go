package web_test

import (
	"context"
	"fmt"
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

func (f storePrint) ReleaseBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error) {
	return f.st.ReleasePrintBatchSeen(ctx, id, seen, actor, now)
}

func (f storePrint) RejectBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error) {
	return f.st.RejectPrintBatchSeen(ctx, id, seen, actor, now)
}

// TestBrowser drives the UI in a real headless Chromium: a compliance
// officer logs in, opens the unopened list, drills into an organisation and
// a shipment, records a follow-up, releases a print batch and downloads an
// export; a unit user is refused another unit's shipment; all of it is in
// the audit log. Screenshots go to $POSTVAKT_SCREENSHOTS (or a temporary
// folder).
func TestBrowser(t *testing.T) {
	ctx := context.Background()
	e := newPrintEnv(t)
	got := e.seed(18)
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET state = 'available', stage = 'reminded', reminders_sent = 1, last_reminded_at = $2 WHERE id = $1`, got[0].ID, now.Add(-48*time.Hour))
	db.MustExec(`UPDATE shipments SET state = 'rejected' WHERE id = $1`, got[4].ID)
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, from_state, to_state, raw_status, payload)
		VALUES ($1, 'state', 'svarut', $2, 'registered', 'available', 'Mottatt', '{"status":"Mottatt","forsendelseId":"ch-a"}')`, got[0].ID, now.Add(-30*24*time.Hour))
	var batch int64
	if err := db.GetContext(ctx, &batch, `INSERT INTO print_batches (policy, sender_org_id, created_at)
		VALUES ('taushetsbelagt', (SELECT id FROM sender_orgs WHERE orgnr = '964338531'), $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	for i, sh := range []store.Shipment{got[6], got[12]} {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, request, created_at, updated_at)
			VALUES ($1, 'taushetsbelagt', true, $2, 'held', $3, $4, $5, $5)`, sh.ID, "k"+string(rune('0'+i)), batch,
			`{"documentRef":"svarut:x","recipientName":"Fjordkraft AS","address":{"lines":["Postboks 3500 Sentrum"],"postalCode":"5021","city":"BERGEN","countryCode":"NO"}}`, now)
	}
	db.MustExec(`UPDATE recipients SET name = 'Fjordkraft AS' WHERE ident = '974760673'`)
	// A manual-handling item and a reminder whose outcome is unknown.
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'bankrupt', 'konkurs', $2)`, got[8].ID, now)
	db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, got[8].ID)
	var notif int64
	if err := db.GetContext(ctx, &notif, `INSERT INTO notifications (key, orgnr, status, recipients, created_at, claimed_at, updated_at)
		VALUES ('k-unknown', '974760673', 'unknown', '{post@fjordkraft.no}', $1, $1, $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, 1)`, notif, got[0].ID)
	karipw := e.user("kari", "compliance", "964338531", "")
	olapw := e.user("ola", "unit", "964338531", "NAV")
	annapw := e.user("anna", "admin", "", "")

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

	// Log in; the start page is the overview with its charts.
	login("kari", karipw)
	if p := c.path(); p != "/" {
		t.Fatalf("after login at %s: %s", p, c.text())
	}
	var points struct {
		Rate, Unopened, Orgs, Units int
		Total                       string
		Title                       string
		Persons                     string // the persons' line under the organisations
	}
	c.eval(`({Rate: document.querySelectorAll("#chart-rate .pt").length,
		Unopened: document.querySelectorAll("#chart-unopened .pt").length,
		Orgs: document.querySelectorAll("#chart-orgs .pt").length,
		Units: document.querySelectorAll("#chart-units .pt").length,
		Total: document.querySelector("#unopened-total").textContent,
		Title: document.querySelector("#chart-unopened title").textContent,
		Persons: document.querySelector("#top-persons").textContent})`, &points)
	// The receiving organisations chart: the two organisations, the
	// person's 6 letters one line under it.
	if points.Rate == 0 || points.Unopened < 26 || points.Orgs != 2 || points.Units != 2 || points.Total != "17" || points.Title == "" ||
		!strings.Contains(points.Persons, ": 6 ") {
		t.Fatalf("overview charts: %+v\n%s", points, c.text())
	}
	if page := c.text(); !strings.Contains(page, "Fjordkraft AS") || strings.Contains(page, "01017012343") {
		t.Fatalf("overview lacks the organisation's name or shows a person id:\n%s", page)
	}
	c.screenshot(filepath.Join(shots, "overview.png"))

	c.navigate(base + "/unopened")
	page := c.text()
	// Organisations ranked; the person's letters one line under them.
	if !strings.Contains(page, "Unopened by receiving organisation") || !strings.Contains(page, "974760673") || !strings.Contains(page, "Persons: ") {
		t.Fatalf("unopened list:\n%s", page)
	}
	if strings.Contains(page, "010170") {
		t.Fatal("a person is ranked (masked or not) in the summary")
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
	if !strings.Contains(page, "available to the recipient from") || !strings.Contains(page, "according to KS SvarUt") {
		t.Fatalf("evidence page lacks the proof:\n%s", page)
	}
	c.screenshot(filepath.Join(shots, "evidence.png"))

	// Record a follow-up decision.
	c.eval(`document.querySelector("#decision-select").value = "consequences_assessed";
		document.querySelector("#note").value = "Klagefristen er ikke passert; nytt brev sendes i posten."`, nil)
	c.click("#record")
	if page = c.text(); !strings.Contains(page, "consequences assessed by user:kari") { // the decision in the page's language
		t.Fatalf("follow-up not shown after recording:\n%s", page)
	}

	// Open the held print batch: its letters with the addresses; release it.
	c.navigate(base + "/print")
	c.click("a.batch")
	if c.path() != fmt.Sprintf("/print/%d", batch) {
		t.Fatalf("batch page at %s", c.path())
	}
	var letters int
	c.eval(`document.querySelectorAll("#letters tr.letter").length`, &letters)
	if page = c.text(); letters != 2 || !strings.Contains(page, "Postboks 3500 Sentrum") || !strings.Contains(page, "5021 BERGEN") ||
		!strings.Contains(page, "Barnevernstjenesten") {
		t.Fatalf("batch letters (%d):\n%s", letters, page)
	}
	c.screenshot(filepath.Join(shots, "batch.png"))
	c.click("button.release")
	if page = c.text(); !strings.Contains(page, "released by user:kari") {
		t.Fatalf("print batch not released:\n%s", page)
	}

	// Settle the reminder whose outcome is unknown: not delivered, send again.
	c.navigate(base + "/reminders")
	c.click("button.release-reminder")
	var status string
	if err := db.GetContext(ctx, &status, `SELECT status FROM notifications WHERE id = $1`, notif); err != nil || status != "failed" {
		t.Fatalf("released reminder is %q (%v), want failed", status, err)
	}

	// Resolve the manual-handling item.
	c.navigate(base + "/manual")
	c.eval(`document.querySelector("form.resolve select").value = "printed_by_hand";
		document.querySelector("form.resolve input[name=note]").value = "Sendt i posten 24.11."`, nil)
	c.click("form.resolve button")
	var resolution, stage string
	if err := db.QueryRowContext(ctx, `SELECT m.resolution, s.stage FROM print_manual m JOIN shipments s ON s.id = m.shipment_id
		WHERE m.shipment_id = $1`, got[8].ID).Scan(&resolution, &stage); err != nil || resolution != "printed_by_hand" || stage != "printed" {
		t.Fatalf("manual item: %q, stage %q (%v)", resolution, stage, err)
	}
	if page = c.text(); !strings.Contains(page, "Nothing waits for manual handling") {
		t.Fatalf("manual queue after resolving:\n%s", page)
	}

	// Download the unopened list as CSV.
	c.navigate(base + "/unopened")
	c.eval(`document.querySelector("#export-csv").click()`, nil)
	file := c.waitDownload(downloads)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The file as the browser saved it, starting with the mark for Excel.
	rows := browserCSVRows(t, data)
	// 18 seeded, one rejected: 17 unopened, plus the header.
	if len(rows) != 18 || rows[0][0] != "id" {
		t.Fatalf("export has %d rows (want 18 with header): %v", len(rows), rows[0])
	}

	// Log out; an administrator creates a user and an API token, and
	// revokes the token: the API refuses it at once.
	c.click("header form button")
	login("anna", annapw)
	c.navigate(base + "/admin/users")
	c.eval(`document.querySelector("#new-user-name").value = "per"; document.querySelector("#new-user-role").value = "compliance";
		document.querySelector("#new-user-org").value = "964338531"; document.querySelector("#new-user-email").value = "per@bergen.example"`, nil)
	c.click("#create-user")
	var pw string
	c.eval(`document.querySelector("#password-value").textContent`, &pw)
	if u, err := e.st.UserByName(ctx, "per"); err != nil || len(pw) < 12 || u.Role != "compliance" || u.SenderOrg != "964338531" ||
		u.Email != "per@bergen.example" {
		t.Fatalf("created user: %+v %v (password %q)", u, err, pw)
	}
	c.navigate(base + "/admin/tokens")
	c.eval(`document.querySelector("#new-token-name").value = "sak-system"; document.querySelector("#new-token-role").value = "compliance"`, nil)
	c.click("#create-token")
	var tok string
	c.eval(`document.querySelector("#token-value").textContent`, &tok)
	apiStatus := func() int {
		var code int
		c.eval(`fetch("/api/v1/shipments?limit=1", {headers: {Authorization: "Bearer `+tok+`"}}).then(r => r.status)`, &code)
		return code
	}
	if code := apiStatus(); code != 200 {
		t.Fatalf("new token %q: API answers %d", tok, code)
	}
	c.screenshot(filepath.Join(shots, "tokens.png"))
	c.navigate(base + "/admin/tokens")
	c.click(`tr[data-name="sak-system"] button.revoke`)
	if code := apiStatus(); code != 401 {
		t.Fatalf("revoked token: API answers %d, want 401", code)
	}

	// The unit user sees only its unit's numbers, and is refused another
	// unit's shipment.
	c.click("header form button")
	login("ola", olapw)
	var total string
	c.eval(`document.querySelector("#unopened-total").textContent`, &total)
	if page = c.text(); total != "9" || !strings.Contains(page, "Sending unit NAV only") || strings.Contains(page, "Barnevernstjenesten") {
		t.Fatalf("unit overview: total %q\n%s", total, page)
	}
	c.navigate(base + "/shipments/" + got[0].ID) // Barnevernstjenesten's
	// As an id that names nothing: a refusal would tell the letter exists.
	if page = c.text(); !strings.Contains(page, "No such shipment") || strings.Contains(page, "Vedtak om tiltak") {
		t.Fatalf("unit user sees another unit's shipment:\n%s", page)
	}
	var code int
	c.eval(`fetch("/shipments/`+got[0].ID+`").then(r => r.status)`, &code)
	if code != 404 {
		t.Fatalf("status of another unit's shipment: %d, want 404", code)
	}
	c.navigate(base + "/shipments/" + got[1].ID) // NAV's own
	if !strings.Contains(c.text(), "Evidence report") {
		t.Fatal("unit user cannot see its own shipment")
	}

	// Every view is in the audit log.
	for _, a := range []struct{ actor, action, object string }{
		{"user:kari", "login", ""},
		{"user:kari", "view_summary", "by recipient"},
		{"user:kari", "view_list", "recipient="}, // the drill-down: one recipient's letters, audited under them
		{"user:kari", "view_shipment", got[0].ID},
		{"user:kari", "followup", got[0].ID},
		{"user:kari", "print_release", "print_batch"},
		{"user:kari", "export", "unopened"},
		{"user:ola", "forbidden", got[0].ID},
		{"user:ola", "view_shipment", got[1].ID},
		{"user:kari", "reminder_release", "notification"},
		{"user:kari", "manual_resolve", got[8].ID},
		{"user:anna", "user_create", "user:per"},
		{"user:anna", "token_create", "sak-system"},
		{"user:anna", "token_revoke", "sak-system"},
		{"user:ola", "view_overview", "unit=NAV"},
	} {
		if !e.audited(a.actor, a.action, a.object) {
			t.Errorf("audit log lacks %s %s %s", a.actor, a.action, a.object)
		}
	}
}

// printer defers to a storePrint over the env's store, which exists only
// after the server is made.
// newPrintEnv is newEnvWith(t, opts...) whose print approvals release and
// reject batches in its own store.
func newPrintEnv(t *testing.T, opts ...web.Option) *env {
	t.Helper()
	var e *env
	e = newEnvWith(t, append([]web.Option{web.WithPrintApprovals(printer{&e})}, opts...)...)
	return e
}

type printer struct{ e **env }

func (p printer) ReleaseBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error) {
	return storePrint{(*p.e).st}.ReleaseBatch(ctx, id, seen, actor, now)
}

func (p printer) RejectBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error) {
	return storePrint{(*p.e).st}.RejectBatch(ctx, id, seen, actor, now)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
