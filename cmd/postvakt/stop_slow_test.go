package main_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"log/slog"
	"net/http"

	"postvakt/internal/logtest"
	"postvakt/internal/pgtest"
	"postvakt/internal/sim"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// slowSMTP is a raw-socket SMTP server on loopback that answers the end
// of DATA only after stall (it takes every message: 250 after the stall).
type slowSMTP struct {
	ln      net.Listener
	stall   time.Duration
	mu      sync.Mutex
	data    int // DATA commands seen (a message started)
	taken   int // 250 answered to end of DATA
	cut     int // connection gone while stalling (client gave up)
	dataCh  chan struct{}
	stallMu sync.Mutex
}

func startSlowSMTP(t *testing.T, stall time.Duration) *slowSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &slowSMTP{ln: ln, stall: stall, dataCh: make(chan struct{}, 1000)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *slowSMTP) setStall(d time.Duration) { s.stallMu.Lock(); s.stall = d; s.stallMu.Unlock() }
func (s *slowSMTP) getStall() time.Duration {
	s.stallMu.Lock()
	defer s.stallMu.Unlock()
	return s.stall
}

func (s *slowSMTP) counts() (data, taken, cut int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data, s.taken, s.cut
}

func (s *slowSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := func(line string) error { _, err := c.Write([]byte(line + "\r\n")); return err }
	w("220 slow.example ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			w("250-slow.example")
			w("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			w("250 ok")
		case cmd == "DATA":
			s.mu.Lock()
			s.data++
			s.mu.Unlock()
			s.dataCh <- struct{}{}
			w("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			// Stall, noticing a client that hangs up meanwhile.
			gone := make(chan struct{})
			go func() {
				one := make([]byte, 1)
				c.SetReadDeadline(time.Now().Add(s.getStall()))
				if _, err := c.Read(one); err != nil {
					if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
						close(gone)
					}
				}
			}()
			select {
			case <-time.After(s.getStall()):
			case <-gone:
				s.mu.Lock()
				s.cut++
				s.mu.Unlock()
				return
			}
			c.SetReadDeadline(time.Time{})
			if err := w("250 queued"); err != nil {
				return
			}
			s.mu.Lock()
			s.taken++
			s.mu.Unlock()
		case cmd == "QUIT":
			w("221 bye")
			return
		default:
			w("500 what")
		}
	}
}

// policyDir is a policy folder holding one policy, yaml.
func policyDir(t *testing.T, yaml string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "policies")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// oneReminder is the stop tests' policy: one reminder after a business
// day, print much later.
const oneReminder = "name: p\ncalendar: NO\nreminders: {first_after: 1, max: 1}\nprint: {enabled: true, after: 60}\n"

// letterRow writes one import row (after header): a confidential SvarUt
// letter of Bergen kommune's unit to the organisation org, sent at sent.
func letterRow(w io.Writer, id, unit, org, sent string) {
	fmt.Fprintf(w, "svarut,%s,964338531,%s,org,%s,Brev,true,taushetsbelagt,%s\n", id, unit, org, sent)
}

// stopSetup imports n letters to n organisations, each with an address,
// due for their first reminder; it returns the database and the env serve
// needs.
func stopSetup(t *testing.T, n int, smtpAddr string) (string, []string) {
	t.Helper()
	db := pgtest.New(t)
	dir := t.TempDir()
	policies := policyDir(t, oneReminder)
	var letters, contacts strings.Builder
	letters.WriteString(header)
	contacts.WriteString("orgnr,email\n")
	sent := time.Now().AddDate(0, 0, -10).UTC().Format(time.RFC3339)
	for i, org := range storetest.OrgNumbers(n) {
		letterRow(&letters, storetest.ChannelID("stop", i), "Byggesak", org, sent)
		fmt.Fprintf(&contacts, "%s,post@%s.example\n", org, org)
	}
	os.WriteFile(filepath.Join(dir, "letters.csv"), []byte(letters.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "contacts.csv"), []byte(contacts.String()), 0o644)
	env := []string{"POSTVAKT_POLICIES=" + policies, "POSTVAKT_SMTP_ADDR=" + smtpAddr, "POSTVAKT_SMTP_TLS=none",
		"POSTVAKT_SMTP_FROM=postvakt@stop.example", "POSTVAKT_ESCALATE_SCHEDULE=@every 1s"}
	for _, args := range [][]string{{"migrate"}, {"import", filepath.Join(dir, "letters.csv")}, {"contacts", "import", filepath.Join(dir, "contacts.csv")}} {
		if _, stderr, code := runEnv(t, append([]string{"DATABASE_URL=" + db}, env...), args...); code != 0 {
			t.Fatalf("postvakt %s: exit %d\n%s", args[0], code, stderr)
		}
	}
	answeredBySvarUt(t, db)
	return db, env
}

