package importer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/importer/importtest"
	"github.com/segql/segql/store"
)

// batchingStore refuses a record only when the import ends, as a backend
// that checks records in batches does: the refusal names the record's
// position, not the line being read when it surfaces.
type batchingStore struct {
	store.Store
	refuse int // the customer record, counted from 1, to refuse
}

func (b batchingStore) Import(ctx context.Context, fill func(store.Importer) error) error {
	return b.Store.Import(ctx, func(imp store.Importer) error {
		rec := &positions{Importer: imp}
		if err := fill(rec); err != nil {
			return err
		}
		return &store.RecordError{
			Pos: rec.customers[b.refuse-1],
			Err: store.Reject(-1, "email", store.CodeDuplicateEmail, "another customer has this email"),
		}
	})
}

// positions remembers where each customer came from.
type positions struct {
	store.Importer
	customers []store.Pos
}

func (p *positions) Customer(ctx context.Context, pos store.Pos, c store.Customer) error {
	p.customers = append(p.customers, pos)
	return p.Importer.Customer(ctx, pos, c)
}

func TestRefusalReportedLaterNamesItsOwnLine(t *testing.T) {
	s := openStore(t)
	before := snapshot(t, s)
	dir := writeDir(t, map[string]string{
		"customers.jsonl": newCustomer(1) + "\n\n" + newCustomer(2) + "\n" + newCustomer(3) + "\n",
		"segments.jsonl":  `{"id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP"}` + "\n",
	})
	_, err := importer.Run(t.Context(), batchingStore{Store: s, refuse: 2}, dir, nil)
	var le *importer.LineError
	if !errors.As(err, &le) {
		t.Fatalf("want a *LineError, got %v", err)
	}
	if got, want := err.Error(), "customers.jsonl:3: email: another customer has this email"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	var ue store.UserError
	if !errors.As(err, &ue) || ue.Code != store.CodeDuplicateEmail {
		t.Errorf("the store's UserError is not kept: %v", err)
	}
	if diff := importtest.Diff(snapshot(t, s), before); diff != "" {
		t.Errorf("store changed:\n%s", diff)
	}
}
