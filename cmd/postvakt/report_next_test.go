package main_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/storetest"
)

// TestReportNextStep: `postvakt report unopened` writes the UI export's
// columns, next_step and next_step_at after the list's, each letter's next
// step by the lists' one rule (escalate.NextStepOf) under the shipped
// policies: reminder 1 and when it comes due for a letter sent an hour ago,
// both cells empty for an unopened letter whose escalation ended in manual
// handling. A policy folder that does not load fails the export, naming
// the file and line.
func TestReportNextStep(t *testing.T) {
	db := migrated(t)
	sent := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	const waiting, ended = "0e0e0e0e-0000-4000-8000-00000000a001", "0e0e0e0e-0000-4000-8000-00000000a002"
	importCSV(t, db, header+
		"svarut,"+waiting+",964338531,NAV,org,974760673,Vedtak,true,taushetsbelagt,"+sent+"\n"+
		"svarut,"+ended+",964338531,NAV,org,974760673,Vedtak,true,taushetsbelagt,"+sent+"\n", "import")

	out, stderr, code := run(t, db, "report", "unopened", "--format", "csv")
	if code != 0 {
		t.Fatalf("report unopened: exit %d\n%s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("report unopened: %d rows (%v), want a header and 2 letters:\n%s", len(rows), err, out)
	}
	col := func(name string) int {
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("report unopened has no column %s: %v", name, rows[0])
		}
		return i
	}
	idCol, chCol, stepCol, atCol := col("id"), col("channel_id"), col("next_step"), col("next_step_at")
	if n := len(rows[0]); stepCol != n-8 || atCol != n-7 || col("followup_decision") != n-6 || col("followup_decided_at") != n-5 ||
		!slices.Equal(rows[0][n-4:], []string{"first_reminded_at", "print_ordered_at", "print_placed_at", "print_state"}) {
		t.Errorf("columns %v: want next_step and next_step_at, then followup_decision and followup_decided_at, then the reminder and print history last, as the UI's export", rows[0])
	}
	byChannel := map[string][]string{}
	for _, r := range rows[1:] {
		byChannel[r[chCol]] = r
	}

	// The one rule, as the UI's list and export apply it, for each letter
	// as the export saw it (the ended one's stage set before the export
	// ran again).
	st := storetest.OpenURL(t, db)
	storetest.Set(t, st, []string{byChannel[ended][idCol]}, storetest.Stage(model.StageManual))
	out, stderr, code = run(t, db, "report", "unopened", "--format", "csv")
	if code != 0 {
		t.Fatalf("report unopened: exit %d\n%s", code, stderr)
	}
	if rows, err = csv.NewReader(strings.NewReader(out)).ReadAll(); err != nil || len(rows) != 3 {
		t.Fatalf("report unopened: %d rows (%v), want a header and 2 letters:\n%s", len(rows), err, out)
	}
	for _, r := range rows[1:] {
		byChannel[r[chCol]] = r
	}
	facts, err := st.OpenShipmentsByIDs(context.Background(), []string{byChannel[waiting][idCol], byChannel[ended][idCol]})
	if err != nil {
		t.Fatal(err)
	}
	set := policytest.Shipped(t)
	for _, tc := range []struct {
		channelID, wantStep string
	}{{waiting, escalate.NextReminder}, {ended, ""}} {
		r := byChannel[tc.channelID]
		next, err := escalate.NextStepOf(set, facts[r[idCol]], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wantAt := ""
		if next != nil {
			wantAt = next.Due.UTC().Format(time.RFC3339)
			if next.Step != tc.wantStep {
				t.Fatalf("the rule's step for %s: %q, want %q", tc.channelID, next.Step, tc.wantStep)
			}
		} else if tc.wantStep != "" {
			t.Fatalf("the rule has no step for %s, want %q", tc.channelID, tc.wantStep)
		}
		if r[stepCol] != tc.wantStep || r[atCol] != wantAt {
			t.Errorf("%s: next_step %q, next_step_at %q; the rule says %q, %q", tc.channelID, r[stepCol], r[atCol], tc.wantStep, wantAt)
		}
	}

	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "bad.yaml"), []byte("name: bad\nreminders:\n  first_after: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runEnv(t, []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=" + broken}, "report", "unopened", "--format", "csv")
	if code == 0 || !strings.Contains(stderr, "bad.yaml:") {
		t.Errorf("report with a broken policy: exit %d, want a failure naming bad.yaml:line\n%s", code, stderr)
	}
}
