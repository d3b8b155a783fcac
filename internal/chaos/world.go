package chaos

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"postvakt/internal/sim"
)

// chaosPolicy: reminder 1 after one business day, print after four, no
// send window, so every run of the test finds reminders and prints due
// whatever the hour.
const chaosPolicy = `name: chaos
calendar: NO
reminders:
  first_after: 1
  repeat_every: 1
  max: 2
print:
  enabled: true
  after: 4
  requires_approval: false
`

// chaosHealth: health rules that fire, repeat and resolve within a run, so
// the alert notices meet the kills too. An organisation that opened none of
// its last two letters is alerted about (40 % never open; others open
// late), again every 5 s while it fires, to two destinations; a few
// rejected or failed letters in a day make a spike.
const chaosHealth = `repeat_interval: 10s
rules:
  never_opening_org:
    repeat_interval: 5s
    to: [ops@chaos.example]
    letters: 2
    over: 365d
    min_age: 1h
  rejection_spike:
    group_by: [channel]
    window: 24h
    min_count: 2
    min_share: 0.01
    factor: 1
`

// scenario is the simulator's world: letters sent over the week before its
// start, a share of organisations that never open, some failures. The
// simulator starts behind by behind: its clock runs faster than the real
// one, and postvakt refuses a status dated in its future, so the simulated
// time must not overtake the real time before the run ends.
func scenario(letters, orgs int, behind time.Duration) string {
	return fmt.Sprintf(`name: chaos
description: crash test world
start: -%dm
organisations:
  count: %d
  never_open: {share: 0.4}
  open: {chance: 0.8, delay: {dist: exponential, min: 30m, mean: 12h, max: 4d}}
shipments:
  count: %d
  sent_from: -8d
  sent_to: -1h
  channels: {svarut: 1}
  confidential_share: 1
  confidential_classes: {taushetsbelagt: 1}
delivery:
  accept_delay: {min: 1m, max: 30m}
  available_delay: {min: 5m, max: 2h}
  reject_chance: 0.02
  fail_chance: 0.03
register:
  no_postal_address_chance: 0.05
print:
  print_delay: {min: 1h, max: 6h}
  post_delay: {min: 1h, max: 4h}
`, int(behind.Minutes())+1, orgs, letters)
}

// cluster is the run's own PostgreSQL cluster, through scripts/pg.sh, so it
// can be restarted under postvakt.
type cluster struct {
	script, dir string
	url         string // the chaos database
}

