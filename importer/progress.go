package importer

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// redrawEvery is how often a terminal's progress line is redrawn at most.
const redrawEvery = 200 * time.Millisecond

// reporter writes an import's progress. On a terminal it redraws one line
// in place with the file, the lines done and the rate; elsewhere (a log, a
// pipe) it writes one summary line per file. A nil reporter writes nothing.
type reporter struct {
	w        io.Writer
	terminal bool
	now      func() time.Time

	file     string
	started  time.Time
	drawn    time.Time
	drawnLen int // length of the line on screen, to blank out its rest
}

func newReporter(w io.Writer) *reporter {
	if w == nil {
		return nil
	}
	return &reporter{w: w, terminal: isTerminal(w), now: time.Now}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func (r *reporter) begin(file string) {
	if r == nil {
		return
	}
	r.file, r.started = file, r.now()
	if r.terminal {
		r.draw(0)
	}
}

// line is told the number of the line being read.
func (r *reporter) line(n int) {
	if r == nil || !r.terminal {
		return
	}
	if r.now().Sub(r.drawn) >= redrawEvery {
		r.draw(n)
	}
}

func (r *reporter) draw(lines int) {
	r.drawn = r.now()
	r.redraw(fmt.Sprintf("%s: %s lines%s", r.file, thousands(lines), rate(lines, r.drawn.Sub(r.started))))
}

// redraw replaces the line on screen by text.
func (r *reporter) redraw(text string) {
	pad := max(r.drawnLen-len(text), 0)
	fmt.Fprintf(r.w, "\r%s%s", text, strings.Repeat(" ", pad))
	r.drawnLen = len(text)
}

// end reports a file read whole.
func (r *reporter) end(lines, records int) {
	if r == nil {
		return
	}
	elapsed := r.now().Sub(r.started)
	summary := fmt.Sprintf("%s: %s records, %s lines in %v%s", r.file, thousands(records), thousands(lines),
		roundDuration(elapsed), rate(lines, elapsed))
	if r.terminal {
		r.redraw(summary)
		fmt.Fprintln(r.w)
		r.drawnLen = 0
		return
	}
	fmt.Fprintln(r.w, summary)
}

// abort ends a progress line cut short, so that what follows starts on a
// line of its own.
func (r *reporter) abort() {
	if r == nil || !r.terminal || r.drawnLen == 0 {
		return
	}
	fmt.Fprintln(r.w)
	r.drawnLen = 0
}

// rate is ", N lines/s", or nothing when no time has passed.
func rate(lines int, elapsed time.Duration) string {
	if elapsed <= 0 {
		return ""
	}
	return fmt.Sprintf(", %s lines/s", thousands(int(float64(lines)/elapsed.Seconds())))
}

func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
