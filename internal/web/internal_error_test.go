package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/storetest"
)

// TestInternalErrorIsAPageInTheUI: a request the database fails for a
// reason that is not the statement timeout (here the letters' table is
// missing, renamed away under the running server) is a 500 without detail:
// to the UI's reader the error page in their language (Danish here), with
// the menu's layout, not the API's JSON; to the API the JSON error with
// code internal. Both are logged with key "error". With the table back the
// same page answers 200.
func TestInternalErrorIsAPageInTheUI(t *testing.T) {
	e := newEnv(t)
	storetest.Register(t, e.st, storetest.Letter(1))
	tok := e.token("compliance", "964338531", "")
	b := e.loggedIn("kari", "compliance", "964338531", "")
	ctx := context.Background()
	if _, err := e.st.DB().ExecContext(ctx, `ALTER TABLE shipments RENAME TO shipments_away`); err != nil {
		t.Fatal(err)
	}
	code, page := b.getIn("da", "/list?list=unopened")
	apiCode, answer := e.do("GET", "/api/v1/shipments", tok, "")
	if _, err := e.st.DB().ExecContext(ctx, `ALTER TABLE shipments_away RENAME TO shipments`); err != nil {
		t.Fatal(err)
	}

	want := i18n.For("da", nil).T("err.internal")
	if code != http.StatusInternalServerError || !strings.Contains(page, want) || !strings.Contains(page, `lang="da"`) || strings.Contains(page, `"code"`) {
		t.Errorf("the list page without its table: %d, want 500 with the Danish error page (%q); page %.600s", code, want, page)
	}
	if apiCode != http.StatusInternalServerError || answer["code"] != "internal" {
		t.Errorf("the API's list without its table: %d %v, want 500 JSON with code internal", apiCode, answer)
	}
	if !strings.Contains(e.log.String(), "error=") {
		t.Errorf("the failures are not logged with key error: %s", e.log.String())
	}
	if code, _ := b.getIn("da", "/list?list=unopened"); code != http.StatusOK {
		t.Errorf("the list page with its table back: %d, want 200", code)
	}
}
