// Package redistest gives a test a redis-server process of its own, on a
// free loopback port, with nothing persisted, so the test can break it
// without disturbing anything else: stop it (connections refused), pause
// it (connections accepted, nothing answered), make every write fail, and
// start it again on the same port.
//
// Without the redis-server binary on PATH the test is skipped, except
// under CI=true, where it fails: CI must run the Redis fault tests.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Binary is the redis-server executable looked up on PATH.
const Binary = "redis-server"

// ReadyTimeout bounds how long Start waits for the server to answer PING.
const ReadyTimeout = 15 * time.Second

// stopTimeout bounds how long Stop waits for the process after SIGTERM
// before it kills it.
const stopTimeout = 10 * time.Second

// Server is a dedicated redis-server process. Its methods are meant for
// the test's own goroutine: they fail the test on error.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has been waited for
	paused  bool
	saved   map[string]string // config replaced by FailWrites
	starts  int
	logPath string
}

// Start runs a dedicated redis-server for the test and waits until it
// answers PING. The process is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not on PATH: CI must run the Redis fault tests (%v)", Binary, err)
		}
		t.Skipf("%s is not on PATH: skipping the Redis fault tests (%v)", Binary, err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	s.logPath = filepath.Join(s.dir, "redis.log")
	t.Cleanup(s.cleanup)
	// A free port can be taken between choosing it and redis binding it;
	// choose again a few times when that happens.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: choose a port: %v", err)
		}
		s.port = port
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the server's TCP port; it stays the same across restarts.
func (s *Server) Port() int { return s.port }

// URL is the server's redis:// URL, database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Start starts the server again, on the same port, after Stop, and waits
// until it answers PING. The data is gone: nothing is persisted.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart redis-server on %s: %v", s.Addr(), err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return errors.New("already running")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.starts++
	fmt.Fprintf(logf, "--- redistest: start %d on port %d\n", s.starts, s.port)
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
	)
	cmd.Dir = s.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.mu.Unlock()
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	s.cmd, s.exited, s.paused, s.saved = cmd, exited, false, nil
	s.mu.Unlock()

	if err := waitReady(s.Addr(), exited, ReadyTimeout); err != nil {
		s.kill()
		return fmt.Errorf("%w\n%s", err, s.logTail())
	}
	return nil
}

// waitReady polls PING until the server answers +PONG, the process exits,
// or the timeout passes.
func waitReady(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for attempt := 0; ; attempt++ {
		select {
		case <-exited:
			return errors.New("redis-server exited before answering PING")
		default:
		}
		if last = rawPing(addr, 250*time.Millisecond); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer to PING within %v: %v", timeout, last)
		}
		// Back off a little between attempts, waking early if the
		// process exits.
		wait := time.Duration(attempt+1) * 5 * time.Millisecond
		if wait > 100*time.Millisecond {
			wait = 100 * time.Millisecond
		}
		select {
		case <-exited:
		case <-time.After(wait):
		}
	}
}

// rawPing sends an inline PING over a new connection and expects +PONG.
func rawPing(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// Ping reports whether the server answers PING within timeout.
func (s *Server) Ping(timeout time.Duration) error { return rawPing(s.Addr(), timeout) }

// Stop sends SIGTERM and waits for the process to exit (killing it if it
// does not within a few seconds). New connections are then refused.
// A paused server is resumed so that it can handle the signal.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("redistest: stop: %v", err)
	}
}

func (s *Server) stop() error {
	s.mu.Lock()
	cmd, exited, paused := s.cmd, s.exited, s.paused
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("not running")
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if paused {
		_ = cmd.Process.Signal(syscall.SIGCONT)
	}
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
	s.mu.Lock()
	s.cmd, s.exited, s.paused, s.saved = nil, nil, false, nil
	s.mu.Unlock()
	return nil
}

// kill ends the process at once, if there is one.
func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd, s.exited, s.paused, s.saved = nil, nil, false, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

func (s *Server) cleanup() {
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if !running {
		return
	}
	if err := s.stop(); err != nil {
		s.kill()
	}
}

// Running reports whether the process is running (paused or not).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Pause stops the process with SIGSTOP: the kernel still accepts TCP
// connections on its port, but nothing reads or answers them. This is
// the "Redis hanging" fault.
func (s *Server) Pause() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatal("redistest: Pause: not running")
	}
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: SIGSTOP: %v", err)
	}
	s.paused = true
}

// Resume continues a paused process with SIGCONT and waits until it
// answers PING again.
func (s *Server) Resume() {
	s.t.Helper()
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	if cmd == nil {
		s.mu.Unlock()
		s.t.Fatal("redistest: Resume: not running")
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("redistest: SIGCONT: %v", err)
	}
	s.paused = false
	s.mu.Unlock()
	if err := waitReady(s.Addr(), exited, ReadyTimeout); err != nil {
		s.t.Fatalf("redistest: after SIGCONT: %v\n%s", err, s.logTail())
	}
}

// PauseClients runs CLIENT PAUSE d ALL: the server stays up and accepts
// connections, but holds every command, from every client, until d has
// passed. Redis holds CLIENT UNPAUSE too, so this pause cannot be ended
// early; it ends by itself after d (see WaitReady).
func (s *Server) PauseClients(d time.Duration) {
	s.t.Helper()
	ms := d.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	if _, err := s.Do("CLIENT", "PAUSE", strconv.FormatInt(ms, 10), "ALL"); err != nil {
		s.t.Fatalf("redistest: CLIENT PAUSE: %v", err)
	}
}

