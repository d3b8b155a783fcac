package remind_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// One organisation's entry in Altinn Profile with an address no mail
// server takes (a local part of 3,000 characters: RFC 5321 allows 64, a
// path 256) concerns that organisation alone: the other organisations of
// the lookup get their addresses, and the lookup's answer is stored, so
// the escalation run goes on. Taken for an address, it made the store's
// insert of the whole batch's addresses fail (an index row holds at most
// about 2,700 bytes), and Resolve's error stopped every run.
func TestProfileOverlongAddressHoldsBackNoOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFakeAltinn(t)
	st := storetest.Open(t)
	const other = "910753614"
	rnd := rand.New(rand.NewPCG(1, 2))
	long := make([]byte, 3000)
	for i := range long {
		long[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rnd.IntN(36)]
	}
	f.Addresses[hnFirma] = []string{string(long) + "@firma.example.no"}
	f.Addresses[other] = []string{"post@other.example.no"}
	res := &remind.Resolver{Book: st, Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-profile")},
		Logger: slog.New(slog.DiscardHandler)}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(ctx, []string{hnFirma, other}, now, false)
	if err != nil {
		t.Fatalf("resolve: %v; one organisation's address stopped the lookup of all", err)
	}
	if len(got.Found[other]) != 1 || got.Unknown[other] {
		t.Fatalf("resolved %+v, want %s's address", got, other)
	}
	if len(got.Found[hnFirma]) != 0 {
		t.Fatalf("an address of %d characters taken for %s", len(got.Found[hnFirma][0]), hnFirma)
	}
}
