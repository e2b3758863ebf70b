// Package web serves the GraphiQL page, the in-browser IDE for segql's
// graph.
//
// The page's assets (GraphiQL, React and ReactDOM UMD builds) come from
// the npm registry: `go run ./web/build` installs the versions pinned in
// web/package.json and web/package-lock.json and copies the files the page
// loads into web/dist/, which is embedded in the binary. A binary built
// without running that step serves a page that loads the same versions
// from a CDN instead, and says so in its log.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed dist
var distFS embed.FS

//go:embed static
var staticFS embed.FS

// packageJSON pins the asset versions; the CDN fallback loads the same ones.
//
//go:embed package.json
var packageJSON []byte

// cdnIntegrity holds the Subresource Integrity hashes of those versions'
// files, kept current by `go run ./web/build`.
//
//go:embed cdn-integrity.json
var cdnIntegrity []byte

// Asset names, served under /graphiql/. web/build writes the first four
// into web/dist/graphiql; app.js and app.css live in web/static.
const (
	graphiqlJS  = "graphiql.min.js"
	graphiqlCSS = "graphiql.min.css"
	reactJS     = "react.production.min.js"
	reactDOMJS  = "react-dom.production.min.js"
	appJS       = "app.js"
	appCSS      = "app.css"
)

var builtAssets = []string{graphiqlJS, graphiqlCSS, reactJS, reactDOMJS}

// cdnOrigin is where the fallback page loads the assets from.
const cdnOrigin = "https://unpkg.com"

// assetPrefix is the URL path the assets are served under.
const assetPrefix = "/graphiql/"

// assetCacheControl lets browsers keep an asset for a year: the page links
// each asset with a hash of its content, so a new build gets a new URL.
const assetCacheControl = "public, max-age=31536000, immutable"

// SelfHosted reports whether this binary embeds the GraphiQL assets (true)
// or serves the page that loads them from a CDN (false).
func SelfHosted() bool {
	dist, err := fs.Sub(distFS, "dist/graphiql")
	if err != nil {
		return false
	}
	return selfHosted(dist)
}

func selfHosted(dist fs.FS) bool {
	for _, name := range builtAssets {
		info, err := fs.Stat(dist, name)
		if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
			return false
		}
	}
	return true
}

// Handler serves the GraphiQL page at / (that exact path) talking to the
// GraphQL endpoint at endpoint (a path such as "/graphql", or an absolute
// URL), and its assets under /graphiql/. Every other path is 404.
// headers, when given, fill GraphiQL's headers editor (--demo puts its
// development admin token there).
//
// When the binary lacks the self-hosted assets (see SelfHosted), it logs
// one warning here and serves a page that loads them from a CDN.
func Handler(logger *slog.Logger, endpoint string, headers map[string]string) http.Handler {
	dist, err := fs.Sub(distFS, "dist/graphiql")
	if err != nil {
		panic(fmt.Sprintf("web: embedded dist: %v", err)) // a constant path into the embed: cannot fail
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(fmt.Sprintf("web: embedded static: %v", err))
	}
	return newHandler(logger, endpoint, headers, dist, static)
}

// handler is the GraphiQL page and its assets, all read once at
// construction.
type handler struct {
	page   []byte
	csp    string
	assets map[string]servedAsset // by name under /graphiql/
}

type servedAsset struct {
	body        []byte
	contentType string
	etag        string
}

// newHandler builds the handler from the built assets in dist (files named
// as in builtAssets) and the hand-written ones in static (app.js, app.css).
func newHandler(logger *slog.Logger, endpoint string, headers map[string]string, dist, static fs.FS) *handler {
	if logger == nil {
		logger = slog.Default()
	}
	if endpoint == "" {
		endpoint = "/graphql"
	}
	h := &handler{assets: make(map[string]servedAsset)}
	for _, name := range []string{appJS, appCSS} {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			panic(fmt.Sprintf("web: embedded %s: %v", name, err)) // embedded with the package: cannot be missing
		}
		h.addAsset(name, b)
	}

	data := pageData{Endpoint: endpoint, AppJS: h.assetURL(appJS), AppCSS: h.assetURL(appCSS)}
	if len(headers) > 0 {
		b, err := json.MarshalIndent(headers, "", "  ")
		if err != nil {
			panic(fmt.Sprintf("web: headers: %v", err)) // a map of strings always marshals
		}
		data.Headers = string(b)
	}
	connectSrc := connectSources(endpoint)
	if selfHosted(dist) {
		for _, name := range builtAssets {
			b, err := fs.ReadFile(dist, name)
			if err != nil {
				panic(fmt.Sprintf("web: embedded %s: %v", name, err)) // selfHosted just saw it
			}
			h.addAsset(name, b)
		}
		data.GraphiQLCSS = linkedAsset{URL: h.assetURL(graphiqlCSS)}
		data.Scripts = []linkedAsset{{URL: h.assetURL(reactJS)}, {URL: h.assetURL(reactDOMJS)}, {URL: h.assetURL(graphiqlJS)}}
		h.csp = contentSecurityPolicy("", connectSrc)
	} else {
		cdn, err := cdnAssets()
		if err != nil {
			panic(fmt.Sprintf("web: %v", err)) // embedded files of this package: a test covers them
		}
		data.CDN = true
		data.GraphiQLCSS = cdn[graphiqlCSS]
		data.Scripts = []linkedAsset{cdn[reactJS], cdn[reactDOMJS], cdn[graphiqlJS]}
		h.csp = contentSecurityPolicy(cdnOrigin, connectSrc)
		logger.Warn("GraphiQL assets are not built into this binary: serving the GraphiQL page from a CDN, which the browser must be able to reach",
			slog.String("cdn", cdnOrigin),
			slog.String("fix", "run `go run ./web/build` (needs npm) before `go build` to self-host them"))
	}

	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, data); err != nil {
		panic(fmt.Sprintf("web: render GraphiQL page: %v", err)) // fixed template and plain strings
	}
	h.page = page.Bytes()
	return h
}

