package web_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/web"
)

// TestHeldPrintOutlook: a letter whose print is held in an approval batch
// (policy print.approval) waits for a compliance officer's release of that
// batch. Its page says so, naming the batch, in every language, not "none
// from the policy: the stage is print held"; GET /api/v1/shipments/{id}
// gives why print_approval and print_batch, and next_step null (no dated
// step).
func TestHeldPrintOutlook(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	held, _ := outlookLetters(t, e)
	db := e.st.DB()
	var batch int64
	if err := db.Get(&batch, `INSERT INTO print_batches (policy, created_at) VALUES ('taushetsbelagt', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
		VALUES ($1, 'taushetsbelagt', true, $2, 'held', $3, $4, $4)`, held.ID, "k-"+held.ID, batch, now)
	db.MustExec(`UPDATE shipments SET stage = 'print_held' WHERE id = $1`, held.ID)

	tok := e.token("unit", "964338531", "NAV")
	code, body := e.do("GET", "/api/v1/shipments/"+held.ID, tok, "")
	o, _ := body["outlook"].(map[string]any)
	if code != http.StatusOK || o == nil || o["why"] != "print_approval" || o["print_batch"] != float64(batch) || body["next_step"] != nil {
		t.Fatalf("GET the held letter: %d, outlook %v, next_step %v; want why print_approval in batch %d, next_step null",
			code, o, body["next_step"], batch)
	}
	says := map[string]string{
		"en": "Its print waits for a compliance officer's release of print batch 1",
		"nb": "Utskriften venter på at internkontrollen frigir utskriftsbunke 1",
		"da": "Udskriften venter på, at den interne kontrol frigiver udskriftsbunke 1",
	}
	if batch != 1 {
		t.Fatalf("batch %d, want 1 (the test's texts name it)", batch)
	}
	b := e.loggedIn("nils", "unit", "964338531", "NAV")
	for _, lang := range i18n.Languages {
		code, page := b.getIn(lang, "/shipments/"+held.ID)
		page = html.UnescapeString(page)
		if code != http.StatusOK || !strings.Contains(page, says[lang]) {
			t.Errorf("%s: the held letter's page (%d) does not say %q", lang, code, says[lang])
		}
		if i := strings.Index(page, "⟦"); i >= 0 {
			t.Errorf("%s: untranslated key %.60s", lang, page[i:])
		}
	}
}
