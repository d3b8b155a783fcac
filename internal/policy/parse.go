package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"postvakt/internal/calendar"
)

// parsed is the outcome of reading one policy file.
type parsed struct {
	policy   *Policy   // nil when the file holds no usable policy document
	problems []Problem // everything wrong with the file
	matchOK  bool      // the match section is sound, so set-level checks may use it
}

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)
	// yaml.v3 syntax errors look like "yaml: line 3: did not find expected key".
	yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// parseFile reads one policy file's content. file is the name used in
// problems.
func parseFile(file string, data []byte) parsed {
	r := &reader{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.addf(0, "empty file: want one policy")
		} else {
			r.syntax(err, data)
		}
		return parsed{problems: r.problems}
	}
	// One policy per file: a second document is a mistake, not ignored.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		r.addf(extra.Line, "more than one YAML document: put one policy per file")
	case !errors.Is(err, io.EOF):
		r.syntax(err, data)
	}
	if len(doc.Content) == 0 {
		r.addf(0, "empty file: want one policy")
		return parsed{problems: r.problems}
	}
	pol, matchOK := r.policy(doc.Content[0])
	return parsed{policy: pol, problems: r.problems, matchOK: matchOK}
}

// parserProblems are yaml.v3's parser (as opposed to scanner) errors.
// yaml.v3 reports their line 0-based (the start of the unfinished
// construct, or where the problem was found), scanner errors 1-based.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntax turns a yaml.v3 parse error in data into a problem at its line.
// A tab where YAML wants spaces is named as such: the parser says only
// that a character cannot start a token.
func (r *reader) syntax(err error, data []byte) {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			line++
		}
		if lines := bytes.Split(data, []byte("\n")); m[2] == "found character that cannot start any token" &&
			line >= 1 && line <= len(lines) && bytes.ContainsRune(lines[line-1], '\t') {
			r.addf(line, "invalid YAML: a tab on this line (YAML indents with spaces, never tabs)")
			return
		}
		r.addf(line, "invalid YAML: %s", m[2])
		return
	}
	if line, col, b, ok := firstInvalidUTF8(data); ok {
		r.addf(line, "not UTF-8: byte 0x%02x at column %d (save the file as UTF-8; æ, ø and å in Latin-1 are such bytes)", b, col)
		return
	}
	if strings.HasSuffix(err.Error(), "control characters are not allowed") && 4*bytes.Count(data, []byte{0}) >= len(data) {
		// Not stray characters to delete: the whole file's encoding.
		r.addf(0, "not UTF-8: the file looks like UTF-16 (every other byte 0): save it as UTF-8")
		return
	}
	// The reader's error says no line: find the character.
	if line, col, c, ok := firstControl(data); ok && strings.HasSuffix(err.Error(), "control characters are not allowed") {
		r.addf(line, "invalid YAML: a control character (U+%04X) at column %d: delete it", c, col)
		return
	}
	r.addf(0, "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// firstControl finds the first character of UTF-8 data that YAML does not
// allow (yaml.v3's reader: a control character but tab, newline and
// carriage return, or a non-character): its line, its column (1-based,
// in characters) and the character.
func firstControl(data []byte) (line, col int, c rune, ok bool) {
	line, col = 1, 0
	for _, c := range string(data) {
		col++
		if !(c == '\t' || c == '\n' || c == '\r' || c >= 0x20 && c <= 0x7e || c == 0x85 || c >= 0xa0 && c <= 0xd7ff ||
			c >= 0xe000 && c <= 0xfffd || c >= 0x10000 && c <= 0x10ffff) {
			return line, col, c, true
		}
		if c == '\n' {
			line, col = line+1, 0
		}
	}
	return 0, 0, 0, false
}

// firstInvalidUTF8 finds the first byte of data that is not UTF-8: its
// line and column (1-based, the column in bytes) and the byte.
func firstInvalidUTF8(data []byte) (line, col int, b byte, ok bool) {
	line, start := 1, 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return line, i - start + 1, data[i], true
		}
		if data[i] == '\n' {
			line, start = line+1, i+1
		}
		i += n
	}
	return 0, 0, 0, false
}