func (h *handler) addAsset(name string, body []byte) {
	sum := sha256.Sum256(body)
	h.assets[name] = servedAsset{
		body:        body,
		contentType: contentType(name),
		etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
	}
}

// assetURL is the asset's path with its content hash, so that a long cache
// lifetime never serves an old version after an upgrade.
func (h *handler) assetURL(name string) string {
	return assetPrefix + name + "?v=" + strings.Trim(h.assets[name].etag, `"`)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default:
		return "application/octet-stream"
	}
}

// contentSecurityPolicy allows scripts and styles only from this origin
// (and the CDN, for the fallback page). GraphiQL sets inline styles and
// its CSS inlines fonts as data: URLs.
func contentSecurityPolicy(cdn, connectSrc string) string {
	scriptSrc, styleSrc := "'self'", "'self' 'unsafe-inline'"
	if cdn != "" {
		scriptSrc += " " + cdn
		styleSrc += " " + cdn
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + scriptSrc,
		"style-src " + styleSrc,
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connectSrc,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// connectSources is where GraphiQL may send queries: this origin, plus the
// endpoint's origin when it is an absolute URL elsewhere.
func connectSources(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "'self'"
	}
	return "'self' " + u.Scheme + "://" + u.Host
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/":
		if !allowRead(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Security-Policy", h.csp)
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("X-Frame-Options", "DENY")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(r.URL.Path, assetPrefix):
		a, ok := h.assets[strings.TrimPrefix(r.URL.Path, assetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowRead(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", a.contentType)
		hdr.Set("Cache-Control", assetCacheControl)
		hdr.Set("ETag", a.etag)
		hdr.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	default:
		http.NotFound(w, r)
	}
}

// allowRead answers 405 to anything but GET and HEAD.
func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

// linkedAsset is a script or stylesheet the page links to; Integrity is
// set for CDN files.
type linkedAsset struct {
	URL       string
	Integrity string
}

// cdnAssets are the CDN URLs of the versions pinned in package.json, with
// their integrity hashes.
func cdnAssets() (map[string]linkedAsset, error) {
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(packageJSON, &manifest); err != nil {
		return nil, fmt.Errorf("read package.json: %w", err)
	}
	var integrity map[string]string
	if err := json.Unmarshal(cdnIntegrity, &integrity); err != nil {
		return nil, fmt.Errorf("read cdn-integrity.json: %w", err)
	}
	paths := map[string]string{
		graphiqlJS:  "graphiql@" + manifest.Dependencies["graphiql"] + "/graphiql.min.js",
		graphiqlCSS: "graphiql@" + manifest.Dependencies["graphiql"] + "/graphiql.min.css",
		reactJS:     "react@" + manifest.Dependencies["react"] + "/umd/react.production.min.js",
		reactDOMJS:  "react-dom@" + manifest.Dependencies["react-dom"] + "/umd/react-dom.production.min.js",
	}
	out := make(map[string]linkedAsset, len(paths))
	for name, p := range paths {
		if strings.Contains(p, "@/") {
			return nil, fmt.Errorf("package.json pins no version for %s", strings.SplitN(p, "@", 2)[0])
		}
		if integrity[name] == "" {
			return nil, fmt.Errorf("cdn-integrity.json has no hash for %s", name)
		}
		out[name] = linkedAsset{URL: cdnOrigin + "/" + p, Integrity: integrity[name]}
	}
	return out, nil
}

type pageData struct {
	Endpoint    string
	Headers     string // JSON for GraphiQL's headers editor, or empty
	CDN         bool
	GraphiQLCSS linkedAsset
	Scripts     []linkedAsset
	AppCSS      string
	AppJS       string
}

// pageTemplate has no inline script: app.js reads the endpoint from the
// root element's data-endpoint attribute.
var pageTemplate = template.Must(template.New("graphiql").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>segql · GraphiQL</title>
<link rel="stylesheet" href="{{.GraphiQLCSS.URL}}"{{with .GraphiQLCSS.Integrity}} integrity="{{.}}" crossorigin="anonymous"{{end}}>
<link rel="stylesheet" href="{{.AppCSS}}">
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}"{{with .Headers}} data-headers="{{.}}"{{end}}{{if .CDN}} data-cdn="true"{{end}}>
<p class="segql-loading">Loading GraphiQL…</p>
<noscript><p class="segql-error">GraphiQL needs JavaScript. The GraphQL endpoint is {{.Endpoint}}.</p></noscript>
</div>
{{range .Scripts}}<script src="{{.URL}}"{{with .Integrity}} integrity="{{.}}" crossorigin="anonymous"{{end}}></script>
{{end}}<script src="{{.AppJS}}"></script>
</body>
</html>
`))
