package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Reading health.yaml (LoadHealth, ParseHealth) into a Health: the
// defaults (health.go) with what the file sets, every problem located.

// LoadHealth reads dir/health.yaml, or returns the defaults when the file
// does not exist. Every problem is returned (file:line), and then the
// configuration is nil.
func LoadHealth(dir string) (*Health, []Problem) {
	path := filepath.Join(dir, HealthFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// No health.yaml: the defaults. No folder at all is a mistyped
		// POSTVAKT_POLICIES, said as LoadDir says it, not the defaults.
		if _, err := os.ReadDir(dir); err != nil {
			return nil, []Problem{{File: dir, Message: fmt.Sprintf("cannot read policy directory: %v", unwrapPath(err))}}
		}
		return DefaultHealth(), nil
	}
	if err != nil {
		return nil, []Problem{{File: path, Message: fmt.Sprintf("cannot read health rules: %v", unwrapPath(err))}}
	}
	return ParseHealth(path, data)
}

// ParseHealth reads a health.yaml's content; file names it in problems.
// Fields left out keep their defaults.
func ParseHealth(file string, data []byte) (*Health, []Problem) {
	r := &reader{file: file, root: HealthFile}
	h := DefaultHealth()
	h.File = file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return h, nil // an empty file: the defaults
		}
		r.syntax(err, data)
		return nil, r.problems
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		r.addf(extra.Line, "more than one YAML document: health.yaml holds one")
	case !errors.Is(err, io.EOF):
		r.syntax(err, data)
	}
	if len(doc.Content) > 0 {
		r.health(doc.Content[0], h)
	}
	if len(r.problems) > 0 {
		sortProblems(r.problems)
		return nil, r.problems
	}
	return h, nil
}

func (r *reader) health(root *yaml.Node, h *Health) {
	root = deref(root)
	own := map[string]ownSettings{} // what each rule sets of its own
	var top ownSettings             // what the top level sets
	r.mapping("", root.Line, root, []field{
		{"repeat_interval", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.duration(path, n); ok {
				h.RepeatInterval, top.repeat = v, true
			}
		}},
		{"keep_firing_for", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.durationOrZero(path, n); ok {
				h.KeepFiring, top.keep = v, true
			}
		}},
		{"rules", false, func(path string, key, n *yaml.Node) {
			var fields []field
			for _, name := range HealthRules {
				fields = append(fields, field{name, false, func(path string, key, n *yaml.Node) {
					own[name] = r.healthRule(path, key.Line, n, h, name)
				}})
			}
			r.mapping(path, key.Line, n, fields)
		}},
		{"inhibit", false, func(path string, key, n *yaml.Node) {
			h.Inhibit = r.inhibits(path, n)
		}},
	})
	// The top-level repeat_interval and keep_firing_for are every rule's
	// that has none of its own.
	for _, name := range HealthRules {
		c := h.Common(name)
		if top.repeat && !own[name].repeat {
			c.RepeatInterval = h.RepeatInterval
		}
		if top.keep && !own[name].keep {
			c.KeepFiringFor = h.KeepFiring
		}
	}
}

// ownSettings says which of the settings a top level gives every rule a
// rule's section (or the top level) sets: repeat_interval,
// keep_firing_for.
type ownSettings struct{ repeat, keep bool }

