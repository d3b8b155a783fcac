//go:build unix

package printing_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/printing"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the postvakt binary the crash test builds.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// postvaktBinary builds the real postvakt command once (only for the tests
// that need it, so the others run even while another package of the binary
// does not build).
func postvaktBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "postvakt-print-bin"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "postvakt")
		out, err := exec.Command("go", "build", "-o", binPath, "postvakt/cmd/postvakt").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build postvakt: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestKilledDrainNeverOrdersTwice runs the real `postvakt print drain
// --once` against the simulator and kills it (SIGKILL, through the test-only
// POSTVAKT_TEST_CRASH_AT) many times at the two dangerous points: after the
// outbox claim committed but before the provider call, and after the
// provider answered but before its answer committed. Then it drains
// normally. The provider must hold exactly one order per shipment, each
// created once, and postvakt must know every one of them.
func TestKilledDrainNeverOrdersTwice(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	bin := postvaktBinary(t)
	start := day(16)
	e.sim.SetNow(start)
	e.escalate(start) // decisions and outbox rows committed, nothing sent
	queued := e.outbox()
	if queued < 30 {
		t.Fatalf("only %d outbox rows", queued)
	}
	env := append(os.Environ(), "DATABASE_URL="+e.dbURL,
		"POSTVAKT_REGISTER_URL="+e.url+"/enhetsregisteret/api", "POSTVAKT_PRINT_URL="+e.url+"/print",
		"POSTVAKT_POLICIES=../../policies", "POSTVAKT_LOG_LEVEL=error")
	drain := func(at time.Time, crash string) (killed bool, stderr string) {
		t.Helper()
		e.sim.SetNow(at)
		cmd := exec.Command(bin, "print", "drain", "--once", "--batch", "3", "--now", at.Format(time.RFC3339))
		cmd.Env = env
		if crash != "" {
			cmd.Env = append(cmd.Env, "POSTVAKT_TEST_CRASH_AT="+crash)
		}
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return true, errb.String()
			}
		}
		if err != nil {
			t.Fatalf("print drain (crash %q): %v\n%s", crash, err, errb.String())
		}
		return false, errb.String()
	}
	// Each run starts past the lease (5 minutes) of the run before, so a
	// killed run's claims are due again. The n-th arrival at a point is
	// killed, so runs make some progress before they die.
	kills := map[string]int{}
	at := start
	for i := 0; i < 60 && e.outbox() > 0; i++ {
		point := []string{printing.CrashAfterOutboxCommit, printing.CrashAfterProviderCall}[i%2]
		spec := fmt.Sprintf("%s:%d", point, 1+i%3)
		killed, stderr := drain(at, spec)
		if killed {
			if !strings.Contains(stderr, "killing myself at "+point) {
				t.Fatalf("run %d died elsewhere than %s:\n%s", i, point, stderr)
			}
			kills[point]++
		}
		at = at.Add(6 * time.Minute)
	}
	if kills[printing.CrashAfterOutboxCommit] < 5 || kills[printing.CrashAfterProviderCall] < 5 {
		t.Fatalf("kills %v: too few to prove anything", kills)
	}
	if killed, stderr := drain(at, ""); killed {
		t.Fatalf("a normal drain was killed:\n%s", stderr)
	}
	if n := e.outbox(); n != 0 {
		t.Fatalf("%d outbox rows left after a normal drain", n)
	}

	orders := e.providerOrders() // fails on a key ordered twice
	if len(orders) != queued || e.creates() != queued {
		t.Fatalf("%d outbox rows, %d provider orders, %d created answers: want all equal", queued, len(orders), e.creates())
	}
	posts := 0
	for _, r := range e.sim.Requests() {
		if r.Method == "POST" && r.Path == "/print/v1/orders" {
			posts++
		}
	}
	if posts <= queued {
		t.Errorf("%d order requests for %d orders: no crash after the provider call was retried", posts, queued)
	}
	for id, p := range e.prints() {
		if p.State == store.PrintStateManual || p.State == store.PrintStateHeld {
			continue
		}
		o, ok := orders["postvakt-print-"+id]
		if !ok || p.OrderID != o.ID || (p.State != store.PrintStateReceived && p.State != store.PrintStatePrinted) {
			t.Errorf("%s: recorded order %q (%s), provider %+v", id, p.OrderID, p.State, o)
		}
		if n := count(kinds(e.shipment(id)), store.EventPrintOrdered); n != 1 {
			t.Errorf("%s: %d print_ordered events", id, n)
		}
	}
	t.Logf("%d orders, %d order requests, kills %v", len(orders), posts, kills)
}

