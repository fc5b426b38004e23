package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/refdata"
)

// Limits bound what one query may ask for. Each is checked on the parsed document
// before validation or execution, so a refused query costs microseconds and runs no SQL.
type Limits struct {
	// MaxDepth is how deeply fields may nest (`{ a { b } }` is 2).
	MaxDepth int
	// MaxAliases is how many aliased fields one selection set may have, counting the
	// fields its fragments add.
	MaxAliases int
	// MaxCost bounds the estimated number of values a query resolves: every list field
	// multiplies its children by how many items it returns at most.
	MaxCost int
	// MaxNodes bounds the IDs of one `nodes(ids:)`.
	MaxNodes int
	// MaxQueryBytes bounds the query document (variables are not counted: CSV imports
	// travel there).
	MaxQueryBytes int
	// MaxTokens bounds the lexer's work on the document (directives, arguments, names).
	MaxTokens int
}

// DefaultLimits are the limits `laborx serve` starts with.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 12, MaxAliases: 30, MaxCost: 20000, MaxNodes: 100, MaxQueryBytes: 64 << 10, MaxTokens: 15000}
}

// defaultListSize prices a list whose length nothing bounds better: a connection's
// default page, and the histories (revisions, events, comments) of one object.
const defaultListSize = 20

// queryLimits is the gqlgen extension that enforces Limits. It runs as an
// operation-parameter mutator, after automatic persisted queries fill in the query
// and before gqlgen parses and validates it: validation itself is what a crafted
// document would make expensive.
type queryLimits struct {
	Limits
	schema *ast.Schema
	// cache is the executor's query cache: a document found there is reused instead of
	// parsed again.
	cache graphql.Cache[*ast.QueryDocument]
	sizes listSizes
	// introspection is allowed (--dev); otherwise __schema is FORBIDDEN.
	introspection bool
	logger        *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*queryLimits)(nil)

func (l *queryLimits) ExtensionName() string                          { return "QueryLimits" }
func (l *queryLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l *queryLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if len(params.Query) > l.MaxQueryBytes {
		return tooComplex("the query document is %d bytes; the limit is %d", len(params.Query), l.MaxQueryBytes)
	}
	doc, ok := l.cache.Get(ctx, params.Query)
	if !ok {
		if err := l.prescan(params.Query); err != nil {
			return err
		}
		var err error
		doc, err = parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, l.MaxTokens)
		if err != nil {
			if strings.HasPrefix(err.Error(), "exceeded token limit") {
				return tooComplex("the query document has more than %d tokens", l.MaxTokens)
			}
			return nil // gqlgen reports the parse error itself
		}
		if field := literalNUL(doc); field != nil {
			return nulError(append([]string{"query"}, field...))
		}
	}
	op := doc.Operations.ForName(params.OperationName)
	if op == nil {
		return nil
	}
	w := &costWalker{queryLimits: l, doc: doc, op: op, vars: params.Variables, fragments: map[string]bool{}}
	root := l.rootType(op.Operation)
	if root == nil {
		return nil
	}
	if !l.introspection {
		for _, f := range w.flatten(op.SelectionSet, root, nil) {
			if f.field.Name == "__schema" { // __type answers null instead: introspection.go
				l.logger.InfoContext(ctx, "introspection refused", "request_id", exchange.RequestID(ctx))
				return gqlErr(exchange.CodeForbidden, "introspection is disabled; run `laborx schema` to get the SDL")
			}
		}
	}
	cost := w.selectionSet(op.SelectionSet, root, 1)
	if w.err != nil {
		return w.err
	}
	if cost > l.MaxCost {
		return tooComplex("the query costs more than %d; ask for fewer items (first:) or fewer nested lists", l.MaxCost)
	}
	return nil
}

func (l *queryLimits) rootType(op ast.Operation) *ast.Definition {
	switch op {
	case ast.Query:
		return l.schema.Query
	case ast.Mutation:
		return l.schema.Mutation
	case ast.Subscription:
		return l.schema.Subscription
	}
	return nil
}

// costWalker prices one operation. It works on an unvalidated document, so it looks
// every definition up itself and skips what it does not know (validation reports it).
type costWalker struct {
	*queryLimits
	doc  *ast.QueryDocument
	op   *ast.OperationDefinition
	vars map[string]any
	// fragments are the named fragments being expanded, so a cycle ends the walk.
	fragments map[string]bool
	// steps counts fields visited: fragments that spread each other twice over would
	// otherwise make the walk itself exponential.
	steps int
	err   *gqlerror.Error
}

