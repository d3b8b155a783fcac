package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTokenNameInUse: the admin page refuses a second active API token of
// a name with 409 and says so in the page's language; once the first is
// revoked, the name may be used again.
func TestTokenNameInUse(t *testing.T) {
	e := newEnv(t)
	e.user("root", "admin", "", "")
	b := e.browser()
	b.login("root", "correct horse battery root")
	_, page := b.get("/admin/tokens")
	tok := csrf(page)
	create := func(lang string) (int, string) {
		t.Helper()
		form := url.Values{"csrf": {tok}, "name": {"sak-system"}, "role": {"compliance"}, "sender_org": {"964338531"}}
		return b.doIn(lang, "POST", "/admin/tokens", form)
	}
	if code, body := create("en"); code != http.StatusCreated {
		t.Fatalf("first sak-system: %d, want 201\n%.300s", code, body)
	}
	for lang, want := range map[string]string{
		"en":    "An active token has this name already",
		"nb-NO": "En aktiv nøkkel har allerede dette navnet",
		"da-DK": "En aktiv nøgle har allerede dette navn",
	} {
		if code, body := create(lang); code != http.StatusConflict || !strings.Contains(body, want) {
			t.Errorf("second sak-system (%s): %d, want 409 saying %q\n%.300s", lang, code, want, body)
		}
	}
	toks, err := e.st.Tokens(context.Background())
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens: %d %v, want 1", len(toks), err)
	}
	if err := e.st.RevokeToken(context.Background(), toks[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, body := create("en"); code != http.StatusCreated {
		t.Errorf("sak-system after the first was revoked: %d, want 201\n%.300s", code, body)
	}
}
