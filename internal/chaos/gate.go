package chaos

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// sendGate lands kills in the middle of a send. Random kill moments mostly
// miss them: a replica's first print and escalation runs come two seconds
// after its start, later than most kills. Armed, the gate holds the
// simulator's answer to the next print order or Notifications order (the
// simulator has taken the order already) and hands the send to the kill
// loop, which kills the replica that sent it either before the answer
// reaches it (the provider has the order, postvakt never learns its id) or
// just after (postvakt is recording it).
type sendGate struct {
	mu    sync.Mutex
	armed chan *heldSend
}

// heldSend is a send whose answer the gate holds until release is closed.
type heldSend struct {
	proc    *process // the replica that sent it
	what    string
	status  int // the simulator's answer
	release chan struct{}
}

// arm makes the gate hold the next send; it is handed over on the channel.
func (g *sendGate) arm() chan *heldSend {
	ch := make(chan *heldSend, 1)
	g.mu.Lock()
	g.armed = ch
	g.mu.Unlock()
	return ch
}

// disarm ends an arming that got no send in time; a send the gate took
// meanwhile is returned (its answer is on its way from the simulator).
func (g *sendGate) disarm(ch chan *heldSend) *heldSend {
	g.mu.Lock()
	taken := g.armed != ch
	if !taken {
		g.armed = nil
	}
	g.mu.Unlock()
	if !taken {
		return nil
	}
	return <-ch
}

// sendOf names the send a request is: a print order or a Notifications
// order placed; "" for any other request.
func sendOf(r *http.Request) string {
	if r.Method != http.MethodPost {
		return ""
	}
	switch {
	case r.URL.Path == "/print/v1/orders":
		return "a print order"
	case strings.HasSuffix(r.URL.Path, "/notifications/api/v1/future/orders"):
		return "a Notifications order"
	}
	return ""
}

// wrap is the simulator as replica p sees it (each replica has its own
// listener, so a held send names the replica that sent it); it notes
// when p last polled.
func (g *sendGate) wrap(p *process, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/forsendelser/status") {
			p.lastPoll.Store(time.Now().UnixNano())
		}
		var ch chan *heldSend
		what := sendOf(r)
		if what != "" {
			g.mu.Lock()
			ch, g.armed = g.armed, nil
			g.mu.Unlock()
		}
		if ch == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		h := &heldSend{proc: p, what: what, status: rec.Code, release: make(chan struct{})}
		ch <- h
		<-h.release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
