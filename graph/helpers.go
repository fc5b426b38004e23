package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/laborx/laborx/graph/model"
	"github.com/laborx/laborx/internal/exchange"
)

// userErrors sorts a service error into what a mutation payload reports. Validation and
// business-rule failures become userErrors; refusals of access (FORBIDDEN, NOT_FOUND)
// are reported in errors[] as well, where GitHub-style clients look for them; anything
// else is a top-level error (UNAUTHENTICATED, or INTERNAL with nothing leaked).
func userErrors(ctx context.Context, err error) ([]*exchange.Error, error) {
	if err == nil {
		return []*exchange.Error{}, nil
	}
	if exchange.ErrorCode(err) == exchange.CodeUnauthenticated {
		return nil, err
	}
	errs := exchange.AsErrors(err)
	if errs == nil {
		return nil, err
	}
	out := make([]*exchange.Error, len(errs))
	for i, e := range errs {
		if e.Code == exchange.CodeForbidden || e.Code == exchange.CodeNotFound {
			graphql.AddError(ctx, e)
		}
		out[i] = underInput(e)
	}
	return out, nil
}

// underInput returns e with its field path under the mutation's "input" argument: the
// services name fields relative to the domain input they were given.
func underInput(e *exchange.Error) *exchange.Error {
	if len(e.Field) == 0 {
		return e
	}
	c := *e
	c.Field = append([]string{"input"}, e.Field...)
	return &c
}

// pageArgs validates connection arguments and notes whether the client selected
// totalCount, which costs a count query.
func pageArgs(ctx context.Context, first *int, after *string) (exchange.PageArgs, error) {
	withTotal := slices.Contains(graphql.CollectAllFields(ctx), "totalCount")
	args, err := exchange.CheckPageArgs(first, after, withTotal)
	args.NoCursors = !cursorSelected(ctx)
	return args, err
}

// cursorSelected says whether the connection being resolved selects a cursor: an
// edge's, or the page's first or last.
func cursorSelected(ctx context.Context) bool {
	edge := strings.Split(selectedFields(ctx, "edges"), ",")
	page := strings.Split(selectedFields(ctx, "pageInfo"), ",")
	return slices.Contains(edge, "cursor") || slices.Contains(page, "startCursor") || slices.Contains(page, "endCursor")
}

func pageInfo[T any](p *exchange.Page[T]) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPrevious}
	if n := len(p.Cursors); n > 0 {
		pi.StartCursor, pi.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return pi
}

// edges maps a page's items to connection edges.
func edges[T, E any](p *exchange.Page[T], edge func(cursor string, node T) E) []E {
	out := make([]E, len(p.Items))
	for i, item := range p.Items {
		out[i] = edge(p.Cursors[i], item)
	}
	return out
}

// province looks a province up in the reference data; the codes come from the database,
// whose foreign keys guarantee they exist.
func (r *Resolver) province(code string) (*exchange.Province, error) {
	p, ok := r.Catalog.Province(code)
	if !ok {
		return nil, fmt.Errorf("province %q missing from the catalog", code)
	}
	return p, nil
}

// provinces looks up each code, in order.
func (r *Resolver) provinces(codes []string) ([]*exchange.Province, error) {
	out := make([]*exchange.Province, 0, len(codes))
	for _, c := range codes {
		p, err := r.province(c)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (r *Resolver) occupation(code string) (*exchange.Occupation, error) {
	o, ok := r.Catalog.Occupation(code)
	if !ok {
		return nil, fmt.Errorf("occupation %q missing from the catalog", code)
	}
	return o, nil
}

// hidden turns a linked object the caller may not see (absent from a batch load) into
// null: the link exists, but revealing whether it does is not the caller's to know.
func hidden[T any](v *T, err error) (*T, error) {
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}
