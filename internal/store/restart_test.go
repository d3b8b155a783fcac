package store_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/migrations"
)

// TestDatabaseRestart stops and starts a private cluster under an open
// store: calls fail while it is down and succeed again afterwards, with no
// reconnect code of ours (database/sql drops dead connections).
func TestDatabaseRestart(t *testing.T) {
	dir, err := os.MkdirTemp("", "postvakt-restart")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("../../scripts/pg.sh", args...).Output()
		if err != nil {
			t.Fatalf("pg.sh %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	pg("start", dir+"/pg")
	t.Cleanup(func() { exec.Command("../../scripts/pg.sh", "stop", dir+"/pg").Run() })
	url := pg("db", dir+"/pg", "restart")
	ctx := context.Background()
	st, err := store.Open(ctx, url, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx, migrations.Progress{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "t"); err != nil {
		t.Fatal(err)
	}
	pg("stop", dir+"/pg")
	if _, _, err := st.Register(ctx, []model.NewShipment{sample(2)}, store.SourceAPI, "t"); err == nil {
		t.Fatal("registration succeeded with the database down")
	}
	// The schema check every scheduled job runs first says the database
	// is unreachable, not "read the schema version: dial …", which reads
	// as a problem with the schema.
	if err := st.SchemaCurrent(ctx); err == nil || !strings.HasPrefix(err.Error(), "the database is unreachable") {
		t.Errorf("schema check with the database down: %v; want it to say the database is unreachable", err)
	}
	pg("start", dir+"/pg")
	var lastErr error
	for i := 0; i < 3; i++ { // the first call after a restart may meet a dead pooled connection
		if _, _, lastErr = st.Register(ctx, []model.NewShipment{sample(2)}, store.SourceAPI, "t"); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("registration after the database came back: %v", lastErr)
	}
	if err := st.SchemaCurrent(ctx); err != nil {
		t.Errorf("schema check after the database came back: %v", err)
	}
	p, err := st.Shipments(ctx, store.ListFilter{})
	if err != nil || len(p.Shipments) != 2 {
		t.Fatalf("after restart: %v shipments, %v", len(p.Shipments), err)
	}
}
