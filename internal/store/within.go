package store

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// PanicError is a panic in a call run by Within or in a transaction's
// function (inTx), as that call's error: the panic's value and the stack
// where it was recovered, both in its message, so that the caller's log
// line (key "error") says where it happened. In Within's goroutine no
// caller's recover could reach it and it ended the process (serve, with
// every job and request in it); in a transaction it left the transaction
// open, holding its locks and its connection.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v\n%s", p.Value, p.Stack) }

// recovered, deferred, sets *err to a panic under way as a *PanicError.
func recovered(err *error) {
	if v := recover(); v != nil {
		*err = &PanicError{Value: v, Stack: debug.Stack()}
	}
}

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
//
// A panic in fn is its error, a *PanicError.
func Within[T any](ctx context.Context, d time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // fn's send never blocks once nobody waits
	go func() {
		var r result
		defer func() { done <- r }()
		defer recovered(&r.err)
		r.v, r.err = fn(ctx)
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
