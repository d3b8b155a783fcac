package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEscalateOnceStopsSoftly: Ctrl-C during `escalate --once`, as a
// message of a claimed batch (8 organisations, a relay taking 3 s each)
// goes out, stops it as serve's SIGTERM does: the message in flight
// finishes and is recorded, the batch's messages not begun are given back
// at once (failed, no attempt counted: the next run sends them), and the
// summary says the run stopped early. The signal cancelled the run at
// once: the reminders claimed and not begun stayed pending until their
// lease ran out. It exits 1, as a run that left reminders unsent does.
func TestEscalateOnceStopsSoftly(t *testing.T) {
	smtp := startSlowSMTP(t, 3*time.Second)
	db, env := stopSetup(t, 8, smtp.ln.Addr().String())
	code, out, errb := interruptAtFirstMessage(t, smtp, db, env, "escalate", "--once")
	after := notificationStatuses(t, db)
	t.Logf("exit %d; notifications %v", code, after)
	if after["unknown"] != 0 || after["pending"] != 0 || after["sent"] == 0 {
		t.Errorf("after Ctrl-C: notifications %v; want the message in flight sent, none unknown or pending", after)
	}
	var givenBack int
	if err := openDB(t, db).QueryRow(`SELECT count(*) FROM notifications WHERE status = 'failed' AND attempts = 0
		AND last_error LIKE 'the sending run stopped (a deploy?)%'`).Scan(&givenBack); err != nil {
		t.Fatal(err)
	}
	if givenBack == 0 || givenBack != after["failed"] {
		t.Errorf("%d of %d failed given back unsent; want every one not begun given back", givenBack, after["failed"])
	}
	if !strings.Contains(out, "stopped early") || code != 1 || !strings.Contains(errb, "stopped before the run was done") {
		t.Errorf("exit %d; want 1, the summary and the error saying the run stopped early:\n%s\n%s", code, out, errb)
	}
}

// interruptAtFirstMessage runs postvakt args on db with env, sends it
// SIGINT (Ctrl-C) as the first message reaches smtp, and returns its exit
// code, standard output and standard error.
func interruptAtFirstMessage(t *testing.T, smtp *slowSMTP, db string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+db), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-smtp.dataCh:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no message started:\n%s\n%s", out.String(), errb.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	code, _ := waitExit(cmd)
	return code, out.String(), errb.String()
}
