package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

// upload posts a file in a multipart form.
func (b *browser) upload(path, csrfToken, content string) (int, string, string) {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrfToken)
	fw, _ := mw.CreateFormFile("file", "units.csv")
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	resp, err := b.c.Post(b.e.srv.URL+path, mw.FormDataContentType(), &body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(page)
}

// Sending units' addresses in the admin UI: listed in scope, changed one
// by one, imported by CSV all or nothing; every change audited. Other roles
// are refused.
func TestUnitsAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(2) // units Barnevernstjenesten and NAV of 964338531
	b := e.loggedIn("admin", "admin", "", "")
	code, page := b.get("/admin/units")
	if code != http.StatusOK || !strings.Contains(page, "Barnevernstjenesten") || !strings.Contains(page, "NAV") {
		t.Fatalf("units page %d:\n%s", code, page)
	}
	us, _ := e.st.Units(context.Background(), store.Scope{})
	code, loc, _ := b.post("/admin/units/"+itoa(us[0].ID), url.Values{"csrf": {csrf(page)},
		"contact_email": {"bv@bergen.kommune.no"}, "manager_email": {"leder@bergen.kommune.no"}})
	if code != http.StatusSeeOther || loc != "/admin/units?done=saved" {
		t.Fatalf("save: %d %s", code, loc)
	}
	code, _, body := b.post("/admin/units/"+itoa(us[1].ID), url.Values{"csrf": {csrf(page)}, "contact_email": {"not an address"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "contact_email") {
		t.Fatalf("bad address: %d", code)
	}
	// Import: one bad row, nothing stored; then a good file.
	code, _, body = b.upload("/admin/units/import", csrf(page), "sender_org,unit,contact_email,manager_email\n964338531,NAV,nav@bergen.kommune.no,\n964338531,Skole,,x\n")
	if code != http.StatusBadRequest || !strings.Contains(body, "line 3, column manager_email") || !strings.Contains(body, "nothing was imported") {
		t.Fatalf("bad import: %d\n%s", code, body)
	}
	code, loc, _ = b.upload("/admin/units/import", csrf(page), "sender_org,unit,contact_email,manager_email\n964338531,NAV,nav@bergen.kommune.no,\n964338531,Skole,,rektor@bergen.kommune.no\n")
	if code != http.StatusSeeOther || loc != "/admin/units?done=imported" {
		t.Fatalf("import: %d %s", code, loc)
	}
	us, _ = e.st.Units(context.Background(), store.Scope{})
	got := map[string]string{}
	for _, u := range us {
		got[u.Name] = u.ContactEmail + "|" + u.ManagerEmail
	}
	if got["Barnevernstjenesten"] != "bv@bergen.kommune.no|leder@bergen.kommune.no" || got["NAV"] != "nav@bergen.kommune.no|" ||
		got["Skole"] != "|rektor@bergen.kommune.no" {
		t.Fatalf("units %v", got)
	}
	if !e.audited("user:admin", "unit_change", "unit ") || !e.audited("user:admin", "units_import", "units") {
		t.Fatal("unit changes are not audited")
	}
	// A compliance officer may not change units.
	c := e.loggedIn("kari", "compliance", "964338531", "")
	if code, _ := c.get("/admin/units"); code != http.StatusForbidden {
		t.Fatalf("compliance on the units page: %d", code)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// previewer answers a fixed preview.
type previewer struct{ steps []escalate.StepCount }

func (p previewer) Preview(context.Context, time.Time) (escalate.Summary, error) {
	return escalate.Summary{Now: now, DryRun: true, Steps: p.steps}, nil
}

// The preview page shows the next run per step, organisation and unit,
// within the viewer's scope.
func TestPreviewPage(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, web.WithPreview(previewer{[]escalate.StepCount{
		{Step: "catch-up reminder 1", Policy: "taushetsbelagt", SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten", Shipments: 812, Waiting: true},
		{Step: "print", Policy: "default", SenderOrg: "974760673", SenderUnit: "Skatt", Shipments: 3},
		{Step: "reminder 1", Policy: "default", SenderOrg: "964338531", SenderUnit: "NAV", Shipments: 4, Person: true},
	}}))
	b := e.loggedIn("kari", "compliance", "964338531", "")
	code, page := b.get("/preview")
	if code != http.StatusOK || !strings.Contains(page, "catch-up reminder 1") || !strings.Contains(page, "812") ||
		strings.Contains(page, "Skatt") || !strings.Contains(page, "waits for the send window") {
		t.Fatalf("preview %d:\n%s", code, page)
	}
	// A person's reminder is listed as not sent: reminders reach organisations only.
	if !strings.Contains(page, "not sent: reminders do not reach persons; print follows the policy") {
		t.Errorf("preview: a person's reminder without its note:\n%s", page)
	}
}

// A compliance officer sees an unscoped admin's views of their
// organisation's letters in the audit log, not those of others'.
func TestAuditShowsUnscopedViewsToTheOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sh := e.seed(1)[0]
	admin := e.loggedIn("admin", "admin", "", "")
	if code, _ := admin.get("/shipments/" + sh.ID); code != http.StatusOK {
		t.Fatalf("evidence page: %d", code)
	}
	mine, err := e.st.AuditEntries(context.Background(), "964338531", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range mine {
		found = found || (a.Actor == "user:admin" && a.Action == "view_shipment" && a.SubjectOrg == "964338531")
	}
	if !found {
		t.Fatalf("the admin's view is not in 964338531's audit log: %+v", mine)
	}
	other, _ := e.st.AuditEntries(context.Background(), "974760673", 100)
	for _, a := range other {
		if a.Action == "view_shipment" {
			t.Fatalf("another organisation sees the view: %+v", a)
		}
	}
	// And the page the compliance officer sees lists it.
	c := e.loggedIn("kari", "compliance", "964338531", "")
	if _, page := c.get("/audit"); !strings.Contains(page, "user:admin") {
		t.Fatal("the audit page does not show the admin's view")
	}
}

// summaryPreviewer previews a run whose summary is sum.
type summaryPreviewer struct{ sum escalate.Summary }

func (p summaryPreviewer) Preview(context.Context, time.Time) (escalate.Summary, error) {
	return p.sum, nil
}

// The preview's summary says the organisations reminded in the plural
// form of their count: "(to 1 organisation)", da "(til 1 organisation)",
// nb "(til 1 virksomhet)"; many grouped as counts are ("til 1 307
// virksomheter").
func TestPreviewSummaryOrganisationsPlural(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		orgs int
		want map[string]string
	}{
		{1, map[string]string{"en": "in reminders: 1 (to 1 organisation);", "da": "i påmindelser: 1 (til 1 organisation);",
			"nb": "i påminnelser: 1 (til 1 virksomhet);"}},
		{1307, map[string]string{"en": "(to 1,307 organisations);", "da": "(til 1.307 organisationer);", "nb": "(til 1\u00a0307 virksomheter);"}},
	} {
		e := newEnvWith(t, web.WithPreview(summaryPreviewer{escalate.Summary{Now: now, DryRun: true, Reminders: tc.orgs, Orgs: tc.orgs}}))
		b := e.loggedIn("anna", "admin", "", "")
		for lang, want := range tc.want {
			code, page := b.getIn(lang, "/preview")
			if code != http.StatusOK || !strings.Contains(page, want) {
				t.Errorf("%d organisations, %s /preview: %d, want %q in\n%s", tc.orgs, lang, code, want, page)
			}
		}
	}
}
