// Command build installs the GraphiQL page's browser assets from the npm
// registry and copies the few files the page loads into web/dist/, where
// package web embeds them into the segql binary.
//
// Run it from anywhere inside the repository, before go build:
//
//	go run ./web/build
//
// It runs `npm ci` only when web/node_modules does not match
// web/package.json and web/package-lock.json, and rewrites a file in
// web/dist/ only when its content changed, so a second run is quick and
// leaves the tree as it was. Without npm on PATH it prints a note and exits
// 0: the binary then serves a GraphiQL page that loads the same versions
// from a CDN.
package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// asset is one file the GraphiQL page loads: where npm installs it and the
// name it is served under (/graphiql/<name>).
type asset struct {
	from string // relative to web/node_modules
	name string // file name in web/dist/graphiql
}

// assets must agree with the names package web serves (web/assets.go).
var assets = []asset{
	{from: "graphiql/graphiql.min.js", name: "graphiql.min.js"},
	{from: "graphiql/graphiql.min.css", name: "graphiql.min.css"},
	{from: "react/umd/react.production.min.js", name: "react.production.min.js"},
	{from: "react-dom/umd/react-dom.production.min.js", name: "react-dom.production.min.js"},
}

const (
	stampName     = ".segql-lock.sha256" // inside web/node_modules
	integrityName = "cdn-integrity.json" // inside web/, committed
)

func main() {
	dir := flag.String("dir", "", "the web/ directory (default: found from the working directory)")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "web/build: %v\n", err)
		os.Exit(1)
	}
}

func run(webDir string) error {
	if webDir == "" {
		found, err := findWebDir()
		if err != nil {
			return err
		}
		webDir = found
	}
	npm, err := exec.LookPath("npm")
	if err != nil && builtBefore(webDir) {
		fmt.Println("web/build: npm is not on PATH; keeping the GraphiQL assets already in web/dist (they may be older than web/package-lock.json).")
		return nil
	}
	if err != nil {
		fmt.Println("web/build: npm is not on PATH, so the GraphiQL assets were not built.")
		fmt.Println("web/build: segql will serve a GraphiQL page that loads them from a CDN (unpkg.com) instead;")
		fmt.Println("web/build: install Node.js/npm and run `go run ./web/build` before `go build` to self-host them.")
		return nil
	}
	installed, err := ensureInstalled(npm, webDir)
	if err != nil {
		return err
	}
	changed, err := copyAssets(webDir)
	if err != nil {
		return err
	}
	if err := checkIntegrity(webDir); err != nil {
		return err
	}
	versions, err := readVersions(filepath.Join(webDir, "package.json"))
	if err != nil {
		return err
	}
	state := "up to date"
	if installed || changed > 0 {
		state = fmt.Sprintf("built (%d file(s) written)", changed)
	}
	fmt.Printf("web/build: GraphiQL assets %s in %s (%s)\n", state, filepath.Join(webDir, "dist", "graphiql"), versions)
	return nil
}

// findWebDir walks up from the working directory to the one holding
// web/package-lock.json.
func findWebDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find web/: %w", err)
	}
	for {
		candidate := filepath.Join(dir, "web")
		if _, err := os.Stat(filepath.Join(candidate, "package-lock.json")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find web/: no web/package-lock.json in the working directory or above it; run from inside the segql repository or pass -dir")
		}
		dir = parent
	}
}

// ensureInstalled runs npm ci unless web/node_modules was installed from
// the current package.json and lock file. It reports whether it ran npm.
func ensureInstalled(npm, webDir string) (bool, error) {
	want, err := lockHash(webDir)
	if err != nil {
		return false, err
	}
	stamp := filepath.Join(webDir, "node_modules", stampName)
	if got, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(got)) == want && sourcesPresent(webDir) {
		return false, nil
	}
	fmt.Println("web/build: installing the GraphiQL packages with npm ci ...")
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = webDir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return false, fmt.Errorf("npm ci in %s: %w\n%s", webDir, err, out.String())
	}
	if !sourcesPresent(webDir) {
		return false, fmt.Errorf("npm ci in %s succeeded but the expected files are missing; do web/package.json's versions still ship UMD builds?", webDir)
	}
	if err := os.WriteFile(stamp, []byte(want+"\n"), 0o644); err != nil {
		return false, fmt.Errorf("write install stamp: %w", err)
	}
	return true, nil
}

