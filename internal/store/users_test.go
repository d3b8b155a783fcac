package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
)

func TestUsersAndSessions(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	for _, tc := range []struct {
		name string
		u    store.User
		ok   bool
	}{
		{"admin", store.User{Name: "kari", PasswordHash: "h", Role: "admin"}, true},
		{"unit", store.User{Name: "ola", PasswordHash: "h", Role: "unit", SenderOrg: "964338531", Unit: "NAV"}, true},
		{"unit without unit", store.User{Name: "per", PasswordHash: "h", Role: "unit", SenderOrg: "964338531"}, false},
		{"bad role", store.User{Name: "eva", PasswordHash: "h", Role: "root"}, false},
		{"duplicate", store.User{Name: "kari", PasswordHash: "h", Role: "admin"}, false},
	} {
		if _, err := st.CreateUser(ctx, tc.u); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	u, err := st.UserByName(ctx, "ola")
	if err != nil || u.Unit != "NAV" || u.Role != "unit" {
		t.Fatalf("UserByName = %+v, %v", u, err)
	}
	if _, err := st.UserByName(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := st.CreateSession(ctx, hash, u.ID, "csrf-token", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	se, err := st.SessionByHash(ctx, hash, now)
	if err != nil || se.Name != "ola" || se.CSRF != "csrf-token" {
		t.Fatalf("session = %+v, %v", se, err)
	}
	if _, err := st.SessionByHash(ctx, hash, now.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session found: %v", err)
	}
	if n, err := st.PurgeSessions(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge sessions: %d %v", n, err)
	}
	if err := st.CreateSession(ctx, hash, u.ID, "c", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession(ctx, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionByHash(ctx, hash, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session found: %v", err)
	}
}
