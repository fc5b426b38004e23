package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// Without --dev the schema is not introspectable. __schema, what scanners send, is
// refused as FORBIDDEN with a pointer to `laborx schema` (limits.go). __type(name:)
// answers null for every name, exactly as for a type that does not exist: it reveals
// nothing, and generic GraphQL-over-HTTP clients that probe it (the graphql-http
// audit does) get a plain answer instead of an error.
func hideTypes(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if rfc := graphql.GetRootFieldContext(ctx); rfc != nil && rfc.Field.Name == "__type" {
		return graphql.Null
	}
	return next(ctx)
}