// policy reads the top-level mapping of a policy document. It returns nil
// when the document is not a mapping, and whether the match section is
// sound.
func (r *reader) policy(root *yaml.Node) (*Policy, bool) {
	root = deref(root)
	p := &Policy{File: r.file, Line: root.Line, Print: Print{Enabled: true, Via: PrintViaProvider}, CatchUp: DefaultCatchUp}
	matchOK := true
	var (
		calOK, remOK, printOK bool
		window                *SendWindow
		remLines, printLines  map[string]int
		catchUpLine           int
		approvalLine          int // catch_up.requires_approval: true, where written
	)
	ok := r.mapping("", root.Line, root, []field{
		{"name", true, func(path string, key, n *yaml.Node) {
			p.Line = key.Line
			if v, ok := r.str(path, n); ok {
				if !nameRE.MatchString(v) {
					r.addf(deref(n).Line, "%s: %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", path, v)
				}
				p.Name = v
			}
		}},
		{"priority", false, func(path string, _, n *yaml.Node) {
			p.Priority, _ = r.count(path, n)
		}},
		{"match", false, func(path string, key, n *yaml.Node) {
			p.lines.match = key.Line
			matchOK = r.match(path, key.Line, n, &p.Match)
		}},
		{"calendar", true, func(path string, _, n *yaml.Node) {
			v, ok := r.str(path, n)
			if !ok {
				return
			}
			cal, err := calendar.Get(v)
			if err != nil {
				r.addf(deref(n).Line, "%s: %v", path, err)
				return
			}
			p.Calendar, calOK = cal, true
		}},
		{"reminders", true, func(path string, key, n *yaml.Node) {
			remOK, remLines = r.reminders(path, key.Line, n, &p.Reminders)
		}},
		{"print", true, func(path string, key, n *yaml.Node) {
			printOK, printLines = r.print(path, key.Line, n, &p.Print)
		}},
		{"send_window", false, func(path string, key, n *yaml.Node) {
			window = r.sendWindow(path, key.Line, n)
		}},
		{"escalation", false, func(path string, key, n *yaml.Node) {
			r.escalation(path, key.Line, n, &p.Escalation)
		}},
		{"catch_up", false, func(path string, key, n *yaml.Node) {
			catchUpLine = key.Line
			approvalLine = r.catchUp(path, key.Line, n, &p.CatchUp)
		}},
		{"retention", false, func(path string, key, n *yaml.Node) {
			r.mapping(path, key.Line, n, []field{
				{"years", true, func(path string, _, n *yaml.Node) {
					v, ok := r.countUpTo(path, n, MaxYears, "years")
					if ok && v < 1 {
						r.addf(deref(n).Line, "%s: must be at least 1 year", path)
					}
					p.Retention.Years = v
				}},
			})
		}},
	})
	if !ok {
		return nil, false
	}
	if window != nil {
		p.SendWindow = window
		if p.SendWindow.Location == nil && calOK {
			p.SendWindow.Location = p.Calendar.Location()
		}
	}
	if remOK && printOK {
		r.reminderVersusPrint(p.Reminders, p.Print, remLines, printLines)
	}
	if c := p.CatchUp; remOK && catchUpLine > 0 && p.Reminders.Enabled() && c.Reminders > p.Reminders.Max {
		// reminders.max is how many reminders a letter gets at most.
		r.addf(catchUpLine, "catch_up: reminders (%d) more than reminders.max (%d): a back-filled letter would get more reminders "+
			"than the policy allows any letter; lower catch_up.reminders or raise reminders.max", c.Reminders, p.Reminders.Max)
	}
	if c := p.CatchUp; remOK && catchUpLine > 0 && p.Reminders.Enabled() && c.Reminders > 1 && p.Reminders.RepeatEvery >= c.Grace {
		// The print comes grace business days after the last catch-up
		// reminder: the next, repeat_every after it, would never be sent.
		r.addf(catchUpLine, "catch_up: reminders after the first come repeat_every (%d) business days apart, at or after the print "+
			"(grace %d after a reminder): only 1 of the %d catch-up reminders would be sent; lower catch_up.reminders or raise catch_up.grace",
			p.Reminders.RepeatEvery, c.Grace, c.Reminders)
	}
	if printOK && approvalLine > 0 && p.Print.Via == PrintViaDigitalPost {
		r.addf(approvalLine, "catch_up.requires_approval has no effect with print.via: digitalpost: %s; remove it", viaDigitalPostUnheld)
	}
	if remOK && printOK && approvalLine > 0 && p.CatchUp.RequiresApproval && !p.CatchesUp() && p.Print.Enabled &&
		!p.PrintNeedsApproval(false) && p.Print.Via != PrintViaDigitalPost {
		// Without catch-up reminders a letter first met past its print
		// window is printed at once as an ordinary print: the approval
		// asked for would never be asked.
		r.addf(approvalLine, "catch_up: requires_approval has no effect: without catch-up reminders (reminders.max or catch_up.reminders 0) "+
			"a letter first met past its print window is printed at once as an ordinary print; set print.requires_approval: true "+
			"to hold every print for approval, or give catch_up at least one reminder")
	}
	return p, matchOK
}

