package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"postvakt/internal/store"
)

func TestLookedUpContactsCacheAndImportWins(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	ttl := 24 * time.Hour
	a, b, c := orgs[0], orgs[1], orgs[2]
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: a, Email: "import@a.no"}}, store.ContactSourceImport); err != nil {
		t.Fatal(err)
	}
	need, err := st.OrgsNeedingLookup(ctx, []string{a, b, c, b}, now, ttl)
	if err != nil || !reflect.DeepEqual(need, []string{b, c}) {
		t.Fatalf("need lookup: %v %v, want %s %s (not %s, which has an imported address)", need, err, b, c, a)
	}
	// a is looked up too (say, it had no import then): the import still wins.
	found := map[string][]string{a: {"profile@a.no"}, b: {"z@b.no", "y@b.no"}}
	if err := st.StoreLookedUpContacts(ctx, []string{a, b, c}, found, now); err != nil {
		t.Fatal(err)
	}
	for org, want := range map[string][]string{a: {"import@a.no"}, b: {"y@b.no", "z@b.no"}, c: nil} {
		if got, err := st.ContactEmails(ctx, org); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("contacts of %s: %v %v, want %v", org, got, err, want)
		}
	}
	// Within the TTL nobody is asked again, also not c (no addresses).
	if need, _ := st.OrgsNeedingLookup(ctx, []string{a, b, c}, now.Add(ttl-time.Minute), ttl); len(need) != 0 {
		t.Fatalf("asked again within the TTL: %v", need)
	}
	need, _ = st.OrgsNeedingLookup(ctx, []string{a, b, c}, now.Add(ttl+time.Minute), ttl)
	if !reflect.DeepEqual(need, []string{b, c}) {
		t.Fatalf("after the TTL: %v", need)
	}
	// A new answer replaces the old addresses.
	if err := st.StoreLookedUpContacts(ctx, []string{b}, map[string][]string{b: {"new@b.no"}}, now.Add(ttl+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ContactEmails(ctx, b); !reflect.DeepEqual(got, []string{"new@b.no"}) {
		t.Fatalf("after a new answer: %v", got)
	}
	// An import replaces imported addresses only; the same address from both
	// sources is fine.
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: b, Email: "new@b.no"}}, store.ContactSourceImport); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ContactEmails(ctx, b); !reflect.DeepEqual(got, []string{"new@b.no"}) {
		t.Fatalf("import of the looked-up address: %v", got)
	}
	if _, err := st.ReplaceContacts(ctx, nil, store.ContactSourceProfile); err == nil {
		t.Fatal("an import under the lookup source was accepted")
	}
}
