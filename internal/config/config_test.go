package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFrom(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(secretFile, []byte("s3cret\n"), 0o600)
	env := map[string]string{
		"POSTVAKT_SVARUT_URL":                      "https://svarut.example/api",
		"POSTVAKT_SVARUT_INTEGRASJON_PASSORD_FILE": secretFile,
		"POSTVAKT_SVARUT_PASSWORD":                 "direct",
		"POSTVAKT_SVARUT_PASSWORD_FILE":            secretFile,
	}
	c := From(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for _, tc := range []struct{ name, got, want string }{
		{"addr default", c.Addr, "127.0.0.1:8080"},
		{"policies default", c.Policies, "policies/"},
		{"svarut url", c.SvarUt.URL, "https://svarut.example/api"},
		{"svarut api default", c.SvarUt.API, "v2"},
		{"secret from file, newline trimmed", c.SvarUt.IntegrasjonPassord, "s3cret"},
		{"direct value wins over file", c.SvarUt.Password, "direct"},
		{"altinn off", c.Altinn.URL, ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if err := c.NeedDatabase(); err == nil {
		t.Error("no DATABASE_URL accepted")
	}
	for _, bad := range []Config{{LogLevel: "loud", LogFormat: "text"}, {LogLevel: "info", LogFormat: "xml"}} {
		if _, err := bad.Logger(); err == nil {
			t.Errorf("logger accepted %+v", bad)
		}
	}
}
