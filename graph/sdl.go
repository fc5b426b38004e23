package graph

// After gqlgen (resolver.go), write the merged SDL that integrators and the schema
// compatibility check of .ci/run read.
//go:generate go run ../cmd/laborx schema -o ../schema.graphql
