package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"strings"

	"gopkg.in/yaml.v3"

	"postvakt/internal/model"
)

// SendersFile is the file in the policy folder that says what the
// reminders to receiving organisations say of each sending organisation:
// its public contact, whom to ask (e-mail and/or phone), and whether the
// subject may name it. It is not an escalation policy: LoadDir reads it
// beside the policies, and its problems are the set's, reported by
// `postvakt policy check` and refusing the service's start like a
// policy's. Without the file, reminders name no contact and name a single
// sender in the subject. Format (see policies/senders.yaml):
//
//	senders:
//	  964338531:                      # the sending organisation's number (or CVR)
//	    email: postmottak@bergen.kommune.no
//	    phone: "+47 55 56 55 56"
//	  987654325:
//	    name_in_subject: false        # its name tells what the letters are about
const SendersFile = "senders.yaml"

// Sender is what SendersFile says of one sending organisation.
type Sender struct {
	// Contact is its public contact for questions, zero when it gives
	// none.
	Contact model.Contact
	// NotInSubject is name_in_subject: false: the reminders' subject does
	// not name the organisation, whose very name tells what its letters
	// are about ("Krisesenteret i Bergen IKS", "Familievernkontoret"); a
	// subject shows on a locked phone and in a shared inbox's list. The
	// default (false: named) is the reminder as before the setting.
	NotInSubject bool
}

// Phone numbers in SendersFile have between minPhoneDigits and
// maxPhoneDigits digits (E.164 allows at most 15, country code included;
// Norwegian and Danish numbers have 8).
const (
	minPhoneDigits = 5
	maxPhoneDigits = 15
)

// ParseSenders reads a senders.yaml's content; file names it in problems.
// It returns what it says of each sending organisation by its number; when
// there is any problem, the senders are nil and every problem is
// returned.
func ParseSenders(file string, data []byte) (map[string]Sender, []Problem) {
	r := &reader{file: file, root: SendersFile}
	senders := map[string]Sender{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return senders, nil // an empty file (or only comments): no senders
		}
		r.syntax(err, data)
		return nil, r.problems
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		r.addf(extra.Line, "more than one YAML document: %s holds one", SendersFile)
	case !errors.Is(err, io.EOF):
		r.syntax(err, data)
	}
	if len(doc.Content) > 0 {
		root := deref(doc.Content[0])
		r.mapping("", root.Line, root, []field{
			{"senders", false, func(path string, _, n *yaml.Node) { r.senders(path, n, senders) }},
		})
	}
	if len(r.problems) > 0 {
		sortProblems(r.problems)
		return nil, r.problems
	}
	return senders, nil
}

// senders reads the senders mapping: organisation number to its contact
// and subject setting.
func (r *reader) senders(section string, n *yaml.Node, senders map[string]Sender) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		r.addf(n.Line, "%s: wrong type: want a mapping of organisation numbers, got %s", section, describe(n))
		return
	}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := deref(n.Content[i]), n.Content[i+1]
		org, ok := r.orgNumber(section, key)
		if !ok {
			continue
		}
		if line, dup := first[org]; dup {
			r.addf(key.Line, "%s: organisation %s given twice (first at line %d)", section, org, line)
			continue
		}
		first[org] = key.Line
		path := join(section, org)
		var s Sender
		good := true
		if !r.mapping(path, key.Line, value, []field{
			{"email", false, func(path string, _, n *yaml.Node) {
				v, ok := r.publicEmail(path, n)
				s.Contact.Email, good = v, good && ok
			}},
			{"name_in_subject", false, func(path string, _, n *yaml.Node) {
				v, ok := r.boolean(path, n)
				s.NotInSubject, good = !v, good && ok
			}},
			{"phone", false, func(path string, _, n *yaml.Node) {
				v, ok := r.phone(path, n)
				s.Contact.Phone, good = v, good && ok
			}},
		}) || !good {
			continue
		}
		if s == (Sender{}) {
			r.addf(key.Line, "%s: give email or phone (or both), the contact the reminders name for questions, "+
				"or name_in_subject: false (name_in_subject: true alone is the default)", path)
			continue
		}
		senders[org] = s
	}
}

// publicEmail reads a plain e-mail address (no display name).
func (r *reader) publicEmail(path string, n *yaml.Node) (string, bool) {
	v, ok := r.word(path, n)
	if !ok {
		return "", false
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v || !strings.Contains(v, "@") {
		r.addf(deref(n).Line, "%s: %q is not a plain e-mail address", path, v)
		return "", false
	}
	return v, true
}

// phone reads a phone number as people write it: digits, spaces, hyphens,
// dots and parentheses, a leading + for the country code; between
// minPhoneDigits and maxPhoneDigits digits. Written unquoted, YAML reads
// it as an integer; the digits as written are kept.
func (r *reader) phone(path string, n *yaml.Node) (string, bool) {
	n, ok := r.scalar(path, n, "a phone number", "!!str", "!!int")
	if !ok {
		return "", false
	}
	v := strings.TrimSpace(n.Value)
	digits := 0
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '.', c == '(', c == ')':
		default:
			r.addf(n.Line, "%s: %q is not a phone number (digits, spaces, - . ( ), a leading + for the country code)", path, n.Value)
			return "", false
		}
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		r.addf(n.Line, "%s: %q is not a phone number (%d to %d digits, not %d)", path, n.Value, minPhoneDigits, maxPhoneDigits, digits)
		return "", false
	}
	return v, true
}

// Sender returns what the set's senders.yaml says of the sending
// organisation org, zero when it is not listed (no contact, named in the
// subject).
func (s *Set) Sender(org string) Sender { return s.senders[org] }

// Senders returns what senders.yaml says of each sending organisation, by
// number (a copy).
func (s *Set) Senders() map[string]Sender { return maps.Clone(s.senders) }

// WithSenders returns a copy of the set with the sending organisations
// given (for sets built by NewSet; LoadDir reads SendersFile).
func (s *Set) WithSenders(senders map[string]Sender) *Set {
	return &Set{policies: s.policies, senders: maps.Clone(senders)}
}

// loadSenders reads the senders file at path (found by LoadDir) for the
// set.
func loadSenders(path string, data []byte, err error) (map[string]Sender, []Problem) {
	if err != nil {
		return nil, []Problem{{File: path, Message: fmt.Sprintf("cannot read the senders' contacts: %v", unwrapPath(err))}}
	}
	return ParseSenders(path, data)
}
