package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// LoadDir reads every *.yaml file directly in dir (one policy per file;
// health.yaml, the health rules, is LoadHealth's; senders.yaml, the sending
// organisations' contacts and subject settings, goes with the set; subdirectories and other
// files are ignored, except *.yml and *.YAML (any case) which are
// reported because they would silently not load), validates each file and
// the set as a whole, and returns the set. When there is any problem the
// set is nil and every problem found is returned, sorted by file and line.
func LoadDir(dir string) (*Set, []Problem) {
	var problems []Problem
	add := func(file string, format string, args ...any) {
		problems = append(problems, Problem{File: file, Message: fmt.Sprintf(format, args...)})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		add(dir, "cannot read policy directory: %v", unwrapPath(err))
		return nil, problems
	}
	var files []parsed
	var senders map[string]Sender
	complete := true // every file yielded a policy with a sound match section
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, "."), name == HealthFile:
			continue // hidden, or the health rules (LoadHealth)
		case name == SendersFile:
			data, err := os.ReadFile(path)
			var ps []Problem
			senders, ps = loadSenders(path, data, err)
			problems = append(problems, ps...)
			continue
		case strings.HasSuffix(strings.ToLower(name), ".yml"),
			strings.HasSuffix(strings.ToLower(name), ".yaml") && !strings.HasSuffix(name, ".yaml"):
			// barnevern.YAML, as a copy from Windows may be named, would
			// not load as silently as a .yml.
			add(path, "not loaded: policy files must be named *.yaml")
			continue
		case !strings.HasSuffix(name, ".yaml"):
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			add(path, "cannot read policy file: %v", unwrapPath(err))
			complete = false
			continue
		}
		p := parseFile(path, data)
		problems = append(problems, p.problems...)
		files = append(files, p)
		if p.policy == nil || !p.matchOK {
			complete = false
		}
	}
	if len(files) == 0 && complete {
		add(dir, "no policy files (*.yaml) in the directory")
	}
	var policies []*Policy
	for _, f := range files {
		if f.policy != nil {
			policies = append(policies, f.policy)
		}
	}
	problems = append(problems, duplicateNames(policies)...)
	var matchable []*Policy
	for _, f := range files {
		if f.policy != nil && f.matchOK {
			matchable = append(matchable, f.policy)
		}
	}
	problems = append(problems, overlaps(matchable)...)
	// Without every file's match the coverage cannot be judged; the files'
	// own problems say what to fix first.
	if complete && len(files) > 0 {
		problems = append(problems, coverage(dir, matchable)...)
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, problems
	}
	set := NewSet(policies...)
	set.senders = senders
	return set, nil
}

// Check validates the policies in dir and returns every problem; none
// means LoadDir will succeed.
func Check(dir string) []Problem {
	_, problems := LoadDir(dir)
	return problems
}

// unwrapPath drops the path from an *fs.PathError: the problem names the
// file already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// duplicateNames reports every policy whose name an earlier file used.
func duplicateNames(policies []*Policy) []Problem {
	var out []Problem
	first := map[string]*Policy{}
	for _, p := range policies {
		if p.Name == "" {
			continue
		}
		if q, dup := first[p.Name]; dup {
			out = append(out, Problem{File: p.File, Line: p.Line,
				Message: fmt.Sprintf("duplicate policy name %q (also in %s:%d)", p.Name, q.File, q.Line)})
			continue
		}
		first[p.Name] = p
	}
	return out
}

// overlaps reports every pair of policies that can match the same shipment
// with the same specificity and priority, so that neither would win. The
// problem is reported on the later policy's match.
func overlaps(policies []*Policy) []Problem {
	var out []Problem
	for j, b := range policies {
		for _, a := range policies[:j] {
			if compareRank(a, b) != 0 {
				continue
			}
			example, ok := common(a.Match, b.Match)
			if !ok {
				continue
			}
			line := b.lines.match
			if line == 0 {
				line = b.Line
			}
			out = append(out, Problem{File: b.File, Line: line, Message: fmt.Sprintf(
				"policy %q overlaps policy %q (%s:%d): both match %s with the same specificity (%d) and priority (%d); make one more specific, or give one a higher priority",
				b.Name, a.Name, a.File, a.Line, example, b.Match.Specificity(), b.Priority)})
		}
	}
	return out
}

// common reports whether some shipment matches both a and b, and describes
// one such shipment by the fields either constrains ("any shipment" when
// neither constrains anything).
func common(a, b Matcher) (string, bool) {
	var parts []string
	// A class is matched whatever its case (Matcher.Matches), so two
	// policies of [Barnevern] and [barnevern] overlap.
	exact := func(a, b string) bool { return a == b }
	list := func(name string, x, y []string, eq func(a, b string) bool) bool {
		var v string
		switch {
		case len(x) == 0 && len(y) == 0:
			return true
		case len(x) == 0:
			v = y[0]
		case len(y) == 0:
			v = x[0]
		default:
			i := slices.IndexFunc(x, func(s string) bool { return slices.ContainsFunc(y, func(t string) bool { return eq(s, t) }) })
			if i < 0 {
				return false
			}
			v = x[i]
		}
		parts = append(parts, fmt.Sprintf("%s %q", name, v))
		return true
	}
	if !list("channel", a.Channel, b.Channel, exact) || !list("class", a.Class, b.Class, strings.EqualFold) {
		return "", false
	}
	switch {
	case a.Confidential != nil && b.Confidential != nil && *a.Confidential != *b.Confidential:
		return "", false
	case a.Confidential != nil:
		parts = append(parts, fmt.Sprintf("confidential %v", *a.Confidential))
	case b.Confidential != nil:
		parts = append(parts, fmt.Sprintf("confidential %v", *b.Confidential))
	}
	switch {
	case a.RecipientKind != "" && b.RecipientKind != "" && a.RecipientKind != b.RecipientKind:
		return "", false
	case a.RecipientKind != "":
		parts = append(parts, "recipient_kind "+a.RecipientKind)
	case b.RecipientKind != "":
		parts = append(parts, "recipient_kind "+b.RecipientKind)
	}
	if !list("sender_org", a.SenderOrg, b.SenderOrg, exact) || !list("sender_unit", a.SenderUnit, b.SenderUnit, exact) {
		return "", false
	}
	if len(parts) == 0 {
		return "any shipment", true
	}
	return "a shipment with " + strings.Join(parts, ", "), true
}

// coverage reports the shipments no policy matches. Class, sender_org and
// sender_unit are open-ended (a value no policy lists always exists), and a
// new channel may come, so a shipment with such values is matched only by
// policies that constrain none of the four; those must cover all four
// combinations of confidential and recipient_kind.
func coverage(dir string, policies []*Policy) []Problem {
	var missing []string
	for _, conf := range []bool{false, true} {
		for _, kind := range []string{RecipientOrg, RecipientPerson} {
			f := Facts{Confidential: conf, RecipientKind: kind}
			covered := slices.ContainsFunc(policies, func(p *Policy) bool {
				m := p.Match
				return len(m.Channel) == 0 && len(m.Class) == 0 && len(m.SenderOrg) == 0 && len(m.SenderUnit) == 0 && m.Matches(f)
			})
			if !covered {
				missing = append(missing, fmt.Sprintf("{confidential: %v, recipient_kind: %s}", conf, kind))
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return []Problem{{File: dir, Message: fmt.Sprintf(
		"no catch-all policy: a shipment with %s, and a channel, class, sender_org and sender_unit that no policy lists, matches no policy; add a policy with an empty match (e.g. default.yaml)",
		strings.Join(missing, " or "))}}
}
