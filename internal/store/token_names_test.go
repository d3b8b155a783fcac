package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestTokenNameUniqueWhileActive: a second active token of a name is
// refused with ErrTokenNameInUse (the audit log and the lists show tokens
// by name); once the first is revoked, its name may be used again.
func TestTokenNameUniqueWhileActive(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	id, _, err := st.CreateTokenID(ctx, store.Token{Name: "sak-system", Role: "compliance", SenderOrg: "964338531"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.CreateToken(ctx, store.Token{Name: "sak-system", Role: "admin"})
	if !errors.Is(err, store.ErrTokenNameInUse) {
		t.Fatalf("a second active token named sak-system: %v, want ErrTokenNameInUse", err)
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
