package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/logtest"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// TestStatementTimeoutAnswers503: the server over the requests' store,
// whose statements the database ends after 300 ms (store.Interactive), while
// another session holds the letters locked (as a migration or a stuck
// job can): a list page waits on the lock until the database ends its
// statement, and is answered 503 with the error page in the reader's
// language (Norwegian here); the API's list 503 with JSON that says so;
// each logged with key "error". Once the lock is gone the same requests
// answer 200. An export whose query the database ends before its first
// row is a 503 page too (Danish here), not an empty file.
func TestStatementTimeoutAnswers503(t *testing.T) {
	ctx := context.Background()
	e := newTimeoutEnv(t, 300*time.Millisecond, func(h http.Handler) http.Handler { return loadAPISpec(t).wrap(t, h) })
	jobs, logBuf, srv := e.st, e.log, e.srv
	storetest.Register(t, jobs, storetest.Letter(1))
	tok := e.token("compliance", "964338531", "")
	b := e.loggedIn("kari", "compliance", "964338531", "")
	b.c.Timeout = 10 * time.Second // without the timeout a request waits for the lock: fail, not hang
	api := func() (int, map[string]any) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/shipments", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("the API's list: %v", err)
		}
		defer resp.Body.Close()
		var answer map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&answer)
		return resp.StatusCode, answer
	}

	tx, err := jobs.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE shipments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, page := b.getIn("nb", "/list?list=unopened")
	apiCode, answer := api()
	exportCode, export := b.getIn("da", "/export?list=unopened&format=csv")
	took := time.Since(start)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	want := i18n.For("nb", nil).T("err.db_too_long")
	if code != http.StatusServiceUnavailable || !strings.Contains(page, want) || !strings.Contains(page, `lang="nb"`) {
		t.Errorf("the list page behind the lock: %d, want 503 with the Norwegian error page (%q); page %.600s", code, want, page)
	}
	if msg, _ := answer["error"].(string); apiCode != http.StatusServiceUnavailable || !strings.Contains(msg, "took too long") || answer["code"] != "unavailable" {
		t.Errorf("the API's list behind the lock: %d %v, want 503 code unavailable saying the database took too long", apiCode, answer)
	}
	if want := i18n.For("da", nil).T("err.db_too_long"); exportCode != http.StatusServiceUnavailable || !strings.Contains(export, want) {
		t.Errorf("the export behind the lock: %d, want 503 with the Danish error page (%q), not a file cut short; got %.600s", exportCode, want, export)
	}
	if took > 10*time.Second {
		t.Errorf("the three requests took %s behind the lock, want about 3 x 300ms", took)
	}
	n := 0
	for _, line := range strings.Split(logBuf.String(), "\n") {
		if strings.Contains(line, "the database ended a statement that ran too long") && strings.Contains(line, " error=") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("log: %d lines of an ended statement with key error, want 3:\n%s", n, logBuf.String())
	}

	if code, _ := b.getIn("nb", "/list?list=unopened"); code != http.StatusOK {
		t.Errorf("the list page after the lock: %d, want 200", code)
	}
	if code, _ := api(); code != http.StatusOK {
		t.Errorf("the API's list after the lock: %d, want 200", code)
	}
}

// newTimeoutEnv is an env whose server reads through a store that ends
// each statement after timeout (store.Interactive, as serve's requests'),
// over e.st, the jobs' store; wrap, when not nil, wraps its handler.
func newTimeoutEnv(t *testing.T, timeout time.Duration, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	jobs := storetest.Open(t)
	requests, err := jobs.Interactive(context.Background(), timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { requests.Close() })
	logBuf := &logtest.Buffer{}
	var h http.Handler = web.New(requests, slog.New(slog.NewTextHandler(logBuf, nil)), func() time.Time { return now })
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, st: jobs, log: logBuf}
}
