package digitalpost

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/httpfake"
)

// TestPanicInALookupIsTheLettersError: a panic in a letter's lookup (its
// own goroutine) is that letter's error, not the end of the process the
// poll job runs in.
func TestPanicInALookupIsTheLettersError(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet}, httpfake.Panicking{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Status(context.Background(), []string{"0b6d3c5e-1f2a-4b3c-8d4e-000000000000"})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("status error %v, want the panic", err)
	}
}