// match reads the match section into m.
func (r *reader) match(section string, at int, n *yaml.Node, m *Matcher) bool {
	ok := true
	bad := func(good bool) {
		if !good {
			ok = false
		}
	}
	// list is an optional field holding a list of item into dst.
	list := func(name string, dst *[]string, item func(path string, n *yaml.Node) (string, bool)) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			var good bool
			*dst, good = r.list(path, n, "leave the field out to mean any", item)
			bad(good)
		}}
	}
	bad(r.mapping(section, at, n, []field{
		list("channel", &m.Channel, r.channel),
		list("class", &m.Class, r.name),
		{"confidential", false, func(path string, _, n *yaml.Node) {
			v, good := r.boolean(path, n)
			if good {
				m.Confidential = &v
			}
			bad(good)
		}},
		{"recipient_kind", false, func(path string, _, n *yaml.Node) {
			v, good := r.either(path, n, "a recipient kind", RecipientOrg, RecipientPerson)
			if good {
				m.RecipientKind = v
			}
			bad(good)
		}},
		list("sender_org", &m.SenderOrg, r.orgNumber),
		list("sender_unit", &m.SenderUnit, r.name),
	}))
	return ok
}

// reminders reads the reminders section. It returns whether the schedule
// is sound and the lines of its fields (for cross-checks with print).
func (r *reader) reminders(section string, at int, n *yaml.Node, rem *Reminders) (bool, map[string]int) {
	ok := true
	lines := map[string]int{"": at}
	num := func(dst *int, max int, unit string) func(string, *yaml.Node, *yaml.Node) {
		return func(path string, key, n *yaml.Node) {
			lines[key.Value] = deref(n).Line
			v, good := r.countUpTo(path, n, max, unit)
			*dst = v
			if !good {
				ok = false
			}
		}
	}
	if !r.mapping(section, at, n, []field{
		{"first_after", false, num(&rem.FirstAfter, MaxDays, "business days")},
		{"repeat_every", false, num(&rem.RepeatEvery, MaxDays, "business days")},
		{"max", true, num(&rem.Max, MaxReminders, "reminders")},
		{"name_unit", false, func(path string, _, n *yaml.Node) {
			v, good := r.boolean(path, n)
			if good {
				rem.NameUnit = &v
			}
			ok = ok && good
		}},
	}) {
		return false, lines
	}
	if _, has := lines["max"]; !has || !ok {
		return false, lines
	}
	// Which fields a schedule needs depends on how many reminders it sends.
	need := func(name string, when bool, why string) {
		line, has := lines[name]
		switch {
		case !when:
		case !has:
			r.addf(at, "missing required field %q in %s (%s)", name, section, why)
			ok = false
		case name == "first_after" && rem.FirstAfter < 1, name == "repeat_every" && rem.RepeatEvery < 1:
			r.addf(line, "%s.%s: must be at least 1 business day (%s)", section, name, why)
			ok = false
		}
	}
	need("first_after", rem.Max > 0, "reminders are on: max > 0")
	need("repeat_every", rem.Max > 1, "more than one reminder: max > 1")
	return ok, lines
}

