package chaos

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSendGateHoldsTheAnswer: armed, the gate lets the simulator take the
// next order, hands the send (with the replica that sent it) to the kill
// loop and writes the answer only once released; other requests pass
// through, and an arming no send came to ends empty.
func TestSendGateHoldsTheAnswer(t *testing.T) {
	var taken atomic.Int32
	sim := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sendOf(r) != "" {
			taken.Add(1)
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"order-1"}`)
	})
	var g sendGate
	p := &process{}
	srv := httptest.NewServer(g.wrap(p, sim))
	defer srv.Close()

	ch := g.arm()
	if resp, err := http.Get(srv.URL + "/print/v1/orders/x"); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("a status poll was held or failed: %v %v", resp, err)
	}
	answered := make(chan string, 1)
	go func() {
		resp, err := http.Post(srv.URL+"/print/v1/orders", "application/json", strings.NewReader(`{}`))
		if err != nil {
			answered <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- string(body)
	}()
	var h *heldSend
	select {
	case h = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("the print order was not handed over")
	}
	if h.proc != p || h.what != "a print order" || h.status != http.StatusCreated || taken.Load() != 1 {
		t.Fatalf("held %+v, orders taken %d", h, taken.Load())
	}
	select {
	case a := <-answered:
		t.Fatalf("answered before the release: %s", a)
	case <-time.After(100 * time.Millisecond):
	}
	close(h.release)
	if a := <-answered; a != `{"id":"order-1"}` {
		t.Fatalf("answer after the release: %q", a)
	}

	// Disarmed, sends pass through; an arming nothing came to ends empty.
	if h := g.disarm(g.arm()); h != nil {
		t.Fatalf("held without a send: %+v", h)
	}
	resp, err := http.Post(srv.URL+"/notifications/api/v1/future/orders", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("a send with the gate disarmed: %v %v", resp, err)
	}
	resp.Body.Close()
}
