package graph_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
)

// TestUserErrorCodesAreInTheSchema: every code exchange declares for userErrors is a
// value of the UserErrorCode enum of the published SDL (schema.graphql), so a client
// generated from the schema, which may refuse an unknown enum value, can read every
// refusal the server makes.
func TestUserErrorCodesAreInTheSchema(t *testing.T) {
	declared := userErrorCodes(t)
	if len(declared) < 20 {
		t.Fatalf("found %d userErrors codes in internal/exchange/error.go; the parse is broken", len(declared))
	}
	sdl, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&gqlast.Source{Name: "schema.graphql", Input: string(sdl)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	enum := schema.Types["UserErrorCode"]
	if enum == nil {
		t.Fatal("schema.graphql has no UserErrorCode")
	}
	for _, c := range declared {
		if enum.EnumValues.ForName(c) == nil {
			t.Errorf("userErrors code %s is not a value of enum UserErrorCode (schema/*.graphqls)", c)
		}
	}
}

// userErrorCodes reads the values of the const block of internal/exchange/error.go
// whose comment says its codes are reported as userErrors.
func userErrorCodes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../internal/exchange/error.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST || g.Doc == nil || !strings.Contains(g.Doc.Text(), "as userErrors") {
			continue
		}
		for _, spec := range g.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					codes = append(codes, s)
				}
			}
		}
	}
	return codes
}
