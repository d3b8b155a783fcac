package web

import (
	"slices"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// TestAuditActionsHaveTexts: every action postvakt writes into the audit
// log (store.AuditActions) has its words in each language of the audit
// page (audit.act.<action>), so the page never shows a bare code for one
// of them; the catalogue has no text for an action nothing writes; and
// the filter suggests only actions that are written.
func TestAuditActionsHaveTexts(t *testing.T) {
	actions := store.AuditActions()
	for _, lang := range []string{"nb", "da", "en"} {
		l := i18n.For(lang, nil)
		for _, a := range actions {
			if !l.Has("audit.act." + string(a)) {
				t.Errorf("%s: no text audit.act.%s", lang, a)
			}
		}
	}
	for _, k := range i18n.Keys("en") {
		if a, ok := strings.CutPrefix(k, "audit.act."); ok && !slices.Contains(actions, store.AuditAction(a)) {
			t.Errorf("audit.act.%s has a text, but store.AuditActions does not list %s", a, a)
		}
	}
	if len(actions) != len(uniq(actions)) {
		t.Errorf("store.AuditActions lists an action twice: %v", actions)
	}
	for _, a := range auditActions {
		if !slices.Contains(actions, a) {
			t.Errorf("the filter suggests %s, which store.AuditActions does not list", a)
		}
	}
}

func uniq(as []store.AuditAction) []store.AuditAction {
	out := slices.Clone(as)
	slices.Sort(out)
	return slices.Compact(out)
}
