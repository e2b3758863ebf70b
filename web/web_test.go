package web

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

const selfHostedCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"font-src 'self' data:; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// builtDist stands in for web/dist/graphiql after `go run ./web/build`.
func builtDist() fstest.MapFS {
	return fstest.MapFS{
		graphiqlJS:  {Data: []byte("/* graphiql */")},
		graphiqlCSS: {Data: []byte("/* graphiql css */")},
		reactJS:     {Data: []byte("/* react */")},
		reactDOMJS:  {Data: []byte("/* react-dom */")},
	}
}

func embeddedStatic(t *testing.T) fs.FS {
	t.Helper()
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		t.Fatal(err)
	}
	return static
}

// recordingHandler keeps every log record.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) all() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Record(nil), h.records...)
}

func get(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

var (
	scriptTag     = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)
	assetRef      = regexp.MustCompile(`(?:src|href)="((/graphiql/[^"?]+)\?v=[0-9a-f]+)"`)
	dataEndpoint  = regexp.MustCompile(`data-endpoint="([^"]*)"`)
	inlineHandler = regexp.MustCompile(`(?i)\son[a-z]+=`)
)

func TestPageSelfHosted(t *testing.T) {
	logs := &recordingHandler{}
	h := newHandler(slog.New(logs), "/graphql", nil, builtDist(), embeddedStatic(t))

	rec := get(t, h, http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Security-Policy"); got != selfHostedCSP {
		t.Errorf("CSP =\n  %q\nwant\n  %q", got, selfHostedCSP)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	body := rec.Body.String()
	if m := dataEndpoint.FindStringSubmatch(body); m == nil || m[1] != "/graphql" {
		t.Errorf("page has no data-endpoint=\"/graphql\":\n%s", body)
	}
	for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
		if strings.TrimSpace(m[2]) != "" || !strings.Contains(m[1], `src="/graphiql/`) {
			t.Errorf("page has a script that is inline or not self-hosted: %s", m[0])
		}
	}
	if inlineHandler.MatchString(body) {
		t.Errorf("page has an inline event handler:\n%s", body)
	}
	if strings.Contains(body, "https://") {
		t.Errorf("self-hosted page refers to another origin:\n%s", body)
	}

	// Every asset the page links to is served, and nothing else is needed.
	refs := assetRef.FindAllStringSubmatch(body, -1)
	var linked []string
	for _, m := range refs {
		linked = append(linked, m[2])
	}
	want := []string{"/graphiql/graphiql.min.css", "/graphiql/app.css", "/graphiql/react.production.min.js",
		"/graphiql/react-dom.production.min.js", "/graphiql/graphiql.min.js", "/graphiql/app.js"}
	if strings.Join(linked, " ") != strings.Join(want, " ") {
		t.Errorf("page links %v, want %v", linked, want)
	}
	for _, m := range refs {
		if r := get(t, h, http.MethodGet, m[1]); r.Code != http.StatusOK {
			t.Errorf("linked asset %s = %d", m[1], r.Code)
		}
	}

	if recs := logs.all(); len(recs) != 0 {
		t.Errorf("self-hosted handler logged %d record(s), want none: %v", len(recs), recs[0].Message)
	}
}

func TestAssets(t *testing.T) {
	h := newHandler(slog.New(slog.DiscardHandler), "/graphql", nil, builtDist(), embeddedStatic(t))
	tests := []struct {
		path        string
		contentType string
		body        string // prefix
	}{
		{"/graphiql/graphiql.min.js", "text/javascript; charset=utf-8", "/* graphiql */"},
		{"/graphiql/graphiql.min.css", "text/css; charset=utf-8", "/* graphiql css */"},
		{"/graphiql/react.production.min.js", "text/javascript; charset=utf-8", "/* react */"},
		{"/graphiql/react-dom.production.min.js", "text/javascript; charset=utf-8", "/* react-dom */"},
		{"/graphiql/app.js", "text/javascript; charset=utf-8", "// Starts GraphiQL"},
		{"/graphiql/app.css", "text/css; charset=utf-8", "/* Layout"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, http.MethodGet, tt.path+"?v=whatever")
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", tt.path, rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", got)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if !strings.HasPrefix(rec.Body.String(), tt.body) {
				t.Errorf("body starts %q, want %q", firstLine(rec.Body.String()), tt.body)
			}

			etag := rec.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("If-None-Match", etag)
			again := httptest.NewRecorder()
			h.ServeHTTP(again, req)
			if again.Code != http.StatusNotModified {
				t.Errorf("conditional GET = %d, want 304", again.Code)
			}

			head := get(t, h, http.MethodHead, tt.path)
			if head.Code != http.StatusOK || head.Body.Len() != 0 {
				t.Errorf("HEAD = %d with %d body bytes, want 200 and none", head.Code, head.Body.Len())
			}
		})
	}
}

