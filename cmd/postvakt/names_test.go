package main_test

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestServeNamesOrganisations: `postvakt serve` with the simulator's
// environment schedules the names job, which names the Norwegian
// organisations from Enhetsregisteret and a Danish one from the CVR.
func TestServeNamesOrganisations(t *testing.T) {
	s, env := simEnv(t)
	db := pgtest.New(t)
	ctx := context.Background()
	st := storetest.OpenURL(t, db)
	var items []model.NewShipment
	for _, r := range s.Shipments() {
		items = append(items, storetest.FromSim(r))
	}
	items = append(items, model.NewShipment{Channel: "svarut", ChannelID: "dk-1", SenderOrg: "964338531", SenderUnit: "NAV",
		RecipientKind: model.RecipientOrg, RecipientID: "64942212", Title: "Brev", Confidential: true, Class: "taushetsbelagt",
		SentAt: s.Now().Add(-time.Hour)})
	if _, _, err := st.Register(ctx, items, store.SourceImport, "test"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"64942212": "Københavns Kommune"}
	for _, o := range s.Organisations() {
		if o.Register == "active" {
			want[o.OrgNr] = o.Name
		}
	}
	_, cmd, logs := startServe(t, db, append(env, "POSTVAKT_NAMES_SCHEDULE=@every 1s", "POSTVAKT_POLL_SCHEDULE=@every 1h",
		"POSTVAKT_ESCALATE_SCHEDULE=@every 1h")...)
	defer cmd.Process.Kill()
	var missing []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		type row struct{ Ident, Name string }
		var rows []row
		if err := st.DB().Select(&rows, `SELECT ident, name FROM recipients WHERE kind = 'org'`); err != nil {
			t.Fatal(err)
		}
		missing = nil
		for _, r := range rows {
			if w, ok := want[r.Ident]; ok && r.Name != w {
				missing = append(missing, r.Ident+" "+w)
			}
		}
		if len(missing) == 0 {
			break
		}
	}
	if len(missing) > 0 {
		t.Fatalf("not named: %v\n%s", missing, logs.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "organisation names looked up in the registers") {
		t.Errorf("no names job in the log:\n%s", logs.String())
	}
}
