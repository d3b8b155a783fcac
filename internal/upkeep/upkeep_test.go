package upkeep

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	_ "postvakt/internal/channel/registered" // the channels' names
	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// Person ids (valid Norwegian national ids, born 1 January 1970).
const (
	personA  = "01017012345" // only old letters: purged entirely
	personBV = "01017012264" // an old child welfare letter: kept 10 years
	personC  = "01017012183" // an old letter and a recent one: the person stays for the recent one
	bergen   = "964338531"
	firma    = "974760673"
)

type letter struct {
	class, kind, recipient, title string
	sent                          time.Time
}

func register(t *testing.T, st *store.Store, ls ...letter) []string {
	t.Helper()
	var items []model.NewShipment
	for i, l := range ls {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("ret-%d", i), SenderOrg: bergen,
			SenderUnit: "Barnevernstjenesten", RecipientKind: l.kind, RecipientID: l.recipient, Title: l.title,
			Confidential: true, Class: l.class, SentAt: l.sent})
	}
	got, _, err := st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, s := range got {
		ids = append(ids, s.ID)
		storetest.Set(t, st, []string{s.ID}, storetest.State(model.StateRejected), storetest.StateChangedAt(ls[i].sent.Add(time.Hour)))
	}
	return ids
}

// disabledUser stores a compliance user name@kommune.example of Bergen
// made ten years before now, disabled at disabled (nil: not disabled).
func disabledUser(t *testing.T, st *store.Store, name string, now time.Time, disabled any) {
	t.Helper()
	if _, err := st.CreateUser(context.Background(), store.User{Name: name, PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
		Email: name + "@kommune.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE users SET created_at = $2, disabled_at = $3 WHERE name = $1`,
		name, now.AddDate(-10, 0, 0), disabled); err != nil {
		t.Fatal(err)
	}
}

// After the retention period no title, national id, name, address, note or
// reminder recipient of a purged letter remains in any text column of any
// table; what the statistics need stays, and a class with a longer
// retention (barnevern: 10 years) keeps its letters.
func TestRetentionLetsPersonalDataGo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	set := policytest.Shipped(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	ids := register(t, st,
		letter{"taushetsbelagt", "person", personA, "TITTEL-A-SAKSNUMMER", old},
		letter{"barnevern", "person", personBV, "TITTEL-BV-BEHOLDES", old},
		letter{"taushetsbelagt", "person", personC, "TITTEL-C-GAMMEL", old},
		letter{"taushetsbelagt", "person", personC, "TITTEL-C-NY", now.AddDate(0, -1, 0)},
		letter{"taushetsbelagt", "org", firma, "TITTEL-F-FIRMA", old},
	)
	a, bv, cOld, cNew, fOrg := ids[0], ids[1], ids[2], ids[3], ids[4]
	db := st.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE recipients SET name = 'Kari Nordmann-Hansen' WHERE ident = $1`, personA)
	exec(`UPDATE recipients SET name = 'Per Barnevernsen' WHERE ident = $1`, personBV)
	for id, note := range map[string]string{a: "NOTAT-A-RING-MOR", bv: "NOTAT-BV-BEHOLDES"} {
		if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: id, Decision: store.DecisionAssessed, Note: note,
			Actor: "user:ola", At: old.AddDate(0, 0, 5), Deadline: old.AddDate(0, 0, 10)}); err != nil {
			t.Fatal(err)
		}
	}
	// A print order with the postal address, and a manual case.
	exec(`UPDATE shipments SET state = 'available' WHERE id = $1`, fOrg)
	if _, err := st.CreatePrintOrders(ctx, []string{fOrg}, "taushetsbelagt", false, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE print_orders SET request = '{"address": "ADRESSE-Storgata 99, 5003 Bergen"}', state = 'posted' WHERE shipment_id = $1`, fOrg); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO print_manual (shipment_id, reason, detail, why, created_at) VALUES ($1, 'print_refused', 'DETALJ-Kari bor på hytta',
		'[{"key": "manual.detail.print_refused", "args": {"Error": "GRUNN-Kari bor på hytta"}}]', $2)`, a, old)
	// A reminder to the organisation, with its recipient address.
	exec(`UPDATE shipments SET state = 'available' WHERE id = $1`, fOrg)
	claim, err := st.ClaimNotification(ctx, store.Claim{Org: firma, Items: []model.ReminderItem{{ShipmentID: fOrg, Reminder: 1}},
		Recipients: []string{"MOTTAKER-post@firma.no"}, Now: old})
	if err != nil || !claim.Send {
		t.Fatalf("claim %+v %v", claim, err)
	}
	if err := st.MarkNotificationSent(ctx, claim.Notification.ID, "<m@x>", old.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE shipments SET state = 'rejected' WHERE id = $1`, fOrg)
	exec(`INSERT INTO poll_errors (channel, occurred_at, shipments, error, raw) VALUES ('svarut', $1, 1, 'x', 'RAW-TITTEL-A-SAKSNUMMER')`, old)
	if err := st.Audit(ctx, store.AuditEntry{At: old, Actor: "user:ola", Action: "search", Object: "recipient=" + personA,
		Detail: "AUDIT-DETALJ-A"}); err != nil {
		t.Fatal(err)
	}

	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), Policies: set, RetentionYears: 5}
	// Before the period is over nothing goes.
	p, err := u.Purge(ctx, old.AddDate(4, 0, 0))
	if err != nil || p.Shipments != 0 {
		t.Fatalf("four years on: %+v %v", p, err)
	}
	p, err = u.Purge(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Shipments != 3 || p.Persons != 1 || p.Notes != 1 || p.PrintRequests != 1 || p.Manual != 1 || p.Notifications != 1 ||
		p.ShipmentPurge.Events == 0 || p.Evidence.Audit != 1 || p.Caches != 1 {
		t.Fatalf("purge counts %+v", p)
	}
	gone := []string{"TITTEL-A-SAKSNUMMER", "TITTEL-C-GAMMEL", "TITTEL-F-FIRMA", personA, "Kari Nordmann-Hansen",
		"NOTAT-A-RING-MOR", "ADRESSE-Storgata", "DETALJ-Kari", "GRUNN-Kari", "MOTTAKER-post@firma.no", "AUDIT-DETALJ-A"}
	kept := []string{"TITTEL-BV-BEHOLDES", personBV, "Per Barnevernsen", "NOTAT-BV-BEHOLDES", "TITTEL-C-NY", personC}
	found := scan(t, st, append(gone, kept...))
	for _, v := range gone {
		if where := found[v]; len(where) > 0 {
			t.Errorf("%q is still in %v", v, where)
		}
	}
	for _, v := range kept {
		if len(found[v]) == 0 {
			t.Errorf("%q is gone, but its letter is within its retention", v)
		}
	}
	// What statistics need stays: the letters, their state, class, dates.
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM shipments WHERE purged_at IS NOT NULL AND state = 'rejected' AND class = 'taushetsbelagt'
		AND id = ANY($1::uuid[])`, "{"+strings.Join([]string{a, cOld, fOrg}, ",")+"}"); err != nil || n != 3 {
		t.Fatalf("%d purged letters kept for statistics (%v)", n, err)
	}
	if n := auditCount(t, st, "retention_purge_letters", "3 letters,%"); n != 1 {
		t.Fatalf("the purge is not in the audit log with its counts (%d entries)", n)
	}
	_ = cNew
	// Again: nothing more to purge.
	if p, err := u.Purge(ctx, now.Add(time.Hour)); err != nil || p.Shipments != 0 {
		t.Fatalf("second purge %+v %v", p, err)
	}
}

// purge runs the nightly purge at now with a retention of 5 years and no
// policies.
func purge(ctx context.Context, st *store.Store, now time.Time) (Purge, error) {
	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), RetentionYears: 5}
	return u.Purge(ctx, now)
}

// auditCount counts the audit entries the retention purge wrote (actor
// system:retention) with action and a detail LIKE detail.
func auditCount(t *testing.T, st *store.Store, action, detail string) int {
	t.Helper()
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE actor = 'system:retention' AND action = $1 AND detail LIKE $2`,
		action, detail); err != nil {
		t.Fatal(err)
	}
	return n
}

// scan looks for each value in every text, varchar, jsonb and array column
// of every table, and returns where each was found ("table.column").
func scan(t *testing.T, st *store.Store, values []string) map[string][]string {
	t.Helper()
	var cols []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
	}
	if err := st.DB().Select(&cols, `SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		  AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea', 'character')
		ORDER BY 1, 2`); err != nil {
		t.Fatal(err)
	}
	if len(cols) < 30 {
		t.Fatalf("only %d text columns: the scan looks in the wrong place", len(cols))
	}
	found := map[string][]string{}
	for _, c := range cols {
		for _, v := range values {
			var n int
			q := fmt.Sprintf(`SELECT count(*) FROM %q WHERE %q::text LIKE '%%' || $1 || '%%'`, c.Table, c.Column)
			if err := st.DB().Get(&n, q, v); err != nil {
				t.Fatalf("%s.%s: %v", c.Table, c.Column, err)
			}
			if n > 0 {
				found[v] = append(found[v], c.Table+"."+c.Column)
			}
		}
	}
	return found
}
