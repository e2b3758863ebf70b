package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// rateLimitOffArgs are the `segql serve` arguments that turn every rate
// limit off, so the benchmark measures the server and not its limiter.
// Each flag is passed only when `segql serve -h` lists it; a listed flag
// with "rate" in its name that is not here is logged, so this list can be
// kept in step with server.go.
var rateLimitOffArgs = [][2]string{
	{"rate-customer", "off"},
	{"rate-guest", "off"},
	{"rate-admin", "off"},
}

// The serve flags the benchmark uses when segql has them.
const (
	flagNaiveLoaders = "naive-loaders" // loaders bypassed: the naive N+1
	flagPprofAddr    = "pprof-addr"    // net/http/pprof on its own listener
)

// buildSegql builds the segql binary from the module root into dir.
func buildSegql(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "segql")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// serveFlags lists the flag names `segql serve -h` prints.
func serveFlags(ctx context.Context, bin string) (map[string]bool, error) {
	out, _ := exec.CommandContext(ctx, bin, "serve", "-h").CombinedOutput()
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--?([a-z0-9][a-z0-9-]*)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		return nil, fmt.Errorf("segql serve -h listed no flags:\n%s", out)
	}
	return flags, nil
}

// segqlEnv is the environment of segql processes: this process's without
// any SEGQL_ setting, plus extra.
func segqlEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SEGQL_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// setEnv is env with key set to value (any other setting of key dropped).
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// randomText is a random token of 26 base32 characters.
func randomText() string { return rand.Text() }

// server is a running `segql serve`.
type server struct {
	cmd       *exec.Cmd
	addr      string // http://host:port
	pprofAddr string // host:port, or "" without --pprof-addr
	done      chan struct{}
	logFile   *os.File
}

// startServer starts `segql serve` with args and waits for its "segql
// serving" line. Its stderr goes to logPath.
func startServer(ctx context.Context, bin string, env, args []string, logPath string) (*server, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		lf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{}), logFile: lf}
	addr := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			lf.Write(line)
			lf.Write([]byte{'\n'})
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "segql serving" {
				select {
				case addr <- rec.Addr:
				default:
				}
			}
		}
		_ = cmd.Wait()
	}()
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	select {
	case a := <-addr:
		s.addr = a
		return s, nil
	case <-s.done:
		lf.Close()
		return nil, fmt.Errorf("segql serve exited before serving; its log is %s", logPath)
	case <-timeout.C:
	case <-ctx.Done():
	}
	s.stop()
	return nil, fmt.Errorf("segql serve did not log \"segql serving\"; its log is %s", logPath)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, waits for the exit (killing it after 20 s) and
// closes the log.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.logFile.Close()
}

// freeAddr is a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// importResult is what one `segql import` took.
type importResult struct {
	Wall    time.Duration
	PeakRSS int64 // bytes
	Output  string
}

// runImport imports dir into the store with `segql import`.
func runImport(ctx context.Context, bin, storeSpec, dir string) (importResult, error) {
	cmd := exec.CommandContext(ctx, bin, "import", "--store", storeSpec, dir)
	cmd.Env = segqlEnv()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := importResult{Wall: time.Since(start), Output: importSummary(string(out))}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		r.PeakRSS = ru.Maxrss << 10 // kilobytes on Linux
	}
	if err != nil {
		return r, fmt.Errorf("segql import: %w\n%s", err, lastLines(string(out), 20))
	}
	return r, nil
}

// importSummary is the "imported ..." line of segql import's output,
// without the store it names.
func importSummary(out string) string {
	line := strings.TrimSpace(lastLines(out, 1))
	if i := strings.Index(line, " into "); i > 0 {
		line = line[:i]
	}
	return line
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pgSchemaURL is base with search_path set to schema and application_name
// to app (which finds segql's backends for the CPU accounting).
func pgSchemaURL(base, schema, app string) (string, error) {
	u, err := withParam(base, "search_path", schema)
	if err != nil {
		return "", fmt.Errorf("-pg: %w", err)
	}
	return withParam(u, "application_name", app)
}

// resetSchema drops the schema with everything in it and creates it
// empty; with create false it only drops it.
func resetSchema(ctx context.Context, base, schema string, create bool) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
		return fmt.Errorf("postgres: drop schema %s: %w", schema, err)
	}
	if !create {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		return fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	return nil
}

// postgresVersion is the server's version string.
func postgresVersion(ctx context.Context, base string) string {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

// deleteRedisPrefix deletes every key starting with prefix and reports how
// many there were.
func deleteRedisPrefix(ctx context.Context, redisURL, prefix string) (int, error) {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return 0, fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	n := 0
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := rdb.Unlink(ctx, batch...).Err()
		n += len(batch)
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// redisVersion is the server's redis_version.
func redisVersion(ctx context.Context, redisURL string) string {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return "unknown"
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return "unknown"
}

// procSet names the processes whose CPU time a configuration spends: the
// server's, and those sources find at each snapshot (the store's and the
// cache's server processes).
type procSet struct {
	fixed   []int
	sources []func() []int
}

func (p *procSet) pids() []int {
	pids := slices.Clone(p.fixed)
	for _, src := range p.sources {
		pids = append(pids, src()...)
	}
	return pids
}

// redisPIDs are the redis-server processes (shared by whoever uses them).
func redisPIDs() []int { return pidsNamed("redis-server") }

// pgBackendTitle matches the process title of a PostgreSQL backend, which
// names its client: "postgres: 15/main: user db 127.0.0.1(5432) idle".
var pgBackendTitle = regexp.MustCompile(`\(\d+\)|\[local\]`)

// pgProcs finds the PostgreSQL processes that work for one client: the
// backends of its connections, by their application_name, and the
// server's own processes (postmaster, WAL writer, checkpointer, ...),
// but not the backends of other clients of a shared server.
type pgProcs struct {
	mu   sync.Mutex
	conn *pgx.Conn
	app  string
	seen int // most backends seen at once
}

func newPGProcs(ctx context.Context, base, app string) (*pgProcs, error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &pgProcs{conn: conn, app: app}, nil
}

func (p *pgProcs) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conn.Close(context.Background())
}

func (p *pgProcs) pids() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := p.conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, p.app)
	if err == nil {
		for rows.Next() {
			var pid int32
			if rows.Scan(&pid) == nil {
				pids = append(pids, int(pid))
			}
		}
		rows.Close()
	}
	p.seen = max(p.seen, len(pids))
	for _, pid := range pidsNamed("postgres") {
		title, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && !pgBackendTitle.Match(title) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// withParam is a URL with one query parameter set.
func withParam(raw, key, value string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