// outbox counts the outbox rows.
func (e *env) outbox() int {
	e.t.Helper()
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM print_outbox`); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestPrintCommands drives `postvakt print list|approve|reject|drain` as an
// operator would.
func TestPrintCommands(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	bin := postvaktBinary(t)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+e.dbURL, "POSTVAKT_POLICIES=../../policies",
			"POSTVAKT_REGISTER_URL="+e.url+"/enhetsregisteret/api", "POSTVAKT_PRINT_URL="+e.url+"/print")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), errb.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), 0
	}
	type listing struct {
		Orders []struct {
			ShipmentID string `json:"shipment_id"`
			OrderID    string `json:"order_id"`
			State      string `json:"state"`
		} `json:"orders"`
		Manual []struct {
			ShipmentID string `json:"shipment_id"`
			Reason     string `json:"reason"`
		} `json:"manual"`
		Batches []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
			Count int    `json:"count"`
		} `json:"batches"`
	}
	list := func() listing {
		t.Helper()
		out, stderr, code := run("print", "list", "--json")
		var l listing
		if code != 0 || json.Unmarshal([]byte(out), &l) != nil {
			t.Fatalf("print list --json: %d %s %s", code, out, stderr)
		}
		return l
	}
	e.escalate(day(10)) // barnevern (5 business days) is due, taushetsbelagt (10) not yet
	l := list()
	if len(l.Batches) != 1 || l.Batches[0].State != "held" || l.Batches[0].Count == 0 || len(l.Orders) != l.Batches[0].Count || len(l.Manual) == 0 {
		t.Fatalf("listing %+v", l)
	}
	id := fmt.Sprint(l.Batches[0].ID)
	later := time.Now().UTC().Add(time.Minute).Format(time.RFC3339) // approve uses the real clock
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"print"}, 2, ""},
		{[]string{"print", "frobnicate"}, 2, ""},
		{[]string{"print", "approve"}, 2, ""},
		{[]string{"print", "approve", "x7"}, 2, ""},
		{[]string{"print", "reject", "999"}, 1, ""},
		{[]string{"print", "drain", "--now", "2026-11-10T12:00:00Z"}, 2, ""}, // --now needs --once
		// Released prints go back to their address lookup (the batch may
		// have waited weeks): not "queued for sending" yet.
		{[]string{"print", "approve", id, "--by", "Kari Compliance"}, 0, "addresses looked up again"},
		{[]string{"print", "reject", id}, 1, ""}, // decided already
		{[]string{"print", "drain", "--once", "--now", later}, 0, "ordered="},
		{[]string{"print", "list"}, 0, "MANUAL HANDLING"},
	} {
		out, stderr, code := run(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("%v: exit %d, want %d; stdout %q; stderr %q", tc.args, code, tc.code, out, stderr)
		}
	}
	l = list()
	if l.Batches[0].State != "released" {
		t.Errorf("batch %+v", l.Batches[0])
	}
	for _, o := range l.Orders {
		if o.OrderID == "" || o.State != "received" {
			t.Errorf("order %+v not placed", o)
		}
	}
	if len(e.providerOrders()) != len(l.Orders) {
		t.Errorf("%d provider orders, %d listed", len(e.providerOrders()), len(l.Orders))
	}
}
