package policy

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"postvakt/internal/model"
)

// senders.yaml beside the policies gives the set each sending
// organisation's public contact, keyed by its number (Norwegian or CVR,
// quoted or not); an organisation not in it has none. A phone number
// written unquoted keeps its digits.
func TestSendersFileGivesTheSetItsContacts(t *testing.T) {
	dir := writeDir(t, map[string]string{"default.yaml": catchAll, SendersFile: `# the sending organisations' contacts
senders:
  964338531:
    email: postmottak@bergen.kommune.no
    phone: "+47 55 56 55 56"
  "64942212":
    email: borgerservice@kk.dk
  974760673:
    phone: 55565556
`})
	set, problems := LoadDir(dir)
	if len(problems) > 0 || set == nil {
		t.Fatalf("problems: %v", problems)
	}
	for org, want := range map[string]model.Contact{
		"964338531": {Email: "postmottak@bergen.kommune.no", Phone: "+47 55 56 55 56"},
		"64942212":  {Email: "borgerservice@kk.dk"},
		"974760673": {Phone: "55565556"},
		"991825827": {},
	} {
		if got := set.Sender(org).Contact; got != want {
			t.Errorf("Contact(%s) = %+v, want %+v", org, got, want)
		}
	}
	// The file is not a policy: the set holds the catch-all alone.
	if ps := set.Policies(); len(ps) != 1 || ps[0].Name != "default" {
		t.Errorf("policies %v, want default alone", ps)
	}
	// Without the file, and with one of comments only: no contacts, no
	// problem.
	for _, files := range []map[string]string{{"default.yaml": catchAll}, {"default.yaml": catchAll, SendersFile: "# none yet\n"}} {
		set, problems := LoadDir(writeDir(t, files))
		if len(problems) > 0 || set == nil || set.Sender("964338531") != (Sender{}) {
			t.Errorf("%v: set %v, problems %v", files, set, problems)
		}
	}
}

// Every mistake in senders.yaml is a problem at its line, as a policy's
// is: the check names it and the service refuses to start (LoadDir gives
// no set).
func TestSendersFileProblems(t *testing.T) {
	dir := writeDir(t, map[string]string{"default.yaml": catchAll, SendersFile: `senders:
  964338532:
    email: a@b.no
  12345:
    email: a@b.no
  964338531:
    email: Bergen <postmottak@bergen.kommune.no>
  974760673:
    phone: "55 56 55 5x"
  991825827:
    phone: "1234"
  64942212:
    fax: "33 66 33 66"
  29189846:
  964338531:
    email: post@bergen.kommune.no
  10150817:
    email: ok@firma.dk
    phone: "+45 33 66 33 66"
contacts: {}
`})
	set, problems := LoadDir(dir)
	if set != nil {
		t.Error("got a set despite problems")
	}
	file := filepath.Join(dir, SendersFile)
	matchProblems(t, problems, []want{
		{file, 2, "not a valid Norwegian organisation number (check digit)"},
		{file, 4, `"12345" is not an organisation number`},
		{file, 7, "senders.964338531.email: \"Bergen <postmottak@bergen.kommune.no>\" is not a plain e-mail address"},
		{file, 9, "senders.974760673.phone: \"55 56 55 5x\" is not a phone number"},
		{file, 11, "senders.991825827.phone: \"1234\" is not a phone number (5 to 15 digits, not 4)"},
		{file, 13, `unknown field "fax" in senders.64942212 (known: email, name_in_subject, phone)`},
		{file, 12, "senders.64942212: give email or phone (or both)"},
		{file, 14, "senders.29189846: give email or phone (or both)"},
		{file, 15, "senders: organisation 964338531 given twice (first at line 6)"},
		{file, 20, `unknown field "contacts" in senders.yaml (known: senders)`},
	})
	if got := Check(dir); !reflect.DeepEqual(got, problems) {
		t.Errorf("Check = %v, LoadDir problems = %v", got, problems)
	}
}

