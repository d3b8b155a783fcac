package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnitsImportWarnsOfAUnitWrittenOtherwise: a units file naming a unit
// as its letters do not ("barnevernstjenesten", its letters'
// "Barnevernstjenesten", or with a space more) creates a unit of no
// letter, and the letters' unit keeps no address: their follow-ups reach
// no one. The import stands (the file may mean a unit whose letters come
// later) but warns on stderr naming both, as user add warns of a unit
// with no letter; a unit written as its letters have it, or new beside
// none like it, is no warning.
func TestUnitsImportWarnsOfAUnitWrittenOtherwise(t *testing.T) {
	db := migrated(t)
	dir := t.TempDir()
	letters := filepath.Join(dir, "letters.csv")
	if err := os.WriteFile(letters, []byte(header+
		"svarut,d6b23522-ddf3-462a-8140-16e59e1f4771,964338531,Barnevernstjenesten,org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n"+
		"svarut,d6b23522-ddf3-462a-8140-16e59e1f4772,964338531,Helse og omsorg,org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := run(t, db, "import", letters); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
	units := filepath.Join(dir, "units.csv")
	if err := os.WriteFile(units, []byte("sender_org,unit,contact_email,manager_email\n"+
		"964338531,barnevernstjenesten,bv@bergen.kommune.no,\n"+
		"964338531,Helse  og omsorg,ho@bergen.kommune.no,\n"+
		"964338531,NAV,nav@bergen.kommune.no,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, db, "units", "import", units)
	if code != 0 {
		t.Fatalf("units import: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{`"barnevernstjenesten"`, `"Barnevernstjenesten"`, `"Helse  og omsorg"`, `"Helse og omsorg"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "NAV") {
		t.Errorf("a new unit like none warned of:\n%s", stderr)
	}
	// Written as the letters have it: no warning.
	if err := os.WriteFile(units, []byte("sender_org,unit,contact_email,manager_email\n964338531,Barnevernstjenesten,bv@bergen.kommune.no,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := run(t, db, "units", "import", units); code != 0 || strings.Contains(stderr, "warning") {
		t.Fatalf("units import as the letters write it: exit %d, stderr %q\n%s", code, stderr, out)
	}
}

// TestImportWarnsOfAUnitWrittenOtherwise: a letters file naming a unit
// otherwise than the organisation's letters before it makes a unit of its
// own, imported all the same, with a warning on stderr naming both.
func TestImportWarnsOfAUnitWrittenOtherwise(t *testing.T) {
	db := migrated(t)
	dir := t.TempDir()
	for i, unit := range []string{"Barnevernstjenesten", "BARNEVERNSTJENESTEN"} {
		f := filepath.Join(dir, "letters.csv")
		if err := os.WriteFile(f, []byte(header+
			"svarut,d6b23522-ddf3-462a-8140-16e59e1f478"+string(rune('0'+i))+",964338531,"+unit+",org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := run(t, db, "import", f)
		if code != 0 {
			t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
		}
		if warned := strings.Contains(stderr, `new unit "BARNEVERNSTJENESTEN" beside "Barnevernstjenesten"`); warned != (i == 1) {
			t.Errorf("import of %q: warned %v, stderr:\n%s", unit, warned, stderr)
		}
	}
}
