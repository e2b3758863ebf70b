package redistest_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/cache/redistest"
)

// shortClient is a client that gives up after 50ms and never retries.
func shortClient(t *testing.T, s *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  s.Addr(),
		DialTimeout:           50 * time.Millisecond,
		ReadTimeout:           50 * time.Millisecond,
		WriteTimeout:          50 * time.Millisecond,
		PoolTimeout:           50 * time.Millisecond,
		MaxRetries:            -1,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestStartStopRestart(t *testing.T) {
	s := redistest.Start(t)
	if !strings.HasPrefix(s.URL(), "redis://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/0") {
		t.Fatalf("URL = %q", s.URL())
	}
	if s.Port() == 6379 {
		t.Fatal("the dedicated server must not use the shared port 6379")
	}
	opts, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	if opts.Addr != s.Addr() {
		t.Fatalf("URL addr %q, want %q", opts.Addr, s.Addr())
	}
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}

	s.Stop()
	if s.Running() {
		t.Fatal("Running after Stop")
	}
	_, err = net.DialTimeout("tcp", s.Addr(), time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a stopped server: %v, want connection refused", err)
	}
	start := time.Now()
	if err := shortClient(t, s).Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET on a stopped server succeeded")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("GET on a stopped server took %v", d)
	}

	s.Start()
	if !s.Running() {
		t.Fatal("not Running after Start")
	}
	// Same port, nothing persisted.
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after restart: %v, want redis.Nil (nothing persisted)", err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after restart: %v", err)
	}
}

func TestPauseResume(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()
	c := shortClient(t, s)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}

	s.Pause()
	// The port still accepts TCP: the kernel completes the handshake.
	conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		t.Fatalf("dial a paused server: %v, want accepted", err)
	}
	conn.Close()
	// But nothing answers: a read with a 50ms timeout times out.
	start := time.Now()
	err = c.Get(ctx, "k").Err()
	d := time.Since(start)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("GET on a paused server: %v, want a timeout", err)
	}
	if d > time.Second {
		t.Fatalf("GET with a 50ms timeout took %v", d)
	}
	if err := s.Ping(50 * time.Millisecond); err == nil {
		t.Fatal("PING answered while paused")
	}

	s.Resume()
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET after resume = %q, %v", got, err)
	}
}

func TestStopWhilePaused(t *testing.T) {
	s := redistest.Start(t)
	s.Pause()
	start := time.Now()
	s.Stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("stopping a paused server took %v", d)
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial: %v, want connection refused", err)
	}
	s.Start()
	if err := s.Ping(time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestPauseClients(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()
	c := shortClient(t, s)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	s.PauseClients(500 * time.Millisecond)
	start := time.Now()
	err := c.Get(ctx, "k").Err()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("GET under CLIENT PAUSE: %v, want a timeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("GET with a 50ms timeout took %v", d)
	}
	s.WaitReady(5 * time.Second)
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET after the pause = %q, %v", got, err)
	}
}

func TestFailWrites(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	before := s.Info("memory")["maxmemory"]

	s.FailWrites()
	err := c.Set(ctx, "k2", "v2", time.Minute).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "OOM") {
		t.Fatalf("SET while writes fail: %v, want an OOM error", err)
	}
	if err := c.Incr(ctx, "n").Err(); err == nil {
		t.Fatal("INCR while writes fail succeeded")
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET while writes fail = %q, %v; reads must work", got, err)
	}

	s.AllowWrites()
	if err := c.Set(ctx, "k2", "v2", time.Minute).Err(); err != nil {
		t.Fatalf("SET after AllowWrites: %v", err)
	}
	if after := s.Info("memory")["maxmemory"]; after != before {
		t.Fatalf("maxmemory %q after AllowWrites, was %q", after, before)
	}
}

func TestCommands(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	before := s.Commands()
	for i := 0; i < 5; i++ {
		if err := c.Get(ctx, "x").Err(); !errors.Is(err, redis.Nil) {
			t.Fatal(err)
		}
	}
	// The INFO calls redistest makes are not counted.
	_ = s.Commands()
	if got := s.Commands() - before; got != 5 {
		t.Fatalf("Commands grew by %d, want 5 (%v)", got, s.CommandStats())
	}
	if s.CommandStats()["get"] != 5 {
		t.Fatalf("commandstats: %v", s.CommandStats())
	}
}

func TestSkipWithoutBinary(t *testing.T) {
	if os.Getenv("CI") == "true" {
		t.Skip("under CI a missing redis-server fails instead")
	}
	t.Setenv("PATH", t.TempDir())
	ran := false
	ok := t.Run("inner", func(t *testing.T) {
		redistest.Start(t)
		ran = true
	})
	if !ok || ran {
		t.Fatalf("without redis-server: ok=%v ran=%v, want a skip", ok, ran)
	}
}
