package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretVars are the core variables that hold a secret, and where Load
// puts each: every one may be given as NAME_FILE.
var secretVars = map[string]func(Config) string{
	"DATABASE_URL":               func(c Config) string { return c.DatabaseURL },
	"POSTVAKT_SMTP_PASSWORD":     func(c Config) string { return c.SMTP.Password },
	"POSTVAKT_PRINT_API_KEY":     func(c Config) string { return c.Print.APIKey },
	"POSTVAKT_CVR_PASSWORD":      func(c Config) string { return c.CVR.Password },
	"POSTVAKT_ALERT_WEBHOOK_URL": func(c Config) string { return c.Health.WebhookURL },
}

// Each secret is read from the file NAME_FILE names, as a mounted
// Kubernetes or Docker secret or a systemd credential hands it over: the
// content but one trailing newline (\n or \r\n), and only one; given
// directly, it is taken as it is.
func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	// A URL-shaped secret satisfies both the URL and the plain secrets;
	// DATABASE_URL takes a PostgreSQL URL.
	secretOf := func(name string) string {
		if name == "DATABASE_URL" {
			return "postgres://postvakt:s3cret@db.example/postvakt"
		}
		return "https://hooks.example/T0/B0/s3cret"
	}
	for _, tc := range []struct{ after, wantAfter string }{
		{"", ""},
		{"\n", ""},
		{"\r\n", ""},
		// One newline is dropped, not every one: the rest is the file's.
		{"\n\n", "\n"},
	} {
		for name, field := range secretVars {
			secret := secretOf(name)
			f := filepath.Join(dir, "secret")
			if err := os.WriteFile(f, []byte(secret+tc.after), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(lookup(withUser(name, map[string]string{name + "_FILE": f})))
			// DATABASE_URL drops surrounding blanks, as it did read
			// directly: a URL has none of its own.
			want := secret + tc.wantAfter
			if name == "DATABASE_URL" {
				want = strings.TrimSpace(want)
			}
			if name == "POSTVAKT_ALERT_WEBHOOK_URL" && want != secret {
				continue // not a URL: TestSecretFileProblems
			}
			if err != nil || field(c) != want {
				t.Errorf("%s_FILE holding %q: %q, %v; want %q", name, secret+tc.after, field(c), err, want)
			}
		}
	}
	for name, field := range secretVars {
		secret := secretOf(name)
		if c, err := Load(lookup(withUser(name, map[string]string{name: secret}))); err != nil || field(c) != secret {
			t.Errorf("%s given directly: %q, %v", name, field(c), err)
		}
	}
}

// withUser adds the user the SMTP password goes with to env.
func withUser(name string, env map[string]string) map[string]string {
	if name == "POSTVAKT_SMTP_PASSWORD" {
		env["POSTVAKT_SMTP_USER"] = "postvakt"
	}
	return env
}

// A secret file that cannot be read or holds nothing, or a secret given
// both ways, stops the load naming the variable; the secret is never in
// the error.
func TestSecretFileProblems(t *testing.T) {
	dir := t.TempDir()
	const secret = "hunter2-secret"
	// Windows PowerShell's Out-File writes UTF-16 with a byte-order mark,
	// Notepad and Set-Content -Encoding UTF8 a UTF-8 one: the secret read
	// would be bytes nobody typed (a refused login, not saying why).
	utf16 := "\xff\xfe"
	for _, c := range secret + "\r\n" {
		utf16 += string([]byte{byte(c), 0})
	}
	files := map[string]string{"empty": "", "newline": "\n", "secret": secret + "\n", "notURL": "hooks.example/" + secret,
		"bom8": "\xef\xbb\xbf" + secret + "\r\n", "utf16": utf16}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	in := func(f string) string { return filepath.Join(dir, f) }
	for name := range secretVars {
		file := name + "_FILE"
		for _, tc := range []struct {
			env  map[string]string
			want string
		}{
			{map[string]string{file: in("missing")}, file + ": cannot read the secret: open " + in("missing")},
			{map[string]string{file: dir}, file + ": cannot read the secret"},
			{map[string]string{file: in("empty")}, file + ": " + in("empty") + " is empty"},
			{map[string]string{file: in("newline")}, file + ": " + in("newline") + " is empty"},
			{map[string]string{name: secret, file: in("secret")}, name + ": is set and so is " + file + ": give the secret one way"},
			{map[string]string{file: in("bom8")}, file + ": " + in("bom8") + " starts with a byte-order mark"},
			{map[string]string{file: in("utf16")}, file + ": " + in("utf16") + " starts with a byte-order mark"},
		} {
			_, err := Load(lookup(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: %v, want %q", tc.env, err, tc.want)
			} else if strings.Contains(err.Error(), secret) {
				t.Errorf("%v: the secret in the error: %v", tc.env, err)
			}
		}
	}
	// A webhook URL that is no URL is refused as one given directly is,
	// but without showing it (it may carry the receiver's credential).
	for _, env := range []map[string]string{
		{"POSTVAKT_ALERT_WEBHOOK_URL_FILE": in("notURL")},
		{"POSTVAKT_ALERT_WEBHOOK_URL": files["notURL"]},
	} {
		_, err := Load(lookup(env))
		if err == nil || !strings.Contains(err.Error(), "POSTVAKT_ALERT_WEBHOOK_URL: is not an absolute http or https URL") ||
			strings.Contains(err.Error(), secret) {
			t.Errorf("%v: %v; want the variable named, its value not", env, err)
		}
	}
}

// Every secret is documented as one (postvakt help and README say it may
// be given as NAME_FILE), and nothing else is.
func TestSecretsAreDocumented(t *testing.T) {
	for _, v := range Describe() {
		_, secret := secretVars[v.Name]
		if documented := strings.Contains(v.Help, v.Name+"_FILE"); documented != secret {
			t.Errorf("%s: help says _FILE %t, a secret %t: %s", v.Name, documented, secret, v.Help)
		}
	}
}
