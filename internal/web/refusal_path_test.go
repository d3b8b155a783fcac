package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A request refused to a role is audited also when its path holds bytes
// PostgreSQL cannot store (a NUL, bytes that are not UTF-8: %00, %ff):
// its audit entry names the path as it was sent (escaped), not the bytes,
// which failed the entry's write, leaving the refusal out of the audit log
// (README, Roles: a request outside one's role is logged and audited).
func TestRefusalOfAPathNotTextIsAudited(t *testing.T) {
	e := newEnv(t)
	ops := e.loggedIn("ops", "operations", "", "")
	tok := e.token("operations", "", "")
	for _, tc := range []struct {
		name, path, token, want string
	}{
		{"a page, not UTF-8", "/print/%ff", "", "GET /print/%FF"},
		{"a page, a NUL", "/shipments/%00", "", "GET /shipments/%00"},
		{"the API, not UTF-8", "/api/v1/shipments/%ff", tok, "GET /api/v1/shipments/%FF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.refusals()
			var code int
			if tc.token != "" {
				code, _ = e.get(tc.path, tc.token)
			} else {
				code, _ = ops.get(tc.path)
			}
			if code != http.StatusForbidden {
				t.Fatalf("%s: %d, want 403", tc.path, code)
			}
			if e.refusals() == before {
				t.Errorf("%s: the refusal is not in the audit log; the log says:\n%s", tc.path, e.log.String())
			}
			var object string
			if err := e.st.DB().Get(&object, `SELECT object FROM audit_log WHERE action = 'forbidden' ORDER BY id DESC LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(object, tc.want) {
				t.Errorf("%s: audited as %q, want %q", tc.path, object, tc.want)
			}
		})
	}
}
