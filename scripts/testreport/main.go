// Command testreport reads `go test -json` on stdin and prints a short
// report: one line per package, the output of failed tests, every skipped
// test with its reason (so a run without PostgreSQL, Redis or Chromium says
// plainly what it skipped), and a closing "N passed, N failed, N skipped".
// It exits non-zero when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type key struct{ pkg, test string }

func main() {
	outputs := map[key][]string{}
	var passed, failed, skipped int
	var failures []string
	skips := map[string][]string{} // reason → "package Test" lines
	badPackages := 0

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for in.Scan() {
		line := in.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Build errors arrive as plain text.
			fmt.Println(string(line))
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output":
			outputs[k] = append(outputs[k], e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				fmt.Printf("ok   %s %.1fs\n", e.Package, e.Elapsed)
			}
			delete(outputs, k)
		case "skip":
			if e.Test == "" {
				delete(outputs, k)
				continue
			}
			skipped++
			r := reason(outputs[k])
			skips[r] = append(skips[r], strings.TrimPrefix(e.Package, "github.com/segql/segql")+" "+e.Test)
			delete(outputs, k)
		case "fail":
			if e.Test != "" {
				failed++
				failures = append(failures, fmt.Sprintf("--- FAIL %s %s\n%s", e.Package, e.Test, strings.Join(outputs[k], "")))
			} else {
				badPackages++
				fmt.Printf("FAIL %s\n%s", e.Package, strings.Join(outputs[k], ""))
			}
			delete(outputs, k)
		}
	}
	if len(failures) > 0 {
		fmt.Println("\nFailed tests:")
		for _, f := range failures {
			fmt.Print(f)
		}
	}
	if len(skips) > 0 {
		// Grouped by reason: a missing service skips many tests for one reason.
		reasons := make([]string, 0, len(skips))
		for r := range skips {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		fmt.Println("\nSkipped:")
		for _, r := range reasons {
			tests := skips[r]
			sort.Strings(tests)
			fmt.Printf("  %d: %s\n", len(tests), r)
			for _, t := range tests {
				fmt.Println("      " + t)
			}
		}
	}
	fmt.Printf("\n%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || badPackages > 0 || in.Err() != nil {
		os.Exit(1)
	}
}

// reason is the last line a test logged before it skipped: the t.Skip message.
func reason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		if _, msg, ok := strings.Cut(l, ": "); ok && strings.Contains(l, ".go:") {
			return msg
		}
		return l
	}
	return "no reason given"
}
