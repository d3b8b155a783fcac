package printing

import (
	"strings"

	"postvakt/internal/i18n"
)

// english is the English localizer: the detail the evidence keeps
// (print_manual.detail, the print_manual event) is the catalogue's English
// sentence, so each sentence is written once.
var english = i18n.For("en", nil)

// englishDetail is why's detail in English, for the evidence.
func englishDetail(why []i18n.Phrase) string { return Detail(english, why, "") }

// legacyDetails are the fixed details recorded before print_manual.why
// kept the keys (English), by their catalogue key.
var legacyDetails = map[string]string{
	"the policy's print is Digital Post's physical post: the sending unit sends the letter again through Digital Post for physical delivery (fysisk post)": "manual.detail.physical_post",
	"the recipient is a person: postvakt has no address register for persons":                                                                              "manual.detail.person",
}

// Detail is a manual-handling case's detail in l's language: its phrases
// (print_manual.why) said one after the other, a sub-unit's first ("sub-unit
// … belongs to …: organisation … is bankrupt"). A case recorded before the
// phrases were kept shows its recorded detail: in l's language when it is
// one of the fixed sentences of then, else as recorded (English, with the
// register's data).
func Detail(l *i18n.Localizer, why []i18n.Phrase, recorded string) string {
	if len(why) == 0 {
		if k, ok := legacyDetails[recorded]; ok {
			return l.T(k)
		}
		return recorded
	}
	parts := make([]string, 0, len(why))
	for _, p := range why {
		if !l.Has(p.Key) {
			return recorded
		}
		parts = append(parts, l.Say(p, recorded))
	}
	return strings.Join(parts, ": ")
}