// viaDigitalPostUnheld says why no approval is asked for a print through
// Digital Post's physical post (PrintNeedsApproval), in the check's words.
const viaDigitalPostUnheld = "Digital Post's physical post goes to the sending unit's manual handling, " +
	"which orders it, and is never held for a compliance officer's approval"

// print reads the print section.
func (r *reader) print(section string, at int, n *yaml.Node, pr *Print) (bool, map[string]int) {
	ok := true
	lines := map[string]int{"": at}
	if !r.mapping(section, at, n, []field{
		{"enabled", false, func(path string, _, n *yaml.Node) {
			v, good := r.boolean(path, n)
			if good {
				pr.Enabled = v
			}
			ok = ok && good
		}},
		{"after", false, func(path string, _, n *yaml.Node) {
			lines["after"] = deref(n).Line
			v, good := r.countUpTo(path, n, MaxDays, "business days")
			pr.After = v
			ok = ok && good
		}},
		{"requires_approval", false, func(path string, _, n *yaml.Node) {
			v, good := r.boolean(path, n)
			pr.RequiresApproval = v
			if v {
				lines["requires_approval"] = deref(n).Line
			}
			ok = ok && good
		}},
		{"via", false, func(path string, _, n *yaml.Node) {
			v, good := r.either(path, n, "a kind of physical post", PrintViaProvider, PrintViaDigitalPost)
			if good {
				pr.Via = v
			}
			ok = ok && good
		}},
	}) {
		return false, lines
	}
	if line, has := lines["requires_approval"]; has && ok && pr.Via == PrintViaDigitalPost {
		// PrintNeedsApproval: Digital Post's physical post is never held.
		r.addf(line, "%s.requires_approval has no effect with via: digitalpost: %s; remove it, or print through postvakt's print provider (via: provider)",
			section, viaDigitalPostUnheld)
	}
	if line, has := lines["after"]; pr.Enabled && ok {
		switch {
		case !has:
			r.addf(at, "missing required field \"after\" in %s (print is enabled)", section)
			ok = false
		case pr.After < 1:
			r.addf(line, "%s.after: must be at least 1 business day", section)
			ok = false
		}
	}
	return ok, lines
}

// reminderVersusPrint checks that every reminder comes before print.
func (r *reader) reminderVersusPrint(rem Reminders, pr Print, remLines, printLines map[string]int) {
	if !rem.Enabled() || !pr.Enabled {
		return
	}
	if pr.After <= rem.FirstAfter {
		r.addf(printLines["after"], "print.after (%d business days) must be later than reminders.first_after (%d): print would come before or with the first reminder",
			pr.After, rem.FirstAfter)
		return
	}
	for k := 2; k <= rem.Max; k++ {
		if due := rem.FirstAfter + (k-1)*rem.RepeatEvery; due >= pr.After {
			line := remLines["max"]
			r.addf(line, "reminders: reminder %d of %d would be due after %d business days, at or after print.after (%d); lower max or repeat_every, or raise print.after",
				k, rem.Max, due, pr.After)
			return
		}
	}
}

