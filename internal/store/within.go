package store

import (
	"context"
	"fmt"
	"time"
)

// Within runs fn with a context that ends after d (or with ctx) and
// returns when fn does or when that context ends, whichever comes first:
// then with the context's error (context.DeadlineExceeded), wrapped.
//
// A context that ends does not end a call the database does not answer:
// lib/pq then sends a cancel request over a new connection, which a
// database that hangs (connections open, no reply: a frozen host, a
// partition that drops packets) does not answer either, and the call
// waits on its socket for as long as the hang lasts. Whatever must answer
// during such an outage — the ping and figures of /metrics and /ops, the
// credential lookup in front of them, /readyz — reads through Within: it
// stops waiting, and fn goes on in the background until the database
// answers or the connection breaks (the driver then discards the
// connection; a pool's size bounds how many can wait so).
func Within[T any](ctx context.Context, d time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // fn's send never blocks once nobody waits
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // fn answered as the time ran out
			return r.v, r.err
		default:
		}
		var zero T
		return zero, fmt.Errorf("no answer from the database within %s: %w", d, ctx.Err())
	}
}

// WithinDo is Within for a call that returns only an error (Ping).
func WithinDo(ctx context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	_, err := Within(ctx, d, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return err
}
