package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver
)

// bench is one `make bench` run: the throwaway PostgreSQL cluster, the
// postvakt binary, a work folder, and what every process measured.
type bench struct {
	opt  options
	work string
	size sizes
	mail *mailpit
	big  *bigDB // the large database, once the import section made it

	mu  sync.Mutex
	rss map[string]int64 // peak RSS (bytes) of each postvakt process, by label
}

// measured is one finished process: wall time, CPU time (user+sys) and
// peak resident memory.
type measured struct {
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64 // bytes
	stdout string
}

// baseEnv is this process's environment without anything postvakt reads,
// so a developer's own DATABASE_URL or POSTVAKT_* never leaks into a run.
func baseEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "POSTVAKT_") || strings.HasPrefix(kv, "DATABASE_URL") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// noteRSS keeps a process's peak RSS for the memory figure.
func (b *bench) noteRSS(label string, rss int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rss > b.rss[label] {
		b.rss[label] = rss
	}
}

// logFile opens work/logs/<name>.log for a process's output.
func (b *bench) logFile(name string) (*os.File, error) {
	dir := filepath.Join(b.work, "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// run runs postvakt to the end with extra environment and measures it.
// label names it in the memory figure ("" = not counted); stderr goes to
// the work folder's log.
func (b *bench) run(label string, env []string, stdin io.Reader, args ...string) (measured, error) {
	cmd := exec.Command(b.opt.postvakt, args...)
	cmd.Env = append(baseEnv(), env...)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stdin = stdin
	logName := args[0]
	if label != "" {
		logName = strings.ReplaceAll(label, " ", "-")
	}
	lf, err := b.logFile(logName)
	if err != nil {
		return measured{}, err
	}
	defer lf.Close()
	cmd.Stderr = lf
	start := time.Now()
	err = cmd.Run()
	m := measured{wall: time.Since(start), stdout: out.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if label != "" {
		b.noteRSS(label, m.maxRSS)
	}
	if err != nil {
		return m, fmt.Errorf("postvakt %s: %w (stdout: %s; log: %s)", strings.Join(args, " "), err,
			strings.TrimSpace(out.String()), lf.Name())
	}
	return m, nil
}

// proc is a long-running process (serve, the simulator, mailpit).
type proc struct {
	label string
	cmd   *exec.Cmd
	done  chan struct{}
	b     *bench
}

// start starts bin (postvakt when empty) in the background, its output in
// the work folder's log.
func (b *bench) start(label, bin string, env []string, args ...string) (*proc, io.Reader, error) {
	if bin == "" {
		bin = b.opt.postvakt
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(baseEnv(), env...)
	lf, err := b.logFile(strings.ReplaceAll(label, " ", "-"))
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = lf
	out, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, nil, fmt.Errorf("start %s: %w", label, err)
	}
	p := &proc{label: label, cmd: cmd, done: make(chan struct{}), b: b}
	go func() {
		_ = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, out, nil
}

// stop ends the process (SIGTERM, then SIGKILL after 20 s), waits for it
// and returns its peak RSS.
func (p *proc) stop() int64 {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	var rss int64
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	if p.b != nil && strings.HasPrefix(p.label, "serve") {
		p.b.noteRSS("serve", rss)
	}
	return rss
}

// createDB makes a fresh database in the bench cluster and returns its URL.
func (b *bench) createDB(ctx context.Context, name string) (string, error) {
	admin, err := sql.Open("postgres", b.opt.pg)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name); err != nil {
		return "", fmt.Errorf("drop database %s: %w", name, err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(b.opt.pg)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// freeAddr returns a free loopback address.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHTTP waits until url answers 200.
func waitHTTP(ctx context.Context, u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %s (last error: %v)", u, limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// mailpit is the SMTP server reminders go to.
type mailpit struct {
	*proc
	smtp, api string
	closed    bool
}

func (b *bench) startMailpit(ctx context.Context) (*mailpit, error) {
	if b.opt.mailpit == "" {
		return nil, errors.New("no mailpit binary (--mailpit; scripts/mailpit.sh builds one)")
	}
	smtpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	db := filepath.Join(b.work, "mailpit.db")
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		db = filepath.Join("/dev/shm", fmt.Sprintf("pvbench-mailpit-%d.db", os.Getpid()))
	}
	p, out, err := b.start("mailpit", b.opt.mailpit, nil, "--smtp", smtpAddr, "--listen", apiAddr,
		"--database", db, "--max", "0", "--disable-version-check", "--smtp-disable-rdns", "--quiet")
	if err != nil {
		return nil, err
	}
	go io.Copy(io.Discard, out) //nolint:errcheck // mailpit's stdout is not needed
	m := &mailpit{proc: p, smtp: smtpAddr, api: "http://" + apiAddr}
	if err := waitHTTP(ctx, m.api+"/api/v1/info", 30*time.Second); err != nil {
		p.stop()
		return nil, fmt.Errorf("mailpit: %w", err)
	}
	return m, nil
}

func (m *mailpit) close() {
	if m.closed {
		return
	}
	m.closed = true
	m.stop()
	_ = os.Remove(filepath.Join("/dev/shm", fmt.Sprintf("pvbench-mailpit-%d.db", os.Getpid())))
}

// count returns how many messages mailpit holds.
func (m *mailpit) count() (int, error) {
	resp, err := http.Get(m.api + "/api/v1/messages?limit=1")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var v struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("read mailpit's message count: %w", err)
	}
	return v.Total, nil
}

// sim is a running simulator with its environment lines.
type sim struct {
	*proc
	env map[string]string
}

// startSim runs `postvakt sim` with a scenario file and reads the
// environment it prints. The simulator accepts Maskinporten grants signed
// with the client key it keeps in --key-dir.
func (b *bench) startSim(label, scenario string, requestLog int) (*sim, error) {
	keyDir := filepath.Join(b.work, label+"-key")
	if err := os.MkdirAll(keyDir, 0o700); err != nil {
		return nil, err
	}
	args := []string{"sim", "--addr", "127.0.0.1:0", "--scenario", scenario, "--seed", "1", "--key-dir", keyDir}
	if requestLog > 0 {
		args = append(args, "--request-log", fmt.Sprint(requestLog))
	}
	p, out, err := b.start(label, "", nil, args...)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		env[k] = v
		if k == "POSTVAKT_SIM_URL" {
			break
		}
	}
	go io.Copy(io.Discard, out) //nolint:errcheck // nothing more is needed
	if env["POSTVAKT_SIM_URL"] == "" {
		p.stop()
		return nil, fmt.Errorf("the simulator printed no environment (see %s)", filepath.Join(b.work, "logs", label+".log"))
	}
	env["POSTVAKT_MASKINPORTEN_KEY_FILE"] = filepath.Join(keyDir, "maskinporten.pem")
	return &sim{proc: p, env: env}, nil
}

// simulate writes scenario to <name>.yaml in the work folder, starts the
// simulator on it (sim-<name>, requestLog as startSim takes it) and
// downloads its letters to <name>.csv, the file postvakt imports. The
// caller stops the simulator.
func (b *bench) simulate(name, scenario string, requestLog int) (*sim, string, error) {
	scen := filepath.Join(b.work, name+".yaml")
	if err := os.WriteFile(scen, []byte(scenario), 0o644); err != nil {
		return nil, "", err
	}
	s, err := b.startSim("sim-"+name, scen, requestLog)
	if err != nil {
		return nil, "", err
	}
	csvPath := filepath.Join(b.work, name+".csv")
	if err := download(s.env["POSTVAKT_SIM_URL"]+"/shipments.csv", csvPath); err != nil {
		s.stop()
		return nil, "", err
	}
	return s, csvPath, nil
}

// svarutEnv is the environment that points postvakt at the simulator's
// SvarUt only (no Altinn, print or notifications).
func (s *sim) svarutEnv(db string) []string {
	var out []string
	for k, v := range s.env {
		switch {
		case strings.HasPrefix(k, "POSTVAKT_SVARUT_"), strings.HasPrefix(k, "POSTVAKT_MASKINPORTEN_"):
			out = append(out, k+"="+v)
		}
	}
	return append(out, "DATABASE_URL="+db)
}

// download saves url to path.
func download(u, path string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
