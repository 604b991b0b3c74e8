package application

import "context"

type requestIDKey struct{}

// WithRequestID tags ctx with the id of the request being served. Inbound adapters
// set it, and the logger adds it to every line logged with that ctx, so everything
// one request caused (in any adapter) can be found together.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id carried by ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
