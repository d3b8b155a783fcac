package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The values health.yaml's rules take beside yamlnode.go's: one of a set
// of words, a duration (ParseDuration: with days and weeks), a number, a
// share.

// oneOf returns an item reader accepting one of the words.
func (r *reader) oneOf(what string, words ...string) func(path string, n *yaml.Node) (string, bool) {
	return func(path string, n *yaml.Node) (string, bool) {
		v, ok := r.word(path, n)
		if ok && !slices.Contains(words, v) {
			r.addf(deref(n).Line, "%s: %q is not %s (%s)", path, v, what, strings.Join(words, ", "))
			return "", false
		}
		return v, ok
	}
}

// duration reads a positive duration: Go's units plus d (days) and w
// (weeks), e.g. "90m", "36h", "2d", "1w".
func (r *reader) duration(path string, n *yaml.Node) (time.Duration, bool) {
	s, ok := r.scalar(path, n, `a duration such as "90m", "6h" or "14d"`, "!!str")
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s.Value)
	if err != nil {
		r.addf(s.Line, "%s: %v", path, err)
		return 0, false
	}
	if d <= 0 {
		r.addf(s.Line, "%s: must be longer than 0, got %q", path, s.Value)
		return 0, false
	}
	return d, true
}

// durationOrZero is duration that also takes 0 ("0s", "0m"): nothing to
// wait for.
func (r *reader) durationOrZero(path string, n *yaml.Node) (time.Duration, bool) {
	s, ok := r.scalar(path, n, `a duration such as "15m", "1h" or "0s"`, "!!str", "!!int")
	if !ok {
		return 0, false
	}
	if s.Value == "0" {
		return 0, true
	}
	d, err := ParseDuration(s.Value)
	if err != nil {
		r.addf(s.Line, "%s: %v", path, err)
		return 0, false
	}
	if d < 0 {
		r.addf(s.Line, "%s: must not be negative, got %q", path, s.Value)
		return 0, false
	}
	return d, true
}

// number reads a number (integer or decimal).
func (r *reader) number(path string, n *yaml.Node) (float64, bool) {
	s, ok := r.scalar(path, n, "a number", "!!int", "!!float")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s.Value, 64)
	if err != nil {
		r.addf(s.Line, "%s: %q is not a number", path, s.Value)
		return 0, false
	}
	return v, true
}

// fraction reads a number from 0 to 1.
func (r *reader) fraction(path string, n *yaml.Node) (float64, bool) {
	v, ok := r.number(path, n)
	if ok && (v < 0 || v > 1) {
		r.addf(deref(n).Line, "%s: must be between 0 and 1 (a share), not %g", path, v)
		return 0, false
	}
	return v, ok
}

// ParseDuration reads a duration with Go's units and also d (24h) and w
// (7d), which may be combined: "1w2d", "2d12h", "90m".
// maxDuration is the longest duration a setting may have: Go's (about
// 292 years); longer overflowed into a negative one ("must be longer than
// 0" for "200000w").
const maxDuration = time.Duration(1<<63 - 1)

func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration: want e.g. \"90m\", \"6h\", \"14d\" or \"1w\"", s)
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		if i == 0 || j == i {
			return 0, bad
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		var d time.Duration
		switch unit {
		case "d", "w":
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad
			}
			if unit == "w" {
				n *= 7
			}
			if n*float64(day) >= float64(maxDuration) {
				return 0, fmt.Errorf("%q is too long a duration (at most about %d days)", s, maxDuration/day)
			}
			d = time.Duration(n * float64(day))
		default:
			var err error
			if d, err = time.ParseDuration(num + unit); err != nil {
				return 0, bad
			}
		}
		if total > maxDuration-d {
			return 0, fmt.Errorf("%q is too long a duration (at most about %d days)", s, maxDuration/day)
		}
		total += d
	}
	return total, nil
}
