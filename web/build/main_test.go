package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeWeb lays out a web/ directory and puts on PATH an npm whose `ci`
// installs stand-ins for the packages and counts its runs.
func fakeWeb(t *testing.T) (webDir string, npmRuns func() int) {
	t.Helper()
	root := t.TempDir()
	webDir = filepath.Join(root, "web")
	write(t, filepath.Join(webDir, "package.json"), `{"dependencies":{"graphiql":"3.9.0","react":"18.3.1","react-dom":"18.3.1"}}`)
	write(t, filepath.Join(webDir, "package-lock.json"), `{"lockfileVersion":3}`)

	bin := filepath.Join(root, "bin")
	count := filepath.Join(root, "npm-runs")
	var script strings.Builder
	script.WriteString("#!/bin/sh\nset -e\n[ \"$1\" = ci ] || exit 3\necho run >> " + count + "\n")
	for _, a := range assets {
		dst := filepath.Join("node_modules", filepath.FromSlash(a.from))
		script.WriteString("mkdir -p " + filepath.Dir(dst) + " && echo '/* " + a.from + " */' > " + dst + "\n")
	}
	write(t, filepath.Join(bin, "npm"), script.String())
	if err := os.Chmod(filepath.Join(bin, "npm"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	t.Setenv("CI", "")
	return webDir, func() int {
		b, err := os.ReadFile(count)
		if err != nil {
			return 0
		}
		return strings.Count(string(b), "run")
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildIsIdempotent(t *testing.T) {
	webDir, npmRuns := fakeWeb(t)
	stale := filepath.Join(webDir, "dist", "graphiql", "old.js")
	write(t, stale, "stale")

	if err := run(webDir); err != nil {
		t.Fatal(err)
	}
	if n := npmRuns(); n != 1 {
		t.Fatalf("npm ci ran %d times, want 1", n)
	}
	for _, a := range assets {
		b, err := os.ReadFile(filepath.Join(webDir, "dist", "graphiql", a.name))
		if err != nil || !strings.Contains(string(b), a.from) {
			t.Errorf("dist/graphiql/%s = %q, %v", a.name, b, err)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale file left in dist: %v", err)
	}
	integrity, err := os.ReadFile(filepath.Join(webDir, integrityName))
	if err != nil || !strings.Contains(string(integrity), `"graphiql.min.js": "sha384-`) {
		t.Errorf("%s = %q, %v", integrityName, integrity, err)
	}

	info, err := os.Stat(filepath.Join(webDir, "dist", "graphiql", "graphiql.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if err := run(webDir); err != nil {
		t.Fatal(err)
	}
	if n := npmRuns(); n != 1 {
		t.Errorf("second build ran npm ci again (%d runs in all)", n)
	}
	again, err := os.Stat(filepath.Join(webDir, "dist", "graphiql", "graphiql.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !again.ModTime().Equal(info.ModTime()) {
		t.Errorf("second build rewrote an unchanged asset")
	}

	// A changed lock file means a new install.
	write(t, filepath.Join(webDir, "package-lock.json"), `{"lockfileVersion":3,"changed":true}`)
	if err := run(webDir); err != nil {
		t.Fatal(err)
	}
	if n := npmRuns(); n != 2 {
		t.Errorf("npm ci ran %d times after the lock file changed, want 2", n)
	}
}

func TestStaleIntegrityFailsInCI(t *testing.T) {
	webDir, _ := fakeWeb(t)
	write(t, filepath.Join(webDir, integrityName), "{}\n")
	t.Setenv("CI", "true")
	err := run(webDir)
	if err == nil || !strings.Contains(err.Error(), "commit "+integrityName) {
		t.Fatalf("run with a stale %s in CI = %v, want an error saying to commit it", integrityName, err)
	}
}

func TestWithoutNPM(t *testing.T) {
	webDir, npmRuns := fakeWeb(t)
	t.Setenv("PATH", t.TempDir())
	if err := run(webDir); err != nil {
		t.Fatalf("run without npm = %v, want nil (the CDN page is served)", err)
	}
	if npmRuns() != 0 {
		t.Error("npm ran")
	}
	if _, err := os.Stat(filepath.Join(webDir, "dist", "graphiql")); !os.IsNotExist(err) {
		t.Errorf("dist/graphiql made without npm: %v", err)
	}
}
