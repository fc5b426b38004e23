package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// The committed schema.graphql is what `laborx schema` prints.
func TestSchemaCommittedIsCurrent(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"schema"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), committed) {
		t.Fatal("schema.graphql is stale: run `go generate ./graph` and commit it")
	}
	for _, want := range []string{"type Query {", "type Mutation {", "type Subscription {", "scalar Int64", "marketBalance("} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the SDL lacks %q", want)
		}
	}
}
