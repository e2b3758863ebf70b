package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segql/segql/importer/importtest"
	"github.com/segql/segql/store/sqlite"
)

// The ABUSE.md cases that need a real process (see api/abuse_test.go for
// the map of every case to its tests): 28, SIGTERM with a request in
// flight, and 30, an import whose bad line is 900,000 lines in.

// TestAbuseSIGTERMFinishesInFlight (ABUSE.md 28): SIGTERM while a
// request is in flight. Readiness never answers ready again, new
// connections are refused, the request in flight finishes with its full
// answer, and the process exits 0.
//
// The request is held in flight without sleeping: it is sent with
// Expect: 100-continue and its body is kept back; the server's
// "100 Continue" says its handler has started reading the body.
//
// segql turns readiness to 503 and at once begins net/http's Shutdown,
// which closes the listener and drops any request read after it began,
// even on a connection accepted before: from outside, readiness is 503
// for a moment at most, then connections are refused (TestReadinessWhileDraining
// shows the 503 through the handler).
func TestAbuseSIGTERMFinishesInFlight(t *testing.T) {
	bin := buildSegql(t)
	p := startServe(t, bin, "--store", filepath.Join(t.TempDir(), "segql.db"))
	addr := strings.TrimPrefix(p.addr, "http://")
	p.graphql(t, "", `mutation { createSegments(input: [{name: "In flight"}]) { segments { uuid } } }`)

	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	inFlight := dial()
	const body = `{"query": "{ segments { totalCount nodes { name } } }"}`
	fmt.Fprintf(inFlight, "POST /graphql HTTP/1.1\r\nHost: segql\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", testAdminToken, len(body))
	inFlightReader := bufio.NewReader(inFlight)
	cont, err := http.ReadResponse(inFlightReader, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue for the request in flight, got %v %v", cont, err)
	}

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "shutting down: finishing in-flight requests")

	// Readiness turned first; new connections are refused once the
	// listener closes, right after the log line. Until it does, a new
	// connection may still be accepted: it asks for readiness, and is
	// answered 503, or not at all once shutdown has begun.
	attempts, unready := 0, 0
	for ; ; attempts++ {
		if attempts == 10000 {
			t.Fatalf("new connections are still accepted after %d attempts", attempts)
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("a new connection during shutdown: %v, want connection refused", err)
			}
			break
		}
		fmt.Fprintf(c, "GET /readyz HTTP/1.1\r\nHost: segql\r\n\r\n")
		if res, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("readiness on a new connection during shutdown: %s, want 503", res.Status)
			}
			unready++
		}
		c.Close()
	}
	t.Logf("new connections refused after %d accepted ones (%d answered readiness 503)", attempts, unready)

	// The request in flight finishes with its whole answer.
	if _, err := io.WriteString(inFlight, body); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(inFlightReader, nil)
	if err != nil {
		t.Fatalf("the request in flight: %v", err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	const want = `{"segments":{"totalCount":1,"nodes":[{"name":"In flight"}]}}`
	if err := json.Unmarshal(got, &answer); err != nil || res.StatusCode != http.StatusOK || len(answer.Errors) > 0 || string(answer.Data) != want {
		t.Errorf("the request in flight: %d %s, want 200 with data %s", res.StatusCode, got, want)
	}

	p.waitLog(t, "stopped")
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("segql serve exit after SIGTERM: %v", err)
	}
	t.Logf("SIGTERM to exit, the request in flight finished on the way: %v", time.Since(start))
}

// TestAbuseImportBadLine900000 (ABUSE.md 30): `segql import` of a file
// whose line 900,000 is bad, after 899,999 good ones, fails naming that
// line and leaves the store exactly as it was. It runs on SQLite: the
// same on PostgreSQL passes too but its import alone takes minutes, and
// the store contract tests (store/storetest) show PostgreSQL's failed
// imports roll back.
func TestAbuseImportBadLine900000(t *testing.T) {
	const badLine = 900_000
	bin := buildSegql(t)
	good := writeFiles(t, map[string]string{
		"customers.jsonl":        `{"id": 1, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "order_count": 5}` + "\n",
		"segments.jsonl":         `{"id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP"}` + "\n",
		"shopper_profiles.jsonl": `{"id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a71", "customer_id": 1}` + "\n",
		"memberships.jsonl":      `{"segment_id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "shopper_profile_id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a71"}` + "\n",
	})

	// customers.jsonl: 899,999 new customers, one that is bad, ten more.
	bad := t.TempDir()
	start := time.Now()
	f, err := os.Create(filepath.Join(bad, "customers.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// Each line is {"id": 1000+i, "email": "c<i>@example.com", ...},
	// appended rather than formatted: fmt is slow under -race.
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for i := 1; i <= badLine+10; i++ {
		line = strconv.AppendInt(append(line[:0], `{"id": `...), int64(1000+i), 10)
		if i == badLine {
			line = append(line, `, "email": "not-an-email", "first_name": "Bad", "last_name": "Line"}`...)
		} else {
			line = strconv.AppendInt(append(line, `, "email": "c`...), int64(i), 10)
			line = append(line, `@example.com", "first_name": "First", "last_name": "Last"}`...)
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(f.Name())
	t.Logf("wrote %d lines, %d MB, in %v", badLine+10, info.Size()>>20, time.Since(start))

	db := filepath.Join(t.TempDir(), "segql.db")
	if out, err := exec.Command(bin, "import", "--store", db, good).CombinedOutput(); err != nil {
		t.Fatalf("import the good files: %v\n%s", err, out)
	}
	snapshot := func() *importtest.Snapshot {
		t.Helper()
		s, err := sqlite.Open(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		snap, err := importtest.Take(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	before := snapshot()

	cmd := exec.Command(bin, "import", "--store", db, bad)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start = time.Now()
	err = cmd.Run()
	t.Logf("the import stopped at line %d after %v", badLine, time.Since(start))
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("import with a bad line: want exit status 1, got %v\n%s", err, stderr.String())
	}
	if want := fmt.Sprintf("customers.jsonl:%d: email", badLine); !strings.Contains(stderr.String(), want) {
		t.Errorf("import message %q lacks %q", lastLine(stderr.String()), want)
	}
	if d := importtest.Diff(snapshot(), before); d != "" {
		t.Errorf("the store changed:\n%s", d)
	}
}

// lastLine is the last non-empty line of s: the import's message after
// its progress lines.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
