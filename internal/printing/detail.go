package printing

import (
	"strings"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// phrase is one part of a manual-handling detail: the catalogue key of a
// reason (manual.detail.<reason>, or another manual.detail.* key) and its
// arguments, pairs of name and value.
func phrase(key string, args ...string) store.Phrase {
	p := store.Phrase{Key: key}
	for i := 0; i+1 < len(args); i += 2 {
		if p.Args == nil {
			p.Args = map[string]string{}
		}
		p.Args[args[i]] = args[i+1]
	}
	return p
}

// english is the English localizer: the detail the evidence keeps
// (print_manual.detail, the print_manual event) is the catalogue's English
// sentence, so each sentence is written once.
var english = i18n.For("en", nil)

// englishDetail is why's detail in English, for the evidence.
func englishDetail(why []store.Phrase) string { return Detail(english, why, "") }

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
func Detail(l *i18n.Localizer, why []store.Phrase, recorded string) string {
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
		args := make([]any, 0, 2*len(p.Args))
		for k, v := range p.Args {
			args = append(args, k, v)
		}
		parts = append(parts, l.T(p.Key, args...))
	}
	return strings.Join(parts, ": ")
}
