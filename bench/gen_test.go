package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/store/sqlite"
)

var tinyScale = Scale{Name: "tiny", Customers: 301, Memberships: 1500, Segments: 12, Promotions: 60}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

var dataFiles = []string{"customers.jsonl", "segments.jsonl", "shopper_profiles.jsonl", "memberships.jsonl", "promotions.jsonl"}

// TestGenerateDeterministic generates the tiny data set twice: the files
// are byte for byte the same, they hold the counts asked for, and segql's
// importer takes them.
func TestGenerateDeterministic(t *testing.T) {
	logf := func(string, ...any) {}
	a, b := t.TempDir(), t.TempDir()
	if _, err := ensureData(a, tinyScale, logf); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureData(b, tinyScale, logf); err != nil {
		t.Fatal(err)
	}
	for _, name := range dataFiles {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	want := map[string]int{
		"customers.jsonl":        tinyScale.Customers,
		"segments.jsonl":         tinyScale.Segments,
		"shopper_profiles.jsonl": tinyScale.Customers,
		"memberships.jsonl":      tinyScale.Memberships,
		"promotions.jsonl":       tinyScale.Promotions,
	}
	for name, n := range want {
		if got := countLines(t, filepath.Join(a, name)); got != n {
			t.Errorf("%s: %d lines, want %d", name, got, n)
		}
	}

	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stats, err := importer.Run(context.Background(), s, a, io.Discard)
	if err != nil {
		t.Fatalf("import of the generated data: %v", err)
	}
	if stats.Memberships != tinyScale.Memberships || stats.Promotions != tinyScale.Promotions ||
		stats.Customers != tinyScale.Customers || stats.ShopperProfiles != tinyScale.Customers || stats.Segments != tinyScale.Segments {
		t.Errorf("imported %+v", stats)
	}
}

// TestEnsureDataReuses keeps files whose version stamp matches and
// regenerates them when it does not.
func TestEnsureDataReuses(t *testing.T) {
	dir := t.TempDir()
	logf := func(string, ...any) {}
	if _, err := ensureData(dir, tinyScale, logf); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "segments.jsonl")
	if err := os.WriteFile(marker, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureData(dir, tinyScale, logf); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(marker); string(got) != "kept\n" {
		t.Errorf("a data set with a matching stamp was generated again")
	}
	if err := os.WriteFile(filepath.Join(dir, "VERSION"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureData(dir, tinyScale, logf); err != nil {
		t.Fatal(err)
	}
	if got := countLines(t, marker); got != tinyScale.Segments {
		t.Errorf("a stale data set was kept: %d segment lines", got)
	}
}