// sendWindow reads the send_window section; nil when it is unusable. The
// Location is nil when no timezone was given: the caller fills in the
// calendar's.
func (r *reader) sendWindow(section string, at int, n *yaml.Node) *SendWindow {
	w := &SendWindow{}
	ok := true
	lines := map[string]int{}
	clock := func(dst *Clock) func(string, *yaml.Node, *yaml.Node) {
		return func(path string, key, n *yaml.Node) {
			lines[key.Value] = deref(n).Line
			v, good := r.str(path, n)
			if good {
				m := clockRE.FindStringSubmatch(v)
				if m == nil {
					r.addf(deref(n).Line, "%s: %q is not a time of day: want HH:MM, 24-hour, e.g. \"08:00\"", path, v)
					good = false
				} else {
					h, _ := strconv.Atoi(m[1])
					mm, _ := strconv.Atoi(m[2])
					*dst = Clock(h*60 + mm)
				}
			}
			ok = ok && good
		}
	}
	if !r.mapping(section, at, n, []field{
		{"from", true, clock(&w.From)},
		{"to", true, clock(&w.To)},
		{"business_days_only", false, func(path string, _, n *yaml.Node) {
			v, good := r.boolean(path, n)
			w.BusinessDaysOnly = v
			ok = ok && good
		}},
		{"timezone", false, func(path string, _, n *yaml.Node) {
			v, good := r.str(path, n)
			if good {
				loc, err := loadZone(v)
				if err != nil {
					r.addf(deref(n).Line, "%s: %v", path, err)
					good = false
				}
				w.Location = loc
			}
			ok = ok && good
		}},
	}) || !ok {
		return nil
	}
	if lines["from"] == 0 || lines["to"] == 0 {
		return nil // reported as missing
	}
	if w.From >= w.To {
		r.addf(lines["from"], "%s: from (%s) must be before to (%s); windows across midnight are not supported", section, w.From, w.To)
		return nil
	}
	return w
}

// loadZone loads an IANA time zone; "Local" is refused because it would
// depend on the host.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not a time zone: want an IANA name such as Europe/Oslo", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Europe/Oslo", name)
	}
	return loc, nil
}

// catchUp reads the catch_up section over the defaults in c, and returns
// the line of a requires_approval: true written in it (0: none).
func (r *reader) catchUp(section string, at int, n *yaml.Node, c *CatchUp) (approvalLine int) {
	r.mapping(section, at, n, []field{
		{"reminders", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.countUpTo(path, n, MaxReminders, "reminders"); ok {
				c.Reminders = v
			}
		}},
		{"grace", false, func(path string, _, n *yaml.Node) {
			v, ok := r.countUpTo(path, n, MaxDays, "business days")
			if ok && v < 1 {
				r.addf(deref(n).Line, "%s: must be at least 1 business day", path)
				ok = false
			}
			if ok {
				c.Grace = v
			}
		}},
		{"requires_approval", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.boolean(path, n); ok {
				c.RequiresApproval = v
				if v {
					approvalLine = deref(n).Line
				}
			}
		}},
	})
	return approvalLine
}

// escalation reads the escalation section.
func (r *reader) escalation(section string, at int, n *yaml.Node, e *Escalation) {
	r.mapping(section, at, n, []field{
		{"to", true, func(path string, _, n *yaml.Node) {
			to, _ := r.list(path, n, "give an e-mail address or a role, or leave escalation out when nobody is to be told", r.recipient)
			for _, v := range to {
				if strings.Contains(v, "@") {
					e.Emails = append(e.Emails, v)
				} else {
					e.Roles = append(e.Roles, v)
				}
			}
		}},
	})
}

// recipient reads one escalation.to entry: an e-mail address or a role.
func (r *reader) recipient(path string, n *yaml.Node) (string, bool) {
	v, ok := r.word(path, n)
	if !ok {
		return "", false
	}
	line := deref(n).Line
	if strings.Contains(v, "@") {
		addr, err := mail.ParseAddress(v)
		if err != nil || addr.Name != "" || addr.Address != v {
			r.addf(line, "%s: %q is not a plain e-mail address", path, v)
			return "", false
		}
		return v, r.asciiAddress(path, n)
	}
	if !slices.Contains(EscalationRoles, v) {
		r.addf(line, "%s: %q is neither an e-mail address nor a role (roles: %s)", path, v, strings.Join(EscalationRoles, ", "))
		return "", false
	}
	return v, true
}
