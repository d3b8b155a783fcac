package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"postvakt/internal/model"
)

// Problem is one thing wrong with the policies, located at a file and line.
// Line is 0 when the problem is about a file or the directory as a whole.
type Problem struct {
	File    string
	Line    int
	Message string
}

// String formats the problem as "file:line: message" (or "file: message"
// without a line).
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Error makes a Problem usable as an error.
func (p Problem) Error() string { return p.String() }

// sortProblems orders problems by file, line and message.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Message, b.Message)
	})
}

// reader walks yaml.Node trees of one file and collects problems. Every
// helper reports at the line of the node at fault and returns ok=false
// when the value is unusable.
type reader struct {
	file string
	// root names the document's top mapping in problems ("" a policy's:
	// "policy"; senders.yaml and health.yaml are no policy).
	root     string
	problems []Problem
}

func (r *reader) addf(line int, format string, args ...any) {
	r.problems = append(r.problems, Problem{File: r.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// field is one known key of a mapping and what to do with its value.
type field struct {
	name     string
	required bool
	set      func(path string, key, value *yaml.Node)
}

// join builds a dotted path ("reminders" + "max" = "reminders.max").
func join(section, name string) string {
	if section == "" {
		return name
	}
	return section + "." + name
}

// mapping walks a mapping node: each known key's value goes to its
// handler; unknown and repeated keys and missing required fields are
// problems. A null node counts as an empty mapping. section is the dotted
// path of the mapping ("" for the document), at the line to report missing
// fields on. It returns whether n was a mapping (or null).
func (r *reader) mapping(section string, at int, n *yaml.Node, fields []field) bool {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		n = &yaml.Node{Kind: yaml.MappingNode}
	}
	what, where := "a policy", "in policy"
	switch {
	case section != "":
		what, where = section, "in "+section
	case r.root != "":
		what, where = r.root, "in "+r.root
	}
	if n.Kind != yaml.MappingNode {
		r.addf(n.Line, "%s: wrong type: want a mapping, got %s", what, describe(n))
		return false
	}
	known := make([]string, 0, len(fields))
	for _, f := range fields {
		known = append(known, f.name)
	}
	slices.Sort(known)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := deref(n.Content[i]), n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			r.addf(key.Line, "wrong type: field names must be plain words, got %s %s", describe(key), where)
			continue
		}
		if first, dup := seen[key.Value]; dup {
			r.addf(key.Line, "duplicate field %q %s (first at line %d)", key.Value, where, first)
			continue
		}
		seen[key.Value] = key.Line
		idx := slices.IndexFunc(fields, func(f field) bool { return f.name == key.Value })
		if idx < 0 {
			r.addf(key.Line, "unknown field %q %s (known: %s)", key.Value, where, strings.Join(known, ", "))
			continue
		}
		fields[idx].set(join(section, key.Value), key, value)
	}
	for _, f := range fields {
		if _, ok := seen[f.name]; f.required && !ok {
			r.addf(at, "missing required field %q %s", f.name, where)
		}
	}
	return true
}

// deref follows YAML aliases to the node they point at.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names a node's type and value for "wrong type" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("a string %q", n.Value)
		case "!!int":
			return "an integer " + n.Value
		case "!!float":
			return "a number " + n.Value
		case "!!bool":
			return "a boolean " + n.Value
		case "!!null":
			return "nothing (null)"
		default:
			return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
		}
	}
	return "an unsupported YAML node"
}

// scalar checks that n is a scalar with one of the tags.
func (r *reader) scalar(path string, n *yaml.Node, want string, tags ...string) (*yaml.Node, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || !slices.Contains(tags, n.ShortTag()) {
		r.addf(n.Line, "%s: wrong type: want %s, got %s", path, want, describe(n))
		return n, false
	}
	return n, true
}

// str reads a string scalar.
func (r *reader) str(path string, n *yaml.Node) (string, bool) {
	n, ok := r.scalar(path, n, "a string", "!!str")
	return n.Value, ok
}

// boolean reads true or false.
func (r *reader) boolean(path string, n *yaml.Node) (bool, bool) {
	n, ok := r.scalar(path, n, "a boolean (true or false)", "!!bool")
	if !ok {
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		r.addf(n.Line, "%s: %v", path, err)
		return false, false
	}
	return v, true
}

// decimalRE is a whole number as people write it: decimal digits without
// a leading zero, an optional sign.
var decimalRE = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)

// count reads a non-negative integer written in decimal digits.
func (r *reader) count(path string, n *yaml.Node) (int, bool) {
	n, ok := r.scalar(path, n, "a whole number", "!!int")
	if !ok {
		return 0, false
	}
	// YAML reads 010 as octal 8, 0o12 as 10, 0x10 as 16 and 1_0 as 10: a
	// count of days written so is not the count meant, or not clearly.
	if !decimalRE.MatchString(n.Value) {
		leading := ""
		if strings.TrimLeft(n.Value, "+-0") != "" && strings.TrimLeft(n.Value, "+-0123456789") == "" {
			leading = " (no leading zero: YAML reads 010 as octal 8)"
		}
		r.addf(n.Line, "%s: %q is not a whole number written in decimal digits%s", path, n.Value, leading)
		return 0, false
	}
	var v int
	if err := n.Decode(&v); err != nil {
		r.addf(n.Line, "%s: %v", path, err)
		return 0, false
	}
	if v < 0 {
		r.addf(n.Line, "%s: must not be negative, got %d", path, v)
		return v, false
	}
	return v, true
}

