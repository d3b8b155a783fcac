package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestOpsPageSaysDatabaseUnreachable: with the database gone, the operator
// who had /ops open (a session the database confirmed before) gets the
// page saying the database is unreachable, not a bare 500.
func TestOpsPageSaysDatabaseUnreachable(t *testing.T) {
	e := newEnv(t)
	tok := e.token("operations", "", "")
	get := func() (int, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+"/ops", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || !strings.Contains(body, "Database") {
		t.Fatalf("/ops with the database up: %d", code)
	}
	e.st.DB().Close() // the database goes away under the running server
	code, body := get()
	if code != 200 || !strings.Contains(body, "unreachable") {
		t.Fatalf("/ops with the database down: %d %.200s; want the page saying the database is unreachable", code, body)
	}
}
