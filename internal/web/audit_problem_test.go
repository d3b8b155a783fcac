package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAuditFilterProblems: a refused filter of the audit page is the page
// again (400), not an error page: the form as filled in, the problem in
// the page's language naming the field by its label, announced and tied to
// the field, and no entries (nor their export links). A date that does not
// parse, from after to and a person that is neither id are such problems;
// the person typed wrong is not shown again. A national id in the URL stays
// an error page.
func TestAuditFilterProblems(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("kari", "compliance", auditOrg, "")
	_, page := b.get("/audit")
	tok := csrf(page)
	refused := func(t *testing.T, code int, page, want, field string) {
		t.Helper()
		if code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", code)
		}
		if !strings.Contains(page, `<p class="error" id="audit-err" role="alert">`+want+`</p>`) {
			t.Errorf("the form does not say %q:\n%.3000s", want, page)
		}
		if n := strings.Count(page, `aria-invalid="true"`); n != 1 || !regexp.MustCompile(`id="`+field+`"[^>]*aria-invalid="true" aria-describedby="audit-err"`).MatchString(page) {
			t.Errorf("%d fields marked, want only %s", n, field)
		}
		if strings.Contains(page, `<table id="audit"`) || strings.Contains(page, `id="export-csv"`) {
			t.Error("a refused filter shows entries or their export")
		}
	}

	code, page := b.doIn("nb-NO", "POST", "/audit", url.Values{"csrf": {tok}, "action": {"search"}, "from": {"2026-02-30"}})
	refused(t, code, page, `Oppføringer fra: "2026-02-30" er ikke en dato (ÅÅÅÅ-MM-DD).`, "audit-from")
	if !strings.Contains(page, `id="audit-action" size="14" list="audit-actions" value="search"`) {
		t.Error("the refused form lost its action")
	}

	code, page = b.doIn("en", "GET", "/audit?from=2026-03-11&to=2026-03-10", nil)
	refused(t, code, page, "The period's start (Entries from) must be before its end (to).", "audit-from")
	if !strings.Contains(page, `value="2026-03-11"`) || !strings.Contains(page, `value="2026-03-10"`) {
		t.Error("the refused dates are not filled in")
	}

	code, page = b.doIn("da-DK", "POST", "/audit", url.Values{"csrf": {tok}, "person": {"12345"}, "to": {"2026-03-10"}})
	refused(t, code, page, "Person eller virksomhed (CPR-/personnummer eller CVR-/organisationsnummer): Personen skal være et "+
		"CPR-/personnummer eller et CVR-/organisationsnummer eller det maskerede nummer, som adgangsloggen viser (for eksempel 010294*****).", "audit-person")
	if strings.Contains(page, `value="12345"`) || !strings.Contains(page, `id="audit-person" size="14" value=""`) {
		t.Error("the person typed wrong is shown again")
	}

	if code, page := b.get("/audit?person=01017012343"); code != http.StatusBadRequest || strings.Contains(page, `id="audit-filter"`) {
		t.Errorf("a national id in the URL: %d, want 400 and an error page", code)
	}
}
