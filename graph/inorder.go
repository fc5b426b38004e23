package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalInOrder marshals a list's elements one after the other on the calling
// goroutine. gqlgen's generated code marshals every list of objects with
// graphql.MarshalSliceConcurrently, a goroutine per element whatever the element's
// fields; ./inorder (run by go generate after gqlgen) points the lists named in
// resolver.go here instead. Those are lists whose elements resolve without waiting:
// a goroutine each only costs its start and the growth of its stack through the
// marshalling, most of a page's CPU after the field work itself (BENCHMARKS.md,
// "Q1 without a goroutine per edge"). Each element still gets its own field context
// (the index in error paths) and a panic nulls that element only, as in
// MarshalSliceConcurrently.
func marshalInOrder(ctx context.Context, n int, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	for i := range n {
		ret[i] = marshalElement(graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i}), i, marshal)
	}
	return ret
}

func marshalElement(ctx context.Context, i int, marshal func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshal(ctx, i)
}
