package web_test

import (
	"net/http"
	"testing"

	"postvakt/internal/store"
)

// TestAuditDetailsOfRefusalsInPageLanguage: a refusal's detail, why
// postvakt refused (a role without the permission, another
// organisation's letter, alert, print batch or unit, a form without its
// CSRF token, a bearer token's form), is one of postvakt's own sentences;
// a Norwegian or Danish /audit says it in its language, the letter's id
// and the permission's code as recorded, where it showed the English
// ("role compliance lacks manage_users") to the data protection officer
// who reads the refusals. The refusals below are made by the pages, so a
// writer that changes its sentence fails here too.
func TestAuditDetailsOfRefusalsInPageLanguage(t *testing.T) {
	e := newEnv(t)
	_, b := e.seedTwoOrgs()
	officer := e.loggedIn("kari", "compliance", orgA, "")
	for _, p := range []string{"/admin/users", "/shipments/" + b.ID} {
		if code, _ := officer.get(p); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Fatalf("%s: %d, want a refusal", p, code)
		}
	}
	for _, d := range []string{"alert 7 concerns another organisation or unit", "print batch 3 belongs to another organisation",
		"unit 4 belongs to another organisation or unit", "missing or wrong CSRF token", "a bearer token sent a UI form", "role operations may not do this"} {
		if err := e.st.Audit(t.Context(), store.AuditEntry{Actor: "user:kari", Action: store.ActForbidden, Object: "GET /x", Detail: d,
			SubjectOrg: store.SubjectAll}); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.loggedIn("anna", "admin", "", "")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"nb", []string{"<td>rollen internkontroll mangler tillatelsen manage_users</td>",
			"<td>forsendelse " + b.ID + " tilhører en annen virksomhet eller enhet</td>",
			"<td>alarm 7 tilhører en annen virksomhet eller enhet</td>", "<td>utskriftsbunke 3 tilhører en annen virksomhet</td>",
			"<td>avsenderenhet 4 tilhører en annen virksomhet eller enhet</td>", "<td>skjemaets CSRF-token manglet eller var feil</td>",
			"<td>en API-nøkkel sendte et skjema i brukergrensesnittet</td>", "<td>rollen drift har ikke lov til dette</td>"}},
		{"da", []string{"<td>rollen intern kontrol mangler tilladelsen manage_users</td>",
			"<td>forsendelse " + b.ID + " hører til en anden organisation eller enhed</td>",
			"<td>alarm 7 hører til en anden organisation eller enhed</td>", "<td>udskriftsbunke 3 hører til en anden organisation</td>",
			"<td>formularens CSRF-token manglede eller var forkert</td>", "<td>rollen drift må ikke dette</td>"}},
		{"en", []string{"<td>role compliance lacks manage_users</td>", "<td>missing or wrong CSRF token</td>"}},
	} {
		auditPageSays(t, admin, tc.lang, tc.want)
	}
}

// TestAuditDetailsOfScopeRefusalsInPageLanguage: the other refusals
// postvakt writes, of an officer acting beyond their organisation (a
// reminder or print batch listing others' letters, an incident report or
// route beyond their scope, an address for an organisation none of their
// reminders waits for, a registration of others' letters), are said in the
// page's language too.
func TestAuditDetailsOfScopeRefusalsInPageLanguage(t *testing.T) {
	e := newEnv(t)
	for _, d := range []string{"reminder 5 lists only other organisations' shipments", "reminder lists other organisations' shipments",
		"print batch holds other organisations' shipments", "incident report outside the principal's scope", "scoped to one sender organisation",
		"no reminder of the caller waits for this organisation", "registration of 2 item(s) outside the token's scope"} {
		if err := e.st.Audit(t.Context(), store.AuditEntry{Actor: "user:kari", Action: store.ActForbidden, Object: "GET /x", Detail: d,
			SubjectOrg: store.SubjectAll}); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.loggedIn("anna", "admin", "", "")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"nb", []string{"<td>påminnelse 5 gjelder bare andre virksomheters forsendelser</td>", "<td>påminnelsen gjelder også andre virksomheters forsendelser</td>",
			"<td>utskriftsbunken har andre virksomheters forsendelser</td>", "<td>hendelsesrapporten går utenfor det brukeren har tilgang til</td>",
			"<td>begrenset til én avsendervirksomhet</td>", "<td>ingen av brukerens påminnelser venter på denne virksomheten</td>",
			"<td>registrering av 2 forsendelser utenfor nøkkelens tilgang</td>"}},
		{"da", []string{"<td>påmindelse 5 gælder kun andre organisationers forsendelser</td>", "<td>påmindelsen gælder også andre organisationers forsendelser</td>",
			"<td>udskriftsbunken har andre organisationers forsendelser</td>", "<td>hændelsesrapporten går ud over det, brugeren har adgang til</td>",
			"<td>begrænset til én afsenderorganisation</td>", "<td>ingen af brugerens påmindelser venter på denne organisation</td>",
			"<td>registrering af 2 forsendelser uden for nøglens adgang</td>"}},
	} {
		auditPageSays(t, admin, tc.lang, tc.want)
	}
}
