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
	b := e.loggedIn("root", "admin", "", "")
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

// TestTokenNameRule: a token's name may hold spaces and be 100 characters
// long even where æ, ø and å make it longer in bytes; a colon, a control
// character (it would be the letters' sender system) or a 101st character
// is refused with 400 and a message that says the tokens' rule
// (not the users' "without spaces"), in the page's language, tied to the
// name field. A user's name still may not hold a space.
func TestTokenNameRule(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	_, page := b.get("/admin/tokens")
	tok := csrf(page)
	create := func(lang, path, name string) (int, string) {
		t.Helper()
		return b.doIn(lang, "POST", path, url.Values{"csrf": {tok}, "name": {name}, "role": {"compliance"}, "sender_org": {"964338531"}})
	}
	long := "Sak " + strings.Repeat("æ", 96) // 100 characters, 196 bytes
	for _, name := range []string{"sak system (2)", long} {
		if code, body := create("en", "/admin/tokens", name); code != http.StatusCreated {
			t.Errorf("token %q: %d, want 201\n%.500s", name, code, body)
		}
	}
	for _, tc := range []struct{ lang, name, want string }{
		{"en", "sak:system", "Name: Give a name of at most 100 characters, without colons, tabs or line breaks, and not a national id; spaces are allowed."},
		{"nb-NO", long + "x", "Navn: Oppgi et navn på høyst 100 tegn, uten kolon, tabulatorer eller linjeskift, og ikke et fødselsnummer; mellomrom er tillatt."},
		{"en", "sak\x01system", "Name: Give a name of at most 100 characters, without colons, tabs or line breaks, and not a national id; spaces are allowed."},
		// A national id is no name: names are written to the logs unmasked
		// (the actor of every line), and the audit log would mask it.
		{"en", "01017012343", "Name: Give a name of at most 100 characters, without colons, tabs or line breaks, and not a national id; spaces are allowed."},
		{"da-DK", "sak:system", "Navn: Angiv et navn på højst 100 tegn, uden kolon, tabulatorer eller linjeskift, og ikke et CPR-nummer; mellemrum er tilladt."},
	} {
		code, body := create(tc.lang, "/admin/tokens", tc.name)
		if code != http.StatusBadRequest || !strings.Contains(body, `<p class="error" id="add-token-err" role="alert">`+tc.want+`</p>`) {
			t.Errorf("token %q (%s): %d, want 400 saying %q\n%.1500s", tc.name, tc.lang, code, tc.want, body)
		}
		if !strings.Contains(body, `id="new-token-name" required size="14" maxlength="100" value="`+tc.name+`" aria-invalid="true" aria-describedby="add-token-err"`) {
			t.Errorf("token %q (%s): the name field is not marked as the one refused, or not filled in", tc.name, tc.lang)
		}
	}
	_, page = b.get("/admin/users")
	tok = csrf(page)
	for _, name := range []string{"kari nordmann", "01017012343", "010170-1234"} {
		if code, body := create("en", "/admin/users", name); code != http.StatusBadRequest ||
			!strings.Contains(body, "Give a name without spaces or colons, and not a national id (names are written to the logs).") {
			t.Errorf("user %q: %d, want 400 saying no spaces, no national id\n%.500s", name, code, body)
		}
	}
}
