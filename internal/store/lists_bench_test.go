package store_test

import (
	"context"
	"testing"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// BenchmarkLists measures the compliance lists against a large database
// given in POSTVAKT_BENCH_URL (e.g. 1,000,000 shipments to 10,000
// organisations; SPEC target p95 < 50 ms). It is not run by `go test`.
func BenchmarkLists(b *testing.B) {
	st := storetest.Bench(b)
	ctx := context.Background()
	// serve refreshes the rollups every minute; do what it does.
	if err := st.RefreshListSummaries(ctx); err != nil {
		b.Fatal(err)
	}
	sum, err := st.Summarise(ctx, store.ListFilter{List: store.ListUnopened}, store.ByRecipient, 0, 50)
	if err != nil || len(sum.Groups) == 0 {
		b.Fatalf("summary: %v", err)
	}
	org := sum.Groups[0].Key
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"summary by organisation", func() error {
			_, err := st.Summarise(ctx, store.ListFilter{List: store.ListUnopened}, store.ByRecipient, 0, 50)
			return err
		}},
		{"summary by organisation, scoped", func() error {
			_, err := st.Summarise(ctx, store.ListFilter{List: store.ListUnopened, Scope: store.Scope{SenderOrg: "964338531"}}, store.ByRecipient, 0, 50)
			return err
		}},
		{"summary by unit", func() error {
			_, err := st.Summarise(ctx, store.ListFilter{List: store.ListUnopened}, store.ByUnit, 0, 50)
			return err
		}},
		{"one organisation's list", func() error {
			_, err := st.ListShipments(ctx, store.ListFilter{List: store.ListUnopened, Recipient: org, Limit: 100})
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) { storetest.P95(b, bc.run) })
	}
}
