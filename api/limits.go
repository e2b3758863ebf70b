package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/segql/segql/resolvers"
	"github.com/segql/segql/resolvers/page"
)

// Limits bound what one request may ask for. Each is checked before any
// resolver runs, and a request over one is answered with a coded error and
// no work done. A zero field takes its default below; a negative one turns
// that limit off (for tests about something else).
type Limits struct {
	// MaxBodyBytes caps a POST body and a GET query string, in bytes.
	MaxBodyBytes int64
	// MaxTokens caps the tokens the GraphQL parser reads from one document.
	MaxTokens int
	// MaxDepth caps how deeply fields nest; a root field is at depth 1.
	// Fragments add no depth of their own; their fields count where spread.
	MaxDepth int
	// MaxAliases caps the aliased fields of one operation, counting a
	// fragment's aliases each time it is spread.
	MaxAliases int
	// MaxCost caps an operation's estimated cost (see operationCost).
	MaxCost int
	// MaxListItems caps every list in a field's arguments, literal or
	// from a variable, at any nesting.
	MaxListItems int
}

// Defaults of Limits. The anchors are public APIs: Shopify (lists and pages
// of 250), BigCommerce (complexity 10,000, depth 16).
const (
	DefaultMaxBodyBytes = 64 << 10
	DefaultMaxTokens    = 2000
	DefaultMaxDepth     = 16 // GraphiQL's introspection query (graphql-js 16) is 15 deep
	DefaultMaxAliases   = 50
	DefaultMaxCost      = 10000
	DefaultMaxListItems = 250
	// ListEstimate is the size the cost assumes for a list that is not a
	// connection and not sized by its arguments (eligiblePromotions,
	// targetedSegments).
	ListEstimate = 50
)

// Codes of the limits' refusals; a list argument over the cap answers
// BAD_USER_INPUT.
const (
	CodeRequestTooLarge     = "REQUEST_TOO_LARGE"
	CodeBatchNotSupported   = "BATCH_NOT_SUPPORTED"
	CodeDepthLimitExceeded  = "DEPTH_LIMIT_EXCEEDED"
	CodeAliasLimitExceeded  = "ALIAS_LIMIT_EXCEEDED"
	CodeCostLimitExceeded   = "COST_LIMIT_EXCEEDED"
	costExtension           = "cost"
	requestLimitsExtension  = "RequestLimits"
	costSaturation          = 1 << 40
	unlimited               = -1
	invalidPageSizeEstimate = page.MaxSize
)

func init() {
	// Refusals before execution are request errors: 422 for
	// application/json, 400 for application/graphql-response+json, as
	// gqlgen answers parse and validation failures.
	for _, code := range []string{CodeDepthLimitExceeded, CodeAliasLimitExceeded, CodeCostLimitExceeded, resolvers.CodeBadUserInput} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// withDefaults fills zero fields with the defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxTokens == 0 {
		l.MaxTokens = DefaultMaxTokens
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAliases == 0 {
		l.MaxAliases = DefaultMaxAliases
	}
	if l.MaxCost == 0 {
		l.MaxCost = DefaultMaxCost
	}
	if l.MaxListItems == 0 {
		l.MaxListItems = DefaultMaxListItems
	}
	return l
}

// parserTokenLimit is the value for gqlgen's SetParserTokenLimit: 0 is
// no limit there.
func (l Limits) parserTokenLimit() int {
	if l.MaxTokens < 0 {
		return 0
	}
	return l.MaxTokens
}

// limitSize refuses a POST body or GET query string over the byte cap with
// 413 or 414 before anything reads it as JSON or GraphQL, and a JSON array
// of operations (a batch) with 400.
func limitSize(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tooLarge := func(status int) {
			writeError(w, status, CodeRequestTooLarge, fmt.Sprintf("the request is larger than %d bytes", max))
		}
		if max > 0 && int64(len(r.URL.RawQuery)) > max {
			tooLarge(http.StatusRequestURITooLong)
			return
		}
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		if max > 0 && r.ContentLength > max {
			tooLarge(http.StatusRequestEntityTooLarge)
			return
		}
		body := r.Body
		if max > 0 {
			body = http.MaxBytesReader(w, r.Body, max)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				tooLarge(http.StatusRequestEntityTooLarge)
				return
			}
			writeError(w, http.StatusBadRequest, CodeBadRequest, "the request body could not be read")
			return
		}
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
			writeError(w, http.StatusBadRequest, CodeBatchNotSupported, "send one operation a request: batches are not supported")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		next.ServeHTTP(w, r)
	})
}

