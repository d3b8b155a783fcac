package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"postvakt/internal/store"
)

func TestAccessMatrix(t *testing.T) {
	for _, tc := range []struct {
		role string
		perm Permission
		ok   bool
	}{
		{RoleAdmin, ManageUsers, true},
		{RoleAdmin, ViewShipments, true},
		{RoleCompliance, ViewAudit, true},
		{RoleCompliance, ApprovePrint, true},
		{RoleCompliance, ManageUsers, false},
		{RoleCompliance, ViewOperations, false},
		{RoleUnit, ViewShipments, true},
		{RoleUnit, RecordFollowUp, true},
		{RoleUnit, ViewAudit, false},
		{RoleUnit, ApprovePrint, false},
		{RoleCompliance, ImportLetters, true},
		{RoleUnit, ImportLetters, true},
		{RoleOperations, ImportLetters, false},
		{RoleOperations, ViewOperations, true},
		{RoleOperations, ViewShipments, false},
		// The rules page: every role reads it; the e-mail addresses in
		// the rules (a person's, maybe) only admin and compliance.
		{RoleAdmin, ViewRules, true},
		{RoleCompliance, ViewRules, true},
		{RoleUnit, ViewRules, true},
		{RoleOperations, ViewRules, true},
		{RoleAdmin, ViewRuleAddresses, true},
		{RoleCompliance, ViewRuleAddresses, true},
		{RoleUnit, ViewRuleAddresses, false},
		{RoleOperations, ViewRuleAddresses, false},
		{"nobody", ViewRules, false},
		{"nobody", ViewShipments, false},
	} {
		p := &Principal{Role: tc.role}
		if got := p.Can(tc.perm); got != tc.ok {
			t.Errorf("%s can %s = %v, want %v", tc.role, tc.perm, got, tc.ok)
		}
	}
	var nobody *Principal
	if nobody.Can(ViewShipments) {
		t.Error("nil principal may view shipments")
	}
}

func TestScope(t *testing.T) {
	for _, tc := range []struct {
		p    Principal
		want store.Scope
	}{
		{Principal{Role: RoleUnit, SenderOrg: "964338531", Unit: "NAV"}, store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}},
		{Principal{Role: RoleCompliance, SenderOrg: "964338531", Unit: "ignored"}, store.Scope{SenderOrg: "964338531"}},
		{Principal{Role: RoleAdmin}, store.Scope{}},
	} {
		if got := tc.p.Scope(); got != tc.want {
			t.Errorf("%+v scope = %+v, want %+v", tc.p, got, tc.want)
		}
	}
}

func TestPasswords(t *testing.T) {
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
	pw := GeneratePassword()
	if len(pw) != 20 {
		t.Fatalf("generated password %q", pw)
	}
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, pw) || CheckPassword(h, pw+"x") {
		t.Fatal("password check wrong")
	}
	if Equal("", "") || !Equal("abc", "abc") || Equal("abc", "abd") {
		t.Fatal("Equal wrong")
	}
	if a, b := NewSecret(), NewSecret(); a == b || len(HashSecret(a)) != 32 {
		t.Fatal("secrets not random or hash not SHA-256")
	}
}

// TestDummyHashCost: the constant hash an unknown user's login is checked
// against costs as much as a real one, and is a valid bcrypt hash (a
// malformed one would return at once and tell unknown names apart).
func TestDummyHashCost(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash)
	if err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("dummy hash cost %d (%v), want %d", cost, err, bcrypt.DefaultCost)
	}
	if err := bcrypt.CompareHashAndPassword(dummyHash, []byte("postvakt-no-such-user")); err != nil {
		t.Fatalf("dummy hash does not match its password: %v", err)
	}
}
