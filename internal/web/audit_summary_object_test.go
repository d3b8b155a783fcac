package web_test

import (
	"strings"
	"testing"
)

// README, Audit: on a Norwegian or Danish page /audit says "the kind its
// object begins with in that language, the rest as recorded". A viewed
// summary (view_summary: /unopened, /units) is recorded as "by unit:
// unopened" / "by recipient: unopened", and a Danish page shows it so, in
// English, where the list it summarises reads "uåbnede fortrolige
// forsendelser".
func TestAuditSummaryObjectInPageLanguage(t *testing.T) {
	e := newEnv(t)
	e.seed(4)
	b := e.loggedIn("anna", "admin", "", "")
	b.get("/units")
	b.get("/unopened")
	for _, lang := range []string{"da", "nb"} {
		_, page := b.getIn(lang, "/audit")
		for _, en := range []string{"by unit: ", "by recipient: "} {
			if strings.Contains(page, ">"+en) {
				t.Errorf("%s /audit shows a summary's object in English (%q…)", lang, en)
			}
		}
	}
}