// A field no file knows at the top of senders.yaml or health.yaml is
// reported in that file's name: neither is a policy, and "in policy"
// sends the reader looking for one. A policy's stays "in policy".
func TestUnknownTopFieldNamesTheFile(t *testing.T) {
	_, sp := ParseSenders("p/"+SendersFile, []byte("sender: {}\n"))
	_, hp := ParseHealth("p/"+HealthFile, []byte("rulez: {}\n"))
	_, pp := ParseSenders("p/"+SendersFile, []byte("- a list\n"))
	for _, tc := range []struct {
		problems []Problem
		want     string
	}{
		{sp, `unknown field "sender" in senders.yaml (known: senders)`},
		{hp, `unknown field "rulez" in health.yaml`},
		{pp, `senders.yaml: wrong type: want a mapping`},
	} {
		if len(tc.problems) != 1 || !strings.Contains(tc.problems[0].Message, tc.want) {
			t.Errorf("problems %v, want one saying %q", tc.problems, tc.want)
		}
	}
	if problems := parseFile("p/x.yaml", []byte(catchAll+"extra: 1\n")).problems; len(problems) != 1 || !strings.Contains(problems[0].Message, `unknown field "extra" in policy`) {
		t.Errorf("a policy's problems %v, want unknown field \"extra\" in policy", problems)
	}
}

// name_in_subject: false keeps an organisation's name out of the
// reminders' subject, with a contact or without one (a sender whose name
// tells the subject need not give one). Not given, or true, the subject
// names it as before; so does an organisation not listed.
func TestSendersNameInSubject(t *testing.T) {
	senders, problems := ParseSenders("p/"+SendersFile, []byte(`senders:
  964338531:
    email: postmottak@bergen.kommune.no
  974760673:
    name_in_subject: false
  991825827:
    phone: "56 15 80 00"
    name_in_subject: false
  64942212:
    email: borgerservice@kk.dk
    name_in_subject: true
`))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	for org, want := range map[string]Sender{
		"964338531": {Contact: model.Contact{Email: "postmottak@bergen.kommune.no"}},
		"974760673": {NotInSubject: true},
		"991825827": {Contact: model.Contact{Phone: "56 15 80 00"}, NotInSubject: true},
		"64942212":  {Contact: model.Contact{Email: "borgerservice@kk.dk"}},
	} {
		if got := senders[org]; got != want {
			t.Errorf("%s: %+v, want %+v", org, got, want)
		}
	}
	if got := NewSet().WithSenders(senders).Sender("986105174"); got != (Sender{}) {
		t.Errorf("an organisation not listed: %+v, want no contact and named in the subject", got)
	}
}

// A name_in_subject that is no boolean, and an entry that says nothing
// but the default (name_in_subject: true alone), are problems at their
// lines.
func TestSendersNameInSubjectProblems(t *testing.T) {
	const file = "p/" + SendersFile
	_, problems := ParseSenders(file, []byte(`senders:
  964338531:
    name_in_subject: maybe
  974760673:
    name_in_subject: true
  991825827:
    name_in_subject:
`))
	matchProblems(t, problems, []want{
		{file, 3, "senders.964338531.name_in_subject: wrong type: want a boolean (true or false)"},
		{file, 4, "senders.974760673: give email or phone (or both), the contact the reminders name for questions, or name_in_subject: false"},
		{file, 7, "senders.991825827.name_in_subject: wrong type: want a boolean (true or false)"},
	})
}

// A CVR number with a wrong check digit in senders.yaml is refused, as a
// Norwegian number's is: no letter carries it (the import refuses it), so
// the contact would silently never be named.
func TestSendersFileRefusesABadCVR(t *testing.T) {
	dir := writeDir(t, map[string]string{"default.yaml": catchAll, SendersFile: `senders:
  64942213:
    email: borgerservice@kk.dk
  "12345678":
    name_in_subject: false
`})
	set, problems := LoadDir(dir)
	if set != nil {
		t.Error("got a set despite problems")
	}
	file := filepath.Join(dir, SendersFile)
	matchProblems(t, problems, []want{
		{file, 2, `"64942213" is not a valid Danish CVR number (check digit)`},
		{file, 4, `"12345678" is not a valid Danish CVR number (check digit)`},
	})
}
