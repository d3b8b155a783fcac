package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// shipmentReads is how many shipments and recipients rows the database has
// read so far (sequential scans and index fetches), once every backend's
// counters have reached the statistics (a backend reports them when it
// exits; st is closed before).
func tableReads(t *testing.T, db *sql.DB, table string) int64 {
	t.Helper()
	var last int64 = -1
	for i := 0; i < 20; i++ {
		var n int64
		if _, err := db.Exec(`SELECT pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = $1`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == last {
			return n
		}
		last = n
		time.Sleep(600 * time.Millisecond)
	}
	return last
}

// bigAndSmall registers n letters of a large sender organisation, each to
// its own receiving organisation, and 5 older ones of a small sender
// organisation, and returns the database URL.
func bigAndSmall(t *testing.T, n int) (url, small, recipient string) {
	url = pgtest.New(t)
	ctx := context.Background()
	st, err := store.Open(ctx, url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	orgs := storetest.OrgNumbers(n + 1)
	small = orgs[n]
	var batch []model.NewShipment
	for i := 0; i < n; i++ {
		l := storetest.Letter(i)
		l.ChannelID = storetest.ChannelID("big", i)
		l.RecipientID = orgs[i]
		l.SentAt = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		batch = append(batch, l)
		if len(batch) == 5000 || i == n-1 {
			storetest.Register(t, st, batch...)
			batch = batch[:0]
		}
	}
	for i := 0; i < 5; i++ {
		l := storetest.Letter(i)
		l.ChannelID = storetest.ChannelID("small", i)
		l.SenderOrg, l.SenderUnit = small, "Lite kontor"
		l.SentAt = time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)
		batch = append(batch, l)
	}
	storetest.Register(t, st, batch...)
	if _, err := st.DB().Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	return url, small, orgs[n/2]
}

// TestAPIShipmentsReadWhatTheyList: GET /api/v1/shipments with a token
// scoped to a small sender organisation reads that organisation's letters,
// not every organisation's walked by sent_at (at 100,000 letters that took
// 0.33-0.7 s a page and grew with the whole table); ?recipient=N finds the
// recipient through the unique (kind, ident) index, not by reading every
// organisation and person ever written to.
func TestAPIShipmentsReadWhatTheyList(t *testing.T) {
	const n = 20000
	url, small, recipient := bigAndSmall(t, n)
	admin, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, tc := range []struct {
		name, table string
		f           store.ListFilter
		want        int   // letters listed
		most        int64 // rows of table read at most
	}{
		{"scoped to a small organisation", "shipments", store.ListFilter{Scope: store.Scope{SenderOrg: small}, Limit: 100}, 5, 1000},
		{"one recipient", "recipients", store.ListFilter{Recipient: recipient, Limit: 100}, 1, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tableReads(t, admin, tc.table)
			st, err := store.Open(context.Background(), url, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			page, err := st.Shipments(context.Background(), tc.f)
			st.Close() // its session's statistics are written when it ends
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Shipments) != tc.want {
				t.Fatalf("got %d shipments, want %d", len(page.Shipments), tc.want)
			}
			read := tableReads(t, admin, tc.table) - before
			t.Logf("one page of %d letters read %d %s rows (%d letters in all)", tc.want, read, tc.table, n)
			if read > tc.most {
				t.Errorf("one page of %d letters read %d %s rows, more than %d: the condition is applied after a walk of the whole table",
					tc.want, read, tc.table, tc.most)
			}
		})
	}
}
