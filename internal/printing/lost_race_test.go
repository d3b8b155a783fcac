package printing_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"postvakt/internal/printing"
	"postvakt/internal/store"
)

// TestLateLostAnswerAfterOrderFound: two replicas. Replica A claims an
// order whose 404s have run for printing.OrderLostAfter and gets one more
// 404, then is slow (its lease runs out before it records the answer);
// replica B claims the order again and the provider knows it (200). A's
// late answer must not send the letter to manual handling as lost: the
// run of 404s it judged was ended by B's answer. Before the fix
// ApplyPrintStatus ended the order failed (print_lost) whatever the row
// said since the claim.
func TestLateLostAnswerAfterOrderFound(t *testing.T) {
	w := newLostWorld(t, 2)
	// The lost order is the one claimed first (due_at ties: by shipment id).
	lost, kept := 0, 1
	if w.ids[1] < w.ids[0] {
		lost, kept = 1, 0
	}
	w.forget(lost)
	w.poll(w.t0.Add(time.Hour)) // the first 404: its window begins
	w.want("one 404", lost, store.PrintStateReceived, "")

	// Replica A: its first request (the lost order's GET) answers 404, its
	// second (the kept order's) waits until replica B is done.
	var mu sync.Mutex
	first := -1
	blocked, release := make(chan struct{}), make(chan struct{})
	w.srv.Script(func(rw http.ResponseWriter, n int) bool {
		mu.Lock()
		if first < 0 {
			first = n
		}
		second := n == first+1
		mu.Unlock()
		if second {
			close(blocked)
			<-release
		}
		return false
	})
	tA := w.t0.Add(time.Hour + printing.OrderLostAfter + time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := w.svc.PollStatus(w.ctx, tA)
		done <- err
	}()
	select {
	case <-blocked:
	case err := <-done:
		t.Fatalf("replica A's run ended before its second request: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("replica A never asked about its second order")
	}
	// Replica B, once A's lease is over: the provider knows the order again.
	w.srv.Script(nil)
	w.know(lost)
	if _, err := w.svc.PollStatus(w.ctx, tA.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.want("found by replica B", lost, store.PrintStateReceived, "")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.want("replica A's late 404 after B found the order", lost, store.PrintStateReceived, "")
	w.want("known throughout", kept, store.PrintStateReceived, "")
}
