package scripts_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A second `make run` in a checkout where a demo runs stops before it
// touches anything: it dropped the first's database, removed its passwords
// and token, and stopped its cluster on its way out (from an independent
// review of a newcomer's first hour). run.sh runs from a copy, so the
// checkout's own .data is left alone.
func TestRunRefusesASecondDemoInOneCheckout(t *testing.T) {
	root := demoRoot(t, map[string]string{".data/demo-password": "the first run's\n"})
	keep := filepath.Join(root, ".data", "demo-password")
	// The first demo: holds the lock as run.sh does.
	lock, err := os.OpenFile(filepath.Join(root, ".data", "run.lock"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	// Ports no one uses, so that only the lock can stop it.
	cmd.Env = append(os.Environ(), "POSTVAKT_ADDR=127.0.0.1:1", "POSTVAKT_DEMO_MAIL_PORT=2", "POSTVAKT_DEMO_SMTP_PORT=3")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a second run went on:\n%s", out)
	}
	if !strings.Contains(string(out), "a demo runs in this checkout already") || strings.Contains(string(out), "building") {
		t.Errorf("output:\n%s\nwant the lock's message, before building", out)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "the first run's\n" {
		t.Errorf("the first run's password file: %q %v", b, err)
	}
}

// A `make run` stopped with SIGTERM (a process manager, `kill`, an IDE's
// stop button), not Ctrl-C in its terminal, stops postvakt serve too, and
// before the database: it ran in the script's foreground, so the script's
// clean-up stopped the cluster, the simulator and mailpit and left serve
// running on the demo's port against a database that was gone. run.sh runs
// from a copy with the programs it starts replaced by small scripts that
// write what happens to them into one log.
func TestRunStopsServeBeforeTheDatabase(t *testing.T) {
	for _, tc := range []struct {
		name  string
		group bool // to the script's process group, as a terminal sends Ctrl-C
		sig   syscall.Signal
		make  bool // run.sh started by `make run`, the signal to make
	}{
		{"SIGTERM to run.sh", false, syscall.SIGTERM, false},
		{"SIGHUP to run.sh", false, syscall.SIGHUP, false},
		{"Ctrl-C (SIGINT to its process group)", true, syscall.SIGINT, false},
		// make passes a SIGTERM on to its recipe (not a SIGINT or a
		// SIGHUP, which it leaves to the process group): the recipe runs
		// run.sh itself, no shell in between that would die alone.
		{"SIGTERM to make run alone", false, syscall.SIGTERM, true},
		// In a checkout named "postvakt (2)" (demoRoot), as a second
		// download unpacked is, make run failed at once: the recipe named
		// run.sh by the Makefile's absolute path, which make splits at
		// the space, and unquoted ("/bin/sh: 1: Syntax error: "("
		// unexpected").
		{"Ctrl-C to make run", true, syscall.SIGINT, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var env []string
			if tc.make {
				env = append(env, "FAKE_VIA_MAKE=1")
			}
			_, cmd, happened, _ := fakeDemo(t, env...)
			to := cmd.Process.Pid
			if tc.group {
				to = -to
			}
			if err := syscall.Kill(to, tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("run.sh did not end after %s; so far:\n%s", tc.name, happened())
			}
			got := happened()
			var pid int
			fmt.Sscanf(got[strings.Index(got, "serving"):], "serving %d", &pid)
			if pid > 0 && !gone(pid) {
				t.Errorf("run.sh ended and left serve (pid %d) running", pid)
			}
			stopped, pg := strings.Index(got, "serve-stopped"), strings.Index(got, "pg-stopped")
			if stopped < 0 || pg < 0 || stopped > pg {
				t.Errorf("after %s:\n%s\nwant serve stopped, then the database", tc.name, got)
			}
			if strings.Contains(got, "serve-killed") {
				t.Errorf("after %s:\n%s\nwant serve's soft stop, not cut short by a second signal", tc.name, got)
			}
		})
	}
}

// The commands the README has a newcomer try on the demo (postvakt print
// list, notifications list, policy explain, escalate --once --dry-run) had
// nothing to run them with: no postvakt on PATH, DATABASE_URL only in the
// message, and the shipped policies instead of the demo's (policy explain
// and the dry run told another schedule than the demo keeps). run.sh
// writes .data/demo.env, the demo's database, policies, mail server and
// simulator, for the user alone, and its message says how to use it.
func TestRunWritesTheDemosEnvironmentForCommands(t *testing.T) {
	root, _, _, said := fakeDemo(t)
	env := filepath.Join(root, ".data", "demo.env")
	fi, err := os.Stat(env)
	if err != nil {
		t.Fatalf("no .data/demo.env: %v; run.sh said:\n%s", err, said())
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf(".data/demo.env has mode %v, want 0600 (the user's alone)", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(env)
	for _, want := range []string{"DATABASE_URL='postgres://fake/postvakt'", "POSTVAKT_POLICIES='" + filepath.Join(root, "testdata/demo/policies") + "'",
		"POSTVAKT_SIM_URL='http", "POSTVAKT_SMTP_ADDR='127.0.0.1:3'"} {
		if !strings.Contains(string(b), want) {
			t.Errorf(".data/demo.env:\n%s\nwant a line %s", b, want)
		}
	}
	if !strings.Contains(said(), "set -a; . .data/demo.env; set +a; .data/bin/postvakt print list") {
		t.Errorf("run.sh said:\n%s\nwant it to say how to run a command against the demo", said())
	}
}

// A make run killed outright (SIGKILL to its process group: an IDE's
// stop, the OOM killer, a CI job's timeout) leaves its cluster running, as
// pg_ctl starts it in a session of its own; the cluster is kept between
// runs. But it had inherited the lock's descriptor from run.sh, so it held
// the checkout's lock, and every later make run stopped with "a demo runs
// in this checkout already … Ctrl-C in its terminal", with no demo and no
// terminal left. The cluster holds no lock: the next run starts.
func TestRunStartsAfterOneKilledOutright(t *testing.T) {
	cluster := filepath.Join(t.TempDir(), "cluster.pid")
	root, cmd, happened, _ := fakeDemo(t, "FAKE_CLUSTER="+cluster)
	t.Cleanup(func() {
		if b, err := os.ReadFile(cluster); err == nil {
			var pid int
			fmt.Sscan(string(b), &pid)
			if pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// Its group gone (the simulator, mailpit), and serve, in a session of
	// its own, stopped: the cluster alone left.
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(-cmd.Process.Pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("make run's process group outlived its SIGKILL")
		}
	}
	for _, pid := range servePIDs(happened()) {
		if !waitGone(t, pid, 10*time.Second) {
			t.Fatal("serve outlived make run killed outright")
		}
	}
	again := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	again.Env = append(os.Environ(), "FAKE_LOG="+filepath.Join(root, "happened.log"), "POSTVAKT_ADDR=127.0.0.1:1", "POSTVAKT_DEMO_MAIL_PORT=2",
		"POSTVAKT_DEMO_SMTP_PORT=3", "FAKE_BIN=/nonexistent")
	// Without its fakes the second run fails after the lock, at the build:
	// what matters is that it gets there.
	out, _ := again.CombinedOutput()
	if strings.Contains(string(out), "a demo runs in this checkout already") || !strings.Contains(string(out), "building") {
		t.Errorf("make run after one killed outright said:\n%s\nwant it to start (building)", out)
	}
}

// A make run whose script alone is killed outright (kill -9 of run.sh's
// pid, the OOM killer choosing the script) has no clean-up: serve, the
// simulator and mailpit went on (serve on the demo's port, polling), each
// holding the checkout's lock it inherited, so every later make run was
// refused, and the loop registering the letters asked the gone simulator
// every ten seconds for good. They notice the script is gone and end: the
// next run starts.
func TestRunChildrenEndWhenTheScriptIsKilledOutright(t *testing.T) {
	if exec.Command("setpriv", "--pdeathsig", "TERM", "true").Run() != nil {
		t.Skip("no setpriv --pdeathsig (util-linux) here: the children outlive a killed run.sh")
	}
	// More letters than sent by now: the registering loop does not end by
	// itself.
	root, cmd, happened, _ := fakeDemo(t, "FAKE_LETTERS=5")
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	for deadline := time.Now().Add(25 * time.Second); syscall.Kill(-cmd.Process.Pid, 0) == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			out, _ := exec.Command("pgrep", "-a", "-g", fmt.Sprint(cmd.Process.Pid)).CombinedOutput()
			t.Fatalf("25 s after run.sh was killed outright, what it started still runs:\n%s", out)
		}
	}
	for _, pid := range servePIDs(happened()) {
		if !waitGone(t, pid, 10*time.Second) {
			t.Fatal("serve outlived run.sh killed outright")
		}
	}
	if !strings.Contains(happened(), "serve-stopped") {
		t.Errorf("serve did not stop softly (SIGTERM):\n%s", happened())
	}
	again := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	again.Env = append(os.Environ(), "FAKE_LOG="+filepath.Join(root, "happened.log"), "POSTVAKT_ADDR=127.0.0.1:1", "POSTVAKT_DEMO_MAIL_PORT=2",
		"POSTVAKT_DEMO_SMTP_PORT=3", "FAKE_BIN=/nonexistent")
	if out, _ := again.CombinedOutput(); strings.Contains(string(out), "a demo runs in this checkout already") || !strings.Contains(string(out), "building") {
		t.Errorf("make run after its script was killed outright said:\n%s\nwant it to start (building)", out)
	}
}

// A make run stopped with a SIGTERM to it alone (a process manager, kill:
// README, Stopping) in its first minutes, then started again at once, was
// refused, "a demo runs in this checkout already", for up to ten seconds:
// the loop registering the letters as the simulator sends them was between
// two imports, in a sleep 10 that the clean-up, killing the loop, left
// running, and that had inherited the lock. The loop holds no lock: the
// next run starts.
func TestRunStartsRightAfterASIGTERM(t *testing.T) {
	root, cmd, _, _ := fakeDemo(t)
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	again := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	again.Env = append(os.Environ(), "FAKE_LOG="+filepath.Join(root, "happened.log"), "POSTVAKT_ADDR=127.0.0.1:1", "POSTVAKT_DEMO_MAIL_PORT=2",
		"POSTVAKT_DEMO_SMTP_PORT=3", "FAKE_BIN=/nonexistent")
	// Without its fakes the second run fails after the lock, at the build:
	// what matters is that it gets there.
	out, _ := again.CombinedOutput()
	if strings.Contains(string(out), "a demo runs in this checkout already") || !strings.Contains(string(out), "building") {
		t.Errorf("make run right after a SIGTERM to the one before said:\n%s\nwant it to start (building)", out)
	}
}

// A taken port was answered with one 10000 above it to use instead: past
// 65535 for a port above 55535 (an ephemeral port, one's own mailpit on
// 60025), or one taken too. The suggested command line names free ports.
func TestRunSuggestsFreePortsForTakenOnes(t *testing.T) {
	var ln net.Listener
	for port := 65000; ln == nil && port > 55535; port-- {
		ln, _ = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	}
	if ln == nil {
		t.Skip("no port above 55535 free")
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	root := demoRoot(t, map[string]string{})
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	cmd.Env = append(os.Environ(), "POSTVAKT_ADDR=127.0.0.1:1", fmt.Sprintf("POSTVAKT_DEMO_MAIL_PORT=%d", taken), "POSTVAKT_DEMO_SMTP_PORT=3")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("run.sh went on with port %d taken:\n%s", taken, out)
	}
	_, after, ok := strings.Cut(string(out), "POSTVAKT_DEMO_MAIL_PORT=")
	var port int
	if ok {
		fmt.Sscan(after, &port)
	}
	if port < 1 || port > 65535 {
		t.Fatalf("port %d taken, run.sh said:\n%s\nwant a port to use instead", taken, out)
	}
	free, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("run.sh suggested port %d, which is not free: %v", port, err)
	}
	free.Close()
}

// POSTVAKT_ADDR naming every address (help: ":8080: every address", as
// one sets it to reach the demo from another machine) had run.sh print
// "UI: http://:8080/", which no browser opens, and put that into the
// links of the mails (POSTVAKT_PUBLIC_URL): they name the loopback address,
// on which the demo listens too.
func TestRunNamesAnAddressToOpenWhenItListensOnEvery(t *testing.T) {
	for _, addr := range []string{":1", "0.0.0.0:1", "[::]:1"} {
		t.Run(addr, func(t *testing.T) {
			root, _, _, said := fakeDemo(t, "POSTVAKT_ADDR="+addr)
			if !strings.Contains(said(), "UI:         http://127.0.0.1:1/ ") || !strings.Contains(said(), `"http://127.0.0.1:1/api/v1/shipments?`) {
				t.Errorf("POSTVAKT_ADDR=%s: run.sh said:\n%s\nwant the UI and the API at http://127.0.0.1:1/", addr, said())
			}
			if b, _ := os.ReadFile(filepath.Join(root, ".data", "demo.env")); !strings.Contains(string(b), "POSTVAKT_PUBLIC_URL='http://127.0.0.1:1'") {
				t.Errorf("POSTVAKT_ADDR=%s: .data/demo.env:\n%s\nwant the mails' links to http://127.0.0.1:1", addr, b)
			}
		})
	}
}

// fakeDemo runs run.sh from a copy (demoRoot) with the programs it starts
// replaced by small scripts that write what happens to them into one log,
// until serve has started. It returns the copy's root, the command, the
// log and what run.sh said so far; nothing it started outlives the test.
func fakeDemo(t *testing.T, env ...string) (string, *exec.Cmd, func() string, func() string) {
	t.Helper()
	root := demoRoot(t, map[string]string{
		// pg.sh: the cluster's stop is what must come last. Its start
		// leaves, with FAKE_CLUSTER set, a program in a session of its own
		// running (as pg_ctl leaves postgres), its pid in that file.
		"scripts/pg.sh": `case "$1" in
		start) [ -z "$FAKE_CLUSTER" ] || { setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $! >"$FAKE_CLUSTER"; } ;;
		db) echo postgres://fake/postvakt ;;
		stop) echo pg-stopped >>"$FAKE_LOG" ;;
		esac`,
		"scripts/mailpit.sh": `printf '%s\n' "$FAKE_BIN/mailpit"`,
		"scripts/build.sh":   `cp "$FAKE_BIN/postvakt" "$1"`,
		"bin/mailpit":        "#!/usr/bin/env bash\nexec sleep 600\n",
		// postvakt: the simulator prints its environment and waits; serve
		// is testdata/fakeserve.
		"bin/postvakt": `#!/usr/bin/env bash
		case "$1" in
		sim) echo "POSTVAKT_SIM_URL=$FAKE_SIM_URL"; echo "POSTVAKT_MASKINPORTEN_KEY_FILE=$PWD/.data/maskinporten.pem"; exec sleep 600 ;;
		serve) exec "$FAKE_SERVE" ;;
		user) echo "password (shown once): pw" ;;
		esac
		`,
	})
	// The simulator's letters: a header alone, or with FAKE_LETTERS=N, N
	// letters of which none is sent by now.
	letters := 0
	for _, e := range env {
		fmt.Sscanf(e, "FAKE_LETTERS=%d", &letters)
	}
	sim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("header\n"))
		if r.URL.Query().Get("sent_by") == "" {
			w.Write([]byte(strings.Repeat("letter\n", letters)))
		}
	}))
	t.Cleanup(sim.Close)
	env = append([]string{"FAKE_LOG=" + filepath.Join(root, "happened.log"), "FAKE_BIN=" + filepath.Join(root, "bin"), "FAKE_SIM_URL=" + sim.URL,
		"FAKE_SERVE=" + fakeServe(t),
		"POSTVAKT_ADDR=127.0.0.1:1", "POSTVAKT_DEMO_MAIL_PORT=2", "POSTVAKT_DEMO_SMTP_PORT=3"}, env...)
	cmd, happened, said := fakeRun(t, root, env)
	return root, cmd, happened, said
}

