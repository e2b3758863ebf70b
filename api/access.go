package api

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/segql/segql/auth"
)

// Codes of access refusals.
const (
	CodeForbidden               = "FORBIDDEN"
	CodeMutationLimitExceeded   = "MUTATION_LIMIT_EXCEEDED"
	CodeIntrospectionDisabled   = "INTROSPECTION_DISABLED"
	accessExtension             = "Access"
	maxStorefrontMutations      = 1
	introspectionSchemaField    = "__schema"
	introspectionTypeField      = "__type"
	suggestionSuffixPatternText = `\s*Did you mean [^?]*\?`
)

func init() {
	// Refused before execution, like the limits: 422.
	for _, code := range []string{CodeForbidden, CodeMutationLimitExceeded, CodeIntrospectionDisabled} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// principal sets who is asking from the request's token (see
// auth.Authenticator); a token that is not accepted is refused with 401.
func principal(a auth.Authenticator, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Principal(r)
		if err != nil {
			log.InfoContext(r.Context(), "refused token", "error", err)
			writeError(w, http.StatusUnauthorized, CodeUnauthenticated, "the token is not valid")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// access decides, before an operation runs, what its principal may ask:
// mutations need an admin write token (a storefront shopper may send at
// most one mutation a document, and is then refused); introspection is
// for admins, and for everyone when open is set (--demo).
type access struct{ open bool }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = access{}

func (access) ExtensionName() string                   { return accessExtension }
func (access) Validate(graphql.ExecutableSchema) error { return nil }

func (a access) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	p := auth.FromContext(ctx)
	op := opCtx.Operation
	opCtx.DisableIntrospection = !a.introspects(p)
	if op == nil {
		return nil
	}
	if op.Operation == ast.Mutation {
		if p.IsShopper() {
			if n := rootFields(opCtx.Doc, op.SelectionSet, map[string]bool{}); n > maxStorefrontMutations {
				return limitError(CodeMutationLimitExceeded, "storefront requests may send %d mutation at a time; this one sends %d", maxStorefrontMutations, n)
			}
		}
		if !p.CanWrite() {
			return limitError(CodeForbidden, "this token may not change data: mutations need an admin token with the write scope")
		}
	}
	if opCtx.DisableIntrospection && introspects(opCtx.Doc, op.SelectionSet, map[string]bool{}) {
		return limitError(CodeIntrospectionDisabled, "introspection is available to admin tokens only")
	}
	return nil
}

// introspects reports whether p may query __schema and __type.
func (a access) introspects(p auth.Principal) bool { return a.open || p.IsAdmin() }

// suggests reports whether validation errors may say "Did you mean": the
// same people who may introspect, since suggestions leak the schema.
func (a access) suggests(ctx context.Context) bool { return a.introspects(auth.FromContext(ctx)) }

var suggestion = regexp.MustCompile(suggestionSuffixPatternText)

// withoutSuggestion drops gqlparser's "Did you mean ...?" from a message.
func withoutSuggestion(msg string) string { return suggestion.ReplaceAllString(msg, "") }

// rootFields counts the fields of a root selection set, through fragments.
func rootFields(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name != "__typename" {
				n++
			}
		case *ast.InlineFragment:
			n += rootFields(doc, sel.SelectionSet, seen)
		case *ast.FragmentSpread:
			if def := doc.Fragments.ForName(sel.Name); def != nil && !seen[sel.Name] {
				seen[sel.Name] = true
				n += rootFields(doc, def.SelectionSet, seen)
			}
		}
	}
	return n
}

// introspects reports whether a selection set reaches __schema or __type
// anywhere, through fragments.
func introspects(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == introspectionSchemaField || sel.Name == introspectionTypeField {
				return true
			}
			if introspects(doc, sel.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(doc, sel.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if def := doc.Fragments.ForName(sel.Name); def != nil && !seen[sel.Name] {
				seen[sel.Name] = true
				if introspects(doc, def.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
