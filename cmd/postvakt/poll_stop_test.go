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

// TestPollOnceStopsSoftly: Ctrl-C during `poll --once`, while SvarUt takes
// 4 s to answer the batch in hand, stops it as serve's SIGTERM does: the
// call in flight is answered and its answers written, nothing new is
// asked, and the run exits 1 saying it stopped early. The signal cancelled
// the call at once: the answers the channel was giving were dropped and
// asked for again by the next cycle.
func TestPollOnceStopsSoftly(t *testing.T) {
	db, env := slowSvarUtWorld(t, 20, 4*time.Second)
	cmd := exec.Command(bin, "poll", "--once", "--channel", "svarut")
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+db), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenURL(t, db)
	claimed := 0
	for deadline := time.Now().Add(30 * time.Second); claimed == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st.DB().Get(&claimed, `SELECT count(*) FROM poll_queue WHERE claimed_until > now()`)
	}
	if claimed == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no batch claimed:\n%s\n%s", out.String(), errb.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	code, _ := waitExit(cmd)
	var answered, held int
	st.DB().Get(&answered, `SELECT count(*) FROM shipments WHERE channel_status <> ''`)
	st.DB().Get(&held, `SELECT count(*) FROM poll_queue WHERE claimed_until > now()`)
	t.Logf("exit %d; %d letters answered, %d still claimed\n%s\n%s", code, answered, held, out.String(), errb.String())
	if answered == 0 {
		t.Errorf("after Ctrl-C: no letter of the batch in flight has its answer; want the call finished and written")
	}
	if held > 0 {
		t.Errorf("%d letters keep their poll claim after the run stopped", held)
	}
	if code != 1 || !strings.Contains(errb.String(), "stopped before the cycle was done") {
		t.Errorf("exit %d; want 1 and an error saying the cycle stopped early:\n%s", code, errb.String())
	}
}