// healthRule reads one rule's section over its defaults and reports
// whether it sets its own repeat_interval and keep_firing_for.
func (r *reader) healthRule(section string, at int, n *yaml.Node, h *Health, name string) (own ownSettings) {
	c := h.Common(name)
	c.Line = at
	fields := []field{
		{"enabled", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.boolean(path, n); ok {
				c.Enabled = v
			}
		}},
		{"severity", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.word(path, n); ok {
				if !slices.Contains(Severities, v) {
					r.addf(deref(n).Line, "%s: %q is not a severity (%s)", path, v, strings.Join(Severities, ", "))
					return
				}
				c.Severity = v
			}
		}},
		{"to", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.list(path, n, "leave the field out when POSTVAKT_ALERT_EMAIL alone is to be told", r.alertRecipient); ok {
				c.To = v
			}
		}},
		{"repeat_interval", false, func(path string, _, n *yaml.Node) {
			own.repeat = true
			if v, ok := r.duration(path, n); ok {
				c.RepeatInterval = v
			}
		}},
		{"keep_firing_for", false, func(path string, _, n *yaml.Node) {
			own.keep = true
			if v, ok := r.durationOrZero(path, n); ok {
				c.KeepFiringFor = v
			}
		}},
	}
	dur := func(name string, dst *time.Duration) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			if v, ok := r.duration(path, n); ok {
				*dst = v
			}
		}}
	}
	num := func(name string, dst *int) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			if v, ok := r.count(path, n); ok {
				if v < 1 {
					r.addf(deref(n).Line, "%s: must be at least 1", path)
					return
				}
				*dst = v
			}
		}}
	}
	frac := func(name string, dst *float64) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			if v, ok := r.fraction(path, n); ok {
				*dst = v
			}
		}}
	}
	lines := map[string]int{}
	track := func(f field) field {
		set := f.set
		f.set = func(path string, key, n *yaml.Node) { lines[key.Value] = deref(n).Line; set(path, key, n) }
		return f
	}
	switch name {
	case RuleChannelSilent:
		s := &h.ChannelSilent
		fields = append(fields, dur("after", &s.After), dur("young", &s.Young), num("min_letters", &s.MinLetters),
			dur("calls_window", &s.CallsWindow), num("min_calls", &s.MinCalls), track(frac("error_share", &s.ErrorShare)),
			dur("max_latency", &s.MaxLatency))
	case RuleStuck:
		s := &h.Stuck
		fields = append(fields, dur("settle", &s.Settle), track(frac("percentile", &s.Percentile)), track(dur("min_after", &s.MinAfter)),
			track(dur("max_after", &s.MaxAfter)), dur("learn", &s.Learn), num("min_learned", &s.MinLearned),
			track(dur("lookback", &s.Lookback)), dur("window", &s.Window), track(num("min_count", &s.MinCount)),
			track(num("count", &s.Count)), frac("share", &s.Share))
	case RuleUnitDrop:
		s := &h.UnitDrop
		fields = append(fields, field{"group_by", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.list(path, n, "leave the field out for the default grouping (unit, system)", r.oneOf("a group", "unit", "system")); ok {
				s.GroupBy = v
			}
		}}, num("letters", &s.Letters), track(frac("ratio", &s.Ratio)), frac("others_min", &s.OthersMin))
	case RuleRejection:
		s := &h.Rejection
		fields = append(fields, field{"group_by", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.list(path, n, "leave the field out for the default grouping (channel, unit)", r.oneOf("a label", "channel", "unit", "class")); ok {
				s.GroupBy = v
			}
		}}, dur("window", &s.Window), dur("baseline", &s.Baseline), num("min_count", &s.MinCount),
			frac("min_share", &s.MinShare), field{"factor", false, func(path string, _, n *yaml.Node) {
				if v, ok := r.number(path, n); ok {
					if v < 1 {
						r.addf(deref(n).Line, "%s: must be at least 1 (times the baseline share)", path)
						return
					}
					s.Factor = v
				}
			}})
	case RuleNeverOpening:
		s := &h.NeverOpening
		fields = append(fields, num("letters", &s.Letters), track(dur("over", &s.Over)), track(dur("min_age", &s.MinAge)))
	case RuleCertificate:
		fields = append(fields, dur("within", &h.Certificate.Within))
	case RulePrintSilent:
		fields = append(fields, track(dur("after", &h.PrintSilent.After)), track(dur("unprinted_after", &h.PrintSilent.Unprinted)))
	}
	r.mapping(section, at, n, fields)
	if name == RuleChannelSilent && h.ChannelSilent.ErrorShare <= 0 {
		// ratio(errors, calls) >= 0 holds for any calls: every min_calls
		// calls, none failed, would fire ("0 of 5 calls failed").
		r.addf(max(lines["error_share"], at), "%s.error_share: must be more than 0 (0 fires on any %d calls, none failed; "+
			"1 fires only when every call failed)", section, h.ChannelSilent.MinCalls)
	}
	if name == RuleUnitDrop && h.UnitDrop.Ratio >= 1 {
		// A share of reached letters is never more than its baseline's
		// 100%: every group whose letters all reached the channel would
		// be dropped.
		r.addf(max(lines["ratio"], at), "%s.ratio: must be less than 1 (1 drops any unit or system whose letters reach the "+
			"channel as usual: %d of %d)", section, h.UnitDrop.Letters, h.UnitDrop.Letters)
	}
	if name == RulePrintSilent && h.PrintSilent.After < MinPrintSilentAfter {
		r.addf(max(lines["after"], at), "%s.after: must be at least %s (a failing status poll is asked again after at most an hour: "+
			"shorter fires on a few failed polls), not %s", section, MinPrintSilentAfter, h.PrintSilent.After)
	}
	if name == RulePrintSilent && h.PrintSilent.Unprinted < MinPrintUnprinted {
		r.addf(max(lines["unprinted_after"], at), "%s.unprinted_after: must be at least %s (a provider prints and posts within a "+
			"business day or two), not %s", section, MinPrintUnprinted, h.PrintSilent.Unprinted)
	}
	if name == RuleStuck {
		s := h.Stuck
		if s.MinAfter > s.MaxAfter {
			r.addf(max(lines["min_after"], lines["max_after"], at), "%s: min_after (%s) must not be longer than max_after (%s)",
				section, s.MinAfter, s.MaxAfter)
		}
		if s.Percentile <= 0 || s.Percentile >= 1 {
			r.addf(max(lines["percentile"], at), "%s.percentile: must be between 0 and 1 (e.g. 0.99), not %g", section, s.Percentile)
		}
		if s.MaxAfter >= s.Lookback {
			// T is at most max_after and is max_after until min_learned
			// letters were delivered: no letter of the lookback would be due.
			r.addf(max(lines["max_after"], lines["lookback"], at), "%s: max_after (%s) must be shorter than lookback (%s): "+
				"a letter is stuck only once T (at most max_after) has passed, within the lookback", section, s.MaxAfter, s.Lookback)
		}
		if s.Count < s.MinCount {
			r.addf(max(lines["count"], lines["min_count"], at), "%s: count (%d) must not be below min_count (%d)", section, s.Count, s.MinCount)
		}
	}
	if name == RuleNeverOpening && h.NeverOpening.MinAge >= h.NeverOpening.Over {
		s := h.NeverOpening
		r.addf(max(lines["min_age"], lines["over"], at), "%s: min_age (%s) must be shorter than over (%s): "+
			"the letters judged are sent within over and at least min_age ago", section, s.MinAge, s.Over)
	}
	return own
}

