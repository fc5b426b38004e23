package server

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/text/unicode/norm"

	"github.com/laborx/laborx/internal/exchange"
)

// Text enters laborx at one boundary, the GraphQL request, and is made uniform there:
// every string is valid UTF-8 without NUL characters, in Unicode NFC. Then names,
// search and agreement term hashes compare what a user means: "Nguyễn" typed with a
// precomposed ễ (Windows) and with e + two combining marks (some macOS and phone
// keyboards) is the same text.

// checkJSONText finds the first string in the raw JSON value v that is not valid
// UTF-8 or holds a lone UTF-16 surrogate escape. Go's JSON decoder would turn both into
// U+FFFD silently, so this looks at the bytes before they are decoded. path names v in
// the error ("variables.in.title").
func checkJSONText(v json.RawMessage, path string) error {
	if utf8.Valid(v) && !bytes.Contains(v, []byte(`\u`)) {
		return nil // the common case: nothing to look at closer
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	switch v[0] {
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil {
			return nil // not JSON: the decoder reports it
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := checkJSONText(m[k], strings.TrimPrefix(path+"."+k, ".")); err != nil {
				return err
			}
		}
	case '[':
		var l []json.RawMessage
		if json.Unmarshal(v, &l) != nil {
			return nil
		}
		for i, e := range l {
			if err := checkJSONText(e, strings.TrimPrefix(path+"."+strconv.Itoa(i), ".")); err != nil {
				return err
			}
		}
	case '"':
		if problem := jsonStringProblem(v); problem != "" {
			return badRequest("%s %s", path, problem)
		}
	}
	return nil
}

// jsonStringProblem says what is wrong with the text of a quoted JSON string, or "".
func jsonStringProblem(s []byte) string {
	if !utf8.Valid(s) {
		return "is not valid UTF-8 text"
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if i >= len(s) || s[i] != 'u' {
			continue
		}
		r, ok := hex4(s[i+1:])
		if !ok {
			return "" // malformed escape: the decoder reports it
		}
		i += 4
		if r >= 0xDC00 && r < 0xE000 {
			return "holds a lone UTF-16 surrogate escape"
		}
		if r >= 0xD800 && r < 0xDC00 {
			if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, ok := hex4(s[i+3:]); ok && lo >= 0xDC00 && lo < 0xE000 {
					i += 6
					continue
				}
			}
			return "holds a lone UTF-16 surrogate escape"
		}
	}
	return ""
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}

// checkText is checkJSONText for a parameter that arrives as plain text (GET).
func checkText(s, path string) error {
	if !utf8.ValidString(s) {
		return badRequest("%s is not valid UTF-8 text", path)
	}
	return nil
}

// inputText refuses NUL characters and normalises the query and its variables to NFC,
// for every transport (websocket included), before gqlgen parses them.
type inputText struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = inputText{}

func (inputText) ExtensionName() string                          { return "InputText" }
func (inputText) Validate(schema graphql.ExecutableSchema) error { return nil }

func (inputText) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	// A raw NUL would be a lexer error; as an escape in a literal (\u0000, \u{0}) the
	// parsed value is checked (literalNUL, limits.go runs it on every new document).
	if strings.IndexByte(p.Query, 0) >= 0 {
		return nulError([]string{"query"})
	}
	// gqlparser reads a lone surrogate escape in a literal as U+FFFD, like Go's JSON.
	if problem := jsonStringProblem([]byte(p.Query)); problem != "" {
		return gqlErr(exchange.CodeBadUserInput, "query "+problem)
	}
	if !norm.NFC.IsNormalString(p.Query) {
		p.Query = norm.NFC.String(p.Query)
	}
	for k, v := range p.Variables {
		nv, bad := normaliseValue(v)
		if bad != nil {
			slices.Reverse(bad)
			return nulError(append([]string{"variables", k}, bad...))
		}
		p.Variables[k] = nv
	}
	return nil
}

// normaliseValue returns v with its strings in NFC or, for a string that holds a NUL,
// the path to it from v, innermost first (built only on the way out of a refusal, so
// the common case allocates nothing).
func normaliseValue(v any) (any, []string) {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return nil, []string{}
		}
		if !norm.NFC.IsNormalString(x) {
			return norm.NFC.String(x), nil
		}
	case map[string]any:
		for k, e := range x {
			ne, bad := normaliseValue(e)
			if bad != nil {
				return nil, append(bad, k)
			}
			x[k] = ne
		}
	case []any:
		for i, e := range x {
			ne, bad := normaliseValue(e)
			if bad != nil {
				return nil, append(bad, strconv.Itoa(i))
			}
			x[i] = ne
		}
	}
	return v, nil
}

// literalNUL returns the path of the first string literal of doc that holds a NUL
// ("laborDemands", "filter", "text"), or nil.
func literalNUL(doc *ast.QueryDocument) []string {
	for _, op := range doc.Operations {
		for _, vd := range op.VariableDefinitions {
			if p := valueNUL(vd.DefaultValue); p != nil {
				return append([]string{"$" + vd.Variable}, p...)
			}
		}
		if p := selectionNUL(op.SelectionSet); p != nil {
			return p
		}
	}
	for _, f := range doc.Fragments {
		if p := selectionNUL(f.SelectionSet); p != nil {
			return p
		}
	}
	return nil
}

func selectionNUL(set ast.SelectionSet) []string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if p := valueNUL(a.Value); p != nil {
					return append([]string{s.Name, a.Name}, p...)
				}
			}
			if p := selectionNUL(s.SelectionSet); p != nil {
				return p
			}
		case *ast.InlineFragment:
			if p := selectionNUL(s.SelectionSet); p != nil {
				return p
			}
		}
	}
	return nil
}

func valueNUL(v *ast.Value) []string {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		if strings.IndexByte(v.Raw, 0) >= 0 {
			return []string{}
		}
	case ast.ListValue, ast.ObjectValue:
		for i, c := range v.Children {
			if p := valueNUL(c.Value); p != nil {
				name := c.Name
				if v.Kind == ast.ListValue {
					name = strconv.Itoa(i)
				}
				return append([]string{name}, p...)
			}
		}
	}
	return nil
}

func nulError(field []string) *gqlerror.Error {
	e := gqlErr(exchange.CodeBadUserInput, strings.Join(field, ".")+" holds a NUL character (U+0000), which text may not contain")
	e.Extensions["field"] = field
	return e
}