func TestAssetURLChangesWithContent(t *testing.T) {
	static := embeddedStatic(t)
	a := newHandler(slog.New(slog.DiscardHandler), "/graphql", nil, builtDist(), static)
	changed := builtDist()
	changed[graphiqlJS] = &fstest.MapFile{Data: []byte("/* graphiql, next version */")}
	b := newHandler(slog.New(slog.DiscardHandler), "/graphql", nil, changed, static)
	if a.assetURL(graphiqlJS) == b.assetURL(graphiqlJS) {
		t.Errorf("asset URL %s did not change with the content", a.assetURL(graphiqlJS))
	}
	if a.assetURL(reactJS) != b.assetURL(reactJS) {
		t.Errorf("unchanged asset's URL changed: %s vs %s", a.assetURL(reactJS), b.assetURL(reactJS))
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := newHandler(slog.New(slog.DiscardHandler), "/graphql", nil, builtDist(), embeddedStatic(t))
	for _, p := range []string{"/index.html", "/graphql", "/graphiql", "/graphiql/", "/graphiql/nope.js",
		"/graphiql/../web.go", "/graphiql/graphiql.min.js/x", "/favicon.ico", "//", "/static/app.js"} {
		if rec := get(t, h, http.MethodGet, p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
	for _, p := range []string{"/", "/graphiql/app.js"} {
		rec := get(t, h, http.MethodPost, p)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s = %d, want 405", p, rec.Code)
		}
		if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
			t.Errorf("POST %s: Allow = %q", p, got)
		}
	}
}

func TestEndpointIsEscaped(t *testing.T) {
	h := newHandler(slog.New(slog.DiscardHandler), `/graphql?x="><script>alert(1)</script>`, nil, builtDist(), embeddedStatic(t))
	body := get(t, h, http.MethodGet, "/").Body.String()
	if strings.Contains(body, "<script>alert") {
		t.Fatalf("endpoint was not escaped:\n%s", body)
	}
}

func TestAbsoluteEndpointMayBeConnected(t *testing.T) {
	h := newHandler(slog.New(slog.DiscardHandler), "https://api.example.test/graphql", nil, builtDist(), embeddedStatic(t))
	csp := get(t, h, http.MethodGet, "/").Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.test;") {
		t.Errorf("CSP does not let the page reach its endpoint: %s", csp)
	}
}