func lockHash(webDir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(webDir, name))
		if err != nil {
			return "", fmt.Errorf("hash npm manifests: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sourcesPresent(webDir string) bool {
	for _, a := range assets {
		info, err := os.Stat(filepath.Join(webDir, "node_modules", filepath.FromSlash(a.from)))
		if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
			return false
		}
	}
	return true
}

// builtBefore reports whether web/dist/graphiql holds every asset.
func builtBefore(webDir string) bool {
	for _, a := range assets {
		info, err := os.Stat(filepath.Join(webDir, "dist", "graphiql", a.name))
		if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
			return false
		}
	}
	return true
}

// copyAssets makes web/dist/graphiql hold exactly the assets, writing a file
// only when its content differs. It returns how many files it wrote or
// removed.
func copyAssets(webDir string) (int, error) {
	outDir := filepath.Join(webDir, "dist", "graphiql")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return 0, fmt.Errorf("create %s: %w", outDir, err)
	}
	changed := 0
	keep := make([]string, 0, len(assets))
	for _, a := range assets {
		keep = append(keep, a.name)
		src, err := os.ReadFile(filepath.Join(webDir, "node_modules", filepath.FromSlash(a.from)))
		if err != nil {
			return changed, fmt.Errorf("read asset: %w", err)
		}
		dst := filepath.Join(outDir, a.name)
		if cur, err := os.ReadFile(dst); err == nil && bytes.Equal(cur, src) {
			continue
		}
		if err := writeFileAtomic(dst, src); err != nil {
			return changed, err
		}
		changed++
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return changed, fmt.Errorf("list %s: %w", outDir, err)
	}
	for _, e := range entries {
		if slices.Contains(keep, e.Name()) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(outDir, e.Name())); err != nil {
			return changed, fmt.Errorf("remove stale asset: %w", err)
		}
		changed++
	}
	return changed, nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// checkIntegrity keeps web/cdn-integrity.json, the Subresource Integrity
// hashes the CDN fallback page pins, equal to the hashes of the installed
// files. Out of CI it rewrites a stale file (to be committed); in CI
// (CI=true) a stale file is an error, since the committed one is what a
// Go-only build serves.
func checkIntegrity(webDir string) error {
	want := make(map[string]string, len(assets))
	for _, a := range assets {
		b, err := os.ReadFile(filepath.Join(webDir, "dist", "graphiql", a.name))
		if err != nil {
			return fmt.Errorf("hash asset: %w", err)
		}
		sum := sha512.Sum384(b)
		want[a.name] = "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
	}
	encoded, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		return fmt.Errorf("encode integrity hashes: %w", err)
	}
	encoded = append(encoded, '\n')
	path := filepath.Join(webDir, integrityName)
	cur, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if bytes.Equal(cur, encoded) {
		return nil
	}
	if os.Getenv("CI") == "true" {
		return fmt.Errorf("%s does not match the installed assets: run `go run ./web/build` and commit %s", path, integrityName)
	}
	if err := writeFileAtomic(path, encoded); err != nil {
		return err
	}
	fmt.Printf("web/build: updated %s for the new asset versions; commit it\n", path)
	return nil
}

func readVersions(packageJSON string) (string, error) {
	b, err := os.ReadFile(packageJSON)
	if err != nil {
		return "", fmt.Errorf("read versions: %w", err)
	}
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return "", fmt.Errorf("read versions from %s: %w", packageJSON, err)
	}
	var parts []string
	for _, name := range []string{"graphiql", "react", "react-dom"} {
		parts = append(parts, name+" "+manifest.Dependencies[name])
	}
	return strings.Join(parts, ", "), nil
}
