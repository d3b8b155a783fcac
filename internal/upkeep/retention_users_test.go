package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A user disabled longer ago than the retention period loses their e-mail
// address to the nightly purge, and keeps their row and name (the audit
// log names them); a user disabled recently, and an enabled user however
// old, keep theirs.
func TestRetentionClearsTheEmailOfUsersDisabledLongAgo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	for _, u := range []struct {
		name     string
		disabled any
	}{{"gammel", now.AddDate(-5, 0, -1)}, {"nylig", now.AddDate(-4, 0, 0)}, {"aktiv", nil}} {
		if _, err := st.CreateUser(ctx, store.User{Name: u.name, PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
			Email: u.name + "@kommune.example"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE users SET created_at = $2, disabled_at = $3 WHERE name = $1`,
			u.name, now.AddDate(-10, 0, 0), u.disabled); err != nil {
			t.Fatal(err)
		}
	}
	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), RetentionYears: 5}
	p, err := u.Purge(ctx, now)
	if err != nil || p.UserEmails != 1 {
		t.Fatalf("purge %+v %v; want one user's e-mail cleared", p, err)
	}
	if found := scan(t, st, []string{"gammel@kommune.example"}); len(found) > 0 {
		t.Errorf("the e-mail of the user disabled long ago is still stored in %v", found)
	}
	var users []struct {
		Name  string `db:"name"`
		Email string `db:"email"`
	}
	if err := st.DB().Select(&users, `SELECT name, email FROM users ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"aktiv": "aktiv@kommune.example", "gammel": "", "nylig": "nylig@kommune.example"}
	if len(users) != 3 {
		t.Fatalf("users %+v, want all three kept", users)
	}
	for _, u := range users {
		if u.Email != want[u.Name] {
			t.Errorf("user %s has e-mail %q, want %q", u.Name, u.Email, want[u.Name])
		}
	}
}