func TestFallbackWhenAssetsMissing(t *testing.T) {
	partial := builtDist()
	delete(partial, reactDOMJS)
	empty := builtDist()
	empty[graphiqlJS] = &fstest.MapFile{Data: nil}
	for name, dist := range map[string]fs.FS{"none": fstest.MapFS{}, "partial": partial, "empty file": empty} {
		t.Run(name, func(t *testing.T) {
			logs := &recordingHandler{}
			h := newHandler(slog.New(logs), "/graphql", nil, dist, embeddedStatic(t))

			recs := logs.all()
			if len(recs) != 1 || recs[0].Level != slog.LevelWarn {
				t.Fatalf("construction logged %d record(s), want one warning", len(recs))
			}
			var fix string
			recs[0].Attrs(func(a slog.Attr) bool {
				if a.Key == "fix" {
					fix = a.Value.String()
				}
				return true
			})
			if !strings.Contains(recs[0].Message, "CDN") || !strings.Contains(fix, "go run ./web/build") {
				t.Errorf("warning does not say what happens and how to fix it: %q fix=%q", recs[0].Message, fix)
			}

			rec := get(t, h, http.MethodGet, "/")
			if rec.Code != http.StatusOK {
				t.Fatalf("GET / = %d", rec.Code)
			}
			csp := rec.Header().Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self' https://unpkg.com;", "style-src 'self' 'unsafe-inline' https://unpkg.com;", "connect-src 'self';"} {
				if !strings.Contains(csp, want) {
					t.Errorf("fallback CSP %q lacks %q", csp, want)
				}
			}
			body := rec.Body.String()
			for _, want := range []string{
				`<script src="https://unpkg.com/react@18.3.1/umd/react.production.min.js" integrity="sha384-`,
				`<script src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js" integrity="sha384-`,
				`<script src="https://unpkg.com/graphiql@3.9.0/graphiql.min.js" integrity="sha384-`,
				`<link rel="stylesheet" href="https://unpkg.com/graphiql@3.9.0/graphiql.min.css" integrity="sha384-`,
				`<script src="/graphiql/app.js?v=`,
				`data-endpoint="/graphql" data-cdn="true"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("fallback page lacks %s:\n%s", want, body)
				}
			}
			for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
				if strings.TrimSpace(m[2]) != "" {
					t.Errorf("fallback page has an inline script: %s", m[0])
				}
			}
			// The built assets are not served; the hand-written ones are.
			if r := get(t, h, http.MethodGet, "/graphiql/graphiql.min.js"); r.Code != http.StatusNotFound {
				t.Errorf("fallback serves graphiql.min.js: %d", r.Code)
			}
			if r := get(t, h, http.MethodGet, "/graphiql/app.js"); r.Code != http.StatusOK {
				t.Errorf("fallback does not serve app.js: %d", r.Code)
			}
			if n := len(logs.all()); n != 1 {
				t.Errorf("serving logged more: %d record(s) in all, want the one warning", n)
			}
		})
	}
}

// TestPinnedVersions keeps the CDN fallback on the versions the build
// installs: the ones package.json pins and the lock file resolves.
func TestPinnedVersions(t *testing.T) {
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(packageJSON, &manifest); err != nil {
		t.Fatal(err)
	}
	lockJSON := readFile(t, "package-lock.json")
	var lock struct {
		Packages map[string]struct {
			Version  string `json:"version"`
			Resolved string `json:"resolved"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(lockJSON, &lock); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"graphiql", "react", "react-dom", "graphql"} {
		pinned := manifest.Dependencies[name]
		if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(pinned) {
			t.Errorf("package.json pins %s to %q, want an exact version", name, pinned)
		}
		if got := lock.Packages["node_modules/"+name].Version; got != pinned {
			t.Errorf("package-lock.json has %s %s, package.json pins %s", name, got, pinned)
		}
	}
	for p, entry := range lock.Packages {
		if entry.Resolved != "" && !strings.HasPrefix(entry.Resolved, "https://registry.npmjs.org/") {
			t.Errorf("package-lock.json resolves %s from %s, want the npm registry", p, entry.Resolved)
		}
	}
}

// TestCDNIntegrityMatchesBuild checks the hashes the fallback page pins
// against the self-hosted files, when this binary has them.
func TestCDNIntegrityMatchesBuild(t *testing.T) {
	if !SelfHosted() {
		t.Skip("GraphiQL assets are not built (run `go run ./web/build`); nothing to compare cdn-integrity.json with")
	}
	var integrity map[string]string
	if err := json.Unmarshal(cdnIntegrity, &integrity); err != nil {
		t.Fatal(err)
	}
	for _, name := range builtAssets {
		b, err := fs.ReadFile(distFS, "dist/graphiql/"+name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha512.Sum384(b)
		if want := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); integrity[name] != want {
			t.Errorf("cdn-integrity.json has %s for %s, the built file hashes to %s: run `go run ./web/build` and commit it", integrity[name], name, want)
		}
	}
}

// TestHandlerMatchesEmbed checks the exported constructor against what the
// binary embeds.
func TestHandlerMatchesEmbed(t *testing.T) {
	logs := &recordingHandler{}
	h := Handler(slog.New(logs), "/graphql", nil)
	rec := get(t, h, http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	cdn := strings.Contains(rec.Body.String(), "https://unpkg.com/")
	if SelfHosted() == cdn {
		t.Errorf("SelfHosted() = %v but the page loads from the CDN: %v", SelfHosted(), cdn)
	}
	if warned := len(logs.all()) == 1; warned != cdn {
		t.Errorf("logged %d record(s) for a page from the CDN: %v", len(logs.all()), cdn)
	}
	if SelfHosted() {
		if got := rec.Header().Get("Content-Security-Policy"); got != selfHostedCSP {
			t.Errorf("CSP = %q", got)
		}
		js := get(t, h, http.MethodGet, "/graphiql/graphiql.min.js")
		if js.Code != http.StatusOK || !bytes.Contains(js.Body.Bytes(), []byte("createFetcher")) {
			t.Errorf("embedded graphiql.min.js: %d, %d bytes", js.Code, js.Body.Len())
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name) // go test runs in the package directory

	if err != nil {
		t.Fatal(err)
	}
	return b
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
