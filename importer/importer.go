// Package importer loads JSONL exports shaped like the reference REST API's
// records (customers, segments, shopper profiles, memberships and
// promotions) into a store, all in one transaction: a bad line anywhere
// leaves the store exactly as it was.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/segql/segql/store"
)

// MaxLineBytes is the longest line a file may hold, line ending excluded.
const MaxLineBytes = 1 << 20

// Stats counts the records an import read, per file.
type Stats struct {
	Customers       int
	Segments        int
	ShopperProfiles int
	Memberships     int
	Promotions      int
}

// Total is the number of records of every kind.
func (s Stats) Total() int {
	return s.Customers + s.Segments + s.ShopperProfiles + s.Memberships + s.Promotions
}

func (s Stats) String() string {
	return fmt.Sprintf("%d customers, %d segments, %d shopper profiles, %d memberships, %d promotions",
		s.Customers, s.Segments, s.ShopperProfiles, s.Memberships, s.Promotions)
}

// LineError is why an import stopped: the file (base name), the 1-based
// line and the reason. Its message is "FILE:LINE: reason". A record the
// store rejected unwraps to a store.UserError.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the reason.
func (e *LineError) Unwrap() error { return e.Err }

// dataFile is one file an import reads: its name, the loader of one of its
// lines and where its count goes.
type dataFile struct {
	name  string
	load  func(ctx context.Context, imp store.Importer, pos store.Pos, line []byte, now time.Time) error
	count func(*Stats) *int
}

// dataFiles lists the files in the order they are loaded: each file only
// refers to records of the files before it.
func dataFiles() []dataFile {
	return []dataFile{
		{"customers.jsonl", loadCustomer, func(s *Stats) *int { return &s.Customers }},
		{"segments.jsonl", loadSegment, func(s *Stats) *int { return &s.Segments }},
		{"shopper_profiles.jsonl", loadShopperProfile, func(s *Stats) *int { return &s.ShopperProfiles }},
		{"memberships.jsonl", loadMembership, func(s *Stats) *int { return &s.Memberships }},
		{"promotions.jsonl", loadPromotion, func(s *Stats) *int { return &s.Promotions }},
	}
}

// FileNames lists the files Run looks for, in the order it loads them.
func FileNames() []string {
	var names []string
	for _, f := range dataFiles() {
		names = append(names, f.name)
	}
	return names
}

// Run loads the data files present in dir into s inside one s.Import
// call, in the order FileNames gives. Any bad line (malformed JSON, a
// wrong type, a missing required field, a record the store rejects) stops
// the import with a *LineError and the store keeps nothing of it. When
// progress is not nil, Run writes progress to it: a line redrawn in place
// on a terminal, one summary line per file otherwise.
func Run(ctx context.Context, s store.Store, dir string, progress io.Writer) (Stats, error) {
	files, err := presentFiles(dir)
	if err != nil {
		return Stats{}, err
	}
	now := store.UTC(time.Now()) // the start of a promotion that gives none
	rep := newReporter(progress)
	var stats Stats
	var failure error
	err = s.Import(ctx, func(imp store.Importer) error {
		// fill may be run again by a backend that retries
		stats, failure = readFiles(ctx, imp, dir, files, now, rep)
		return failure
	})
	switch {
	case failure != nil:
		return Stats{}, failure
	case err != nil:
		var re *store.RecordError
		if errors.As(err, &re) {
			// A record refused when the store checked its last batch.
			return Stats{}, lineError(re.Pos, re.Err)
		}
		return Stats{}, fmt.Errorf("import of %s: %w", dir, err)
	}
	return stats, nil
}

// Read is the reading half of Run, for loading the data files into
// something other than a Store: it reads the data files present in dir in
// the order FileNames gives, checks each line as Run does (the JSON, the
// types, the required fields) and hands every record to imp, with the
// file's base name and the line as its store.Pos. A promotion without a
// start_date starts when Read is called. Read runs no transaction: what
// imp keeps of an import that fails is imp's business.
//
// The first bad line, or the first error of imp, stops Read with a
// *LineError at the line being read, or at the record's own line when imp
// returns a *store.RecordError. A dir without data files is an error that
// names them. When progress is not nil, Read writes progress to it as Run
// does. The Stats count the records of each file.
func Read(ctx context.Context, dir string, imp store.Importer, progress io.Writer) (Stats, error) {
	files, err := presentFiles(dir)
	if err != nil {
		return Stats{}, err
	}
	return readFiles(ctx, imp, dir, files, store.UTC(time.Now()), newReporter(progress))
}

// readFiles loads files, in their order, into imp; now is the start of a
// promotion that gives none.
func readFiles(ctx context.Context, imp store.Importer, dir string, files []dataFile, now time.Time, rep *reporter) (Stats, error) {
	var stats Stats
	for _, f := range files {
		n, err := loadFile(ctx, imp, dir, f, now, rep)
		if err != nil {
			return Stats{}, err
		}
		*f.count(&stats) = n
	}
	return stats, nil
}

// lineError places an error at a line: its own record's position when the
// store reports one (it may be an earlier line, checked in a batch), else
// the line being read.
func lineError(at store.Pos, err error) *LineError {
	var re *store.RecordError
	if errors.As(err, &re) {
		at, err = re.Pos, re.Err
	}
	return &LineError{File: at.File, Line: at.Line, Err: err}
}

// presentFiles returns the data files dir holds, or an error naming the
// expected files when it holds none.
func presentFiles(dir string) ([]dataFile, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	var present []dataFile
	for _, f := range dataFiles() {
		_, err := os.Stat(filepath.Join(dir, f.name))
		switch {
		case err == nil:
			present = append(present, f)
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
	}
	if len(present) == 0 {
		return nil, fmt.Errorf("%s holds no data files: expected one or more of %s",
			dir, strings.Join(FileNames(), ", "))
	}
	return present, nil
}

// loadFile streams one file line by line into imp and returns the number
// of records it held.
func loadFile(ctx context.Context, imp store.Importer, dir string, f dataFile, now time.Time, rep *reporter) (int, error) {
	file, err := os.Open(filepath.Join(dir, f.name))
	if err != nil {
		return 0, err
	}
	defer file.Close()

	rep.begin(f.name)
	sc := bufio.NewScanner(file)
	// Room for the longest line plus "\r\n": longer lines fail with ErrTooLong.
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes+2)
	lineNo, records := 0, 0
	fail := func(err error) (int, error) {
		rep.abort()
		return 0, lineError(store.Pos{File: f.name, Line: lineNo}, err)
	}
	for sc.Scan() {
		lineNo++
		rep.line(lineNo)
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		line := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
		}
		if len(line) > MaxLineBytes {
			return fail(ErrLineTooLong)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := f.load(ctx, imp, store.Pos{File: f.name, Line: lineNo}, line, now); err != nil {
			return fail(err)
		}
		records++
	}
	if err := sc.Err(); err != nil {
		lineNo++ // the line that could not be read
		if errors.Is(err, bufio.ErrTooLong) {
			err = ErrLineTooLong
		}
		return fail(err)
	}
	rep.end(lineNo, records)
	return records, nil
}

// ErrLineTooLong is the reason of a line longer than MaxLineBytes.
var ErrLineTooLong = fmt.Errorf("line is longer than %d bytes (1 MiB), the longest line an import accepts", MaxLineBytes)
