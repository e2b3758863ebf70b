package postgres

import (
	"strings"
	"unicode/utf8"
)

// PostgreSQL text holds valid UTF-8 without NUL characters. The store's
// checks refuse other text on writes, for every backend; here a filter or
// key naming such text matches nothing (no stored text can equal or
// contain it), where PostgreSQL would fail the whole statement.

// storable reports whether PostgreSQL text can hold s.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
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
