package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// A filter's value refused is quoted back with a national id in it masked,
// as every other problem quotes: the lists' filters in the API (and the
// pages, which render the same problem) (from an independent review of the
// sender API).
func TestRefusedFilterMasksNationalID(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	for _, param := range []string{"state", "stage", "list", "step", "channel"} {
		code, out := e.do("GET", "/api/v1/shipments?"+param+"=01017012343", tok, "")
		if code != 400 {
			t.Errorf("%s: %d %v, want 400", param, code, out)
		}
		if s := fmt.Sprint(out); strings.Contains(s, "01017012343") || !strings.Contains(s, "010170*****") {
			t.Errorf("%s: %s, want the id masked", param, s)
		}
	}
}
