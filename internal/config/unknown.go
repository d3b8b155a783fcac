package config

import (
	"github.com/agnivade/levenshtein"
	"os"
	"sort"
	"strings"
)

// notSettings are POSTVAKT_ variables that postvakt itself does not read:
// make run's (scripts/run.sh) and the simulator's, which make run hands to
// serve with the channels' settings, and the benchmarks' and tests' own.
var notSettings = []string{
	"POSTVAKT_DEMO_", // prefix: make run's ports, scenario, lead and speed
	"POSTVAKT_SIM_URL",
	"POSTVAKT_BENCH_URL",
	"POSTVAKT_SCREENSHOTS",
	"POSTVAKT_TEST_SEED",
}

// Unknown is a POSTVAKT_ variable of the environment that postvakt does not
// read, with the variable it reads whose name is nearest ("" when none is
// near): a name misspelt, or one an older or newer release reads, leaves
// its setting at the default, and nothing else would say so.
type Unknown struct {
	Name, Nearest string
}

// Unknowns returns the POSTVAKT_ variables of environ (NAME=value, as
// os.Environ gives them) that are none of vars (Describe's: the core
// variables and every channel's), nor a secret's NAME_FILE, sorted by name.
func Unknowns(environ []string, vars []Var) []Unknown {
	known := map[string]bool{}
	var names []string
	for _, v := range vars {
		known[v.Name] = true
		names = append(names, v.Name)
		if v.File {
			known[v.Name+"_FILE"] = true
			names = append(names, v.Name+"_FILE")
		}
	}
	var out []Unknown
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "POSTVAKT_") || known[name] || notSetting(name) {
			continue
		}
		out = append(out, Unknown{Name: name, Nearest: nearest(name, names)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func notSetting(name string) bool {
	for _, n := range notSettings {
		if name == n || strings.HasSuffix(n, "_") && strings.HasPrefix(name, n) {
			return true
		}
	}
	return false
}

// nearest returns the name of names closest to name by edit distance, when
// it is within a third of name's length past POSTVAKT_, plus one (a typo, a letter
// left out, a word of the name missing), else "".
func nearest(name string, names []string) string {
	best, bestD := "", len(strings.TrimPrefix(name, "POSTVAKT_"))/3+2
	for _, n := range names {
		if d := levenshtein.ComputeDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// EnvUnknowns is Unknowns over the process environment.
func EnvUnknowns(vars []Var) []Unknown { return Unknowns(os.Environ(), vars) }
