package importer

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestTerminalProgressRedrawsOneLine(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := &reporter{w: &out, terminal: true, now: clock.now}

	r.begin("customers.jsonl")
	for n := 1; n <= 10_000; n++ {
		clock.t = clock.t.Add(time.Millisecond) // 1000 lines a second
		r.line(n)
	}
	r.end(10_000, 9_990)

	got := out.String()
	if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
		t.Errorf("output has %d line ends, want one at the end: %q", strings.Count(got, "\n"), got)
	}
	// Ten seconds at most one redraw each 200ms: the first draw, 50
	// redraws and the summary.
	if n := strings.Count(got, "\r"); n != 52 {
		t.Errorf("%d redraws, want 52", n)
	}
	if want := "\rcustomers.jsonl: 200 lines, 1,000 lines/s"; !strings.Contains(got, want) {
		t.Errorf("output lacks %q", want)
	}
	last := got[strings.LastIndex(got, "\r")+1:]
	if want := "customers.jsonl: 9,990 records, 10,000 lines in 10s, 1,000 lines/s"; strings.TrimRight(last, " \n") != want {
		t.Errorf("summary = %q, want %q", last, want)
	}
}

func TestTerminalProgressAbortEndsTheLine(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := &reporter{w: &out, terminal: true, now: clock.now}
	r.begin("segments.jsonl")
	clock.t = clock.t.Add(time.Second)
	r.line(1234)
	r.abort()
	if want := "\rsegments.jsonl: 0 lines\rsegments.jsonl: 1,234 lines, 1,234 lines/s\n"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestRedrawBlanksALongerLine(t *testing.T) {
	var out bytes.Buffer
	r := &reporter{w: &out, terminal: true, now: time.Now}
	r.redraw("a long line of text")
	r.redraw("short")
	if want := "\ra long line of text\rshort              "; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestNilReporterWritesNothing(t *testing.T) {
	r := newReporter(nil)
	r.begin("x")
	r.line(1)
	r.end(1, 1)
	r.abort()
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAPipeIsNoTerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
}
