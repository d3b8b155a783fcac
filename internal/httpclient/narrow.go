package httpclient

import "context"

type narrowingKey struct{}

// Narrowing marks ctx as narrowing down a failing batch: the caller splits
// a batch call that failed as a whole into smaller calls to find the ids
// that make it fail. Calls made with such a context are retried at most
// once (the whole batch was already retried), and their failures do not
// count toward opening the circuit breaker: a part of a batch failing again
// is expected and says nothing new about the service's health. Successes
// still count, and an open breaker still refuses them.
func Narrowing(ctx context.Context) context.Context {
	return context.WithValue(ctx, narrowingKey{}, true)
}

func isNarrowing(ctx context.Context) bool {
	v, _ := ctx.Value(narrowingKey{}).(bool)
	return v
}
