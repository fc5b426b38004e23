package graph

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// The helpers of ./lean, which go generate runs after gqlgen to rewrite parts of
// generated.go that cost a request more than the work they stand for (BENCHMARKS.md,
// "Q1 without a goroutine per edge" and "Plain fields without a field context").

// marshalInOrder marshals a list's elements one after the other on the calling
// goroutine. gqlgen's generated code marshals every list of objects with
// graphql.MarshalSliceConcurrently, a goroutine per element whatever the element's
// fields; ./lean points the lists named in resolver.go here instead. Those are lists
// whose elements resolve without waiting: a goroutine each only costs its start and
// the growth of its stack through the marshalling, most of a page's CPU after the
// field work itself. Each element still gets its own field context (the index in
// error paths) and a panic nulls that element only, as in MarshalSliceConcurrently.
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

// deferredGroup is graphql.NewDeferredGroup for an object only one of whose fields
// carries @defer; for the others, nearly all of them, it is the zero group, which
// holds no deferral (len(Defers) is 0) and which FieldSet.ResolveConcurrently only
// reads for a deferred field. NewDeferredGroup costs an object its path, a field
// set and a map whatever its fields.
func deferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for i := range fields {
		if fields[i].IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}

// fieldValues writes an object's fields as FieldSet.MarshalGQL does, without the map
// it allocates per object against writing a response key twice: CollectFields has
// already merged the fields of one key, so a repeat is only looked for among the
// keys before it (an object has a few dozen at most). A key is a GraphQL name
// (/[_A-Za-z][_0-9A-Za-z]*/), so it needs no escaping.
type fieldValues struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (f fieldValues) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	first := true
	for i := range f.fields {
		key := f.fields[i].Alias
		if repeated(f.fields[:i], key) {
			continue
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		io.WriteString(w, `"`)
		io.WriteString(w, key)
		io.WriteString(w, `":`)
		f.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

func repeated(before []graphql.CollectedField, key string) bool {
	for i := range before {
		if before[i].Alias == key {
			return true
		}
	}
	return false
}
