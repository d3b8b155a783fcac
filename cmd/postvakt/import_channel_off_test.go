package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"postvakt/internal/pgtest"
)

// TestImportRefusesAChannelNotConfigured: `postvakt import` on a
// deployment with only Digital Post configured refuses a file with a
// SvarUt line, naming the line, the channel and the configured ones, and
// stores nothing (a letter of a channel that is off would never be
// polled); the importer's option is tested in internal/importer, this is
// the command's wiring (channel.Configured of its settings). Without any
// channel configured the same file imports.
func TestImportRefusesAChannelNotConfigured(t *testing.T) {
	db := pgtest.New(t)
	f := filepath.Join(t.TempDir(), "letters.csv")
	if err := os.WriteFile(f, []byte(header+
		"digitalpost,0e0e0e0e-0000-4000-8000-0000000000e1,64942212,Socialforvaltningen,org,14691804,Afgørelse,true,fortrolig,2026-11-02T10:00:00+01:00\n"+
		"svarut,0e0e0e0e-0000-4000-8000-0000000000e2,964338531,Byggesak,org,974760673,Vedtak,true,taushetsbelagt,2026-11-02T10:00:00+01:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	danish := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies",
		"POSTVAKT_DIGITALPOST_URL=http://127.0.0.1:1/apis/v1", "POSTVAKT_DIGITALPOST_SYSTEM_ID=b07b2252-5b92-40ce-9349-c82fd6d059af",
		"POSTVAKT_DIGITALPOST_API_TOKEN=t"}
	stdout, stderr, code := runEnv(t, danish, "import", f)
	if code != 1 || !strings.Contains(stderr, "line 3, column channel:") || !strings.Contains(stderr, `"svarut" (KS SvarUt) is not configured`) ||
		!strings.Contains(stderr, "configured: digitalpost") || strings.Contains(stderr, "line 2") {
		t.Errorf("import with only Digital Post configured: exit %d, want 1 naming line 3's svarut and the configured digitalpost\n%s\n%s",
			code, stdout, stderr)
	}
	if n := countShipments(t, db); n != 0 {
		t.Errorf("%d letters stored from a refused file, want none", n)
	}
	if stdout, stderr, code := run(t, db, "import", f); code != 0 || countShipments(t, db) != 2 {
		t.Errorf("import with no channel configured: exit %d, %d stored, want 0 and 2\n%s\n%s", code, countShipments(t, db), stdout, stderr)
	}
}
