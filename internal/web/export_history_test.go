package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// A compliance officer answering a court or Datatilsynet must say, per
// letter, when it was reminded (how many times, the first and the last)
// and when its print was ordered, when the print provider took the order
// and how the order stands: a list's export carries first_reminded_at and
// the print order's print_ordered_at, print_placed_at and print_state
// after the follow-up decision, read from the real database by the
// export's one query. Before, it had only the last reminder's time and no
// print. The XLSX names the columns and the print order's state in the
// reader's language (each of nb, en and da has every state); no letter
// content goes with them.
func TestExportCarriesReminderAndPrintHistory(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	db := e.st.DB()
	first, last := now.Add(-20*24*time.Hour), now.Add(-13*24*time.Hour)
	ordered, placed := now.Add(-6*24*time.Hour), now.Add(-6*24*time.Hour+4*time.Minute)
	for i, sent := range []time.Time{first, last} {
		var id int64
		if err := db.Get(&id, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, sent_at, updated_at)
			VALUES ($1, '910859897', 'sent', $2, $2, $2, $2) RETURNING id`, "k-history-"+got[0].ID+string(rune('a'+i)), sent); err != nil {
			t.Fatal(err)
		}
		db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, $3)`, id, got[0].ID, i+1)
	}
	db.MustExec(`UPDATE shipments SET reminders_sent = 2, last_reminded_at = $2, stage = 'print_ordered' WHERE id = $1`, got[0].ID, last)
	db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, order_id, placed_at, created_at, updated_at)
		VALUES ($1, 'default', false, $2, 'printed', 'ORD-77', $4, $3, $3)`, got[0].ID, "k-print-"+got[0].ID, ordered, placed)
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, $2, 'print', $3, 'print order ORD-77')`,
		got[0].ID, store.EventPrintOrdered, placed)
	b := e.loggedIn("kari", "compliance", "964338531", "")

	utc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	recs := browserCSVRows(t, b.download("/export?list=all&format=csv"))
	rows := byID(t, recs, "reminders_sent", "first_reminded_at", "last_reminded_at", "print_ordered_at", "print_placed_at", "print_state")
	if w := []string{"2", utc(first), utc(last), utc(ordered), utc(placed), "printed"}; !slices.Equal(rows[got[0].ID], w) {
		t.Errorf("CSV history of the reminded and printed letter %v, want %v", rows[got[0].ID], w)
	}
	if w := []string{"0", "", "", "", "", ""}; !slices.Equal(rows[got[1].ID], w) {
		t.Errorf("CSV history of a letter neither reminded nor printed %v, want %v", rows[got[1].ID], w)
	}
	if h := recs[0]; !slices.Equal(h[len(h)-4:], []string{"first_reminded_at", "print_ordered_at", "print_placed_at", "print_state"}) {
		t.Errorf("the CSV header ends %v: the history's columns come last, after the existing ones", h[len(h)-4:])
	}

	sheet := xlsxRows(t, b.download("/export?list=all&format=xlsx"))
	if len(sheet) < 2 {
		t.Fatalf("XLSX: %v", sheet)
	}
	col := slices.Index(sheet[0], "Første påminnelse")
	if col < 0 || !slices.Equal(sheet[0][col:], []string{"Første påminnelse", "Utskrift bestilt",
		"Utskriftsbestilling mottatt av leverandøren", "Utskriftsbestillingens tilstand"}) {
		t.Fatalf("XLSX header %v lacks the history's columns in Norwegian", sheet[0])
	}
	oslo := func(t time.Time) string { return t.In(calendar.Oslo).Format("2006-01-02 15:04") }
	found := false
	for _, r := range sheet[1:] {
		if r[0] == got[0].ID && len(r) >= col+4 {
			found = slices.Equal(r[col:col+4], []string{oslo(first), oslo(ordered), oslo(placed), "skrevet ut"})
			if !found {
				t.Errorf("XLSX history of the printed letter %v", r[col:])
			}
		}
	}
	if !found {
		t.Errorf("XLSX: no history for the printed letter: %v", sheet)
	}
	for _, body := range [][]byte{b.download("/export?list=all&format=csv"), b.download("/export?list=all&format=json")} {
		if strings.Contains(string(body), "ORD-77") || strings.Contains(string(body), "print order ORD") {
			t.Errorf("an export carries the print order's id or its evidence: %.200s", body)
		}
	}

	for _, lang := range []string{"nb", "en", "da"} {
		l := i18n.For(lang, nil)
		for _, id := range []string{"export.col.first_reminded_at", "export.col.print_ordered_at", "export.col.print_placed_at", "export.col.print_state"} {
			if !l.Has(id) {
				t.Errorf("%s: no header %s", lang, id)
			}
		}
		for _, s := range []string{store.PrintStateLookup, store.PrintStateManual, store.PrintStateHeld, store.PrintStateRejected,
			store.PrintStateSkipped, store.PrintStateQueued, store.PrintStateReceived, store.PrintStatePrinted, store.PrintStatePosted,
			store.PrintStateFailed, store.PrintStateCancelled} {
			if !l.Has("export.print_state." + s) {
				t.Errorf("%s: the print order's state %s has no words", lang, s)
			}
		}
	}
}
