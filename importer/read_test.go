package importer_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/store"
)

// recorder is a store.Importer that notes each record it is given and
// refuses the one at refuse, if any.
type recorder struct {
	got    []string
	refuse store.Pos
}

func (r *recorder) note(pos store.Pos, what string) error {
	r.got = append(r.got, fmt.Sprintf("%s:%d %s", pos.File, pos.Line, what))
	if pos == r.refuse {
		return &store.RecordError{Pos: store.Pos{File: pos.File, Line: 1}, Err: errors.New("refused")}
	}
	return nil
}

func (r *recorder) Customer(_ context.Context, pos store.Pos, c store.Customer) error {
	return r.note(pos, fmt.Sprintf("customer %d %s", c.ID, c.Email))
}

func (r *recorder) Segment(_ context.Context, pos store.Pos, s store.Segment) error {
	return r.note(pos, "segment "+s.Name)
}

func (r *recorder) ShopperProfile(_ context.Context, pos store.Pos, p store.ShopperProfile) error {
	return r.note(pos, fmt.Sprintf("profile %s %d", p.ID, p.CustomerID))
}

func (r *recorder) Membership(_ context.Context, pos store.Pos, m store.Membership) error {
	return r.note(pos, "membership "+m.SegmentID+" "+m.ProfileID)
}

func (r *recorder) Promotion(_ context.Context, pos store.Pos, p store.Promotion) error {
	return r.note(pos, fmt.Sprintf("promotion %d %s %s %s", p.ID, p.DisplayName, p.Status, p.CurrencyCode))
}

// Read hands every record to the Importer in file order, with its line.
func TestRead(t *testing.T) {
	var r recorder
	stats, err := importer.Read(t.Context(), writeDir(t, goodFiles()), &r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"customers.jsonl:1 customer 1 ada@example.com",
		"customers.jsonl:3 customer 2 grace@example.com",
		"customers.jsonl:5 customer 3 alan@example.com",
		"segments.jsonl:1 segment VIP",
		"segments.jsonl:2 segment Lapsed buyers",
		"shopper_profiles.jsonl:1 profile " + profAda + " 1",
		"shopper_profiles.jsonl:2 profile " + profGrace + " 2",
		"memberships.jsonl:1 membership " + segVIP + " " + profAda,
		"memberships.jsonl:2 membership " + segLapsed + " " + profAda,
		"memberships.jsonl:4 membership " + segLapsed + " " + profGrace,
		"promotions.jsonl:1 promotion 1 Ten off DISABLED EUR",
		"promotions.jsonl:2 promotion 2 Everyone ENABLED USD",
	}
	if !slices.Equal(r.got, want) {
		t.Errorf("records:\n%q\nwant\n%q", r.got, want)
	}
	if got, want := stats.String(), "3 customers, 2 segments, 2 shopper profiles, 3 memberships, 2 promotions"; got != want {
		t.Errorf("stats %q, want %q", got, want)
	}
}

// A bad line, or a record the Importer refuses, stops Read with a
// *LineError; a refusal as a *store.RecordError names the record's line.
func TestReadErrors(t *testing.T) {
	var r recorder
	_, err := importer.Read(t.Context(), writeDir(t, map[string]string{
		"segments.jsonl": `{"id": "` + segVIP + `", "name": "VIP"}` + "\n" + `{"id": "` + segLapsed + `"}` + "\n",
	}), &r, nil)
	var le *importer.LineError
	if !errors.As(err, &le) || err.Error() != "segments.jsonl:2: name: required field missing" {
		t.Errorf("missing name: %v", err)
	}

	r = recorder{refuse: store.Pos{File: "segments.jsonl", Line: 2}}
	_, err = importer.Read(t.Context(), writeDir(t, goodFiles()), &r, nil)
	if !errors.As(err, &le) || err.Error() != "segments.jsonl:1: refused" {
		t.Errorf("refused record: %v", err)
	}
	if n := len(r.got); n != 5 {
		t.Errorf("Read went on after the refusal: %d records", n)
	}

	if _, err := importer.Read(t.Context(), t.TempDir(), &r, nil); err == nil {
		t.Error("a dir without data files: no error")
	}
}
