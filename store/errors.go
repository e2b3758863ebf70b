package store

import (
	"errors"
	"fmt"
	"strconv"
)

// Code is a stable code of a rejected item, the schema's UserErrorCode.
type Code string

// The codes of rejected items.
const (
	CodeNotFound         Code = "NOT_FOUND"
	CodeDuplicateName    Code = "DUPLICATE_NAME"
	CodeDuplicateProfile Code = "DUPLICATE_PROFILE"
	CodeDuplicateEmail   Code = "DUPLICATE_EMAIL"
	CodeDuplicateInput   Code = "DUPLICATE_INPUT"
	CodeLimitExceeded    Code = "LIMIT_EXCEEDED"
	CodeInvalidInput     Code = "INVALID_INPUT"
	CodeTooManyItems     Code = "TOO_MANY_ITEMS"
)

// UserError rejects one item of a write: Index is its place in the input
// (-1 for the call as a whole), Field the input field at fault.
type UserError struct {
	Index   int
	Field   string
	Code    Code
	Message string
}

// Error makes a UserError usable as an error, for imports and single writes.
func (e UserError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Path is the userError's field path in the GraphQL payload:
// the argument, the item's index when there is one, then the field.
func (e UserError) Path(arg string) []string {
	p := []string{arg}
	if e.Index >= 0 {
		p = append(p, strconv.Itoa(e.Index))
	}
	if e.Field != "" {
		p = append(p, e.Field)
	}
	return p
}

// Reject builds a UserError with a formatted message.
func Reject(index int, field string, code Code, format string, args ...any) UserError {
	return UserError{Index: index, Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsUserError reports whether err is, or wraps, a UserError.
func AsUserError(err error) (UserError, bool) {
	var ue UserError
	ok := errors.As(err, &ue)
	return ue, ok
}