type fieldOn struct {
	field  *ast.Field
	parent *ast.Definition
}

func (w *costWalker) fail(format string, args ...any) int {
	if w.err == nil {
		w.err = tooComplex(format, args...)
	}
	return w.MaxCost + 1
}

// selectionSet returns the cost of set, whose fields are at the given depth.
func (w *costWalker) selectionSet(set ast.SelectionSet, parent *ast.Definition, depth int) int {
	if depth > w.MaxDepth {
		return w.fail("the query nests fields more than %d levels deep", w.MaxDepth)
	}
	fields := w.flatten(set, parent, nil)
	if w.err != nil {
		return w.MaxCost + 1
	}
	aliases := map[string]bool{}
	for _, f := range fields {
		if f.field.Alias != "" && f.field.Alias != f.field.Name {
			aliases[f.field.Alias] = true
		}
	}
	if len(aliases) > w.MaxAliases {
		return w.fail("a selection set has more than %d aliased fields (fragments included)", w.MaxAliases)
	}
	cost := 0
	for _, f := range fields {
		cost = addCapped(cost, w.field(f.field, f.parent, depth), w.MaxCost)
		if w.err != nil || cost > w.MaxCost {
			return w.MaxCost + 1
		}
	}
	return cost
}

// flatten lists the fields of set with those of its fragments, each with the type it
// is selected on.
func (w *costWalker) flatten(set ast.SelectionSet, parent *ast.Definition, out []fieldOn) []fieldOn {
	for _, sel := range set {
		w.steps++
		if w.steps > w.MaxCost {
			w.fail("the query has more than %d fields once its fragments are expanded", w.MaxCost)
			return out
		}
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, fieldOn{s, parent})
		case *ast.InlineFragment:
			out = w.flatten(s.SelectionSet, w.typeOr(s.TypeCondition, parent), out)
		case *ast.FragmentSpread:
			frag := w.doc.Fragments.ForName(s.Name)
			if frag == nil || w.fragments[s.Name] {
				continue // unknown or cyclic: validation refuses it
			}
			w.fragments[s.Name] = true
			out = w.flatten(frag.SelectionSet, w.typeOr(frag.TypeCondition, parent), out)
			delete(w.fragments, s.Name)
		}
	}
	return out
}

func (w *costWalker) typeOr(name string, def *ast.Definition) *ast.Definition {
	if t := w.schema.Types[name]; name != "" && t != nil {
		return t
	}
	return def
}

// field prices one field: a leaf costs 1; an object costs 1 plus its children; a list
// multiplies that by the number of items it returns at most.
func (w *costWalker) field(f *ast.Field, parent *ast.Definition, depth int) int {
	if f.Name == "__schema" || f.Name == "__type" {
		return 0 // in-memory, and refused unless --dev
	}
	var def *ast.FieldDefinition
	if parent != nil {
		def = parent.Fields.ForName(f.Name)
	}
	if def == nil || len(f.SelectionSet) == 0 {
		return 1
	}
	child := w.selectionSet(f.SelectionSet, w.schema.Types[def.Type.Name()], depth+1)
	return mulCapped(w.multiplier(f, def, parent), 1+child, w.MaxCost)
}

// multiplier is how many items field f returns at most.
func (w *costWalker) multiplier(f *ast.Field, def *ast.FieldDefinition, parent *ast.Definition) int {
	if parent == w.schema.Query && f.Name == "nodes" {
		n := w.listLen(f, def, "ids")
		if n > w.MaxNodes {
			return w.fail("nodes(ids:) takes at most %d IDs, got %d", w.MaxNodes, n)
		}
		return max(n, 1)
	}
	if def.Arguments.ForName("first") != nil {
		n, ok := w.intArg(f, def, "first")
		if !ok {
			n = defaultListSize
		}
		return max(n, 1)
	}
	if def.Type.Elem == nil || strings.HasSuffix(parent.Name, "Connection") {
		return 1 // an object, or a connection's edges (priced by its first:)
	}
	level, _ := w.intArg(f, def, "level")
	return w.sizes.of(parent.Name, f.Name, level)
}

