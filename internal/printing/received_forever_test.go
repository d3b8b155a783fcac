package printing_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// A provider that accepts an order and then keeps answering "received"
// for a month (lost inside the provider, as Copenhagen's 1,950 letters were
// lost inside the channel) is told by print_provider_silent's facts (every
// poll answers, so no other fact counts it): both orders, from when they
// were placed.
func TestOrderReceivedForAMonthIsCounted(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1), storetest.Letter(2))
	_, srv := newFakeProvider(t) // answers every poll "received"
	svc := ordered(t, st, srv.URL, ids, now)
	end := now.Add(30 * 24 * time.Hour)
	for at := now; !at.After(end); at = at.Add(6 * time.Hour) {
		if _, err := svc.RunOnce(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	f, err := st.PrintProviderFacts(ctx, end.Add(-6*time.Hour), end.Add(-5*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var manual int
	if err := st.DB().Get(&manual, `SELECT count(*) FROM print_manual`); err != nil {
		t.Fatal(err)
	}
	if f.Unprinted != 2 || f.UnprintedSince == nil || !f.UnprintedSince.Equal(now) || f.Unanswered != 0 || manual != 0 {
		t.Errorf("after 30 days in 'received': facts %+v, manual cases %d; want both orders unprinted since %s", f, manual, now)
	}
}
