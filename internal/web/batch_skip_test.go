package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestBatchPageCountsWhatWillPrint: a letter of a held batch opened after
// the hold is skipped by the release (print_skipped), so the batch page
// marks it opened since (no business days unopened), and its release
// button and count name only the letters that will print (the release's
// rule, store.Releasable), in each language. The form still carries what
// was seen (all three), and the release prints the two.
func TestBatchPageCountsWhatWillPrint(t *testing.T) {
	e, batch := heldBatchOneOpened(t)
	db := e.st.DB()
	b := e.loggedIn("kari", "compliance", "964338531", "")
	path := fmt.Sprintf("/print/%d", batch)
	for _, tc := range []struct {
		lang                  string
		button, count, opened string
		not                   string
	}{
		{"en", "Release 2 letters to print", "2 will print at the release", "opened since: skipped at the release", "Release 3"},
		{"nb", "Frigi 2 brev til utskrift", "2 skrives ut ved frigivelsen", "åpnet siden: hoppes over ved frigivelsen", "Frigi 3"},
		{"da", "Frigiv 2 breve til udskrift", "2 udskrives ved frigivelsen", "åbnet siden: springes over ved frigivelsen", "Frigiv 3"},
	} {
		code, page := b.getIn(tc.lang, path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", tc.lang, code)
		}
		for _, want := range []string{tc.button, tc.count, tc.opened} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the batch page lacks %q", tc.lang, want)
			}
		}
		if strings.Contains(page, tc.not) {
			t.Errorf("%s: the batch page says %q", tc.lang, tc.not)
		}
		if n := strings.Count(page, `skipped">`); n != 1 {
			t.Errorf("%s: %d letters marked skipped, want 1", tc.lang, n)
		}
	}
	_, page := b.get(path)
	form := formOf(t, page, path+"/release")
	if form.Get("shipments") != "3" {
		t.Fatalf("release form: %v, want the three seen", form)
	}
	if code, _, body := b.post(path+"/release", form); code != http.StatusSeeOther {
		t.Fatalf("release: %d %.300s", code, body)
	}
	var released, skipped int
	if err := db.Get(&released, `SELECT count(*) FROM print_orders WHERE state IN ('lookup', 'queued')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&skipped, `SELECT count(*) FROM shipment_events WHERE kind = $1`, store.EventPrintSkipped); err != nil {
		t.Fatal(err)
	}
	if released != 2 || skipped != 1 {
		t.Fatalf("%d released, %d skipped; want 2 and 1", released, skipped)
	}
}

// TestDecidedBatchPageMarksSkipped: once a batch is released, the batch
// page showed every letter alike, with its business days unopened, the
// letter opened since (its print skipped, never ordered) among those
// released to print: the officer could not tell from the page which
// letters went to print. A skipped print stays marked after the decision.
func TestDecidedBatchPageMarksSkipped(t *testing.T) {
	ctx := context.Background()
	e, batch := heldBatchOneOpened(t)
	if d, err := e.st.ReleasePrintBatch(ctx, batch, "kari", now); err != nil || d.Decided != 2 || d.Skipped != 1 {
		t.Fatalf("release: %+v %v", d, err)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	code, page := b.get(fmt.Sprintf("/print/%d", batch))
	if code != http.StatusOK {
		t.Fatalf("batch page: %d", code)
	}
	if n := strings.Count(page, `skipped">`); n != 1 || !strings.Contains(page, "opened since: skipped at the release") {
		t.Errorf("released batch: %d letters marked skipped, want the one opened since", n)
	}
}

// heldBatchOneOpened is a batch of three letters' prints held for
// approval, the second letter opened since the hold.
func heldBatchOneOpened(t *testing.T) (*env, int64) {
	t.Helper()
	e := newPrintEnv(t)
	got := e.seed(3)
	db := e.st.DB()
	var batch int64
	if err := db.Get(&batch, `INSERT INTO print_batches (policy, created_at) VALUES ('taushetsbelagt', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	for _, sh := range got {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
			VALUES ($1, 'taushetsbelagt', true, $2, 'held', $3, $4, $4)`, sh.ID, "k-"+sh.ID, batch, now)
	}
	db.MustExec(`UPDATE shipments SET state = 'opened' WHERE id = $1`, got[1].ID)
	return e, batch
}

// TestBatchReleaseAuditsWhatWasReleased: the audit entry of a release from
// the batch page counted the letters the officer saw, the one opened since
// (skipped, never printed) among them, "3 shipments": the log said three
// letters were released to print when two were. It records what the
// release did, the released and the skipped (store.BatchDecision), as the
// command line's print approve does, and the audit page says it in each
// language.
func TestBatchReleaseAuditsWhatWasReleased(t *testing.T) {
	e, batch := heldBatchOneOpened(t)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	path := fmt.Sprintf("/print/%d", batch)
	_, page := b.get(path)
	if code, _, body := b.post(path+"/release", formOf(t, page, path+"/release")); code != http.StatusSeeOther {
		t.Fatalf("release: %d %.300s", code, body)
	}
	code, body := e.get("/api/v1/audit?action=print_release&limit=10", e.token("compliance", "964338531", ""))
	if code != http.StatusOK || !strings.Contains(body, `"detail":"2 shipments, 1 skipped"`) {
		t.Errorf("audit of the release: %d, want the detail 2 shipments, 1 skipped\n%s", code, body)
	}
	auditPageSays(t, b, "en", []string{"<td>2 shipments, 1 skipped</td>"})
	auditPageSays(t, b, "nb", []string{"<td>2 brev, 1 hoppet over (åpnet eller lukket siden bunken ble holdt tilbake)</td>"})
	auditPageSays(t, b, "da", []string{"<td>2 breve, 1 sprunget over (åbnet eller lukket, siden bunken blev holdt tilbage)</td>"})
}