// Upper bounds of a policy's numbers: a few zeros too many is a typo, and
// a day count of billions would have the business-day calendar count
// years for ever (serve, explain and every escalation run would hang).
const (
	MaxDays      = 3650 // business days: reminders, print, catch-up grace
	MaxReminders = 100
	MaxYears     = 100 // retention
)

// countUpTo reads a non-negative integer of at most max (unit names what
// it counts, for the message).
func (r *reader) countUpTo(path string, n *yaml.Node, max int, unit string) (int, bool) {
	v, ok := r.count(path, n)
	if ok && v > max {
		r.addf(deref(n).Line, "%s: at most %d %s, got %d", path, max, unit, v)
		return v, false
	}
	return v, ok
}

// list reads a non-empty list, giving each item to item (which reports its
// own problems and returns the value and ok). Repeated values are problems.
// instead says what to write in place of an empty list, which means
// something else for each field ("leave the field out to mean any" for a
// match's).
func (r *reader) list(path string, n *yaml.Node, instead string, item func(path string, n *yaml.Node) (string, bool)) ([]string, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		r.addf(n.Line, "%s: wrong type: want a list, e.g. [a, b], got %s", path, describe(n))
		return nil, false
	}
	if len(n.Content) == 0 {
		r.addf(n.Line, "%s: empty list; %s", path, instead)
		return nil, false
	}
	ok := true
	var out []string
	seen := map[string]int{}
	for i, c := range n.Content {
		v, good := item(fmt.Sprintf("%s[%d]", path, i), c)
		if !good {
			ok = false
			continue
		}
		if first, dup := seen[v]; dup {
			r.addf(deref(c).Line, "%s: duplicate value %q (first at line %d)", path, v, first)
			ok = false
			continue
		}
		seen[v] = deref(c).Line
		out = append(out, v)
	}
	return out, ok
}

// either reads a string that is a or b; what names the kind of value in
// the problem reported for any other ("a recipient kind").
func (r *reader) either(path string, n *yaml.Node, what, a, b string) (string, bool) {
	v, ok := r.str(path, n)
	if ok && v != a && v != b {
		r.addf(deref(n).Line, "%s: %q is not %s (want %s or %s)", path, v, what, a, b)
		return v, false
	}
	return v, ok
}

// word reads a non-empty string without surrounding blanks.
func (r *reader) word(path string, n *yaml.Node) (string, bool) {
	v, ok := r.str(path, n)
	if !ok {
		return "", false
	}
	if strings.TrimSpace(v) == "" {
		r.addf(deref(n).Line, "%s: must not be empty", path)
		return "", false
	}
	if strings.TrimSpace(v) != v {
		r.addf(deref(n).Line, "%s: %q has leading or trailing blanks", path, v)
		return "", false
	}
	return v, true
}

// name reads a class's or a sending unit's name as letters carry it:
// composed (model.NormalizeName), however the file's editor wrote it (a
// Mac's writes "Ås" decomposed, which no letter's unit would equal).
func (r *reader) name(path string, n *yaml.Node) (string, bool) {
	v, ok := r.word(path, n)
	return model.NormalizeName(v), ok
}

// channel reads a channel name: one postvakt is built with, when the
// channels are registered (in the binary they always are).
func (r *reader) channel(path string, n *yaml.Node) (string, bool) {
	v, ok := r.word(path, n)
	if known := model.Channels(); ok && len(known) > 0 && !slices.Contains(known, v) {
		r.addf(deref(n).Line, "%s: %q is not a channel (%s)", path, v, strings.Join(known, ", "))
		return "", false
	}
	return v, ok
}

// orgNumber reads an organisation number: 9 digits (Norwegian) or 8
// digits (Danish CVR), each with a valid mod-11 check digit. Written
// unquoted, YAML reads it as an integer; the digits as written are kept.
func (r *reader) orgNumber(path string, n *yaml.Node) (string, bool) {
	n, ok := r.scalar(path, n, "an organisation number", "!!str", "!!int")
	if !ok {
		return "", false
	}
	v := n.Value
	if _, err := strconv.ParseUint(v, 10, 64); err != nil || (len(v) != 8 && len(v) != 9) {
		r.addf(n.Line, "%s: %q is not an organisation number (9 digits, or 8 for a Danish CVR)", path, v)
		return "", false
	}
	if model.CheckOrgNumber(v) != nil {
		// A number no letter carries (the import checks both countries'
		// check digits): a match or a contact that silently never applies.
		country := "Norwegian organisation number"
		if len(v) == 8 {
			country = "Danish CVR number"
		}
		r.addf(n.Line, "%s: %q is not a valid %s (check digit)", path, v, country)
		return "", false
	}
	return v, true
}

// asciiAddress reports whether the e-mail address n holds is ASCII, as
// the units and contacts imports want it (remind.EmailProblem): most
// relays refuse another (SMTPUTF8, RFC 6531), and a notice or alert to it
// would never arrive.
func (r *reader) asciiAddress(path string, n *yaml.Node) bool {
	n = deref(n)
	if strings.IndexFunc(n.Value, func(c rune) bool { return c > unicode.MaxASCII }) >= 0 {
		r.addf(n.Line, "%s: %q has letters outside ASCII, which most mail servers refuse: give the ASCII form (a domain as xn--…)", path, n.Value)
		return false
	}
	return true
}
