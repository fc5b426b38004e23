package server

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// prescan reads the tokens of a document not seen before and refuses it when the
// tokens alone break a limit: too many tokens, selection sets nested too deep, too many
// aliases in one selection set as written. Lexing is a fraction of the cost of
// parsing, which is what the 500-alias attack spends; the walker after the parse still
// checks what only the tree shows (fragments, list prices). Everything prescan counts
// is at most what the walker counts, so it refuses nothing the walker would accept.
func (l *queryLimits) prescan(query string) *gqlerror.Error {
	lex := lexer.New(&ast.Source{Input: query})
	// Braces and colons outside parentheses belong to selection sets: inside them
	// they are argument, variable or object values.
	parens := 0
	// An inline fragment's braces (... on T { }) add fields to the enclosing selection
	// set, not a level: they open a scope of their own but no depth.
	type scope struct {
		aliases map[string]bool
		inline  bool
	}
	var scopes []scope
	depth := 0
	var prev lexer.Token
	alias := ""     // a name followed by a colon: an alias if the field it names differs
	inline := false // after "..." that is not a named spread, until its brace
	for tokens := 0; ; tokens++ {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil // the parser reports a lexing error itself
		}
		if tokens >= l.MaxTokens {
			return tooComplex("the query document has more than %d tokens", l.MaxTokens)
		}
		if alias != "" && tok.Kind == lexer.Name && tok.Value != alias {
			s := &scopes[len(scopes)-1]
			if s.aliases == nil {
				s.aliases = map[string]bool{}
			}
			s.aliases[alias] = true
			if len(s.aliases) > l.MaxAliases {
				return tooComplex("a selection set has more than %d aliased fields", l.MaxAliases)
			}
		}
		alias = ""
		if prev.Kind == lexer.Spread && tok.Kind == lexer.Name && tok.Value != "on" {
			inline = false // ...FragmentName
		}
		switch {
		case tok.Kind == lexer.ParenL:
			parens++
		case tok.Kind == lexer.ParenR:
			parens--
		case parens > 0:
		case tok.Kind == lexer.Spread:
			inline = true
		case tok.Kind == lexer.BraceL:
			if !inline {
				if depth >= l.MaxDepth {
					return tooComplex("the query nests fields more than %d levels deep", l.MaxDepth)
				}
				depth++
			}
			scopes = append(scopes, scope{inline: inline})
			inline = false
		case tok.Kind == lexer.BraceR && len(scopes) > 0:
			if !scopes[len(scopes)-1].inline {
				depth--
			}
			scopes = scopes[:len(scopes)-1]
		case tok.Kind == lexer.Colon && prev.Kind == lexer.Name && len(scopes) > 0:
			alias = prev.Value
		}
		prev = tok
	}
}