// WaitReady waits until the server answers PING, e.g. after PauseClients.
func (s *Server) WaitReady(timeout time.Duration) {
	s.t.Helper()
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	if exited == nil {
		s.t.Fatal("redistest: WaitReady: not running")
	}
	if err := waitReady(s.Addr(), exited, timeout); err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
}

// failWritesConfig makes every command that may grow memory (SET, EVAL
// of a writing script, INCR, ...) fail with OOM, while reads and DEL
// still work.
var failWritesConfig = []struct{ key, value string }{
	{"maxmemory-policy", "noeviction"},
	{"maxmemory", "1"},
}

// FailWrites makes every write fail with an OOM error while reads keep
// working: maxmemory 1 with the noeviction policy. AllowWrites undoes it.
func (s *Server) FailWrites() {
	s.t.Helper()
	saved := map[string]string{}
	for _, kv := range failWritesConfig {
		got, err := s.Do("CONFIG", "GET", kv.key)
		if err != nil {
			s.t.Fatalf("redistest: FailWrites: CONFIG GET %s: %v", kv.key, err)
		}
		if pair, ok := got.([]any); ok && len(pair) == 2 {
			saved[kv.key], _ = pair[1].(string)
		} else {
			s.t.Fatalf("redistest: FailWrites: CONFIG GET %s answered %#v", kv.key, got)
		}
	}
	for _, kv := range failWritesConfig {
		if _, err := s.Do("CONFIG", "SET", kv.key, kv.value); err != nil {
			s.t.Fatalf("redistest: FailWrites: CONFIG SET %s %s: %v", kv.key, kv.value, err)
		}
	}
	s.mu.Lock()
	if s.saved == nil {
		s.saved = saved
	}
	s.mu.Unlock()
}

// AllowWrites restores the memory settings FailWrites replaced.
func (s *Server) AllowWrites() {
	s.t.Helper()
	s.mu.Lock()
	saved := s.saved
	s.mu.Unlock()
	if saved == nil {
		return
	}
	// maxmemory first, so the policy never matters in between.
	for i := len(failWritesConfig) - 1; i >= 0; i-- {
		k := failWritesConfig[i].key
		if _, err := s.Do("CONFIG", "SET", k, saved[k]); err != nil {
			s.t.Fatalf("redistest: AllowWrites: CONFIG SET %s %s: %v", k, saved[k], err)
		}
	}
	s.mu.Lock()
	s.saved = nil
	s.mu.Unlock()
}

// Client returns a client of the server with go-redis defaults, closed
// when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Info returns the fields of INFO section as a map (e.g. "stats" gives
// total_commands_processed).
func (s *Server) Info(section string) map[string]string {
	s.t.Helper()
	got, err := s.Do("INFO", section)
	if err != nil {
		s.t.Fatalf("redistest: INFO %s: %v", section, err)
	}
	text, _ := got.(string)
	return parseInfo(text)
}

func parseInfo(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// CommandStats returns how many times the server has run each command
// since it started, from INFO commandstats: keys are command names such
// as "get", "evalsha", "client|setinfo".
func (s *Server) CommandStats() map[string]int64 {
	s.t.Helper()
	out := map[string]int64{}
	for k, v := range s.Info("commandstats") {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if n, ok := strings.CutPrefix(f, "calls="); ok {
				calls, _ := strconv.ParseInt(n, 10, 64)
				out[name] = calls
			}
		}
	}
	return out
}

// ownCommands are the commands redistest itself sends; Commands leaves
// them out.
var ownCommands = map[string]bool{
	"info": true, "config|get": true, "config|set": true, "client|pause": true,
}

// Commands is the number of commands the server has run since it
// started, leaving out those redistest itself sends (INFO, CONFIG GET and
// SET, CLIENT PAUSE); PING is counted, including redistest's readiness
// probes, which run only in Start, Resume and WaitReady.
func (s *Server) Commands() int64 {
	s.t.Helper()
	var n int64
	for name, calls := range s.CommandStats() {
		if !ownCommands[name] {
			n += calls
		}
	}
	return n
}

// Connections is the total of connections the server has accepted since
// it started (INFO stats total_connections_received), including one for
// each call redistest makes.
func (s *Server) Connections() int64 {
	s.t.Helper()
	n, _ := strconv.ParseInt(s.Info("stats")["total_connections_received"], 10, 64)
	return n
}

// FlushAll empties the server.
func (s *Server) FlushAll() {
	s.t.Helper()
	if _, err := s.Do("FLUSHALL"); err != nil {
		s.t.Fatalf("redistest: FLUSHALL: %v", err)
	}
}

// Do sends one command over a connection of its own, with no handshake
// (so it adds nothing to the command counts but the command itself), and
// returns the reply: string for simple and bulk strings, int64, []any,
// nil for a null, or an error for an error reply. It gives up after 5 s.
func (s *Server) Do(args ...string) (any, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return nil, err
	}
	return readReply(bufio.NewReader(c))
}

// readReply reads one RESP2 reply.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, ReplyError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			v, err := readReply(r)
			var re ReplyError
			if err != nil && !errors.As(err, &re) {
				return nil, err
			}
			if err != nil {
				v = err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// ReplyError is an error reply from the server, such as "OOM command not
// allowed when used memory > 'maxmemory'."
type ReplyError string

func (e ReplyError) Error() string { return string(e) }

// logTail is the end of the server's log, for failure messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no redis-server log: " + err.Error() + ")"
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return "redis-server log:\n" + string(b)
}
