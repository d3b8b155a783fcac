package main_test

import (
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/pgtest"
)

// TestEscalateOnceFailsWhenNothingWentOut: `escalate --once` with reminders
// due and a mail server that cannot be reached sends nothing, records the
// failures (tried again by the next run) and exits non-zero, so that a run
// from cron does not look fine.
func TestEscalateOnceFailsWhenNothingWentOut(t *testing.T) {
	db := pgtest.New(t)
	importLetter(t, db, "svarut,0e0e0e0e-0000-4000-8000-000000000001,964338531,Barnevernstjenesten,org,974760673,Vedtak,true,taushetsbelagt,2026-11-02T10:00:00+01:00")
	importCSV(t, db, "orgnr,email\n974760673,post@firma.no\n", "contacts", "import")
	out, stderr, code := escalateOnce(t, db)
	if code != 1 || !regexp.MustCompile(`not sent this run \(see the log\): reminder \d+ to 974760673`).MatchString(stderr) ||
		!strings.Contains(out, "1 failed sends") || strings.Contains(stderr, "Vedtak") {
		t.Fatalf("escalate with the mail server down: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	var status string
	if err := openDB(t, db).QueryRow(`SELECT status FROM notifications`).Scan(&status); err != nil || status != "failed" {
		t.Errorf("the reminder is %q (%v), want failed (tried again by the next run)", status, err)
	}
}

// TestEscalateOnceFailsWithoutAReminderAddress: a reminder due to an
// organisation without an e-mail address (none imported, no register to
// look it up in) cannot go out: `escalate --once` prints the organisation
// and exits 1 naming it by organisation number only, so that a run from
// cron does not look fine while reminders wait for an address.
func TestEscalateOnceFailsWithoutAReminderAddress(t *testing.T) {
	db := pgtest.New(t)
	importLetter(t, db, "svarut,0e0e0e0e-0000-4000-8000-000000000003,964338531,Barnevernstjenesten,org,974760673,Vedtak,true,taushetsbelagt,2026-11-02T10:00:00+01:00")
	out, stderr, code := escalateOnce(t, db)
	if code != 1 || !strings.Contains(out, "organisations without an e-mail address (add them with `postvakt contacts import`): 974760673") ||
		!strings.Contains(stderr, "not sent this run (see the log): reminder to 974760673 (no e-mail address)") {
		t.Fatalf("escalate with an organisation without address: exit %d, want 1 naming it\n%s\n%s", code, out, stderr)
	}
	for _, secret := range []string{"Vedtak", "Barnevernstjenesten"} {
		if strings.Contains(stderr, secret) {
			t.Errorf("the error names %q:\n%s", secret, stderr)
		}
	}
}

// TestEscalateOnceFailsWhenANoticeDidNotGoOut: with no reminder due, a
// follow-up notice to the sending unit (a rejected letter) that the mail
// server does not take makes `escalate --once` exit 1 naming the notice by
// kind and notification id, not by title, unit or address.
func TestEscalateOnceFailsWhenANoticeDidNotGoOut(t *testing.T) {
	db := pgtest.New(t)
	importLetter(t, db, "svarut,0e0e0e0e-0000-4000-8000-000000000002,964338531,Barnevernstjenesten,org,974760673,Vedtak,true,taushetsbelagt,2026-11-27T10:00:00+01:00")
	importCSV(t, db, "sender_org,unit,contact_email,manager_email\n964338531,Barnevernstjenesten,barnevern@kommune.no,leder@kommune.no\n", "units", "import")
	if _, err := openDB(t, db).Exec(`UPDATE shipments SET state = 'rejected'`); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := escalateOnce(t, db)
	if code != 1 || !strings.Contains(out, "0 failed sends") || !strings.Contains(out, "1 failed") ||
		!regexp.MustCompile(`not sent this run \(see the log\): followup_due notice \d+`).MatchString(stderr) {
		t.Fatalf("escalate with a notice not sent: exit %d, want 1 naming the notice\n%s\n%s", code, out, stderr)
	}
	for _, secret := range []string{"Vedtak", "Barnevernstjenesten", "barnevern@kommune.no"} {
		if strings.Contains(stderr, secret) {
			t.Errorf("the error names %q:\n%s", secret, stderr)
		}
	}
}
