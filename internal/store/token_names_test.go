package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestTokenNameUniqueWhileActive: a second active token of a name in one
// sender organisation, in any case, is refused with ErrTokenNameInUse (the
// audit log and the lists show tokens by name); another organisation may use the name;
// once the first is revoked, its name may be used again.
func TestTokenNameUniqueWhileActive(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	id, _, err := st.CreateTokenID(ctx, store.Token{Name: "sak-system", Role: "compliance", SenderOrg: "964338531"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.CreateToken(ctx, store.Token{Name: "sak-system", Role: "admin", SenderOrg: "964338531"})
	if !errors.Is(err, store.ErrTokenNameInUse) {
		t.Fatalf("a second active token named sak-system in the organisation: %v, want ErrTokenNameInUse", err)
	}
	_, err = st.CreateToken(ctx, store.Token{Name: "Sak-System", Role: "admin", SenderOrg: "964338531"})
	if !errors.Is(err, store.ErrTokenNameInUse) {
		t.Fatalf("Sak-System in the organisation while sak-system is active: %v, want ErrTokenNameInUse", err)
	}
	// Names are per sender organisation: another organisation's admin, or
	// an unscoped token, neither learns of nor is refused this name.
	for _, org := range []string{"", "910055003"} {
		if _, err := st.CreateToken(ctx, store.Token{Name: "sak-system", Role: "admin", SenderOrg: org}); err != nil {
			t.Fatalf("sak-system for organisation %q while 964338531 has one: %v, want it accepted", org, err)
		}
	}
	if _, err := st.CreateToken(ctx, store.Token{Name: "sak-system-2", Role: "admin"}); err != nil {
		t.Fatalf("another name: %v", err)
	}
	if err := st.RevokeToken(ctx, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, store.Token{Name: "sak-system", Role: "compliance", SenderOrg: "964338531"}); err != nil {
		t.Fatalf("the name of a revoked token: %v, want it accepted", err)
	}
}
