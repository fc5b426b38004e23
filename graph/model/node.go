// Package model holds the GraphQL-only types gqlgen generates, plus the Node interface.
package model

// Node is any object reachable through `node(id:)`. The domain types it covers live in
// internal/exchange and cannot carry a marker method, so the interface is empty and the
// generated code switches on the concrete types.
type Node interface{}
