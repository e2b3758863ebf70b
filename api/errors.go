package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/segql/segql/resolvers"
)

// Codes of errors segql raises itself (gqlgen adds GRAPHQL_PARSE_FAILED,
// GRAPHQL_VALIDATION_FAILED and PERSISTED_QUERY_NOT_FOUND; resolvers add
// BAD_USER_INPUT).
const (
	CodeInternal             = "INTERNAL_SERVER_ERROR"
	CodeTimeout              = "TIMEOUT"
	CodeCancelled            = "CANCELLED"
	CodeUnauthenticated      = "UNAUTHENTICATED"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeBadRequest           = "BAD_REQUEST"
)

// presentError gives every error a code. Errors that already carry one
// were written for clients; any other is internal: logged in full,
// answered with a generic message.
func presentError(log *slog.Logger, suggests func(context.Context) bool) graphql.ErrorPresenterFunc {
	present := presentCoded(log)
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := present(ctx, err)
		if !suggests(ctx) {
			out.Message = withoutSuggestion(out.Message)
		}
		return out
	}
}

func presentCoded(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
			return graphql.DefaultErrorPresenter(ctx, err)
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			out.Message, out.Extensions = "the request took too long and was stopped", map[string]any{"code": CodeTimeout}
		case errors.Is(err, context.Canceled):
			out.Message, out.Extensions = "the request was cancelled", map[string]any{"code": CodeCancelled}
		case gqlErr != nil && gqlErr.Rule != "":
			// Validation errors from gqlparser keep their message.
			out.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
		case badArguments(ctx):
			// gqlgen could not read the field's arguments: a DateTime or
			// Int64 it cannot parse. The message is about the client's input.
			out.Extensions = map[string]any{"code": resolvers.CodeBadUserInput}
		case gqlErr != nil && gqlErr.Err == nil && graphql.GetFieldContext(ctx) == nil:
			// gqlgen refused the request before running it with a message
			// of its own (a persisted query hash that does not match its
			// query, an unknown persisted query version).
			out.Extensions = map[string]any{"code": CodeBadRequest}
		default:
			log.ErrorContext(ctx, "internal error", "error", err, "path", out.Path.String())
			out.Message, out.Extensions = "internal server error", map[string]any{"code": CodeInternal}
		}
		return out
	}
}

// badArguments reports whether an error was raised reading a field's
// arguments: gqlgen leaves the field's Args unset when that fails, and sets
// them before its resolver runs.
func badArguments(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Args == nil && len(fc.Field.Arguments) > 0
}

// recoverPanic logs a resolver's panic with its stack and answers a
// generic error; the server goes on.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		if badArguments(ctx) {
			// gqlparser panics reading an integer literal beyond 64 bits.
			return &gqlerror.Error{
				Message:    fmt.Sprintf("an argument could not be read: %v", p),
				Extensions: map[string]any{"code": resolvers.CodeBadUserInput},
			}
		}
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return &gqlerror.Error{Message: "internal server error", Extensions: map[string]any{"code": CodeInternal}}
	}
}

// writeError answers a request refused before GraphQL runs, in the GraphQL
// response shape, never echoing the request.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}
