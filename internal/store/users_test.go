package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
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
		// The audit log names a user by name ("user:kari"): "Kari" beside
		// "kari" would be two people it cannot tell apart.
		{"duplicate in another case", store.User{Name: "Kari", PasswordHash: "h", Role: "compliance", SenderOrg: "964338531"}, false},
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
	if err := st.CreateSession(ctx, hash, u.ID, "csrf-token", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	se, err := st.SessionByHash(ctx, hash, now)
	if err != nil || se.Name != "ola" || se.CSRF != "csrf-token" || !se.CreatedAt.Equal(now) || !se.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("session = %+v, %v", se, err)
	}
	if _, err := st.SessionByHash(ctx, hash, now.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session found: %v", err)
	}
	if n, err := st.PurgeSessions(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge sessions: %d %v", n, err)
	}
	if err := st.CreateSession(ctx, hash, u.ID, "c", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession(ctx, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionByHash(ctx, hash, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session found: %v", err)
	}
}

// TestExtendSession: an unexpired session is made to last until the time
// asked, never shorter (an earlier time leaves it as it was); an expired
// one, or one of a disabled user, is ErrNotFound and stays ended.
func TestExtendSession(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	id, err := st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := st.CreateSession(ctx, hash, id, "c", now, now.Add(8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	at := now.Add(7*time.Hour + 45*time.Minute)
	if ends, err := st.ExtendSession(ctx, hash, at, at.Add(8*time.Hour)); err != nil || !ends.Equal(at.Add(8*time.Hour)) {
		t.Fatalf("extend at 19:45 by 8 hours: %v %v, want %v", ends, err, at.Add(8*time.Hour))
	}
	if se, err := st.SessionByHash(ctx, hash, now.Add(10*time.Hour)); err != nil || !se.ExpiresAt.Equal(at.Add(8*time.Hour)) {
		t.Fatalf("the extended session at 22:00: %+v %v, want it to last until %v", se, err, at.Add(8*time.Hour))
	}
	if ends, err := st.ExtendSession(ctx, hash, at, now.Add(9*time.Hour)); err != nil || !ends.Equal(at.Add(8*time.Hour)) {
		t.Fatalf("extend to an earlier time: %v %v, want it left at %v", ends, err, at.Add(8*time.Hour))
	}
	late := at.Add(8 * time.Hour)
	if _, err := st.ExtendSession(ctx, hash, late, late.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("extend an ended session: %v, want ErrNotFound", err)
	}
	if err := st.SetUserDisabled(ctx, id, true, now); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, []byte("another hash of 32 bytes, 012345"), id, "c", now, now.Add(8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExtendSession(ctx, []byte("another hash of 32 bytes, 012345"), now, now.Add(9*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("extend a disabled user's session: %v, want ErrNotFound", err)
	}
}

// TestSetUserDisabledAudited: disabling changes and audits in one
// transaction and says whether it changed the user. A user disabled again
// keeps the time it was first disabled (the retention purge of its e-mail
// address counts from it) and no second entry is written, its sessions
// still ended; a user there is not is ErrNotFound. With the audit log
// refusing, the user stays as it was.
func TestSetUserDisabledAudited(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	id, err := st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	entry := &store.AuditEntry{Actor: "cli:ops", Action: store.ActUserDisable, Object: "user:kari"}
	for i, c := range []struct {
		disabled, changed bool
		at, want          time.Time
	}{
		{true, true, first, first},
		{true, false, first.AddDate(1, 0, 0), first}, // again a year later: still disabled since the first
		{false, true, first.AddDate(1, 0, 0), time.Time{}},
		{false, false, first.AddDate(1, 0, 0), time.Time{}},
	} {
		hash := []byte{byte(i)}
		if err := st.CreateSession(ctx, hash, id, "c", c.at, c.at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		changed, err := st.SetUserDisabledAudited(ctx, id, c.disabled, c.at, entry)
		u, uerr := st.UserByID(ctx, id)
		if err != nil || uerr != nil || changed != c.changed || (u.DisabledAt == nil) != c.want.IsZero() ||
			u.DisabledAt != nil && !u.DisabledAt.Equal(c.want) {
			t.Errorf("%d: disabled=%v: changed %v, %v, %v, disabled at %v; want changed %v, disabled at %v", i, c.disabled, changed, err, uerr,
				u.DisabledAt, c.changed, c.want)
		}
		if _, err := st.SessionByHash(ctx, hash, c.at); c.disabled != errors.Is(err, store.ErrNotFound) {
			t.Errorf("%d: disabled=%v: a session of the user: %v", i, c.disabled, err)
		}
	}
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE object = 'user:kari'`); err != nil || n != 2 {
		t.Errorf("%d audit entries (%v); want 2, one per change", n, err)
	}
	if _, err := st.SetUserDisabledAudited(ctx, id+100, true, first, entry); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disable a user there is not: %v; want ErrNotFound", err)
	}
	storetest.RefuseAudit(t, st.DB())
	if _, err := st.SetUserDisabledAudited(ctx, id, true, first, entry); err == nil {
		t.Error("disable with the audit log refusing: no error")
	}
	if u, err := st.UserByID(ctx, id); err != nil || u.DisabledAt != nil {
		t.Errorf("with the audit log refusing the user is disabled at %v (%v); want it enabled", u.DisabledAt, err)
	}
}