func (c *cluster) pg(args ...string) (string, error) {
	out, err := exec.Command("bash", append([]string{c.script}, args...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("scripts/pg.sh %s: %w: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", fmt.Errorf("scripts/pg.sh %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func startCluster(script, dir string) (*cluster, error) {
	c := &cluster{script: script, dir: dir}
	if _, err := c.pg("start", dir); err != nil {
		return nil, err
	}
	url, err := c.pg("db", dir, "chaos")
	if err != nil {
		return nil, err
	}
	c.url = url
	return c, nil
}

// restart stops the cluster (fast: open connections are cut) and starts
// it, and checks that it did: scripts/pg.sh stop says nothing when pg_ctl
// fails to stop the server, and start leaves a running one alone, so a
// restart that never happened would pass for one.
func (c *cluster) restart() error {
	before, err := c.startedAt()
	if err != nil {
		return err
	}
	if _, err := c.pg("stop", c.dir); err != nil {
		return err
	}
	if _, err := c.pg("start", c.dir); err != nil {
		return err
	}
	after, err := c.startedAt()
	if err != nil {
		return err
	}
	if !after.After(before) {
		return fmt.Errorf("PostgreSQL was not restarted: it still runs since %s", before.Format(time.RFC3339Nano))
	}
	return nil
}

// startedAt is when the server started (pg_postmaster_start_time).
func (c *cluster) startedAt() (time.Time, error) {
	db, err := sql.Open("postgres", c.url)
	if err != nil {
		return time.Time{}, err
	}
	defer db.Close()
	var t time.Time
	if err := db.QueryRow(`SELECT pg_postmaster_start_time()`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("ask PostgreSQL when it started: %w", err)
	}
	return t, nil
}

func (c *cluster) stop() { _, _ = c.pg("stop", c.dir) }

// process is one postvakt (or mailpit) process.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	// lastPoll is when a serve replica's last status search reached the
	// simulator (UnixNano; sendGate.wrap sets it).
	lastPoll atomic.Int64
}

func startProcess(bin string, env []string, logPath string, args ...string) (*process, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

// kill SIGKILLs the process and waits for it; it reports false when the
// process had already exited by itself.
func (p *process) kill() bool {
	select {
	case <-p.done:
		return false
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	return true
}

// term asks for a graceful stop and waits up to limit; it reports whether
// the process exited by itself with status 0.
func (p *process) term(limit time.Duration) bool {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err == nil
	case <-time.After(limit):
		p.kill()
		return false
	}
}

// mailpit is the SMTP server the reminders go to.
type mailpit struct {
	*process
	smtp, api string
}

func startMailpit(bin, dir string) (*mailpit, error) {
	smtp, err := freeAddr()
	if err != nil {
		return nil, err
	}
	api, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := startProcess(bin, os.Environ(), filepath.Join(dir, "mailpit.log"), "--smtp", smtp, "--listen", api,
		"--database", filepath.Join(dir, "mailpit.db"), "--max", "0", "--disable-version-check", "--smtp-disable-rdns", "--quiet")
	if err != nil {
		return nil, err
	}
	m := &mailpit{process: p, smtp: smtp, api: "http://" + api}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(m.api + "/api/v1/info"); err == nil {
			resp.Body.Close()
			return m, nil
		}
		if time.Now().After(deadline) {
			m.kill()
			return nil, errors.New("mailpit did not answer within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mail is one message mailpit received.
type mail struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
}

// messages lists every message mailpit received.
func (m *mailpit) messages() ([]mail, error) {
	var all []mail
	for start := 0; ; {
		resp, err := http.Get(fmt.Sprintf("%s/api/v1/messages?start=%d&limit=1000", m.api, start))
		if err != nil {
			return nil, err
		}
		var page struct {
			Total    int    `json:"total"`
			Messages []mail `json:"messages"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read mailpit's messages: %w", err)
		}
		all = append(all, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return all, nil
		}
	}
}

// simulator is the in-process simulator, on the real clock sped up.
type simulator struct {
	*sim.Sim
	srv  *http.Server
	base string
	env  []string
}

func startSim(ctx context.Context, dir string, letters, orgs int, speed float64, seed int64, runs time.Duration) (*simulator, error) {
	behind := time.Duration(float64(runs) * (speed - 1))
	sc, err := sim.Parse([]byte(scenario(letters, orgs, behind)))
	if err != nil {
		return nil, err
	}
	keyFile, pub, err := sim.ClientKey(dir)
	if err != nil {
		return nil, err
	}
	s, err := sim.New(sc, seed, sim.NewSpeedClock(speed), sim.Options{ClientPublicKeyPEM: pub, MaxRequestLog: 50_000_000,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &simulator{Sim: s, srv: &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}, base: "http://" + ln.Addr().String()}
	go w.srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	w.env = append(w.envFor(w.base), "POSTVAKT_MASKINPORTEN_KEY_FILE="+keyFile)
	return w, nil
}

// envFor is the simulator's environment for postvakt at base: SvarUt,
// Maskinporten, the register, print and Notifications; not Altinn
// Correspondence (not polled here) nor Profile (addresses are imported).
func (w *simulator) envFor(base string) []string {
	var env []string
	for _, kv := range w.Env(base) {
		if strings.HasPrefix(kv, "POSTVAKT_ALTINN_URL=") || strings.HasPrefix(kv, "POSTVAKT_PROFILE_URL=") ||
			strings.HasPrefix(kv, "POSTVAKT_SIM_URL=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// listen gives the simulator, as handler wraps it, another address: each
// replica has its own, so the simulator's side of a request names the
// replica that sent it. It returns the environment for postvakt there and
// a start func to call with the handler once the replica runs.
func (w *simulator) listen() (env []string, serve func(http.Handler) *http.Server, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	return w.envFor("http://" + ln.Addr().String()), func(h http.Handler) *http.Server {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Close
		return srv
	}, nil
}

func (w *simulator) close() { _ = w.srv.Close() }

// writeChunks writes the world's letters as registration CSV files of about
// size letters each, in sent order, and the reminder addresses of every
// organisation; it returns the CSV files.
func (w *simulator) writeChunks(dir string, chunks int) (files []string, contacts string, err error) {
	ships := w.Shipments()
	if chunks > len(ships) {
		chunks = len(ships)
	}
	for c := 0; c < chunks; c++ {
		path := filepath.Join(dir, fmt.Sprintf("letters-%03d.csv", c))
		f, err := os.Create(path)
		if err != nil {
			return nil, "", err
		}
		cw := csv.NewWriter(f)
		_ = cw.Write(strings.Split(sim.CSVHeader, ","))
		for i := c; i < len(ships); i += chunks {
			_ = cw.Write(ships[i].CSV())
		}
		cw.Flush()
		if err := errors.Join(cw.Error(), f.Close()); err != nil {
			return nil, "", err
		}
		files = append(files, path)
	}
	contacts = filepath.Join(dir, "contacts.csv")
	var b strings.Builder
	b.WriteString("orgnr,email\n")
	for _, o := range w.Organisations() {
		fmt.Fprintf(&b, "%s,post@org%s.example\n", o.OrgNr, o.OrgNr)
	}
	return files, contacts, os.WriteFile(contacts, []byte(b.String()), 0o644)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// runTool runs a postvakt command to the end (import, migrate).
func runTool(bin string, env []string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("postvakt %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
