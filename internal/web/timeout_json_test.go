package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/storetest"
)

// TestStatementTimeoutJSONExportAnswers503: a JSON export whose query the
// database ends before its first row is a 503 page that says so, as a
// CSV's is (TestStatementTimeoutAnswers503). The JSON's opening bracket
// went out before the query ran, so the answer was already under way: the
// transfer was cut off with no word of why (the log alone said it).
func TestStatementTimeoutJSONExportAnswers503(t *testing.T) {
	ctx := context.Background()
	e := newTimeoutEnv(t, 300*time.Millisecond, nil)
	storetest.Register(t, e.st, storetest.Letter(1))
	b := e.loggedIn("kari", "compliance", "964338531", "")
	b.c.Timeout = 10 * time.Second
	tx, err := e.st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE shipments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code int
		body string
	}
	got := map[string]answer{}
	for _, path := range []string{"/export?list=unopened&format=json", "/followups/export?format=json&all=1"} {
		code, body := b.getIn("da", path)
		got[path] = answer{code, body}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	want := i18n.For("da", nil).T("err.db_too_long")
	for path, a := range got {
		if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, want) {
			t.Errorf("%s behind the lock: %d, want 503 with the Danish error page (%q); got %.300q", path, a.code, want, a.body)
		}
	}
	// Once the lock is gone, the same exports are whole JSON arrays.
	for _, path := range []string{"/export?list=unopened&format=json", "/followups/export?format=json&all=1"} {
		if code, body := b.getIn("da", path); code != http.StatusOK || !strings.HasPrefix(body, "[") || !strings.HasSuffix(body, "]\n") {
			t.Errorf("%s after the lock: %d %.300q, want 200 and a JSON array", path, code, body)
		}
	}
}

// The API's incident report (JSON by default) counts its letters, then
// lists them: a listing the database ends before its first letter (here
// the print orders it joins are locked; the count does not read them) is a
// 503 that says so, not a transfer cut off after the summary.
func TestStatementTimeoutIncidentJSONAnswers503(t *testing.T) {
	ctx := context.Background()
	e := newTimeoutEnv(t, 300*time.Millisecond, nil)
	storetest.Register(t, e.st, storetest.Letter(1))
	tok := e.token("compliance", "964338531", "")
	get := func() (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/incidents/report?from=2020-01-01&to=2030-01-01", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return resp.StatusCode, string(b) + " (read: " + err.Error() + ")"
		}
		return resp.StatusCode, string(b)
	}
	tx, err := e.st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE print_orders IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	code, body := get()
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"unavailable"`) {
		t.Errorf("the incident report behind the lock: %d %.300q, want 503 code unavailable", code, body)
	}
	if code, body := get(); code != http.StatusOK || !strings.HasPrefix(body, `{"summary": [{`) || !strings.HasSuffix(body, "]\n}\n") {
		t.Errorf("the incident report after the lock: %d %.300q, want 200 and the report", code, body)
	}
}
