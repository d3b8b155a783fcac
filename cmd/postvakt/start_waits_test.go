package main_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMigrateWaitingForTheLockSaysSo: `postvakt migrate` (and serve, user
// add, token create) run while another session holds the migration lock
// (a replica migrating a large database, an operator's migrate left in a
// terminal) waits for it, asking twice a second, for as long as it takes;
// it said nothing at all meanwhile (review finding): the operator saw a
// command hanging with no output, an orchestrator a replica with an empty
// log. It says so once, naming the holder's pid.
func TestMigrateWaitingForTheLockSaysSo(t *testing.T) {
	db := migrated(t)
	holder := openDB(t, db)
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_lock($1)`, int64(0x706f73747661)); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "migrate")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var said []string
	deadline := time.After(10 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break wait
			}
			said = append(said, l)
			if strings.Contains(l, "waiting for the migration lock, held by pid ") {
				break wait
			}
		case <-deadline:
			break wait
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	for range lines { // the rest, until the command has ended (Wait closes the pipe)
	}
	_ = cmd.Wait()
	if len(said) == 0 || !strings.Contains(said[len(said)-1], "waiting for the migration lock, held by pid ") {
		t.Errorf("migrate waited for the migration lock another session holds; its standard error meanwhile: %q — want a line saying it waits for the lock and who holds it", said)
	}
}

// TestMissingSSLRootCertFailsAtOnce: README, Configuration, DATABASE_URL:
// "anything that waiting will not mend fails at once (a URL it cannot
// read, …, a certificate not trusted, …)". An sslrootcert file that is
// missing (or that the service's user may not read: Deploy puts the CA
// beside the root-only database-url file in /etc/postvakt) is no database
// starting up, yet the command warned "the database does not answer;
// waiting for it" and waited the full 30 s before it failed (review
// finding).
func TestMissingSSLRootCertFailsAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // a server that takes TLS: answers the SSLRequest with 'S'
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 8)
				if _, err := io.ReadFull(c, buf); err == nil {
					c.Write([]byte("S"))
					io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	url := "postgres://postvakt:secret@" + ln.Addr().String() + "/postvakt?sslmode=verify-full&sslrootcert=" + filepath.Join(t.TempDir(), "db-ca.pem")
	start := time.Now()
	_, errOut, code := runEnv(t, []string{"DATABASE_URL=" + url}, "migrate")
	if d := time.Since(start); code == 0 || d > 10*time.Second || strings.Contains(errOut, "does not answer") {
		t.Errorf("sslrootcert missing: exit %d after %s; stderr:\n%s\nwant a failure at once naming the file, not a wait for a database that does not answer", code, d.Round(time.Second), errOut)
	}
}
