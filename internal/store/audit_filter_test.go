package store_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestAuditLogFilters: each filter keeps exactly the entries it names, in
// the organisation's scope, newest first, and pages on with the filter:
// by actor (a national id in it masked as the entry was), by action, by
// letter (its shipment id or its channel id), by person (the searches for
// them and their letters) and by a range of times.
func TestAuditLogFilters(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	person := sample(1)
	person.RecipientKind, person.RecipientID = model.RecipientPerson, "01029400470"
	person.ChannelID = "forsendelse-4711" // not a UUID: found as a channel id only
	got := storetest.Register(t, st, person, sample(2))
	letter, other := got[0], got[1]
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for i, e := range []store.AuditEntry{
		{Actor: "user:kari", Action: "view_shipment", Object: "shipment " + letter.ID},
		{Actor: "user:ola", Action: "view_shipment", Object: "shipment " + other.ID},
		{Actor: "user:kari", Action: "search", Object: "recipient=" + model.MaskPersonID("01029400470"), Detail: "rid=1"},
		{Actor: "user:01029400470", Action: "login_failed"},
		{Actor: "user:kari", Action: "view_shipment", Object: "shipment " + letter.ID, SenderOrg: "974760673"},
		{Actor: "user:ola", Action: "export", Object: "unopened", Detail: "csv"},
	} {
		e.At = base.Add(time.Duration(i) * 24 * time.Hour)
		if e.SenderOrg == "" {
			e.SenderOrg = "964338531"
		}
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	objects := func(f func() ([]string, error)) []string {
		o, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	byID := objects(func() ([]string, error) { return st.AuditLetterObjects(ctx, "964338531", letter.ID) })
	byChannel := objects(func() ([]string, error) { return st.AuditLetterObjects(ctx, "964338531", letter.ChannelID) })
	rid, err := st.RecipientInScope(ctx, "01029400470", store.Scope{SenderOrg: "964338531"})
	if err != nil {
		t.Fatal(err)
	}
	masked := model.MaskPersonID("01029400470")
	byPerson := objects(func() ([]string, error) { return st.AuditPersonObjects(ctx, "964338531", masked, rid) })
	searches := objects(func() ([]string, error) { return st.AuditPersonObjects(ctx, "964338531", masked, 0) })
	elsewhere := objects(func() ([]string, error) { return st.AuditLetterObjects(ctx, "974760673", letter.ChannelID) })
	if len(elsewhere) != 0 {
		t.Errorf("another organisation finds the letter by its channel id: %v", elsewhere)
	}
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		want string // the entries' actor|action, newest first
	}{
		{"actor", store.AuditFilter{Actor: "user:kari"}, "user:kari|search user:kari|view_shipment"},
		{"actor by national id", store.AuditFilter{Actor: "user:01029400470"}, "user:010294*****|login_failed"},
		{"action", store.AuditFilter{Action: "view_shipment"}, "user:ola|view_shipment user:kari|view_shipment"},
		{"letter by id", store.AuditFilter{Objects: byID}, "user:kari|view_shipment"},
		{"letter by channel id", store.AuditFilter{Objects: byChannel}, "user:kari|view_shipment"},
		{"person", store.AuditFilter{Objects: byPerson}, "user:kari|search user:kari|view_shipment"},
		{"searches for a person", store.AuditFilter{Objects: searches}, "user:kari|search"},
		{"no such letter", store.AuditFilter{Objects: []string{}}, ""},
		{"dates", store.AuditFilter{From: base.Add(24 * time.Hour), To: base.Add(3 * 24 * time.Hour)}, "user:kari|search user:ola|view_shipment"},
		{"combined", store.AuditFilter{Actor: "user:kari", Action: "view_shipment", Objects: byChannel, To: base.Add(time.Hour)}, "user:kari|view_shipment"},
	} {
		c.f.SenderOrg = "964338531"
		var seen []string
		for pages := 0; pages < 10; pages++ {
			c.f.Limit = 1
			page, err := st.AuditLog(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for _, e := range page.Entries {
				seen = append(seen, e.Actor+"|"+string(e.Action))
			}
			if page.NextCursor == "" {
				break
			}
			c.f.Before = page.NextCursor
		}
		if g := strings.Join(seen, " "); g != c.want {
			t.Errorf("%s: %q, want %q", c.name, g, c.want)
		}
	}
}

// TestAuditLogFiltersUseIndexes: on a large audit log a filter by actor,
// action or object reads an index (migration 00037), not every entry.
func TestAuditLogFiltersUseIndexes(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, sender_org, action, object)
		SELECT now() - i * interval '1 second', 'user:u' || (i % 500), 'unit', '964338531',
			'a' || (i % 300), 'shipment ' || i FROM generate_series(1, 50000) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `ANALYZE audit_log`); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]store.AuditFilter{
		"actor":  {Actor: "user:u7"},
		"action": {Action: "a7"},
		"object": {Objects: []string{"shipment 7", "shipment 8"}},
	} {
		plan, err := st.ExplainAuditLog(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if p := string(plan); strings.Contains(p, `"Seq Scan"`) || !strings.Contains(p, "audit_log_"+name) {
			t.Errorf("%s: the plan does not read audit_log_%s:\n%s", name, name, p)
		}
	}
}
