package store_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestInteractiveStatementTimeout: the requests' store (Interactive) ends a
// statement that runs past its timeout, with an error TooLong recognises,
// also where DATABASE_URL sets a longer statement_timeout of its own; the
// store it was made from (the jobs') runs the same statement to its end;
// after the timeout the requests' store answers the next statement.
func TestInteractiveStatementTimeout(t *testing.T) {
	ctx := t.Context()
	u := pgtest.New(t)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	jobs := storetest.OpenURL(t, u+sep+"statement_timeout=10min")
	requests, err := jobs.Interactive(ctx, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer requests.Close()

	start := time.Now()
	_, err = requests.DB().ExecContext(ctx, `SELECT pg_sleep(2)`)
	if !store.TooLong(err) || time.Since(start) > 1500*time.Millisecond {
		t.Fatalf("a 2 s statement on the requests' store: %v after %s, want ended as too long after about 200ms", err, time.Since(start))
	}
	if _, err := jobs.DB().ExecContext(ctx, `SELECT pg_sleep(0.5)`); err != nil {
		t.Errorf("a 0.5 s statement on the jobs' store: %v, want none", err)
	}
	var shown string
	if err := requests.DB().GetContext(ctx, &shown, `SHOW statement_timeout`); err != nil || shown != "200ms" {
		t.Errorf("the requests' statement_timeout: %q, %v; want 200ms", shown, err)
	}
	if err := jobs.DB().GetContext(ctx, &shown, `SHOW statement_timeout`); err != nil || shown != "10min" {
		t.Errorf("the jobs' statement_timeout: %q, %v; want DATABASE_URL's 10min", shown, err)
	}
	if store.TooLong(nil) || store.TooLong(store.ErrNotFound) {
		t.Error("TooLong of an error that is not a cancelled statement")
	}
}
