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

// TestFieldValues: an object's fields are written in order, a repeated key once (its
// first value), as FieldSet.MarshalGQL writes them.
func TestFieldValues(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias}}
	}
	f := fieldValues{
		fields: []graphql.CollectedField{field("id"), field("title"), field("id"), field("n")},
		values: []graphql.Marshaler{graphql.MarshalString("a"), graphql.MarshalString("b\"c"), graphql.MarshalString("x"), graphql.Null},
	}
	var b bytes.Buffer
	f.MarshalGQL(&b)
	if want := `{"id":"a","title":"b\"c","n":null}`; b.String() != want {
		t.Errorf("marshalled %s, want %s", b.String(), want)
	}
	b.Reset()
	fieldValues{}.MarshalGQL(&b)
	if b.String() != "{}" {
		t.Errorf("no fields marshalled %s, want {}", b.String())
	}
}

// TestDeferredGroup: an object gets a real @defer group only when one of its fields
// is deferred, and the zero group otherwise.
func TestDeferredGroup(t *testing.T) {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "node"}}})
	plain := []graphql.CollectedField{{Field: &ast.Field{Alias: "id"}}}
	if g := deferredGroup(ctx, plain); g.FieldSet != nil || g.Defers != nil {
		t.Errorf("no deferred field: group %+v, want the zero group", g)
	}
	deferred := append(plain, graphql.CollectedField{Field: &ast.Field{Alias: "slow"}, Deferrables: []*graphql.Deferrable{{Label: "l"}}})
	if g := deferredGroup(ctx, deferred); g.FieldSet == nil || g.Defers == nil || g.Path.String() != "node" {
		t.Errorf("a deferred field: group %+v, want one at node", g)
	}
}
