package remind

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
)

// listenRelay listens on addr (host:port; port 0 any free one) for a
// hand-made relay of a test, closed when the test ends.
func listenRelay(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// acceptEach serves every connection l accepts with serve, each in its
// own goroutine, until l is closed. Run it with go.
func acceptEach(l net.Listener, serve func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

// relayConn is a hand-made relay's side of one SMTP connection: the
// client's lines are read with its ReadLine and ReadDotLines, the relay's
// replies written with reply.
type relayConn struct {
	net.Conn
	*textproto.Reader
}

// reply writes one reply (lines of a multi-line one joined by "\r\n"),
// ending it with CRLF.
func (rc relayConn) reply(format string, args ...any) {
	_, _ = fmt.Fprintf(rc.Conn, format+"\r\n", args...)
}

// converse is a hand-made relay's dialogue on c: it greets the client
// with greeting, then hands each line the client sends to command, with
// the line in upper case (cmd), until the client hangs up or command
// returns false (the relay hangs up); then it closes c.
func converse(c net.Conn, greeting string, command func(rc relayConn, line, cmd string) (more bool)) {
	defer c.Close()
	rc := relayConn{c, textproto.NewReader(bufio.NewReader(c))}
	rc.reply("%s", greeting)
	for {
		line, err := rc.ReadLine()
		if err != nil {
			return
		}
		if !command(rc, line, strings.ToUpper(line)) {
			return
		}
	}
}
