package altinn

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"postvakt/internal/httpfake"
)

// TestPanicInARequestIsTheCallsError: a panic in one letter's request
// (its own goroutine) is the call's error, not the end of the process the
// poll job runs in.
func TestPanicInARequestIsTheCallsError(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", ResourceID: "r", Logger: slog.New(slog.DiscardHandler)}, httpfake.Panicking{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Status(context.Background(), []string{"0b6d3c5e-1f2a-4b3c-8d4e-000000000000"})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("status error %v, want the panic", err)
	}
}
