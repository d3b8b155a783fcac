package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestNamesBesideNumbers: once the register answers are cached (the names
// job's work) organisation names show beside the numbers on the overview,
// the lists, a print batch's letters and the evidence page; a person is
// never named, even if the cache held an answer for the person's id, and
// shown masked everywhere but on the (audited) evidence report.
func TestNamesBesideNumbers(t *testing.T) {
	ctx := context.Background()
	e := newPrintEnv(t)
	got := e.seed(9) // recipients in turn: 974760673, 964338531, a person
	db := e.st.DB()
	var batch int64
	if err := db.GetContext(ctx, &batch, `INSERT INTO print_batches (policy, sender_org_id, created_at)
		VALUES ('taushetsbelagt', (SELECT id FROM sender_orgs WHERE orgnr = '964338531'), $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	for i, sh := range []store.Shipment{got[0], got[2]} {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
			VALUES ($1, 'taushetsbelagt', true, $2, 'held', $3, $4, $4)`, sh.ID, fmt.Sprintf("k%d", i), batch, now)
	}
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'x', $2)`, got[3].ID, now)
	b := e.loggedIn("anna", "admin", "", "")
	const recipient, sender, person = "Registerenheten i Brønnøysund", "Bergen kommune", "Kari Nordmann"
	pages := []struct {
		path  string
		names []string
	}{
		{"/", []string{recipient}},
		{"/unopened", []string{recipient}},
		{"/list?list=unopened", []string{recipient}},
		{"/manual", []string{recipient}},
		{"/print", []string{sender}},
		{fmt.Sprintf("/print/%d", batch), []string{recipient, sender}},
		{"/shipments/" + got[0].ID, []string{recipient, sender}},
		{"/shipments/" + got[2].ID, []string{sender}},
	}
	check := func(named bool) {
		t.Helper()
		for _, p := range pages {
			code, page := b.get(p.path)
			if code != 200 {
				t.Fatalf("%s: %d", p.path, code)
			}
			for _, n := range p.names {
				if strings.Contains(page, n) != named {
					t.Errorf("%s: has %q: %v, want %v", p.path, n, !named, named)
				}
			}
			if strings.Contains(page, person) {
				t.Errorf("%s names the person", p.path)
			}
			if !strings.HasPrefix(p.path, "/shipments/") && strings.Contains(page, "01017012343") {
				t.Errorf("%s shows the person's whole id", p.path)
			}
		}
	}
	check(false)
	for _, c := range []struct{ nr, name string }{{"974760673", recipient}, {"964338531", sender}, {"01017012343", person}} {
		if err := e.st.PutRegisterEntry(ctx, store.RegisterEntry{OrgNr: c.nr, Kind: store.RegisterEnhet, Status: 200,
			Body: []byte(`{"organisasjonsnummer":"` + c.nr + `","navn":"` + c.name + `"}`), Name: c.name, FetchedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.FillOrgNames(ctx); err != nil {
		t.Fatal(err)
	}
	check(true)
	if _, page := b.get("/list?list=unopened"); !strings.Contains(page, "010170*****") {
		t.Errorf("the person is not shown masked in the list")
	}
}