// servePIDs are the pids of the fake serves a happened log names.
func servePIDs(happened string) []int {
	var pids []int
	for _, line := range strings.Split(happened, "\n") {
		var pid int
		if _, err := fmt.Sscanf(line, "serving %d", &pid); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// gone reports whether process pid has ended (a zombie left unreaped,
// in a container whose init reaps nothing, has ended too).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(after, "Z")
}

// waitGone waits up to d for process pid to end; it says so when it does
// not.
func waitGone(t *testing.T, pid int, d time.Duration) bool {
	t.Helper()
	for deadline := time.Now().Add(d); !gone(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("process %d still runs after %s", pid, d)
			return false
		}
	}
	return true
}

var fakeServeBin struct {
	once sync.Once
	path string
	err  error
}

// fakeServe is testdata/fakeserve built, once for the test binary.
func fakeServe(t *testing.T) string {
	t.Helper()
	fakeServeBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "fakeserve")
		if err != nil {
			fakeServeBin.err = err
			return
		}
		fakeServeBin.path = filepath.Join(dir, "fakeserve")
		if out, err := exec.Command("go", "build", "-o", fakeServeBin.path, "./testdata/fakeserve").CombinedOutput(); err != nil {
			fakeServeBin.err = fmt.Errorf("build testdata/fakeserve: %v\n%s", err, out)
		}
	})
	if fakeServeBin.err != nil {
		t.Fatal(fakeServeBin.err)
	}
	return fakeServeBin.path
}

