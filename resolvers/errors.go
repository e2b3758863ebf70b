package resolvers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/segql/segql/graph/model"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

// Error codes of GraphQL errors (extensions.code) that resolvers raise.
const (
	CodeBadUserInput = "BAD_USER_INPUT"
)

// badInput is an error in the arguments, answered to the client as is.
func badInput(format string, args ...any) error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": CodeBadUserInput},
	}
}

// argError turns a connection argument error into a coded GraphQL error
// and passes every other error on.
func argError(err error) error {
	var ae *page.ArgError
	if errors.As(err, &ae) {
		return badInput("%s", ae.Msg)
	}
	return err
}

// userErrors turns the store's rejected items into the payload's userErrors;
// arg names the mutation argument the indexes refer to.
func userErrors(arg string, errs []store.UserError) []*model.UserError {
	out := make([]*model.UserError, len(errs))
	for i, e := range errs {
		out[i] = &model.UserError{Field: fieldPath(arg, e), Message: e.Message, Code: model.UserErrorCode(e.Code)}
	}
	return out
}

// fieldPath is a userError's path with one element per step: the store
// names a nested input field with dots ("customer.segments.and.0.id"),
// the payload as ["input", "customer", "segments", "and", "0", "id"].
func fieldPath(arg string, e store.UserError) []string {
	p := e.Path(arg)
	if e.Field == "" {
		return p
	}
	return append(p[:len(p)-1], strings.Split(e.Field, ".")...)
}

// tooMany rejects a whole call that carries more than max items.
func tooMany(arg string, n, max int) []*model.UserError {
	if n <= max {
		return nil
	}
	return userErrors(arg, []store.UserError{
		store.Reject(-1, "", store.CodeTooManyItems, "at most %d items a call, got %d; nothing was written", max, n),
	})
}
