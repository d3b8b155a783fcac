package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A summary page's offset that is no number of groups (negative, a word,
// past int64) is a 400 naming offset, as the API's: before, the page read
// it as 0 and showed the first page under a URL that asked for another.
// One past the end still shows the totals and no group.
func TestSummaryPageOffsetIsANumber(t *testing.T) {
	e := newEnv(t)
	e.seed(3)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	tok := e.token("compliance", "964338531", "")
	for _, v := range []string{"-1", "x", "1e3", "9223372036854775808"} {
		for _, path := range []string{"/unopened?offset=" + v, "/units?offset=" + v} {
			if code, page := b.getIn("en", path); code != http.StatusBadRequest || !strings.Contains(page, "offset must be a number of groups, 0 or more") {
				t.Errorf("%s: %d, want 400 naming offset", path, code)
			}
		}
		if code, out := e.do("GET", "/api/v1/summary?offset="+v, tok, ""); code != http.StatusBadRequest || out["error"] != "offset must be a number of groups, 0 or more" {
			t.Errorf("API offset=%s: %d %v", v, code, out)
		}
	}
	for _, path := range []string{"/unopened?offset=0", "/units?offset=9223372036854775807"} {
		if code, page := b.getIn("en", path); code != http.StatusOK {
			t.Errorf("%s: %d %.300s", path, code, page)
		}
	}
}
