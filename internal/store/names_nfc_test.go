package store_test

import (
	"context"
	"testing"

	"postvakt/internal/store"
)

// TestUnitScopeComposed: a unit user or token made with the unit's name
// typed on a Mac (decomposed, NFD), or a user's access changed to it (the
// admin page's access form), is limited to the unit as letters carry it
// (composed, NFC), not to a look-alike no letter has.
func TestUnitScopeComposed(t *testing.T) {
	const nfc, nfd = "Barnevern \u00c5s", "Barnevern A\u030as"
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.CreateUser(ctx, store.User{Name: "ola", PasswordHash: "h", Role: "unit", SenderOrg: "964338531", Unit: nfd}); err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByName(ctx, "ola")
	if err != nil || u.Unit != nfc {
		t.Errorf("user's unit %q, %v; want %q", u.Unit, err, nfc)
	}
	if _, err := st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "h", Role: "compliance", SenderOrg: "964338531"}); err != nil {
		t.Fatal(err)
	}
	kari, err := st.UserByName(ctx, "kari")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserAccess(ctx, kari.ID, "unit", "964338531", nfd); err != nil {
		t.Fatal(err)
	}
	if kari, err = st.UserByName(ctx, "kari"); err != nil || kari.Unit != nfc {
		t.Errorf("unit of the user whose access was changed: %q, %v; want %q", kari.Unit, err, nfc)
	}
	secret, err := st.CreateToken(ctx, store.Token{Name: "sak", Role: "unit", SenderOrg: "964338531", Unit: nfd})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := st.TokenBySecret(ctx, secret)
	if err != nil || tok.Unit != nfc {
		t.Errorf("token's unit %q, %v; want %q", tok.Unit, err, nfc)
	}
}