// requestLimits checks an operation's depth, aliases, cost and list
// arguments after validation and before execution, and reports the cost in
// the response's extensions.cost.
type requestLimits struct{ Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = requestLimits{}

func (requestLimits) ExtensionName() string                   { return requestLimitsExtension }
func (requestLimits) Validate(graphql.ExecutableSchema) error { return nil }

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, code)
	return err
}

func (l requestLimits) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	w := walker{doc: opCtx.Doc, vars: opCtx.Variables, maxList: l.MaxListItems, fragments: map[fragmentKey]*summary{}}
	s := w.selections(op.SelectionSet, 0)
	opCtx.Stats.SetExtension(costExtension, s.cost)
	if w.listErr != nil {
		return w.listErr
	}
	if l.MaxDepth > 0 && s.depth > l.MaxDepth {
		return limitError(CodeDepthLimitExceeded, "the operation nests %d fields deep; at most %d are allowed", s.depth, l.MaxDepth)
	}
	if l.MaxAliases > 0 && s.aliases > l.MaxAliases {
		return limitError(CodeAliasLimitExceeded, "the operation has %d aliases; at most %d are allowed", s.aliases, l.MaxAliases)
	}
	if l.MaxCost > 0 && s.cost > l.MaxCost {
		err := limitError(CodeCostLimitExceeded, "the operation's estimated cost is %d; at most %d is allowed", s.cost, l.MaxCost)
		err.Extensions["cost"] = s.cost
		err.Extensions["limit"] = l.MaxCost
		return err
	}
	return nil
}

func (requestLimits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		if cost := graphql.GetOperationContext(ctx).Stats.GetExtension(costExtension); cost != nil {
			graphql.RegisterExtension(ctx, costExtension, cost)
		}
	}
	return next(ctx)
}

// summary is what a selection set asks for.
type summary struct {
	depth   int // deepest field, 1 for a set of leaves
	aliases int
	cost    int
}

// walker sums up an operation's selections. A fragment is summed once per
// page size and reused wherever it is spread, so a document of fragments
// spreading each other many times is walked in linear time; a fragment met
// again while it is being summed (a cycle, which validation refuses anyway)
// counts nothing.
type walker struct {
	doc       *ast.QueryDocument
	vars      map[string]any
	maxList   int
	fragments map[fragmentKey]*summary // nil value: being summed
	listErr   *gqlerror.Error
}

type fragmentKey struct {
	name     string
	pageSize int
}

// selections sums a selection set; pageSize is the page size of the
// connection the set selects from, 0 outside a connection.
func (w *walker) selections(set ast.SelectionSet, pageSize int) summary {
	var out summary
	for _, sel := range set {
		var s summary
		switch sel := sel.(type) {
		case *ast.Field:
			s = w.field(sel, pageSize)
		case *ast.InlineFragment:
			s = w.selections(sel.SelectionSet, pageSize)
		case *ast.FragmentSpread:
			s = w.fragment(sel.Name, pageSize)
		}
		out.depth = max(out.depth, s.depth)
		out.aliases = saturate(out.aliases + s.aliases)
		out.cost = saturate(out.cost + s.cost)
	}
	return out
}

func (w *walker) fragment(name string, pageSize int) summary {
	key := fragmentKey{name, pageSize}
	if s, seen := w.fragments[key]; seen {
		if s == nil {
			return summary{}
		}
		return *s
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return summary{}
	}
	w.fragments[key] = nil
	s := w.selections(def.SelectionSet, pageSize)
	w.fragments[key] = &s
	return s
}

// field sums one field: it costs 1, plus its children's cost times how
// many times they are estimated to be resolved (see multiplier).
func (w *walker) field(f *ast.Field, pageSize int) summary {
	args := w.arguments(f)
	w.checkLists(f, args)
	w.checkPage(f, args)
	size := connectionPageSize(f, args)
	children := w.selections(f.SelectionSet, size)
	s := summary{depth: children.depth + 1, aliases: children.aliases}
	if f.Alias != "" && f.Alias != f.Name {
		s.aliases = saturate(s.aliases + 1)
	}
	s.cost = saturate(1 + saturate(multiplier(f, args, pageSize)*children.cost))
	return s
}

