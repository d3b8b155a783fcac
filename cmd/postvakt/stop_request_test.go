package main_test

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// TestStopCutsARequestOutlastingTheGrace: SIGTERM while one HTTP request
// is still running (a client that sent a form's headers and never its
// body; a long export is the same) ends like any graceful stop once the
// HTTP grace is over: the request is cut, the log says so and ends with
// "postvakt stopped", and the exit status is 0. It used to end with
// "shut down: context deadline exceeded" and exit 1: an ordinary deploy
// looked like a failure (systemd marks the unit failed), and the log
// lacked the line README's Stopping says only a killed stop lacks.
func TestStopCutsARequestOutlastingTheGrace(t *testing.T) {
	db := pgtest.New(t)
	addr, cmd, logs := startServe(t, db)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nuser=", addr)
	time.Sleep(time.Second) // the request is read and its handler runs, waiting for the body
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	out := logs.String()
	if code != 0 || !strings.Contains(out, "postvakt stopped") || !strings.Contains(out, "HTTP requests still running after the grace period") {
		t.Fatalf("SIGTERM with a request running past the grace: exit %d after %s; want 0, the request cut and said so, and the last line\n%s",
			code, took.Round(time.Second), tail(out, 6))
	}
}
