package web_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// chrome drives a headless Chromium over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on fd 3, answers on fd 4, each message
// JSON ended by a NUL byte). Only what the browser test needs: one page,
// navigate, evaluate JavaScript, screenshots, downloads.
type chrome struct {
	t       *testing.T
	cmd     *exec.Cmd
	w       io.WriteCloser
	mu      sync.Mutex
	next    int64
	pending map[int64]chan cdpMsg
	session string
	stderr  *lockedWriter // chromium's standard error, written while it runs
}

type cdpMsg struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// chromiumBinary finds the browser: CHROMIUM_BIN, else scripts/chromium.sh
// (which installs Debian's chromium when missing). It never skips: a
// machine without a browser fails the test.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p
	}
	script, _ := filepath.Abs("../../scripts/chromium.sh")
	out, err := exec.Command("bash", script).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("no Chromium for the browser test: %s: %v\n%s", script, err, stderr)
	}
	return strings.TrimSpace(string(out))
}

func startChrome(t *testing.T) *chrome {
	t.Helper()
	bin := chromiumBinary(t)
	c, err := launchChrome(t, bin)
	if err != nil {
		// A fresh profile's first start has been seen to give no answer for
		// over 30 s on a busy machine (chromium wrote nothing at all): one
		// more start, so a slow start is told from a browser that cannot.
		t.Logf("chromium's first start failed, starting it once more: %v", err)
		if c, err = launchChrome(t, bin); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// launchChrome starts one browser and opens its page; on failure the
// browser is stopped and the error carries its standard error.
func launchChrome(t *testing.T, bin string) (*chrome, error) {
	toBrowser, ourW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ourR, fromBrowser, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--mute-audio", "--user-data-dir="+t.TempDir(), "--remote-debugging-pipe",
		"--window-size=1280,900", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fd 3, fd 4
	c := &chrome{t: t, cmd: cmd, w: ourW, pending: map[int64]chan cdpMsg{}, stderr: &lockedWriter{b: &strings.Builder{}}}
	cmd.Stderr = c.stderr
	cmd.WaitDelay = 5 * time.Second // a helper process keeping stderr open does not hold the test
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go c.read(ourR)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = ourW.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	fail := func(err error) (*chrome, error) {
		_ = cmd.Process.Kill()
		stop()
		return nil, fmt.Errorf("%w\nchromium stderr:\n%s", err, c.stderr.String())
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.try("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return fail(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.try("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return fail(err)
	}
	c.session = attached.SessionID
	if err := c.try(c.session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return fail(err)
	}
	t.Cleanup(stop)
	return c, nil
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is what was written so far: read under the lock, as chromium may
// still be writing (a call that timed out reads it while it runs).
func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (c *chrome) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			c.mu.Lock()
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		var m cdpMsg
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil || m.ID == 0 {
			continue // an event: not used
		}
		c.mu.Lock()
		ch := c.pending[m.ID]
		delete(c.pending, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command and decodes its result into out (may be nil).
func (c *chrome) call(session, method string, params any, out any) {
	c.t.Helper()
	if err := c.try(session, method, params, out); err != nil {
		c.t.Fatalf("%v\nchromium stderr:\n%s", err, c.stderr.String())
	}
}

func (c *chrome) try(session, method string, params any, out any) error {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan cdpMsg, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	b, _ := json.Marshal(cdpMsg{ID: id, Method: method, Params: params, SessionID: session})
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("cdp %s: write: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("cdp %s: browser closed the pipe", method)
		}
		if m.Error != nil {
			return fmt.Errorf("cdp %s: %s", method, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("cdp %s: no answer in 30 s", method)
	}
}

// eval evaluates JavaScript in the page (promises awaited) and decodes the
// value into out (may be nil).
func (c *chrome) eval(js string, out any) {
	c.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	c.call(c.session, "Runtime.evaluate", map[string]any{"expression": js, "returnByValue": true, "awaitPromise": true}, &res)
	if res.ExceptionDetails != nil {
		c.t.Fatalf("javascript %q: %s %s", js, res.ExceptionDetails.Text, res.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(res.Result.Value) > 0 {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			c.t.Fatalf("javascript %q: result %s: %v", js, res.Result.Value, err)
		}
	}
}

// loads runs action (a navigation or a click that navigates) and waits
// until a new document has loaded.
func (c *chrome) loads(action func()) {
	c.t.Helper()
	c.eval(`window.__pvOld = true`, nil)
	action()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var ready bool
		if err := c.tryEval(`window.__pvOld === undefined && document.readyState === "complete"`, &ready); err == nil && ready {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	var href string
	c.eval(`location.href`, &href)
	c.t.Fatalf("no new page loaded in 20 s (at %s)", href)
}

func (c *chrome) tryEval(js string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
	}
	if err := c.try(c.session, "Runtime.evaluate", map[string]any{"expression": js, "returnByValue": true}, &res); err != nil {
		return err
	}
	return json.Unmarshal(res.Result.Value, out)
}

// navigate opens url and waits for it to load.
func (c *chrome) navigate(url string) {
	c.t.Helper()
	c.loads(func() { c.call(c.session, "Page.navigate", map[string]any{"url": url}, nil) })
}

// click clicks the element that selector finds and waits for the page it
// leads to.
func (c *chrome) click(selector string) {
	c.t.Helper()
	var found bool
	c.eval(fmt.Sprintf(`!!document.querySelector(%q)`, selector), &found)
	if !found {
		var body string
		c.eval(`document.body.innerText.slice(0, 2000)`, &body)
		c.t.Fatalf("no element %s on the page:\n%s", selector, body)
	}
	c.loads(func() { c.eval(fmt.Sprintf(`setTimeout(() => document.querySelector(%q).click(), 0)`, selector), nil) })
}

// text returns the page's visible text.
func (c *chrome) text() string {
	var s string
	c.eval(`document.body.innerText`, &s)
	return s
}

// path returns the current location's path and query.
func (c *chrome) path() string {
	var s string
	c.eval(`location.pathname + location.search`, &s)
	return s
}

// screenshot saves the whole page as a PNG.
func (c *chrome) screenshot(file string) {
	c.t.Helper()
	var m struct {
		CSSContentSize struct {
			Width, Height float64
		} `json:"cssContentSize"`
	}
	c.call(c.session, "Page.getLayoutMetrics", nil, &m)
	var shot struct {
		Data string `json:"data"`
	}
	c.call(c.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": max(m.CSSContentSize.Width, 1280), "height": min(max(m.CSSContentSize.Height, 200), 4000), "scale": 1}}, &shot)
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(b) < 1000 {
		c.t.Fatalf("screenshot %s: %d bytes, %v", file, len(b), err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// allowDownloads makes downloads land in dir.
func (c *chrome) allowDownloads(dir string) {
	c.call("", "Browser.setDownloadBehavior", map[string]any{"behavior": "allow", "downloadPath": dir}, nil)
}

// waitDownload waits for a finished download in dir and returns its path.
// Chrome may create the final name empty while it still writes the
// .crdownload beside it, so a download is finished when no .crdownload is
// left and the file is non-empty with the same size on two looks.
func (c *chrome) waitDownload(dir string) string {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := int64(-1)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		var done string
		partial := false
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".crdownload") {
				partial = true
			} else {
				done = e.Name()
			}
		}
		if done != "" && !partial {
			path := filepath.Join(dir, done)
			if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
				if fi.Size() == last {
					return path
				}
				last = fi.Size()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("no download finished in %s within 20 s", dir)
	return ""
}