// arguments are a field's argument values; a literal gqlparser cannot
// read (an integer beyond 64 bits panics) counts as absent here, and the
// field's resolver refuses it.
func (w *walker) arguments(f *ast.Field) (args map[string]any) {
	defer func() {
		if recover() != nil {
			args = nil
		}
	}()
	return f.ArgumentMap(w.vars)
}

// connectionPageSize is the page size of a connection field (one whose type
// is a *Connection taking first and last): first or last, 50 when neither
// is given, 250 for a value the resolvers will refuse. It is 0 for any
// other field.
func connectionPageSize(f *ast.Field, args map[string]any) int {
	d := f.Definition
	if d == nil || !strings.HasSuffix(d.Type.Name(), "Connection") ||
		d.Arguments.ForName("first") == nil || d.Arguments.ForName("last") == nil {
		return 0
	}
	size := page.DefaultSize
	for _, name := range []string{"first", "last"} {
		if v, ok := args[name]; ok && v != nil {
			n, ok := toInt(v)
			if !ok || n < 0 || n > page.MaxSize {
				return invalidPageSizeEstimate
			}
			size = n
		}
	}
	return max(size, 1)
}

// multiplier is how many times a field's children are estimated to be
// resolved: a connection's page size for its edges and nodes (its pageInfo
// and totalCount are resolved once), the ids of nodes(ids:), ListEstimate
// for eligiblePromotions and targetedSegments, and 1 for everything else
// (objects, and lists bounded by the request such as mutation payloads and
// segment condition operands).
func multiplier(f *ast.Field, args map[string]any, pageSize int) int {
	if f.Definition == nil || len(f.SelectionSet) == 0 {
		return 1
	}
	switch f.Name {
	case "edges", "nodes":
		if pageSize > 0 && f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection") {
			return pageSize
		}
		if f.Name == "nodes" && f.ObjectDefinition != nil && f.ObjectDefinition.Name == "Query" {
			return max(listLen(args["ids"]), 1)
		}
	case "eligiblePromotions", "targetedSegments":
		return ListEstimate
	}
	return 1
}

// checkLists refuses any list in a field's arguments longer than the cap.
func (w *walker) checkLists(f *ast.Field, args map[string]any) {
	if w.listErr != nil || w.maxList <= 0 {
		return
	}
	for _, a := range f.Arguments {
		if n := longestList(args[a.Name]); n > w.maxList {
			w.listErr = limitError(resolvers.CodeBadUserInput,
				"argument %s of %s has a list of %d items; at most %d are allowed", a.Name, f.Name, n, w.maxList)
			w.listErr.Path = ast.Path{ast.PathName(f.Alias)}
			return
		}
	}
}

// checkPage refuses a connection's first or last outside 0..250, or both
// given, before anything runs (the resolvers check again).
func (w *walker) checkPage(f *ast.Field, args map[string]any) {
	if w.listErr != nil || connectionPageSize(f, args) == 0 {
		return
	}
	refuse := func(format string, a ...any) {
		w.listErr = limitError(resolvers.CodeBadUserInput, format, a...)
		w.listErr.Path = ast.Path{ast.PathName(f.Alias)}
	}
	first, last := args["first"], args["last"]
	if first != nil && last != nil {
		refuse("%s: first and last cannot be given together", f.Alias)
		return
	}
	for name, v := range map[string]any{"first": first, "last": last} {
		if v == nil {
			continue
		}
		if n, ok := toInt(v); !ok || n < 0 || n > page.MaxSize {
			refuse("%s: %s must be between 0 and %d", f.Alias, name, page.MaxSize)
			return
		}
	}
}

// longestList is the length of the longest list in v, at any nesting.
func longestList(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		n := rv.Len()
		for i := range rv.Len() {
			n = max(n, longestList(rv.Index(i).Interface()))
		}
		return n
	case reflect.Map:
		n := 0
		for it := rv.MapRange(); it.Next(); {
			n = max(n, longestList(it.Value().Interface()))
		}
		return n
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return 0
		}
		return longestList(rv.Elem().Interface())
	}
	return 0
}

func listLen(v any) int {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return rv.Len()
	}
	return 0
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(max(min(n, costSaturation), -costSaturation)), true
	case int32:
		return int(n), true
	case float64:
		if n != float64(int64(n)) {
			return 0, false
		}
		return toInt(int64(max(min(n, costSaturation), -costSaturation)))
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return 0, false
		}
		return toInt(i)
	}
	return 0, false
}

func saturate(n int) int { return min(n, costSaturation) }
