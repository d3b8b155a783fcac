// Package mailpittest runs a real SMTP server for tests: mailpit, on free
// loopback ports, with its HTTP API to read back what was sent. The binary
// comes from MAILPIT_BIN (scripts/test.sh exports it after running
// scripts/mailpit.sh); without it the tests run scripts/mailpit.sh
// themselves, and fail — never skip — when that does not work.
package mailpittest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvBin names the environment variable with the mailpit binary's path.
const EnvBin = "MAILPIT_BIN"

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary returns the mailpit binary: MAILPIT_BIN, else what
// scripts/mailpit.sh builds (once per test process).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvBin); p != "" {
		return p
	}
	binOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			binErr = err
			return
		}
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "mailpit.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			binErr = fmt.Errorf("scripts/mailpit.sh: %v\n%s", err, stderr.String())
			return
		}
		binPath = strings.TrimSpace(string(out))
	})
	if binErr != nil {
		t.Fatalf("mailpit (the test SMTP server) is not available: %v\n"+
			"run the tests with `make test`, or set %s to a mailpit binary (scripts/mailpit.sh builds one)", binErr, EnvBin)
	}
	return binPath
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "mailpit.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("scripts/mailpit.sh not found above the test's directory")
		}
		dir = parent
	}
}

// Server is a running mailpit.
type Server struct {
	SMTPAddr string // host:port of the SMTP server
	API      string // base URL of the HTTP API, e.g. http://127.0.0.1:40123
	cmd      *exec.Cmd
	done     chan struct{}
	log      *bytes.Buffer
	mu       sync.Mutex
}

// Start runs mailpit on free loopback ports until the test ends. Extra
// arguments go to mailpit (e.g. "--enable-chaos", TLS and auth files).
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		s, err := start(t, bin, args)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		lastErr = err
	}
	t.Fatalf("start mailpit %s (set %s, or unset it to build one with scripts/mailpit.sh): %v", bin, EnvBin, lastErr)
	return nil
}

func start(t testing.TB, bin string, extra []string) (*Server, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		SMTPAddr: fmt.Sprintf("127.0.0.1:%d", smtpPort),
		API:      fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		done:     make(chan struct{}),
		log:      &bytes.Buffer{},
	}
	args := append([]string{
		"--smtp", s.SMTPAddr, "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(dbDir(t), "mailpit.db"),
		"--max", "0", "--disable-version-check", "--smtp-disable-rdns", "--quiet",
	}, extra...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.logWriter(), s.logWriter()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("mailpit exited at start: %s", s.output())
		default:
		}
		if s.ready() {
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("mailpit did not answer within 30s: %s", s.output())
}

func (s *Server) ready() bool {
	resp, err := http.Get(s.API + "/api/v1/info")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", s.SMTPAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

type lockedWriter struct{ s *Server }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.log.Write(p)
}

func (s *Server) logWriter() io.Writer { return lockedWriter{s} }

func (s *Server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Stop ends mailpit (an SMTP server that went away); safe to call twice.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// dbDir is where mailpit keeps its SQLite database: in memory (/dev/shm)
// when the machine has it, which makes every message several times faster
// to store and read, else the test's temporary directory.
func dbDir(t testing.TB) string {
	if dir, err := os.MkdirTemp("/dev/shm", "mailpittest-"); err == nil {
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return t.TempDir()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Address is a mail address as the API gives it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is a received message as the API lists it, with its raw source
// and its decoded text body.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	Subject   string    `json:"Subject"`
	Created   time.Time `json:"Created"`
	Raw       string    `json:"-"` // the message as received (headers and encoded body)
	Text      string    `json:"-"` // the body, transfer encoding (and a flowed body's space-stuffing) undone
}

// Messages returns every message received, oldest first, with its raw
// source (GET /api/v1/messages, then /api/v1/message/{ID}/raw each).
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	var all []Message
	for start := 0; ; {
		var page struct {
			Total    int       `json:"total"`
			Messages []Message `json:"messages"`
		}
		s.getJSON(t, fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page)
		all = append(all, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			break
		}
	}
	out := make([]Message, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- { // the API lists newest first
		m := all[i]
		m.Raw = string(s.get(t, "/api/v1/message/"+url.PathEscape(m.ID)+"/raw"))
		m.Text = decodeBody(t, m.Raw)
		out = append(out, m)
	}
	return out
}

// decodeBody returns the body of a single-part message, quoted-printable
// or base64 transfer encoding undone.
func decodeBody(t testing.TB, raw string) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("mailpit returned a message that does not parse: %v", err)
	}
	var r io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode message body: %v", err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	if _, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type")); err == nil && strings.EqualFold(params["format"], "flowed") {
		text = Unstuffed(text)
	}
	return text
}

// Unstuffed undoes a format=flowed body's space-stuffing (RFC 3676 4.4):
// one leading space off every line that has one. Soft breaks (lines
// ending in a space) stay: the text is line for line as composed.
func Unstuffed(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, " ")
	}
	return strings.Join(lines, "\n")
}

// Reflowed is a format=flowed text as a reader that reflows shows it
// (RFC 3676 4.2, DelSp=no): each line that ends in a space joined with the
// next, so a paragraph is one line, to be filled to the screen's width.
func Reflowed(text string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		if strings.HasSuffix(l, " \n") && l != "-- \n" { // "-- " is a signature separator
			l = strings.TrimSuffix(l, "\n")
		}
		b.WriteString(l)
	}
	return b.String()
}

// DeleteAll removes every received message.
func (s *Server) DeleteAll(t testing.TB) {
	t.Helper()
	s.do(t, http.MethodDelete, "/api/v1/messages", nil)
}

// SetChaos makes the SMTP server refuse every RCPT TO with the given reply
// code (e.g. 451, a temporary failure); 0 turns it off. mailpit must run
// with --enable-chaos.
func (s *Server) SetChaos(t testing.TB, code int) {
	t.Helper()
	body := `{}`
	if code != 0 {
		body = fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":100}}`, code)
	}
	s.do(t, http.MethodPut, "/api/v1/chaos", strings.NewReader(body))
}

func (s *Server) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(s.get(t, path), v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

func (s *Server) get(t testing.TB, path string) []byte {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil)
}

func (s *Server) do(t testing.TB, method, path string, body io.Reader) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.API+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s %s: %d %s %v", method, path, resp.StatusCode, b, err)
	}
	return b
}
