package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// Behind a proxy with a login of its own (nginx's auth_basic), every
// request carries that proxy's "Authorization: Basic …", which the proxy
// passes on. It is not postvakt's credential: the session cookie is. The
// UI answered every page after the login 401 "log in first", and a page
// asked for without a session 401 instead of the login page. The API still
// takes a bearer token only.
func TestUIBehindAProxyLogin(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	pw := e.user("kari", "compliance", "", "")
	proxy := http.Header{"Authorization": {"Basic a2FyaTpwcm94eQ=="}}
	b := e.browser()
	if resp, _ := b.request("GET", "/list", nil, proxy); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?next=%2Flist" {
		t.Errorf("GET /list without a session: %d %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.request("GET", "/login", nil, proxy)
	resp, _ := b.request("POST", "/login", url.Values{"name": {"kari"}, "password": {pw}, "login_csrf": {csrf(string(page))},
		"next": {"/"}}, proxy)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	resp, page = b.request("GET", "/settings", nil, proxy)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /settings logged in: %d %.200s", resp.StatusCode, page)
	}
	resp, _ = b.request("POST", "/settings", url.Values{"csrf": {csrf(string(page))}, "lang": {"nb"}}, proxy)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /settings logged in: %d, want 303", resp.StatusCode)
	}
	resp, _ = b.request("GET", "/api/v1/shipments", nil, proxy)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with the proxy's Basic and a session: %d, want 401", resp.StatusCode)
	}
}
