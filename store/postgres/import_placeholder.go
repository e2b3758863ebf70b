package postgres

import (
	"context"
	"errors"

	"github.com/segql/segql/store"
)

// Import is a placeholder until import.go lands; delete this file then.
func (s *Store) Import(ctx context.Context, fill func(store.Importer) error) error {
	return errors.New("postgres: import not implemented yet")
}
