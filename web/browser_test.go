package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/segql/segql/api"
	"github.com/segql/segql/auth"
	"github.com/segql/segql/demo"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/sqlite"
	"github.com/segql/segql/web"
)

// chromiumPath is Debian's chromium package; .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

// browserQuery is what the test runs in GraphiQL.
const browserQuery = `{ segments(first: 2) { totalCount nodes { name } } }`

// requireBrowserSetup skips the test when headless Chromium or the
// self-hosted assets are missing, except in CI (CI=true), where either is a
// failure.
func requireBrowserSetup(t *testing.T) {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true, so this fails rather than skips)", why)
		}
		t.Skip(why)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing(fmt.Sprintf("headless browser test needs %s (Debian: apt-get install chromium): %v", chromiumPath, err))
	}
	if !web.SelfHosted() {
		missing("the GraphiQL assets are not built into this test binary: run `go run ./web/build` first")
	}
}

// TestGraphiQLRunsAQueryInTheBrowser opens the GraphiQL page of the real
// segql handler in headless Chromium, runs a query from the editor, and
// checks the result pane shows the seeded segments.
func TestGraphiQLRunsAQueryInTheBrowser(t *testing.T) {
	requireBrowserSetup(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	wantNames, wantTotal := firstSegments(ctx, t, st, 2)

	// As --demo serves it: the page's headers carry an admin token, without
	// which the segments root answers an empty list.
	admins := auth.NewAdminTokens()
	token, err := auth.NewAdminToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := admins.Add(auth.ScopeRead, token); err != nil {
		t.Fatal(err)
	}
	h, err := api.New(ctx, api.Options{Store: st, Logger: slog.New(slog.DiscardHandler), GraphiQL: true,
		Admins: admins, GraphiQLHeaders: map[string]string{"Authorization": "Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h) // loopback only
	defer srv.Close()

	bctx, console := startChromium(ctx, t)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror")),
		chromedp.WaitVisible(chromedp.CSS("button.graphiql-execute-button")),
	); err != nil {
		t.Fatalf("GraphiQL editor did not appear: %v\n%s", err, console.String())
	}

	// Set the query through the editor's own API (typing would fight
	// CodeMirror's bracket auto-closing), then press GraphiQL's run button.
	queryJS, err := json.Marshal(browserQuery)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](
		`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(`+string(queryJS)+`)`)); err != nil {
		t.Fatalf("set the query: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("button.graphiql-execute-button"), chromedp.NodeVisible)); err != nil {
		t.Fatalf("click the run button: %v", err)
	}

	// Wait until the result pane holds the answer to this query.
	shown, err := chromedp.Run(bctx, chromedp.Poll[string](`(() => {
		const cm = document.querySelector('.graphiql-response .CodeMirror');
		const text = cm && cm.CodeMirror ? cm.CodeMirror.getValue() : '';
		return text.includes('"totalCount"') ? text : '';
	})()`, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("no result in GraphiQL's result pane: %v\n%s", err, console.String())
	}
	var result struct {
		Data struct {
			Segments struct {
				TotalCount int
				Nodes      []struct{ Name string }
			}
		}
		Errors []json.RawMessage
	}
	if err := json.Unmarshal([]byte(shown), &result); err != nil {
		t.Fatalf("result pane does not hold JSON: %v\n%s", err, shown)
	}
	var gotNames []string
	for _, n := range result.Data.Segments.Nodes {
		gotNames = append(gotNames, n.Name)
	}
	if len(result.Errors) > 0 || result.Data.Segments.TotalCount != wantTotal || !slices.Equal(gotNames, wantNames) {
		t.Errorf("result pane shows\n%s\nwant totalCount %d and segments %q", shown, wantTotal, wantNames)
	}

	// Everything the page loaded came from segql itself.
	loaded, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](
		`performance.getEntriesByType('resource').map(e => e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range loaded {
		if !strings.HasPrefix(u, srv.URL+"/") {
			t.Errorf("page loaded %s from outside segql", u)
		}
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("browser console reported problems (CSP violations, errors):\n%s", strings.Join(problems, "\n"))
	}
}

// firstSegments reads the answer the query should show from the store.
func firstSegments(ctx context.Context, t *testing.T, st store.Store, n int) ([]string, int) {
	t.Helper()
	page, err := st.ListSegments(ctx, store.SegmentFilter{}, store.Page[string]{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	total, err := st.CountSegments(ctx, store.SegmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range page.Items {
		names = append(names, s.Name)
	}
	if len(names) != n {
		t.Fatalf("the demo data has %d segments, the test needs %d", len(names), n)
	}
	return names, total
}

// startChromium starts headless Chromium with a fresh profile and no
// network but loopback, and records its console.
func startChromium(ctx context.Context, t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// No name resolves, so nothing but the loopback test server (an IP
		// address) can be reached.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)

	console := &consoleLog{}
	messages := chromedp.Console(bctx) // starts the browser
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m, err := range messages {
			if err != nil {
				return
			}
			console.add(string(m.Type), m.Text)
		}
	}()
	t.Cleanup(func() {
		cancelBrowser() // ends the console subscription
		wg.Wait()
	})
	return bctx, console
}

// consoleLog keeps the browser console's messages.
type consoleLog struct {
	mu    sync.Mutex
	lines []consoleLine
}

type consoleLine struct{ kind, text string }

func (c *consoleLog) add(kind, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, consoleLine{kind, text})
}

// problems are the errors, exceptions and Content-Security-Policy
// violations the page logged.
func (c *consoleLog) problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.lines {
		if l.kind == "error" || l.kind == "exception" || l.kind == "assert" || strings.Contains(l.text, "Content Security Policy") {
			out = append(out, l.kind+": "+l.text)
		}
	}
	return out
}

func (c *consoleLog) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	b.WriteString("browser console:\n")
	for _, l := range c.lines {
		fmt.Fprintf(&b, "  %s: %s\n", l.kind, l.text)
	}
	return b.String()
}
