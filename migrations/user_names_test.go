package migrations_test

import (
	"context"
	"strings"
	"testing"
)

// The upgrade to 00058 indexes user names in any case. Users whose names
// differ only in case (made by two adds at the same moment before) stop
// it, named, with how to mend them, and nothing is renamed; once they
// are, it applies.
func TestUserNamesAnyCaseUpgrade(t *testing.T) {
	ctx := context.Background()
	_, db, p := provider(t)
	if _, err := p.DownTo(ctx, 57); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (name, password_hash, role) VALUES
		('Kari', 'x', 'admin'), ('kari', 'x', 'admin'), ('per', 'x', 'admin'), ('PER', 'x', 'admin'), ('ola', 'x', 'admin')`); err != nil {
		t.Fatal(err)
	}
	_, err := p.Up(ctx)
	if err == nil {
		t.Fatal("up with Kari and kari: applied, want it stopped")
	}
	for _, want := range []string{"Kari, kari", "PER, per", "UPDATE users SET name", "migrate again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("up with Kari and kari: %v, want it to say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "ola") {
		t.Errorf("up: %v names ola, who has no double", err)
	}
	if got := texts(t, db, `SELECT name FROM users ORDER BY name COLLATE "C"`); strings.Join(got, " ") != "Kari PER kari ola per" {
		t.Errorf("users after the stopped upgrade: %v, want them as they were", got)
	}
	if _, err := db.ExecContext(ctx, `UPDATE users SET name = 'kari2' WHERE name = 'Kari';
		UPDATE users SET name = 'per2' WHERE name = 'PER'`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up once renamed: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (name, password_hash, role) VALUES ('OLA', 'x', 'admin')`); err == nil {
		t.Error("OLA beside ola after the upgrade: stored, want the index to refuse it")
	}
}
