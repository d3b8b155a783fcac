package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestServeStatementTimeoutCoversPreviewAndPrintDecisions: with
// POSTVAKT_STATEMENT_TIMEOUT=1s, the preview of the next escalation run
// (/preview) and a print batch's release (POST /print/{id}/release), both
// asked for from the UI, go through the requests' pool: behind a lock
// another session holds (the letters' table; the batch's row) the database
// ends their statement after about a second and they are answered 503,
// where on the jobs' pool, which has no timeout, they waited for the lock
// (the preview up to 5 minutes). Once the lock is gone the release goes
// through.
func TestServeStatementTimeoutCoversPreviewAndPrintDecisions(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	ids := storetest.IDs(storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2)))
	now := time.Now()
	if _, err := st.CreatePrintOrders(ctx, ids, "taushetsbelagt", true, now); err != nil {
		t.Fatal(err)
	}
	ls, err := st.ClaimPrintLookups(ctx, ids, now, len(ids), time.Minute)
	if err != nil || len(ls) != len(ids) {
		t.Fatalf("claim print lookups: %d %v", len(ls), err)
	}
	for _, l := range ls {
		if _, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: l.ShipmentID, Outcome: store.ResolveOrder, At: now,
			Request: []byte(`{"documentRef":"x","recipientName":"AS","address":{"lines":["Gate 1"],"postalCode":"5003","city":"BERGEN","countryCode":"NO"}}`)}); err != nil {
			t.Fatal(err)
		}
	}
	batches, err := st.PrintBatches(ctx, store.Scope{}, now)
	if err != nil || len(batches) != 1 || batches[0].State != "held" {
		t.Fatalf("print batches: %+v %v, want one held", batches, err)
	}
	batch := batches[0]
	password := addUser(t, db, "kari", "--role", "compliance")
	addr, cmd, logs := startServe(t, db, "POSTVAKT_STATEMENT_TIMEOUT=1s", "POSTVAKT_PRINT_URL=http://127.0.0.1:1",
		"POSTVAKT_REGISTER_URL=http://127.0.0.1:1")
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	// Asked for from the UI, as an officer does: a session and its forms'
	// CSRF token (a bearer token sends no UI form).
	client := loginClient(t, addr, "kari", password, "en")
	client.Timeout = 15 * time.Second
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	do := func(method, path string, form url.Values) (int, time.Duration) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, time.Since(start) // the client's timeout: it waited on the lock
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, time.Since(start)
	}

	// The letters locked as a migration or a stuck job can: the preview
	// waits on them.
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE shipments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	code, took := do("GET", "/preview", nil)
	tx.Rollback()
	if code != http.StatusServiceUnavailable || took > 10*time.Second {
		t.Errorf("/preview behind a lock: %d after %s, want 503 after about 1s (the requests' statement timeout)\n%s", code, took, tail(logs.String(), 5))
	}

	// The batch's row locked (its print job, another officer's decision):
	// the release waits on it; the list of batches does not.
	release := fmt.Sprintf("/print/%d/release", batch.ID)
	resp, err := client.Get(fmt.Sprintf("http://%s/print/%d", addr, batch.ID))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if csrf == nil {
		t.Fatalf("the print batch's page (%d) has no form with a CSRF token", resp.StatusCode)
	}
	form := url.Values{"csrf": {string(csrf[1])}, "shipments": {strconv.Itoa(batch.Shipments)}, "digest": {batch.Digest}}
	tx, err = st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM print_batches WHERE id = $1 FOR UPDATE`, batch.ID); err != nil {
		t.Fatal(err)
	}
	code, took = do("POST", release, form)
	tx.Rollback()
	if code != http.StatusServiceUnavailable || took > 10*time.Second {
		t.Errorf("a print batch's release behind its row's lock: %d after %s, want 503 after about 1s\n%s", code, took, tail(logs.String(), 5))
	}
	if code, _ := do("POST", release, form); code != http.StatusSeeOther {
		t.Errorf("the release once the lock is gone: %d, want 303", code)
	}
}

// TestReadmeConnectionsPerServe: the README's figure of the connections
// one serve opens (to size max_connections by) is what a running serve's
// pools allow, as its /metrics shows them: the jobs' pool
// (db_name="postvakt") and the requests' (db_name="postvakt_requests"),
// and their sum.
func TestReadmeConnectionsPerServe(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	m := regexp.MustCompile("A `serve` opens at most (\\d+) connections: (\\d+) for the jobs' pool and (\\d+) for the requests'").FindStringSubmatch(text)
	if m == nil {
		t.Fatal("README does not say how many connections a serve opens (\"A `serve` opens at most N connections: J for the jobs' pool and R for the requests'\")")
	}
	db := pgtest.New(t)
	token := newToken(t, db, "prometheus", "operations")
	addr, cmd, _ := startServe(t, db)
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	_, metrics := scrape(t, addr, token)
	pool := func(name string) string {
		p := regexp.MustCompile(`(?m)^go_sql_max_open_connections\{db_name="` + name + `"\} (\d+)$`).FindStringSubmatch(metrics)
		if p == nil {
			t.Fatalf("/metrics has no go_sql_max_open_connections for %s", name)
		}
		return p[1]
	}
	jobs, requests := pool("postvakt"), pool("postvakt_requests")
	j, _ := strconv.Atoi(jobs)
	r, _ := strconv.Atoi(requests)
	if m[2] != jobs || m[3] != requests || m[1] != strconv.Itoa(j+r) {
		t.Errorf("README says a serve opens %s connections (%s jobs, %s requests); its pools allow %d (%s, %s)", m[1], m[2], m[3], j+r, jobs, requests)
	}
}