// answeredBySvarUt makes every letter in db one SvarUt has answered about
// (VARSLET: available, not opened), for tests that poll no channel: a
// letter whose step is due at once waits for its channel's first answer
// before it is reminded or printed (escalate.FirstAnswerWait).
func answeredBySvarUt(t *testing.T, db string) {
	t.Helper()
	if _, err := openDB(t, db).Exec(`UPDATE shipments SET state = 'available', channel_status = 'VARSLET'`); err != nil {
		t.Fatal(err)
	}
}

func notificationStatuses(t *testing.T, db string) map[string]int {
	t.Helper()
	st, err := store.Open(context.Background(), db, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT status, count(*) FROM notifications GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		out[s] = n
	}
	return out
}

// termAtFirstMessage starts serve, waits until the relay sees its first
// message begin, waits delay more, sends SIGTERM and waits for the exit:
// its code, how long the stop took, and serve's log.
func termAtFirstMessage(t *testing.T, smtp *slowSMTP, db string, env []string, delay time.Duration) (int, time.Duration, *logtest.Buffer) {
	t.Helper()
	_, cmd, logs := startServe(t, db, env...)
	select {
	case <-smtp.dataCh:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no message started:\n%s", tail(logs.String(), 20))
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	return code, took, logs
}

func waitExit(cmd *exec.Cmd) (int, time.Duration) {
	start := time.Now()
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return code, time.Since(start)
}

// slowSvarUtWorld is a simWorld of n confidential SvarUt letters to five
// organisations, sent in the last two days, whose every SvarUt answer
// takes delay.
func slowSvarUtWorld(t *testing.T, n int, delay time.Duration, env ...string) (string, []string) {
	t.Helper()
	_, db, envs := simWorld(t, fmt.Sprintf(`name: slowsvarut
description: slow svarut
start: -10m
organisations:
  count: 5
shipments:
  count: %d
  sent_from: -2d
  sent_to: -1h
  channels: {svarut: 1}
  confidential_share: 1
  confidential_classes: {taushetsbelagt: 1}
faults:
  svarut: {slow: 1, slow_delay: %s}
`, n, delay), env...)
	return db, envs
}

// slowPrintWorld is a simWorld of six confidential SvarUt letters sent
// 15 to 20 days ago to three organisations that never open, under a policy
// that prints after one business day, whose print provider takes delay to
// answer each call.
func slowPrintWorld(t *testing.T, delay time.Duration, env ...string) (*sim.Sim, string, []string) {
	t.Helper()
	policies := policyDir(t, "name: p\ncalendar: NO\nreminders: {max: 0}\nprint: {enabled: true, after: 1}\n")
	return simWorld(t, fmt.Sprintf(`name: slowprint
description: slow print
start: -10m
organisations:
  count: 3
  never_open: {share: 1}
shipments:
  count: 6
  sent_from: -20d
  sent_to: -15d
  channels: {svarut: 1}
  confidential_share: 1
  confidential_classes: {taushetsbelagt: 1}
faults:
  print: {slow: 1, slow_delay: %s}
`, delay), append([]string{"POSTVAKT_POLICIES=" + policies}, env...)...)
}

// simWorld is a simulated world (scenario) served on loopback, its letters
// imported into a new database: it returns the simulator, the database and
// the environment serve needs for it (jobs off but for those env, given
// after the defaults, turns on).
func simWorld(t *testing.T, scenario string, env ...string) (*sim.Sim, string, []string) {
	t.Helper()
	sc, err := sim.Parse([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile, pub, err := sim.ClientKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sc, 1, sim.NewSpeedClock(1), sim.Options{ClientPublicKeyPEM: pub, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	off := "0 0 1 1 *"
	all := []string{"POSTVAKT_POLICIES=../../policies", "POSTVAKT_MASKINPORTEN_KEY_FILE=" + keyFile,
		"POSTVAKT_POLL_SCHEDULE=" + off, "POSTVAKT_ESCALATE_SCHEDULE=" + off, "POSTVAKT_NOTICE_SCHEDULE=" + off,
		"POSTVAKT_HEALTH_SCHEDULE=" + off, "POSTVAKT_PRINT_SCHEDULE=" + off, "POSTVAKT_NAMES_SCHEDULE=" + off}
	for _, kv := range s.Env("http://" + ln.Addr().String()) {
		if !strings.HasPrefix(kv, "POSTVAKT_ALTINN_URL=") && !strings.HasPrefix(kv, "POSTVAKT_PROFILE_URL=") && !strings.HasPrefix(kv, "POSTVAKT_SIM_URL=") {
			all = append(all, kv)
		}
	}
	all = append(all, env...)
	var csvb strings.Builder
	csvb.WriteString(sim.CSVHeader + "\n")
	for _, sh := range s.Shipments() {
		csvb.WriteString(strings.Join(sh.CSV(), ",") + "\n")
	}
	letters := filepath.Join(dir, "letters.csv")
	if err := os.WriteFile(letters, []byte(csvb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	for _, args := range [][]string{{"migrate"}, {"import", letters}} {
		if _, stderr, code := runEnv(t, append([]string{"DATABASE_URL=" + db}, all...), args...); code != 0 {
			t.Fatalf("postvakt %s: exit %d\n%s", args[0], code, stderr)
		}
	}
	return s, db, all
}

// TestStopSlowSMTPLeavesNoneUnknownOrPending: a mail relay that takes 3 s
// to answer each message (well inside the SMTP client's own 30 s timeout);
// SIGTERM arrives as the first message of a claimed batch (8
// organisations) starts. The message in flight finishes and is recorded;
// the batch's messages not begun go back at once: none is left unknown or
// pending, and the next replica, started at once, sends them.
func TestStopSlowSMTPLeavesNoneUnknownOrPending(t *testing.T) {
	smtp := startSlowSMTP(t, 3*time.Second)
	db, env := stopSetup(t, 8, smtp.ln.Addr().String())
	code, took, logs := termAtFirstMessage(t, smtp, db, env, 0)
	data, taken, cut := smtp.counts()
	after := notificationStatuses(t, db)
	t.Logf("exit %d after %s; smtp: %d started, %d taken, %d cut; notifications %v", code, took.Round(100*time.Millisecond), data, taken, cut, after)
	if after["unknown"] != 0 || after["pending"] != 0 {
		t.Errorf("after an ordinary SIGTERM: notifications %v; want none unknown or pending", after)
	}
	// The run's summary says it stopped early and counts what it gave
	// back (it said stopped_early=false, the rest seen only in
	// `notifications list`).
	if want := fmt.Sprintf("stopped_early=true given_back=%d ", after["failed"]); after["failed"] == 0 ||
		!strings.Contains(logs.String(), want) {
		t.Errorf("the escalation run's summary line does not say %q (notifications %v)", want, after)
	}
	// A rolling deploy: the next replica starts at once, with a fast relay.
	smtp.setStall(0)
	_, cmd2, logs2 := startServe(t, db, env...)
	time.Sleep(8 * time.Second)
	cmd2.Process.Signal(syscall.SIGTERM)
	waitExit(cmd2)
	final := notificationStatuses(t, db)
	_, taken2, _ := smtp.counts()
	t.Logf("after the next replica ran 8 s: notifications %v, relay took %d in all", final, taken2)
	if final["sent"] != 8 {
		t.Errorf("the next replica did not send the rest: notifications %v (8 organisations)", final)
	}
	if t.Failed() {
		t.Logf("first serve log (tail):\n%s", tail(logs.String(), 30))
		t.Logf("second serve log (tail):\n%s", tail(logs2.String(), 15))
	}
}

// TestStopLetsABegunSendFinish: one message whose relay answers after 25 s
// (inside the SMTP client's 30 s timeout), SIGTERM during it: the send is
// not cut (it would be unknown), it finishes and is recorded.
func TestStopLetsABegunSendFinish(t *testing.T) {
	smtp := startSlowSMTP(t, 25*time.Second)
	db, env := stopSetup(t, 1, smtp.ln.Addr().String())
	code, took, logs := termAtFirstMessage(t, smtp, db, env, time.Second)
	data, taken, cut := smtp.counts()
	after := notificationStatuses(t, db)
	t.Logf("exit %d after %s; smtp: %d started, %d taken, %d cut; notifications %v", code, took.Round(100*time.Millisecond), data, taken, cut, after)
	if after["unknown"] != 0 || after["pending"] != 0 {
		t.Errorf("after an ordinary SIGTERM: notifications %v; want the send to finish inside its own timeout", after)
		t.Logf("serve log (tail):\n%s", tail(logs.String(), 12))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestStopNoticesClaimNothingNew: the notices job (follow-ups to sending
// units) claims no new notice after SIGTERM, and the one in flight
// finishes: none unknown or pending.
func TestStopNoticesClaimNothingNew(t *testing.T) {
	const units = 8
	smtp := startSlowSMTP(t, 3*time.Second)
	db := pgtest.New(t)
	dir := t.TempDir()
	policies := policyDir(t, oneReminder)
	var letters, unitsCSV strings.Builder
	letters.WriteString(header)
	unitsCSV.WriteString("sender_org,unit,contact_email,manager_email\n")
	sent := time.Now().AddDate(0, 0, -40).UTC().Format(time.RFC3339) // unread past POSTVAKT_FOLLOWUP_UNREAD_DAYS
	for i, org := range storetest.OrgNumbers(units) {
		letterRow(&letters, storetest.ChannelID("hnotice", i), fmt.Sprintf("Enhet%d", i), org, sent)
		fmt.Fprintf(&unitsCSV, "964338531,Enhet%d,enhet%d@kommune.example,\n", i, i)
	}
	os.WriteFile(filepath.Join(dir, "letters.csv"), []byte(letters.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "units.csv"), []byte(unitsCSV.String()), 0o644)
	env := []string{"POSTVAKT_POLICIES=" + policies, "POSTVAKT_SMTP_ADDR=" + smtp.ln.Addr().String(), "POSTVAKT_SMTP_TLS=none",
		"POSTVAKT_SMTP_FROM=postvakt@stop.example", "POSTVAKT_ESCALATE_SCHEDULE=0 0 1 1 *", "POSTVAKT_NOTICE_SCHEDULE=@every 1s",
		"POSTVAKT_HEALTH_SCHEDULE=0 0 1 1 *"}
	for _, args := range [][]string{{"migrate"}, {"import", filepath.Join(dir, "letters.csv")}, {"units", "import", filepath.Join(dir, "units.csv")}} {
		if _, stderr, code := runEnv(t, append([]string{"DATABASE_URL=" + db}, env...), args...); code != 0 {
			t.Fatalf("postvakt %s: exit %d\n%s", args[0], code, stderr)
		}
	}
	code, took, logs := termAtFirstMessage(t, smtp, db, env, 0)
	data, taken, cut := smtp.counts()
	after := notificationStatuses(t, db)
	t.Logf("exit %d after %s; smtp: %d started (%d after SIGTERM), %d taken, %d cut; notifications %v",
		code, took.Round(100*time.Millisecond), data, data-1, taken, cut, after)
	if data > 1 {
		t.Errorf("%d notices were claimed and begun after SIGTERM; want none (no new work after the soft stop)", data-1)
	}
	if after["unknown"] != 0 || after["pending"] != 0 {
		t.Errorf("after an ordinary SIGTERM: notifications %v; want none unknown or pending", after)
		t.Logf("serve log (tail):\n%s", tail(logs.String(), 8))
	}
}

// TestStopDuringStartup: SIGTERM while serve starts, waiting for a
// PostgreSQL that is down: exit 0. (A stop while migrating takes the same
// path; its moment cannot be hit reliably from outside, and a signal in
// the first milliseconds, before the handler is installed, kills the
// process, the default and harmless.)
func TestStopDuringStartup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "DATABASE_URL=postgres://x:y@"+dead+"/db?sslmode=disable", "POSTVAKT_POLICIES=../../policies")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // waiting for the database
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	if code != 0 || took > 5*time.Second || !strings.Contains(logs.String(), "stopped before it started") {
		t.Errorf("SIGTERM while waiting for the database: exit %d after %s; want 0 at once\n%s", code, took, tail(logs.String(), 3))
	}
}

// TestStopSecondSignalStopsAtOnce: a second signal during the graceful
// stop (an impatient operator's second Ctrl-C) stops the process at once,
// as a crash would, instead of waiting out the grace.
func TestStopSecondSignalStopsAtOnce(t *testing.T) {
	smtp := startSlowSMTP(t, 28*time.Second)
	db, env := stopSetup(t, 1, smtp.ln.Addr().String())
	_, cmd, logs := startServe(t, db, env...)
	select {
	case <-smtp.dataCh:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		waitExit(cmd)
		t.Fatalf("no message started in 60 s:\n%s", tail(logs.String(), 10))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	t.Logf("exit %d %s after the second signal; notifications %v", code, took.Round(100*time.Millisecond), notificationStatuses(t, db))
	if took > 5*time.Second {
		t.Errorf("a second signal did not hasten the stop (%s more)", took.Round(time.Second))
		t.Logf("serve log (tail):\n%s", tail(logs.String(), 4))
	}
}

// TestStopGivesBackPollClaims: SvarUt answers every status call after 25 s
// (inside the HTTP client's 30 s timeout). SIGTERM while a poll cycle
// waits for it: the hard stop cancels the call and gives the claimed batch
// back, so the next replica polls those letters at once, not after the
// 10-minute lease.
func TestStopGivesBackPollClaims(t *testing.T) {
	db, env := slowSvarUtWorld(t, 40, 25*time.Second, "POSTVAKT_POLL_SCHEDULE=@every 1s")
	_, cmd, logs := startServe(t, db, env...)
	time.Sleep(4 * time.Second) // the first cycle claimed and is waiting for SvarUt
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	st := storetest.OpenURL(t, db)
	var held, total int
	st.DB().Get(&total, `SELECT count(*) FROM poll_queue`)
	st.DB().Get(&held, `SELECT count(*) FROM poll_queue WHERE claimed_until > now()`)
	var until time.Time
	st.DB().Get(&until, `SELECT COALESCE(max(claimed_until), now()) FROM poll_queue`)
	t.Logf("exit %d after %s; poll_queue: %d of %d letters still claimed, until %s (%s from now)", code, took.Round(100*time.Millisecond),
		held, total, until.Format(time.RFC3339), time.Until(until).Round(time.Second))
	if held > 0 {
		t.Errorf("%d letters keep a dead replica's poll claim for %s after an ordinary SIGTERM", held, time.Until(until).Round(time.Second))
		t.Logf("serve log (tail):\n%s", tail(logs.String(), 6))
	}
}

// TestStopGivesBackPrintClaims: the print provider answers after 25 s.
// SIGTERM while the print job waits for it: the rest of the claimed outbox
// batch is given back at once; only the order in flight keeps its claim.
func TestStopGivesBackPrintClaims(t *testing.T) {
	s, db, env := slowPrintWorld(t, 25*time.Second, "POSTVAKT_ESCALATE_SCHEDULE=@every 1s", "POSTVAKT_PRINT_SCHEDULE=@every 1s")
	answeredBySvarUt(t, db)
	st := storetest.OpenURL(t, db)
	_, cmd, logs := startServe(t, db, env...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var claimed int
		st.DB().Get(&claimed, `SELECT count(*) FROM print_outbox WHERE attempts > 0`)
		if claimed > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no print order claimed:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	var outbox, held int
	st.DB().Get(&outbox, `SELECT count(*) FROM print_outbox`)
	st.DB().Get(&held, `SELECT count(*) FROM print_outbox WHERE next_attempt_at > now() + interval '1 minute'`)
	t.Logf("exit %d after %s; print_outbox: %d rows, %d out of reach for the lease; the simulator has %d print orders",
		code, took.Round(100*time.Millisecond), outbox, held, len(s.PrintOrders()))
	// The order in flight keeps its claim (it may have reached the
	// provider: the lease brings it back, its key finds the same order);
	// the rest of the batch is given back at once.
	if held > 1 {
		t.Errorf("%d print orders keep a stopped replica's claim after an ordinary SIGTERM, want only the one in flight", held)
		t.Logf("serve log (tail):\n%s", tail(logs.String(), 6))
	}
}

// TestStopHealthClaimsNothingNew: the health job claims no new alert
// notice after SIGTERM (one per destination), and the one in flight
// finishes: none cut by the hard stop.
func TestStopHealthClaimsNothingNew(t *testing.T) {
	smtp := startSlowSMTP(t, 3*time.Second)
	db, env := alertNoticesWorld(t, smtp.ln.Addr().String(), 8)
	env = append(env, "POSTVAKT_ESCALATE_SCHEDULE=0 0 1 1 *", "POSTVAKT_NOTICE_SCHEDULE=0 0 1 1 *", "POSTVAKT_HEALTH_SCHEDULE=@every 1s")
	code, took, logs := termAtFirstMessage(t, smtp, db, env, 0)
	data, taken, cut := smtp.counts()
	st := storetest.OpenURL(t, db)
	var statuses []string
	st.DB().Select(&statuses, `SELECT status || ':' || count(*) FROM health_notices GROUP BY status ORDER BY 1`)
	t.Logf("exit %d after %s; smtp: %d started (%d after SIGTERM), %d taken, %d cut; health_notices %v",
		code, took.Round(100*time.Millisecond), data, data-1, taken, cut, statuses)
	if data > 1 || cut > 0 {
		t.Errorf("%d alert notices begun after SIGTERM, %d cut by the hard stop; want none", data-1, cut)
		t.Logf("serve log (tail):\n%s", tail(logs.String(), 4))
	}
}
