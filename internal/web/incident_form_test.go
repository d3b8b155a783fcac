package web_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
)

// TestIncidentFormNamesChannels: the incident report's channel choice names
// the channels as people read them ("KS SvarUt", "Digital Post"), as every
// list's filter does, and keeps the code as the value the report is asked
// for, the chosen one selected. Before, it showed the codes (svarut,
// digitalpost).
func TestIncidentFormNamesChannels(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("kari", "compliance", "", "")
	code, page := b.get("/incidents?from=2026-01-01&to=2026-01-31&channel=svarut")
	sel := regexp.MustCompile(`(?s)<select name="channel"[^>]*>.*?</select>`).FindString(page)
	if code != 200 || sel == "" {
		t.Fatalf("/incidents: %d, no channel choice", code)
	}
	for _, want := range []string{`<option value="svarut" selected>KS SvarUt</option>`, `<option value="digitalpost" >Digital Post</option>`,
		`<option value="altinn" >Altinn</option>`} {
		if !strings.Contains(sel, want) {
			t.Errorf("the channel choice %s lacks %s", sel, want)
		}
	}
}

// TestIncidentExportLinksWork: the Export buttons of the incident report
// and of an alert's page lead to its export, in each format: a compliance
// officer clicks them. Before, the page's query went into the link escaped
// as one value ("?alert%3d1&format=csv", "?channel%3dsvarut%26from%3d…"),
// and every click was answered 400.
func TestIncidentExportLinksWork(t *testing.T) {
	e := newEnv(t)
	e.seed(12)
	a := e.alertFor("NAV")
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	for _, page := range []string{"/incidents?from=2026-01-01&to=2026-12-31&channel=svarut", fmt.Sprintf("/alerts/%d", a.ID)} {
		code, body := kari.get(page)
		if code != 200 {
			t.Fatalf("%s: %d", page, code)
		}
		for _, f := range []string{"csv", "xlsx", "json"} {
			m := regexp.MustCompile(`id="export-` + f + `" href="([^"]*)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s has no %s export link", page, f)
			}
			link := html.UnescapeString(m[1])
			code, got := kari.get(link)
			if code != 200 || (f == "csv" && !strings.Contains(got, "NAV")) {
				t.Errorf("%s: its %s export link %s answers %d %.200s", page, f, link, code, got)
			}
		}
	}
}
