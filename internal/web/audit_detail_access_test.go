package web_test

import (
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestAuditAccessDetailsInPageLanguage: the details of a user's or API
// token's access (store.DescribeAccess: "role=unit org=… unit=… email=…",
// a change "… → …"), of a language chosen in Settings ("lang=da") and of a
// unit's addresses ("contact=… manager=…") are said in the page's
// language on a Norwegian or Danish audit page, the role and the language
// by their names, as the other details postvakt writes; they stayed the
// log's English codes. An English page shows them as recorded.
func TestAuditAccessDetailsInPageLanguage(t *testing.T) {
	e := newEnv(t)
	for _, a := range []store.AuditEntry{
		{Actor: "user:admin", Action: store.ActUserCreate, Object: "user:ola", Detail: "role=unit org=964338531 unit=NAV Bergen email=ola@kommune.no"},
		{Actor: "user:admin", Action: store.ActUserAccess, Object: "user:ola", Detail: "role=compliance org=964338531 → role=admin"},
		{Actor: "cli:root", Action: store.ActTokenCreate, Object: "token 4 sak", Detail: "role=operations"},
		{Actor: "user:ola", Action: store.ActSettings, Object: "user:ola", Detail: "lang=da"},
		{Actor: "user:admin", Action: store.ActUnitChange, Object: "unit 7", Detail: "contact=post@nav.example manager="},
	} {
		a.SubjectOrg = store.SubjectAll
		if err := e.st.Audit(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	b := e.loggedIn("kari", "compliance", "", "")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"nb", []string{"<td>rolle: avsenderenhet, virksomhet: 964338531, enhet: NAV Bergen, e-post: ola@kommune.no</td>",
			"<td>rolle: internkontroll, virksomhet: 964338531 → rolle: administrator</td>", "<td>rolle: drift</td>",
			"<td>språk: dansk</td>", "<td>enhetens adresse: post@nav.example, lederens adresse: ingen</td>"}},
		{"da", []string{"<td>rolle: afsenderenhed, organisation: 964338531, enhed: NAV Bergen, e-mail: ola@kommune.no</td>",
			"<td>rolle: intern kontrol, organisation: 964338531 → rolle: administrator</td>", "<td>rolle: drift</td>",
			"<td>sprog: dansk</td>", "<td>enhedens adresse: post@nav.example, lederens adresse: ingen</td>"}},
		{"en", []string{"<td>role=unit org=964338531 unit=NAV Bergen email=ola@kommune.no</td>", "<td>role=compliance org=964338531 → role=admin</td>",
			"<td>role=operations</td>", "<td>lang=da</td>", "<td>contact=post@nav.example manager=</td>"}},
	} {
		page := auditPageSays(t, b, tc.lang, tc.want)
		if tc.lang != "en" {
			for _, code := range []string{"role=", "lang=", "contact="} {
				if strings.Contains(page, "<td>"+code) {
					t.Errorf("%s /audit still shows a detail as the code %q", tc.lang, code)
				}
			}
		}
	}
}

// TestAuditContactsImportInPageLanguage: a contacts import's counts
// (`postvakt contacts import`: "12 addresses, 9 organisations") are said
// in the page's language, as a units import's are; they stayed English on
// a Norwegian or Danish audit page.
func TestAuditContactsImportInPageLanguage(t *testing.T) {
	e := newEnv(t)
	for _, d := range []string{"12 addresses, 9 organisations", "1 addresses, 1 organisations"} {
		if err := e.st.Audit(t.Context(), store.AuditEntry{Actor: "cli:root", Action: store.ActContactsImport, Object: "kontakter.csv",
			Detail: d, SubjectOrg: store.SubjectAll}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.loggedIn("kari", "compliance", "", "")
	auditPageSays(t, b, "nb", []string{"<td>12 adresser, virksomheter: 9</td>", "<td>1 adresse, virksomheter: 1</td>"})
	auditPageSays(t, b, "da", []string{"<td>12 adresser, organisationer: 9</td>", "<td>1 adresse, organisationer: 1</td>"})
	auditPageSays(t, b, "en", []string{"<td>12 addresses, 9 organisations</td>"})
}
