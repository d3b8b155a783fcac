package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// README, Configuration: a POSTVAKT_ variable postvakt does not read (a
// name misspelt) is warned of at start, with the variable it reads whose
// name is nearest, instead of leaving its setting at the default unseen.
func TestUnknowns(t *testing.T) {
	vars := Describe()
	for _, c := range []struct {
		name    string
		environ []string
		want    []Unknown
	}{
		{"known", []string{"POSTVAKT_POLL_SCHEDULE=@every 5m", "DATABASE_URL_FILE=/x", "POSTVAKT_SMTP_PASSWORD_FILE=/x", "PATH=/bin"}, nil},
		{"typo", []string{"POSTVAKT_POLL_SHEDULE=@every 5m"}, []Unknown{{"POSTVAKT_POLL_SHEDULE", "POSTVAKT_POLL_SCHEDULE"}}},
		{"a word left out", []string{"POSTVAKT_ALERT_WEBHOOK=https://x"}, []Unknown{{"POSTVAKT_ALERT_WEBHOOK", "POSTVAKT_ALERT_WEBHOOK_URL"}}},
		{"words run together", []string{"POSTVAKT_LOGLEVEL=debug"}, []Unknown{{"POSTVAKT_LOGLEVEL", "POSTVAKT_LOG_LEVEL"}}},
		{"a _FILE of no secret", []string{"POSTVAKT_SMTP_ADDR_FILE=/x"}, []Unknown{{"POSTVAKT_SMTP_ADDR_FILE", "POSTVAKT_SMTP_ADDR"}}},
		{"nothing near", []string{"POSTVAKT_ZZZZZZZZZZZZ=1"}, []Unknown{{"POSTVAKT_ZZZZZZZZZZZZ", ""}}},
		{"make run's and the simulator's", []string{"POSTVAKT_DEMO_SPEED=2", "POSTVAKT_DEMO_MAIL_PORT=1", "POSTVAKT_SIM_URL=http://x"}, nil},
		{"sorted", []string{"POSTVAKT_B=1", "POSTVAKT_A=1"}, []Unknown{{"POSTVAKT_A", ""}, {"POSTVAKT_B", ""}}},
	} {
		if got := Unknowns(c.environ, vars); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Unknowns(%q) = %q, want %q", c.name, c.environ, got, c.want)
		}
	}
}

// README, Configuration names every POSTVAKT_ variable that is not warned
// of (notSettings): one set for make run, the benchmarks or the tests is
// then not taken for a setting postvakt forgot to warn of, nor a setting of
// postvakt's taken for one of theirs.
func TestReadmeNamesTheVariablesNotWarnedOf(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n| variable |")
	for _, n := range notSettings {
		name := n
		if strings.HasSuffix(n, "_") {
			name += "…" // a prefix, as README writes it
		}
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("README's Configuration does not say %s is not warned of", name)
		}
	}
}
