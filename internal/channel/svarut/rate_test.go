package svarut

import (
	"strings"
	"testing"

	"postvakt/internal/config"
)

// TestRateSettingBounds: POSTVAKT_SVARUT_RATE took any positive number, so
// 1e-12 overflowed the limiter's wait (no limit at all) and 0.001 held
// every request for 16 minutes; both now stop the start naming the
// variable. 0 stays "no limit" (README, Configuration).
func TestRateSettingBounds(t *testing.T) {
	base := map[string]string{"POSTVAKT_SVARUT_URL": "http://127.0.0.1:1", "POSTVAKT_SVARUT_API": "v1",
		"POSTVAKT_SVARUT_USER": "u", "POSTVAKT_SVARUT_PASSWORD": "p"}
	for _, c := range []struct {
		rate string
		ok   bool
	}{
		{"0", true}, {"", true}, {"2.5", true}, {"0.0167", true},
		{"1e-12", false}, {"0.001", false}, {"-1", false}, {"NaN", false},
	} {
		env := map[string]string{"POSTVAKT_SVARUT_RATE": c.rate}
		for k, v := range base {
			env[k] = v
		}
		cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Section(func(r *config.Reader) { configure(cfg, r) })
		if c.ok && err != nil {
			t.Errorf("rate %q: %v, want accepted", c.rate, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "POSTVAKT_SVARUT_RATE")) {
			t.Errorf("rate %q: %v, want a refusal naming POSTVAKT_SVARUT_RATE", c.rate, err)
		}
	}
}
