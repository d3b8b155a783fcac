package web_test

import (
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/web"
)

// TestReadyStopping: once the process begins to stop (WithStopping's
// channel closed), /readyz answers 503 "stopping" with the database fine,
// while /healthz and the other routes still answer.
func TestReadyStopping(t *testing.T) {
	stopping := make(chan struct{})
	e := newEnvWith(t, web.WithStopping(stopping))
	if code, body := e.get("/readyz", ""); code != http.StatusOK {
		t.Fatalf("/readyz before the stop: %d %s", code, body)
	}
	close(stopping)
	if code, body := e.get("/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, `"stopping"`) {
		t.Errorf("/readyz once stopping: %d %s, want 503 stopping", code, body)
	}
	if code, body := e.get("/healthz", ""); code != http.StatusOK {
		t.Errorf("/healthz once stopping: %d %s, want 200", code, body)
	}
	if code, _ := e.get("/login", ""); code != http.StatusOK {
		t.Errorf("/login once stopping: %d, want 200", code)
	}
}
