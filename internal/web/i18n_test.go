package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/escalate"
	"postvakt/internal/i18n"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/web"
)

// TestEveryPageInEveryLanguage renders every page (with data on it) in
// Norwegian bokmål, Danish and English, chosen by Accept-Language and by
// the user's setting, and fails on any text missing from a catalogue: a
// ⟦key⟧ in the page, or a "missing translation" in the log.
func TestEveryPageInEveryLanguage(t *testing.T) {
	ctx := context.Background()
	e := newPrintEnv(t, web.WithPreview(previewer{[]escalate.StepCount{
		{Step: "catch-up reminder 1", Policy: "taushetsbelagt", SenderOrg: "964338531", SenderUnit: "NAV", Shipments: 12, Waiting: true},
		{Step: "catch-up print", Policy: "taushetsbelagt", SenderOrg: "964338531", SenderUnit: "NAV", Shipments: 3, Approval: true},
		{Step: "reminder 2", Policy: "default", SenderOrg: "964338531", SenderUnit: "Skole", Shipments: 1},
	}}), web.WithPolicies(policytest.Shipped(t)), web.WithHealthRules(policy.DefaultHealth()))
	got := e.seed(9)
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET state = 'rejected' WHERE id = $1`, got[4].ID)
	var batch int64
	if err := db.GetContext(ctx, &batch, `INSERT INTO print_batches (policy, created_at) VALUES ('taushetsbelagt', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
		VALUES ($1, 'taushetsbelagt', true, 'k1', 'held', $2, $3, $3)`, got[6].ID, batch, now)
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'x', $2)`, got[8].ID, now)
	var notif int64
	if err := db.GetContext(ctx, &notif, `INSERT INTO notifications (key, orgnr, status, recipients, created_at, claimed_at, updated_at)
		VALUES ('k-u', '974760673', 'unknown', '{}', $1, $1, $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, 1)`, notif, got[0].ID)
	if err := db.GetContext(ctx, &notif, `INSERT INTO notifications (key, orgnr, status, recipients, created_at, claimed_at, updated_at,
		order_error, order_refused_at) VALUES ('k-r', '964338531', 'failed', '{}', $1, $1, $1, 'NOT-00001', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, 1)`, notif, got[1].ID)
	db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline) SELECT id, sender_unit_id, 'rejected', $2 FROM shipments WHERE id = $1`, got[4].ID, now)
	e.token("compliance", "", "")
	alert := e.alertFor("NAV")
	b := e.loggedIn("anna", "admin", "", "")
	pages := []string{"/", "/unopened", "/units", "/list?list=problems", "/list?list=unopened&unit=NAV", "/followups", "/manual",
		"/search", "/print", fmt.Sprintf("/print/%d", batch), "/reminders", "/refused", "/audit", "/ops", "/admin/users", "/admin/tokens",
		"/settings", "/shipments/" + got[4].ID, "/shipments/0190a000-0000-7000-8000-000000000000", "/login",
		"/alerts", fmt.Sprintf("/alerts/%d", alert.ID), "/incidents", "/incidents?from=2026-01-01&to=2026-12-31", "/alerts/999999",
		"/preview", "/admin/units", "/rules", "/import", "/list?state=bogus", "/export?format=pdf", "/incidents?from=2026-13-01&to=2026-12-31"}
	// Pages added after the catalogues, and errors that were English
	// whatever the language: what they say now.
	translated := map[string][]string{
		"da /preview": {"Næste eskaleringskørsel", "indhentning: påmindelse 1", "indhentning: udskrift", "påmindelse 2",
			"venter på afsendelsesvinduet", "venter på godkendelse", "Afsenderenhed", "Breve gennemgået: "},
		"nb /preview":           {"Neste eskaleringskjøring", "innhenting: påminnelse 1", "venter på sendevinduet", "Regelsett"},
		"en /preview":           {"Next escalation run", "catch-up reminder 1", "catch-up print", "waits for the send window", "held for approval"},
		"nb /rules":             {"Gjeldende regler", "Eskaleringsregelsett", "Helseregler", "Første påminnelse etter 2 virkedager uåpnet (Norge)"},
		"da /rules":             {"Gældende regler", "Eskaleringsregelsæt", "Sundhedsregler", "Første påmindelse efter 2 arbejdsdage uåbnet (Norge)"},
		"nb /admin/units":       {"Avsenderenheter", "Enhetens adresse", `placeholder="leder@…"`, "Lagre", "Importer"},
		"da /admin/units":       {"Afsenderenheder", "Lederens adresse", "Importér"},
		"nb /import":            {"Importer brev", "Filens overskriftslinje:", "høyst 16 MiB"},
		"da /import":            {"Importér breve", "Filens overskriftslinje:", "højst 16 MiB"},
		"da /list?state=bogus":  {`Status: &#34;bogus&#34; er ikke et af valgene.`},
		"nb /export?format=pdf": {`ukjent format &#34;pdf&#34; (csv, xlsx eller json)`},
		"da /incidents?from=2026-13-01&to=2026-12-31": {`Sendt fra: &#34;2026-13-01&#34; er hverken en dato (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)`},
		"en /list?state=bogus":                        {`State: &#34;bogus&#34; is not one of the choices.`},
		"da /incidents":                               {`placeholder="ÅÅÅÅ-MM-DD"`, `(ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)`},
	}
	for _, lang := range i18n.Languages {
		for _, p := range pages {
			code, page := b.getIn(lang, p)
			if code >= 500 || !strings.Contains(page, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: %d, not in %s:\n%.300s", lang, p, code, lang, page)
			}
			if i := strings.Index(page, "⟦"); i >= 0 {
				t.Errorf("%s %s: untranslated key %.60s", lang, p, page[i:])
			}
			for _, want := range translated[lang+" "+p] {
				if !strings.Contains(page, want) {
					t.Errorf("%s %s lacks %q", lang, p, want)
				}
			}
		}
	}
	if strings.Contains(e.log.String(), "missing translation") {
		t.Errorf("missing translations:\n%s", e.log.String())
	}
	// The user's own setting wins over the browser's.
	_, page := b.get("/settings")
	if code, _, _ := b.post("/settings", map[string][]string{"csrf": {csrf(page)}, "lang": {"da"}}); code != http.StatusSeeOther {
		t.Fatalf("save settings: %d", code)
	}
	if _, body := b.request("GET", "/", nil, http.Header{"Accept-Language": {"en"}}); !strings.Contains(string(body), "Overblik") {
		t.Errorf("user language da not used:\n%.500s", body)
	}
}
