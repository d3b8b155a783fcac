package httpfake

import (
	"context"

	"postvakt/internal/httpclient"
)

// Panicking is an HTTP client whose every request panics (an answer a
// layer below the code under test did not expect): for the tests that a
// panic in a goroutine of a job is an error, not the end of the process.
type Panicking struct{}

// Do panics as a nil map written to does.
func (Panicking) Do(context.Context, httpclient.Request) (*httpclient.Response, error) {
	var m map[string]int
	m["answer"]++ // assignment to entry in nil map
	return nil, nil
}
