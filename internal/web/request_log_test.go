package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestRequestLogMasksIDsInPaths: the request log leaves out the query
// (which may carry a recipient id); a national id in the path (a client
// asking for a letter by the recipient's number, a mistyped URL) must not
// be logged or audited unmasked either.
func TestRequestLogMasksIDsInPaths(t *testing.T) {
	e := newEnv(t)
	const fnr = "01017012345"
	tok := e.token("unit", "964338531", "NAV")
	for _, p := range []string{"/api/v1/shipments/" + fnr, "/api/v1/recipients/" + fnr} {
		e.do("GET", p, tok, "")
	}
	e.do("GET", "/api/v1/audit/"+fnr, tok, "") // not a route: logged
	if i := strings.Index(e.log.String(), fnr); i >= 0 {
		t.Errorf("request log carries a national id unmasked: …%s…", e.log.String()[max(0, i-150):min(len(e.log.String()), i+60)])
	}
	admin := e.token("admin", "", "")
	_, body := e.do("GET", "/api/v1/audit", admin, "")
	if s := fmt.Sprint(body); strings.Contains(s, fnr) {
		t.Errorf("audit log carries a national id unmasked: %s", s)
	}
}
