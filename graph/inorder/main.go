// Command inorder rewrites gqlgen's generated marshallers of the lists it is given so
// that they marshal their elements in order on the calling goroutine (graph's
// marshalInOrder) instead of a goroutine per element (graphql.MarshalSliceConcurrently,
// which gqlgen v0.17 emits for every list of objects and no option turns off). It runs
// after gqlgen in go generate (graph/resolver.go), so the committed generated.go is
// what go generate writes; it fails when a list's marshaller is not found as expected,
// e.g. after a gqlgen upgrade changed its shape.
//
//	go run ./inorder -file generated.go LaborDemandEdge ...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
)

const concurrent = "graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, "

func main() {
	file := flag.String("file", "generated.go", "gqlgen's generated executor")
	flag.Parse()
	if err := rewrite(*file, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "inorder:", err)
		os.Exit(1)
	}
}

func rewrite(file string, types []string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, t := range types {
		// The marshaller of a non-null list of non-null T: marshalN<T>2ᚕ…ᚄ.
		head := []byte("func (ec *executionContext) marshalN" + t + "2ᚕ")
		if n := bytes.Count(src, head); n != 1 {
			return fmt.Errorf("%s: %d list marshallers of %s, want 1", file, n, t)
		}
		start := bytes.Index(src, head)
		end := start + len(head) + bytes.Index(src[start+len(head):], []byte("\nfunc "))
		body := src[start:end]
		if n := bytes.Count(body, []byte(concurrent)); n != 1 {
			return fmt.Errorf("%s: the list marshaller of %s calls MarshalSliceConcurrently %d times, want 1", file, t, n)
		}
		body = bytes.Replace(body, []byte(concurrent), []byte("marshalInOrder(ctx, len(v), "), 1)
		src = append(src[:start:start], append(body, src[end:]...)...)
	}
	out, err := format.Source(src)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}
