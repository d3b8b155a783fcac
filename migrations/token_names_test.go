package migrations_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
)

// tokensAfterUp goes down to version from, stores API tokens there (the
// i-th with names[i], revoked now if revoked[i], of sender organisation
// orgs[i]), migrates up and returns the tokens then in the order stored,
// each its name (with " revoked" after a revoked one's), joined by " | ".
func tokensAfterUp(t *testing.T, db *sql.DB, p *goose.Provider, from int64, names []string, revoked []bool, orgs []string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := p.DownTo(ctx, from); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (name, role, hash, revoked_at, sender_org)
		SELECT n, 'compliance', decode(md5(i::text), 'hex'), CASE WHEN r THEN now() END, o
		FROM unnest($1::text[], $2::bool[], $3::text[]) WITH ORDINALITY AS x(n, r, o, i)`,
		pq.Array(names), pq.Array(revoked), pq.Array(orgs)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	return rows(t, db, `SELECT name || CASE WHEN revoked_at IS NULL THEN '' ELSE ' revoked' END FROM api_tokens ORDER BY id`)
}

// TestTokenNames: 00034 leaves no two active API tokens with one name and
// loses none: the oldest keeps its name, the others get the first free
// " (N)" (N from 2; a name an active token has already is skipped); a
// revoked token keeps its name, which an active one may share; names are
// per sender organisation (another organisation's "sak" and "ci" keep
// theirs); after it, a second active token of a name in one organisation is
// refused, one in another organisation is not.
func TestTokenNames(t *testing.T) {
	ctx := context.Background()
	_, db, p := provider(t)
	got := tokensAfterUp(t, db, p, 33, []string{"sak", "sak", "sak", "sak (2)", "sak", "ci", "sak", "ci"},
		[]bool{false, false, false, false, true, false, false, false}, []string{"", "", "", "", "", "", "964338531", "964338531"})
	if want := "sak | sak (3) | sak (4) | sak (2) | sak revoked | ci | sak | ci"; got != want {
		t.Errorf("tokens after 00034: %s, want %s", got, want)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (name, role, hash) VALUES ('ci', 'admin', '\x01')`); err == nil {
		t.Error("a second active token named ci was stored")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (name, role, hash, sender_org) VALUES ('sak (3)', 'admin', '\x02', '964338531')`); err != nil {
		t.Errorf("another organisation's token could not take a name this one has: %v", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = 'ci' AND sender_org = '';
		INSERT INTO api_tokens (name, role, hash) VALUES ('ci', 'admin', '\x01')`); err != nil {
		t.Errorf("the name of a revoked token could not be used again: %v", err)
	}
}

// TestTokenNamesAnyCase: 00038 makes an active token's name unique in its
// sender organisation whatever its case. Active duplicates that differ only
// in case, allowed before, do not break the upgrade: the oldest keeps its
// name, the others get the first " (N)" no active token of the organisation
// has in any case ("sak (2)" is taken by "SAK (2)"); a revoked token and
// another organisation's token keep theirs. After it, "CI" is refused where
// "Ci" is active, and Down goes back to exact names.
func TestTokenNamesAnyCase(t *testing.T) {
	ctx := context.Background()
	_, db, p := provider(t)
	got := tokensAfterUp(t, db, p, 37, []string{"Sak", "sak", "SAK (2)", "SAK", "sAk", "sak", "Ci", "ci"},
		[]bool{false, false, false, false, true, false, false, false}, []string{"", "", "", "", "", "964338531", "964338531", "964338531"})
	if want := "Sak | sak (3) | SAK (2) | SAK (4) | sAk revoked | sak | Ci | ci (2)"; got != want {
		t.Errorf("tokens after 00038: %s, want %s", got, want)
	}
	for _, tc := range []struct{ name, org string }{{"CI", "964338531"}, {"sak", ""}, {"Sak (3)", ""}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (name, role, hash, sender_org) VALUES ($1, 'admin', '\x01', $2)`, tc.name, tc.org); err == nil {
			t.Errorf("a second active token named %q (in another case) in organisation %q was stored", tc.name, tc.org)
		}
	}
	if _, err := p.DownTo(ctx, 37); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (name, role, hash, sender_org) VALUES ('CI', 'admin', '\x01', '964338531')`); err != nil {
		t.Errorf("after Down, a name differing in case only: %v, want it stored", err)
	}
}
