package digitalpost

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/config"
)

// TestRereadSettings: POSTVAKT_DIGITALPOST_REREAD and _REREAD_EVERY are
// read with the channel's other settings (default: two days back, once a
// day), and a setting that would miss what the re-read is for (reaching
// no further back than the overlap, or starting no more often than it
// reaches, so late entries fall between two re-reads) or read the log to
// no end (more than a month back, more often than hourly) stops the start,
// naming its variable.
func TestRereadSettings(t *testing.T) {
	base := map[string]string{"POSTVAKT_DIGITALPOST_URL": "http://127.0.0.1:1/apis/v1",
		"POSTVAKT_DIGITALPOST_SYSTEM_ID": "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "POSTVAKT_DIGITALPOST_API_TOKEN": "tok"}
	read := func(set map[string]string) (Config, error) {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range set {
			env[k] = v
		}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		op := configure(config.Config{}, r)
		if err := r.Err(); err != nil || op == nil {
			return Config{}, err
		}
		a, err := op(channel.Deps{Log: quiet})
		if err != nil {
			return Config{}, err
		}
		return a.(*Client).cfg, nil
	}
	cfg, err := read(nil)
	if err != nil || cfg.Reread != 48*time.Hour || cfg.RereadEvery != 24*time.Hour {
		t.Fatalf("defaults: re-read %s every %s (%v); want 48h every 24h", cfg.Reread, cfg.RereadEvery, err)
	}
	if back, every := (&Client{cfg: Config{Reread: 72 * time.Hour, RereadEvery: 12 * time.Hour}}).Reread(); back != 72*time.Hour || every != 12*time.Hour {
		t.Errorf("Reread gives %s every %s, not the configuration's 72h every 12h", back, every)
	}
	cfg, err = read(map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "72h", "POSTVAKT_DIGITALPOST_REREAD_EVERY": "12h"})
	if err != nil || cfg.Reread != 72*time.Hour || cfg.RereadEvery != 12*time.Hour {
		t.Errorf("72h every 12h read as %s every %s (%v)", cfg.Reread, cfg.RereadEvery, err)
	}
	for _, bad := range []struct {
		set  map[string]string
		name string
	}{
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "two days"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "10m"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "1h", "POSTVAKT_DIGITALPOST_OVERLAP": "2h"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "4800h"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD_EVERY": "48h"}, "POSTVAKT_DIGITALPOST_REREAD_EVERY"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD_EVERY": "10m"}, "POSTVAKT_DIGITALPOST_REREAD_EVERY"},
	} {
		_, err := read(bad.set)
		if err == nil || !strings.Contains(err.Error(), bad.name+":") {
			t.Errorf("%v: %v; want an error naming %s", bad.set, err, bad.name)
		}
	}
}
