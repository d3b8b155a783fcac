package web_test

import (
	"net/http"
	"testing"
)

// The Authorization scheme's name is case-insensitive (RFC 9110 §11.1): a
// client sending "bearer" or "BEARER" is answered as one sending "Bearer".
func TestBearerSchemeAnyCase(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/shipments", nil)
		req.Header.Set("Authorization", scheme+" "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d, want 200", scheme, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/shipments", nil)
	req.Header.Set("Authorization", "Basic "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic: %d, want 401", resp.StatusCode)
	}
}
