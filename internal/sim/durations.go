package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in YAML as a Go duration with the
// extra units d (24h) and w (7 days): "90m", "36h", "2d12h", "-30d".
type Duration time.Duration

// ParseDuration parses a Go duration that may also use d and w.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
		num := s[:i]
		j := i
		for j < len(s) && !(s[j] == '.' || (s[j] >= '0' && s[j] <= '9')) {
			j++
		}
		unit := s[i:j]
		s = s[j:]
		switch unit {
		case "d", "w":
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", orig)
			}
			day := 24 * time.Hour
			if unit == "w" {
				day *= 7
			}
			total += time.Duration(f * float64(day))
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q (use e.g. 90s, 15m, 36h, 2d, 1w)", orig)
			}
			total += d
		}
	}
	if neg {
		total = -total
	}
	return total, nil
}

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a string like 36h or 2d", n.Line)
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// TimeRef is a point in simulated time: either absolute (RFC 3339) or
// relative to the scenario's start (a duration such as "-30d").
type TimeRef struct {
	set bool
	abs time.Time
	rel time.Duration
}

// UnmarshalYAML reads an RFC 3339 time or a relative duration.
func (t *TimeRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a time must be RFC 3339 or a duration relative to the start", n.Line)
	}
	if n.Value == "" {
		*t = TimeRef{}
		return nil
	}
	if ts, err := time.Parse(time.RFC3339, n.Value); err == nil {
		*t = TimeRef{set: true, abs: ts}
		return nil
	}
	d, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is neither an RFC 3339 time nor a duration", n.Line, n.Value)
	}
	*t = TimeRef{set: true, rel: d}
	return nil
}

// resolve returns the time, relative ones counted from base.
func (t TimeRef) resolve(base time.Time) time.Time {
	if !t.abs.IsZero() {
		return t.abs
	}
	return base.Add(t.rel)
}

// Dist is a distribution of durations. Written either as a single duration
// (fixed) or as a mapping:
//
//	{dist: uniform, min: 1h, max: 2d}          uniform in [min, max]
//	{dist: exponential, min: 10m, mean: 6h, max: 14d}
//	                                           min + exponential(mean), capped at max
//	{dist: fixed, min: 40h}                    always min
type Dist struct {
	Kind string   // uniform (default), exponential, fixed
	Min  Duration // lower bound
	Max  Duration // upper bound (exponential: cap, 0 = none)
	Mean Duration // exponential: mean of the part above min
	set  bool
}

// UnmarshalYAML reads a Dist; unknown keys are errors with their line.
func (d *Dist) UnmarshalYAML(n *yaml.Node) error {
	*d = Dist{set: true}
	if n.Kind == yaml.ScalarNode {
		v, err := ParseDuration(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		d.Kind, d.Min = "fixed", Duration(v)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a distribution is a duration or a mapping {dist, min, max, mean}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var target *Duration
		switch k.Value {
		case "dist":
			switch v.Value {
			case "uniform", "exponential", "fixed":
				d.Kind = v.Value
			default:
				return fmt.Errorf("line %d: unknown dist %q (uniform, exponential, fixed)", v.Line, v.Value)
			}
			continue
		case "min":
			target = &d.Min
		case "max":
			target = &d.Max
		case "mean":
			target = &d.Mean
		default:
			return fmt.Errorf("line %d: field %s not found in type sim.Dist (dist, min, max, mean)", k.Line, k.Value)
		}
		if err := target.UnmarshalYAML(v); err != nil {
			return err
		}
	}
	if d.Kind == "" {
		d.Kind = "uniform"
		if d.Mean > 0 {
			d.Kind = "exponential"
		}
	}
	if d.Kind == "uniform" && d.Max < d.Min {
		return fmt.Errorf("line %d: max is below min", n.Line)
	}
	return nil
}

// draw returns one duration. It always consumes exactly one number from r so
// that the branches taken elsewhere do not shift later draws.
func (d Dist) draw(r *rand.Rand) time.Duration {
	u := r.Float64()
	switch d.Kind {
	case "fixed":
		return d.Min.D()
	case "exponential":
		v := d.Min.D() + time.Duration(-math.Log(1-u)*float64(d.Mean.D()))
		if d.Max > 0 && v > d.Max.D() {
			v = d.Max.D()
		}
		return v
	default:
		return d.Min.D() + time.Duration(u*float64(d.Max.D()-d.Min.D()))
	}
}

// upper returns the largest duration the distribution can give (0 when
// unbounded).
func (d Dist) upper() time.Duration {
	switch d.Kind {
	case "fixed":
		return d.Min.D()
	case "exponential":
		return d.Max.D()
	default:
		return d.Max.D()
	}
}