// inhibits reads the inhibit list.
func (r *reader) inhibits(path string, n *yaml.Node) []Inhibit {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		r.addf(n.Line, "%s: wrong type: want a list of {source, target, equal}, got %s", path, describe(n))
		return nil
	}
	rule := r.oneOf("a health rule", HealthRules...)
	out := []Inhibit{}
	for i, c := range n.Content {
		var in Inhibit
		p := fmt.Sprintf("%s[%d]", path, i)
		targetLine := deref(c).Line
		r.mapping(p, deref(c).Line, c, []field{
			{"source", true, func(path string, _, n *yaml.Node) { in.Source, _ = rule(path, n) }},
			{"target", true, func(path string, key, n *yaml.Node) {
				targetLine = key.Line
				in.Target, _ = r.list(path, n, "name at least one health rule", rule)
			}},
			{"equal", false, func(path string, _, n *yaml.Node) {
				words, _ := r.list(path, n, "leave the field out to compare no label", r.oneOf("a label", append(slices.Clone(AlertLabels), LabelUnitID)...))
				in.Equal = EqualLabels(words)
			}},
		})
		if in.Source != "" && slices.Contains(in.Target, in.Source) {
			r.addf(targetLine, "%s: a rule cannot inhibit itself (%s)", p, in.Source)
		}
		out = append(out, in)
	}
	return out
}

// alertRecipient reads one to: entry: an e-mail address, unit_manager or
// compliance.
func (r *reader) alertRecipient(path string, n *yaml.Node) (string, bool) {
	v, ok := r.word(path, n)
	if !ok {
		return "", false
	}
	if v == ToUnitManager || v == ToCompliance {
		return v, true
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v {
		r.addf(deref(n).Line, "%s: %q is neither a plain e-mail address nor %s or %s", path, v, ToUnitManager, ToCompliance)
		return "", false
	}
	return v, r.asciiAddress(path, n)
}
