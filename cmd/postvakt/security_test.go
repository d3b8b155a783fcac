package main_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"postvakt/internal/pgtest"
	"postvakt/internal/storetest"
)

// TestReportOrgIsAnOrgNumber: --org lands in the audit log, so a person id
// there is refused before anything is written.
func TestReportOrgIsAnOrgNumber(t *testing.T) {
	db := migrated(t)
	_, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "--org", "01017012343")
	if code != 2 || !strings.Contains(stderr, "--org must be an organisation number") || strings.Contains(stderr, "01017012343") {
		t.Fatalf("report --org <person id>: exit %d, stderr:\n%s", code, stderr)
	}
	if _, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "--org", "974760673"); code != 0 {
		t.Fatalf("report --org <org number>: exit %d %s", code, stderr)
	}
	st := storetest.OpenURL(t, db)
	entries, err := st.AuditEntries(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.Contains(entries[0].Object, "org=974760673") {
		t.Fatalf("audit entries %+v, want the one export by organisation number", entries)
	}
}

// TestMetricsNeedOperationsToken: serve's /metrics answers only an
// operations (or admin) principal.
func TestMetricsNeedOperationsToken(t *testing.T) {
	db := pgtest.New(t)
	tokens := map[string]string{}
	for _, role := range []string{"operations", "compliance"} {
		tokens[role] = newToken(t, db, role, role)
	}
	addr, cmd, _ := startServe(t, db)
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {tokens["compliance"], http.StatusForbidden}, {tokens["operations"], http.StatusOK}} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("/metrics with token %q: %d, want %d", tc.token[:min(len(tc.token), 8)], resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusOK && !strings.Contains(string(body), "go_goroutines") {
			t.Errorf("/metrics body:\n%.300s", body)
		}
	}
}
