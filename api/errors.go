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
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
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
		default:
			log.ErrorContext(ctx, "internal error", "error", err, "path", out.Path.String())
			out.Message, out.Extensions = "internal server error", map[string]any{"code": CodeInternal}
		}
		return out
	}
}

// recoverPanic logs a resolver's panic with its stack and answers a
// generic error; the server goes on.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
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
