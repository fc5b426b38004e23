package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestMarshalInOrder: the elements are marshalled in order, each under a field
// context with its own index, and a panicking element is null with an error at its
// path while the others are kept, as graphql.MarshalSliceConcurrently does.
func TestMarshalInOrder(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "edges"}}})
	var order []int
	ret := marshalInOrder(ctx, 3, func(ctx context.Context, i int) graphql.Marshaler {
		order = append(order, i)
		if got := *graphql.GetFieldContext(ctx).Index; got != i {
			t.Errorf("element %d: field context index %d", i, got)
		}
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("order %v, want [0 1 2]", order)
	}
	var b bytes.Buffer
	ret.MarshalGQL(&b)
	if b.String() != "[0,null,2]" {
		t.Errorf("marshalled %s, want [0,null,2]", b.String())
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Path.String() != "edges[1]" {
		t.Fatalf("errors %v, want one at edges[1]", errs)
	}
}
