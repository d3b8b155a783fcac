package health_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// A stop (the run's context cancelled: a hard stop, Ctrl-C on a run by
// hand) that comes while the webhook post is on the wire does not cut it:
// as an alert e-mail begun, it ends by the client's own timeout, and its
// outcome is recorded. Cut, the post the receiver took was recorded
// unknown, never sent again: the webhook's notice was lost for good even
// though the receiver answered 200 a moment later.
func TestWebhookInFlightIsNotCutByAStop(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	arrived, answer := make(chan struct{}), make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		close(arrived)
		<-answer
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)
	ev := b.evaluator(io.Discard)
	ev.Notifier.Webhook.URL = hook.URL
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
		close(answer)
	}()
	_, _ = ev.Run(ctx, b.now, false) // cancelled: what it returns is the stop's
	if m, _ := b.sent(); m != 1 {
		t.Fatalf("%d alert e-mails, want 1", m)
	}
	if got := notices(t, b.st); !reflect.DeepEqual(got, map[string]int{"sent": 2}) {
		t.Fatalf("notice log %v, want both notices (e-mail and webhook) sent: the receiver took the post", got)
	}
}
