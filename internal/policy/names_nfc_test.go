package policy

import "testing"

// TestMatchComposesNames: a policy file written on a Mac holds "Ås"
// decomposed (NFD); letters carry their unit and class composed (NFC, as
// registration stores them), and the policy matches them.
func TestMatchComposesNames(t *testing.T) {
	const nfc, nfd = "Barnevern \u00c5s", "Barnevern A\u030as"
	for _, field := range []string{"sender_unit", "class"} {
		dir := writeDir(t, map[string]string{"default.yaml": catchAll,
			"as.yaml": "name: as\ncalendar: NO\nmatch: {" + field + ": [\"" + nfd + "\"]}\nreminders: {max: 0}\nprint: {enabled: false}\n"})
		set, problems := LoadDir(dir)
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		f := Facts{Channel: "svarut", Class: "c", RecipientKind: RecipientOrg, SenderOrg: "964338531", SenderUnit: "u"}
		if field == "class" {
			f.Class = nfc
		} else {
			f.SenderUnit = nfc
		}
		p, err := set.Match(f)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "as" {
			t.Errorf("match.%s written decomposed: a letter of %q got policy %s, want as", field, nfc, p.Name)
		}
	}
}
