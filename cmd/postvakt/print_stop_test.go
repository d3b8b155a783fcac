package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestPrintDrainStopsSoftly: Ctrl-C during `print drain --once`, while the
// print provider takes 4 s to answer the order in hand, stops it as
// serve's SIGTERM does: the order in flight is answered and recorded, the
// rest of the claimed batch is given back, and the run exits 1 saying it
// stopped early. The signal cut the provider call: the order in flight
// kept its claim, out of every replica's reach for the lease.
func TestPrintDrainStopsSoftly(t *testing.T) {
	_, db, env := slowPrintWorld(t, 4*time.Second)
	answeredBySvarUt(t, db)
	st := storetest.OpenURL(t, db)
	// serve's escalation run puts the print orders in the outbox; its
	// print job is off.
	_, srv, logs := startServe(t, db, append(env, "POSTVAKT_ESCALATE_SCHEDULE=@every 1s")...)
	outbox := 0
	for deadline := time.Now().Add(30 * time.Second); outbox < 6 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st.DB().Get(&outbox, `SELECT count(*) FROM print_outbox`)
	}
	srv.Process.Signal(syscall.SIGTERM)
	waitExit(srv)
	if outbox < 6 {
		t.Fatalf("%d print orders in the outbox, want 6:\n%s", outbox, tail(logs.String(), 10))
	}

	cmd := exec.Command(bin, "print", "drain", "--once")
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+db), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	claimed := 0
	for deadline := time.Now().Add(30 * time.Second); claimed == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st.DB().Get(&claimed, `SELECT count(*) FROM print_outbox WHERE attempts > 0`)
	}
	if claimed == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no print order claimed:\n%s\n%s", out.String(), errb.String())
	}
	time.Sleep(time.Second) // the first order's call is under way
	cmd.Process.Signal(syscall.SIGINT)
	code, _ := waitExit(cmd)
	var left, held, placed int
	st.DB().Get(&left, `SELECT count(*) FROM print_outbox`)
	st.DB().Get(&held, `SELECT count(*) FROM print_outbox WHERE next_attempt_at > now() + interval '1 minute'`)
	st.DB().Get(&placed, `SELECT count(*) FROM print_orders WHERE order_id IS NOT NULL AND order_id <> ''`)
	t.Logf("exit %d; print_outbox: %d rows, %d out of reach for the lease; %d orders placed\n%s\n%s", code, left, held, placed, out.String(), errb.String())
	if held > 0 {
		t.Errorf("%d print orders keep the stopped run's claim for the lease; want the one in flight answered, the rest given back", held)
	}
	if placed == 0 {
		t.Errorf("after Ctrl-C: the order in flight was not recorded as placed")
	}
	if left == 0 {
		t.Errorf("every order was sent: the test did not stop a run in the middle")
	}
	if code != 1 || !strings.Contains(errb.String(), "stopped before the run was done") {
		t.Errorf("exit %d; want 1 and an error saying the run stopped early:\n%s", code, errb.String())
	}
}
