package remind

import (
	"net"
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
