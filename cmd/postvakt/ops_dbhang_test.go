package main_test

import (
	"cmp"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// freezer is a TCP front for PostgreSQL's socket that can stop answering
// (a database host that hangs, a partition that drops packets): the
// connections stay open and nothing comes back while it is frozen.
type freezer struct {
	ln     net.Listener
	frozen atomic.Bool
}

func newFreezer(t *testing.T, socket string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln}
	hold := func() {
		for f.frozen.Load() {
			time.Sleep(50 * time.Millisecond) // held, never forwarded while frozen
		}
	}
	pipe := func(dst, src net.Conn) {
		defer dst.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			hold()
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				hold()
				pg, err := net.Dial("unix", socket)
				if err != nil {
					c.Close()
					return
				}
				go pipe(pg, c)
				pipe(c, pg)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.frozen.Store(false) // let what waits go
	})
	return f
}

// TestOpsAndMetricsWhileDatabaseHangs: a database that stops answering
// (connections open, no reply), rather than refusing connections, must not
// hang /metrics and /ops past Prometheus' default 10 s scrape timeout:
// the token's lookup gives up after a few seconds and the token the
// database confirmed stands, the collectors' reads give up after theirs
// (postvakt_database_up 0), and /ops says the database is slow.
func TestOpsAndMetricsWhileDatabaseHangs(t *testing.T) {
	db := pgtest.New(t)
	token := newToken(t, db, "prometheus", "operations")
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("host") == "" || !strings.HasPrefix(q.Get("host"), "/") {
		t.Skip("the test database is not reached over a Unix socket")
	}
	f := newFreezer(t, q.Get("host")+"/.s.PGSQL."+cmp.Or(u.Port(), "5432"))
	q.Del("host")
	u.RawQuery = q.Encode()
	u.Host = f.ln.Addr().String()
	addr, cmd, logs := startServe(t, u.String())
	defer func() {
		cmd.Process.Signal(syscall.SIGKILL) // a replica whose database hangs stops only by its grace
		cmd.Wait()
	}()
	// The token confirmed by the database (/ops reads no cached figures:
	// /metrics' collectors then read afresh once it hangs).
	if code, _ := getWithToken(t, addr, token, "/ops"); code != 200 {
		t.Fatalf("/ops with the database up: %d", code)
	}
	f.frozen.Store(true)
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct{ path, want string }{
		{"/metrics", "postvakt_database_up 0"},
		{"/ops", `id="ops-unread"`},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://"+addr+tc.path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s while the database hangs: no answer in %s (%v); want 200 showing the outage\n%s",
					tc.path, time.Since(start).Round(time.Millisecond), err, tail(logs.String(), 5))
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) {
				t.Errorf("%s while the database hangs: %d after %s, want 200 with %q\n%.400s", tc.path, resp.StatusCode,
					time.Since(start).Round(time.Millisecond), tc.want, b)
			}
		})
	}
}
