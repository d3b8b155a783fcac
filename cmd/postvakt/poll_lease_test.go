package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestPollOnceTakesThePollLease: `poll --once` claims its letters for
// POSTVAKT_POLL_LEASE, as serve's cycle does (README, Configuration): run
// beside serve's replicas with a lease lengthened for a slow channel, a
// claim of the default 10 minutes would lapse while its batch is still
// asked, and a replica would poll the same letters again beside it.
func TestPollOnceTakesThePollLease(t *testing.T) {
	db, env := slowSvarUtWorld(t, 5, 4*time.Second)
	cmd := exec.Command(bin, "poll", "--once", "--channel", "svarut")
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLL_LEASE=45m"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenURL(t, db)
	var held float64 // minutes the claim still holds, past now
	for deadline := time.Now().Add(30 * time.Second); held == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st.DB().Get(&held, `SELECT coalesce(max(extract(epoch FROM claimed_until - now()) / 60), 0) FROM poll_queue WHERE claimed_until > now()`)
	}
	if code, _ := waitExit(cmd); code != 0 {
		t.Logf("poll --once: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if held < 40 {
		t.Errorf("poll --once claimed its letters for %.1f minutes; want POSTVAKT_POLL_LEASE's 45\n%s\n%s", held, out.String(), errb.String())
	}
}