// fakeRun starts root's run.sh (fakeDemo's) with env, in a process group
// of its own, and waits until its serve has started; with FAKE_VIA_MAKE=1
// in env, through `make run` (root's Makefile), as a newcomer starts it.
func fakeRun(t *testing.T, root string, env []string) (*exec.Cmd, func() string, func() string) {
	t.Helper()
	happened := func() string { b, _ := os.ReadFile(filepath.Join(root, "happened.log")); return string(b) }
	before := strings.Count(happened(), "serving")
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	if slices.Contains(env, "FAKE_VIA_MAKE=1") {
		cmd = exec.Command("make", "-s", "run")
		cmd.Dir = root
	}
	cmd.Env = append(os.Environ(), env...)
	// A file, not a pipe: Wait then returns when run.sh ends, whatever it
	// left running.
	out, err := os.CreateTemp(root, "run.out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	cmd.Stdout, cmd.Stderr = out, out
	said := func() string { b, _ := os.ReadFile(out.Name()); return string(b) }
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever the outcome, nothing it started outlives the test: its
	// process group, and serve, which runs in a session of its own.
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		for _, pid := range servePIDs(happened()) {
			syscall.Kill(pid, syscall.SIGKILL)
			waitGone(t, pid, 10*time.Second)
		}
	})
	for deadline := time.Now().Add(60 * time.Second); strings.Count(happened(), "serving") == before; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve never started; run.sh said:\n%s", said())
		}
	}
	return cmd, happened, said
}

// demoRoot is a copy of run.sh in a checkout of its own (root/scripts),
// with files (paths below root) beside it, so that the checkout's own .data
// is left alone. The checkout is named as a second download unpacked is,
// with a space and a parenthesis.
func demoRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "postvakt (2)")
	script, err := os.ReadFile("run.sh")
	if err != nil {
		t.Fatal(err)
	}
	files["scripts/run.sh"] = string(script)
	// The Makefile beside it: `make -f root/Makefile run` runs the copy.
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	files["Makefile"] = string(makefile)
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