// argValue resolves argument name of f: a literal, a variable, or a default.
func (w *costWalker) argValue(f *ast.Field, def *ast.FieldDefinition, name string) any {
	if a := f.Arguments.ForName(name); a != nil {
		if a.Value.Kind == ast.Variable {
			if v, ok := w.vars[a.Value.Raw]; ok {
				return v
			}
			if vd := w.op.VariableDefinitions.ForName(a.Value.Raw); vd != nil && vd.DefaultValue != nil {
				v, _ := vd.DefaultValue.Value(nil)
				return v
			}
			return nil
		}
		if a.Value.Kind == ast.ListValue {
			return a.Value.Children // only its length matters
		}
		v, _ := a.Value.Value(w.vars)
		return v
	}
	if ad := def.Arguments.ForName(name); ad != nil && ad.DefaultValue != nil {
		v, _ := ad.DefaultValue.Value(nil)
		return v
	}
	return nil
}

func (w *costWalker) intArg(f *ast.Field, def *ast.FieldDefinition, name string) (int, bool) {
	var n int64
	var err error
	switch v := w.argValue(f, def, name).(type) {
	case int64:
		n = v
	case int:
		n = int64(v)
	case float64:
		n = int64(v)
	case json.Number:
		n, err = strconv.ParseInt(string(v), 10, 64)
	default:
		return 0, false
	}
	if err != nil {
		return 0, false // not an Int: validation refuses it
	}
	return int(min(max(n, 0), math.MaxInt32)), true
}

func (w *costWalker) listLen(f *ast.Field, def *ast.FieldDefinition, name string) int {
	switch v := w.argValue(f, def, name).(type) {
	case []any:
		return len(v)
	case ast.ChildValueList:
		return len(v)
	case nil:
		return 0
	}
	return 1 // a single value is coerced to a list of one
}

// listSizes is how many items each list field of the reference data returns at most,
// counted from the embedded data, so the prices follow the data.
type listSizes struct {
	byField map[string]int // "Type.field"
	// occupationsAt counts the occupation groups of each level (0: all levels).
	occupationsAt map[int]int
}

func newListSizes() (listSizes, error) {
	provinces, err := refdata.Provinces()
	if err != nil {
		return listSizes{}, err
	}
	occupations, err := refdata.Occupations()
	if err != nil {
		return listSizes{}, err
	}
	mergedFrom, children := 0, map[string]int{}
	for _, p := range provinces {
		mergedFrom = max(mergedFrom, len(p.MergedFrom))
	}
	s := listSizes{occupationsAt: map[int]int{0: len(occupations)}}
	for _, o := range occupations {
		s.occupationsAt[o.Level]++
		children[o.ParentCode]++
	}
	maxChildren := 0
	for parent, n := range children {
		if parent != "" {
			maxChildren = max(maxChildren, n)
		}
	}
	s.byField = map[string]int{
		"Query.provinces":                  len(provinces),
		"LaborSupply.destinationProvinces": len(provinces),
		"Province.mergedFrom":              mergedFrom,
		"Occupation.children":              maxChildren,
	}
	return s, nil
}

func (s listSizes) of(typ, field string, level int) int {
	if typ == "Query" && field == "occupations" {
		if n, ok := s.occupationsAt[level]; ok {
			return n
		}
		return s.occupationsAt[0]
	}
	if n, ok := s.byField[typ+"."+field]; ok {
		return max(n, 1)
	}
	return defaultListSize
}

func addCapped(a, b, limit int) int {
	if a > limit || b > limit {
		return limit + 1
	}
	return a + b
}

func mulCapped(a, b, limit int) int {
	if a != 0 && b > (limit+1)/a {
		return limit + 1
	}
	return a * b
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	return gqlErr(exchange.CodeQueryTooComplex, fmt.Sprintf(format, args...))
}

// gqlErr is an error of the request as a whole, with its code.
func gqlErr(code exchange.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

func newQueryLimits(cfg Config, es graphql.ExecutableSchema, cache graphql.Cache[*ast.QueryDocument], logger *slog.Logger) *queryLimits {
	sizes, err := newListSizes()
	if err != nil {
		// The reference data is embedded and checked by its own tests.
		panic(fmt.Sprintf("reference data: %v", err))
	}
	return &queryLimits{Limits: cfg.Limits, schema: es.Schema(), cache: cache, sizes: sizes,
		introspection: cfg.Dev, logger: logger}
}
