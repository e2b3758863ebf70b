package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/segql/segql/store"
)

// PostgreSQL text holds valid UTF-8 without NUL characters; SQLite holds
// any bytes. The store's rules accept both, so text PostgreSQL cannot hold
// is refused here, item by item, as INVALID_INPUT on its field (where the
// SQLite backend would store it), and a filter or key naming such text
// matches nothing (no stored text can equal or contain it).

// storable reports whether PostgreSQL text can hold s.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// field is a text input field and its value.
type field struct{ name, value string }

// checkStorable refuses the first field PostgreSQL cannot store.
func checkStorable(index int, fields ...field) *store.UserError {
	for _, f := range fields {
		if !storable(f.value) {
			ue := store.Reject(index, f.name, store.CodeInvalidInput, "%s must be valid UTF-8 without NUL characters", f.name)
			return &ue
		}
	}
	return nil
}

// storableOnly keeps the strings PostgreSQL text can hold.
func storableOnly(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if storable(s) {
			out = append(out, s)
		}
	}
	return out
}
