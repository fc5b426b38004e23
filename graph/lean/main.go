// Command lean rewrites parts of gqlgen's generated executor that cost a request
// more than the work they stand for, with the helpers of graph/lean.go. It runs after
// gqlgen in go generate (graph/resolver.go), so the committed generated.go is what go
// generate writes, and it fails when what it rewrites is not found in the shape it
// expects, e.g. after a gqlgen upgrade.
//
//	go run ./lean -file generated.go LaborDemandEdge ...
//
// Three rewrites, each measured on Q1 (BENCHMARKS.md, "Q1 without a goroutine per
// edge" and "Plain fields without a field context"):
//
//   - The marshallers of the lists named on the command line marshal their elements
//     in order on the calling goroutine (marshalInOrder) instead of a goroutine per
//     element (graphql.MarshalSliceConcurrently, which gqlgen v0.17 emits for every
//     list of objects and no option turns off).
//   - A plain field, one whose value is read from the object (a struct field or a
//     method without error, no resolver, no directive) and marshalled as a built-in
//     scalar, is marshalled directly: gqlgen would build it a field context, a
//     context, three closures and an interface value, only to find a string.
//     Field middleware (handler.Server.AroundFields) does not see those fields:
//     laborx registers none (internal/server wraps root fields only).
//   - An object's @defer group is built only when one of its fields is deferred
//     (deferredGroup), and its fields are written without the map gqlgen keeps per
//     object against repeated keys, which CollectFields has already merged
//     (fieldValues).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"regexp"
)

func main() {
	file := flag.String("file", "generated.go", "gqlgen's generated executor")
	flag.Parse()
	if err := rewrite(*file, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "lean:", err)
		os.Exit(1)
	}
}

func rewrite(file string, lists []string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, t := range lists {
		if src, err = inOrder(src, t); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	if src, err = plainFields(src); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if src, err = objects(src); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	out, err := format.Source(src)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

const concurrent = "graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, "

// inOrder points the marshaller of a non-null list of non-null t
// (marshalN<t>2ᚕ…ᚄ) at marshalInOrder.
func inOrder(src []byte, t string) ([]byte, error) {
	head := []byte("func (ec *executionContext) marshalN" + t + "2ᚕ")
	if n := bytes.Count(src, head); n != 1 {
		return nil, fmt.Errorf("%d list marshallers of %s, want 1", n, t)
	}
	start := bytes.Index(src, head)
	end := start + len(head) + bytes.Index(src[start+len(head):], []byte("\nfunc "))
	body := src[start:end]
	if n := bytes.Count(body, []byte(concurrent)); n != 1 {
		return nil, fmt.Errorf("the list marshaller of %s calls MarshalSliceConcurrently %d times, want 1", t, n)
	}
	body = bytes.Replace(body, []byte(concurrent), []byte("marshalInOrder(ctx, len(v), "), 1)
	return append(src[:start:start], append(body, src[end:]...)...), nil
}

// plainField is gqlgen's executor (group 1) of a field of an object of type group 2,
// read from it (group 3: obj.F or obj.F()) without middleware and marshalled by
// group 4.
var plainField = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_\w+)\(ctx context\.Context, field graphql\.CollectedField, obj ([^)]+)\) \(ret graphql\.Marshaler\) \{
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.fieldContext_\w+\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return (obj\.\w+(?:\(\))?), nil
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v \S+\) graphql\.Marshaler \{
			return ec\.(marshal\S+)\(ctx, selections, v\)
		\},
		true,
		(?:true|false),
	\)
\}
`)

// builtin is the marshallers of the built-in scalars gqlgen generates: none of them
// fails or reads its field context, so they need none.
var builtin = regexp.MustCompile(`^marshal[NO](String|ID|Int|Int64|Boolean|Float)2ᚖ?(string|int|int64|bool|float64)$`)

// plainFields rewrites every plain field marshalled as a built-in scalar into a
// direct call of its marshaller. It fails when it finds none, the sign that gqlgen
// changed the shape it writes them in.
func plainFields(src []byte) ([]byte, error) {
	n := 0
	out := plainField.ReplaceAllFunc(src, func(m []byte) []byte {
		g := plainField.FindSubmatch(m)
		if !builtin.Match(g[4]) {
			return m
		}
		n++
		return fmt.Appendf(nil, "func (ec *executionContext) %s(ctx context.Context, field graphql.CollectedField, obj %s) graphql.Marshaler {\n\treturn ec.%s(ctx, field.Selections, %s) // lean: a plain field\n}\n",
			g[1], g[2], g[4], g[3])
	})
	if n == 0 {
		return nil, fmt.Errorf("no plain field found: has gqlgen changed how it writes field executors?")
	}
	return out, nil
}

const (
	newDeferred  = "\tdeferred := graphql.NewDeferredGroup(ctx)\n"
	leanDeferred = "\tdeferred := deferredGroup(ctx, fields)\n"
	returnOut    = "\n\treturn out\n}\n"
	returnValues = "\n\treturn fieldValues{fields, out.Values}\n}\n"
)

// objectHead is the start of an object's executor, the root types (no obj) aside:
// the executor returns its field set to the root, which may add to it.
var objectHead = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _\w+\(ctx context\.Context, sel ast\.SelectionSet, obj [^)]+\) graphql\.Marshaler \{
	fields := graphql\.CollectFields\(`)

// objects builds each object's @defer group only when needed and writes its fields
// with fieldValues.
func objects(src []byte) ([]byte, error) {
	heads := objectHead.FindAllIndex(src, -1)
	if len(heads) == 0 {
		return nil, fmt.Errorf("no object executor found: has gqlgen changed how it writes them?")
	}
	var out []byte
	last := 0
	for _, h := range heads {
		end := h[0] + bytes.Index(src[h[0]:], []byte("\n}\n")) + len("\n}\n")
		body := src[h[0]:end]
		if bytes.Count(body, []byte(newDeferred)) != 1 || !bytes.HasSuffix(body, []byte(returnOut)) {
			return nil, fmt.Errorf("object executor at byte %d: no single %q or no final %q", h[0], newDeferred, returnOut)
		}
		body = bytes.Replace(body, []byte(newDeferred), []byte(leanDeferred), 1)
		body = append(body[:len(body)-len(returnOut):len(body)-len(returnOut)], returnValues...)
		out = append(append(out, src[last:h[0]]...), body...)
		last = end
	}
	return append(out, src[last:]...), nil
}
