package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
)

// worker loads a worker through the request's loader, whose fetcher checks the caller's
// rights and audits the read with the fields the client selected here. A worker the
// caller may not see is NOT_FOUND.
// under names the subfield that holds the worker when the current field does not
// (a mutation payload's "worker").
func (r *Resolver) worker(ctx context.Context, id uuid.UUID, under ...string) (*exchange.Worker, error) {
	w, err := loader.For(ctx).Worker.Load(ctx, workerRead(ctx, id, under...))
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, exchange.Errorf(exchange.CodeNotFound, "no worker has this ID")
	}
	return w, err
}

// workerRead is the loader key of a read of worker id through the field under the
// current one (under, or the current field itself): the fields selected there, its
// path and the operation's name. A list that prefetches its workers asks with the key
// each row's resolver will ask with, so every read is one batch and one audit entry.
func workerRead(ctx context.Context, id uuid.UUID, under ...string) exchange.WorkerRead {
	return exchange.WorkerRead{ID: id, Fields: selectedFields(ctx, under...), Purpose: fieldPath(ctx, under...),
		Operation: operationName(ctx)}
}

// operationName is the name the client gave its operation, or "".
func operationName(ctx context.Context) string {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			return op.Name
		}
	}
	return ""
}

// fieldPath is the path of field names (not the client's aliases; list indexes left
// out) from the operation's root to the current field and its subfields under:
// "referrals.edges.node.worker". It is the purpose of a read in the access log.
func fieldPath(ctx context.Context, under ...string) string {
	var names []string
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index == nil && fc.Field.Field != nil {
			names = append(names, fc.Field.Name)
		}
	}
	slices.Reverse(names)
	return strings.Join(append(names, under...), ".")
}

// selectedFields lists the fields selected under the current field (or under its
// subfield path), sorted and comma-separated, for the audit trail of personal data reads.
func selectedFields(ctx context.Context, path ...string) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return ""
	}
	op := graphql.GetOperationContext(ctx)
	sel := fc.Field.Selections
	for _, name := range path {
		var next ast.SelectionSet
		for _, f := range graphql.CollectFields(op, sel, nil) {
			if f.Name == name {
				next = append(next, f.Selections...)
			}
		}
		sel = next
	}
	var fields []string
	for _, f := range graphql.CollectFields(op, sel, nil) {
		if f.Name != "__typename" && !slices.Contains(fields, f.Name) {
			fields = append(fields, f.Name)
		}
	}
	slices.Sort(fields)
	return strings.Join(fields, ",")
}
