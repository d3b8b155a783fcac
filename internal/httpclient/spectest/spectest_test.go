package spectest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"postvakt/internal/logtest"
)

const status = "../../../testdata/specs/svarut/forsendelse-status-api-v2.json"

func TestSpecCatchesViolations(t *testing.T) {
	tests := []struct {
		name, path, body, answer, want string
	}{
		{"valid", "/v2/kontoer/3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b/forsendelser/status-sok",
			`{"forsendelseIds":["0a1b2c3d-0000-4000-8000-00000000000a"]}`,
			`{"statuser":[{"id":"0a1b2c3d-0000-4000-8000-00000000000a","sisteStatusEndring":"2023-01-01T11:33:55.008+01:00","status":"LEST"}]}`, ""},
		{"request body", "/v2/kontoer/3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b/forsendelser/status-sok",
			`{"ids":["x"]}`, `{"statuser":[]}`, "request POST"},
		{"path parameter", "/v2/kontoer/konto-1/forsendelser/status-sok",
			`{"forsendelseIds":[]}`, `{"statuser":[]}`, "request POST"},
		{"unknown path", "/v3/kontoer/x/forsendelser/status/sok", `{}`, `{}`, "matches no operation"},
		{"response enum", "/v2/kontoer/3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b/forsendelser/status-sok",
			`{"forsendelseIds":[]}`,
			`{"statuser":[{"id":"0a1b2c3d-0000-4000-8000-00000000000a","sisteStatusEndring":"2023-01-01T11:33:55+01:00","status":"BORTE"}]}`, "response 200"},
		{"response date-time", "/v2/kontoer/3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b/forsendelser/status-sok",
			`{"forsendelseIds":[]}`,
			`{"statuser":[{"id":"0a1b2c3d-0000-4000-8000-00000000000a","sisteStatusEndring":"i går","status":"LEST"}]}`, "response 200"},
		{"response required", "/v2/kontoer/3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b/forsendelser/status-sok",
			`{"forsendelseIds":[]}`, `{"resultat":[]}`, "response 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &logtest.Catcher{TB: t}
			spec := Load(t, nil, status)
			srv := httptest.NewServer(spec.Handler(c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.answer))
			})))
			defer srv.Close()
			resp, err := http.Post(srv.URL+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			got := c.Reported()
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("reported %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSkipResponse(t *testing.T) {
	c := &logtest.Catcher{TB: t}
	spec := Load(t, nil, status)
	srv := httptest.NewServer(spec.Handler(c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SkipResponse(w)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>502</html>"))
	})))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v2/kontoer/3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b/forsendelser/status-sok", "application/json", strings.NewReader(`{"forsendelseIds":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got := c.Reported(); got != "" || resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("reported %q", got)
	}
	if req, res := spec.Checked(); req != 1 || res != 0 {
		t.Fatalf("checked %d/%d", req, res)
	}
}
