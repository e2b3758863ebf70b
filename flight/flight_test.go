package flight

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPanicBecomesAnError(t *testing.T) {
	var g Group
	_, leader, err := g.Do(t.Context(), "k", time.Second, func(context.Context) (any, error) { panic("boom") })
	var p *PanicError
	if !errors.As(err, &p) || p.Value != "boom" || !strings.Contains(string(p.Stack), "goroutine ") || !leader {
		t.Fatalf("got leader %v, err %v; want the leader's PanicError with its stack", leader, err)
	}
}

// TestCallerLeavingDoesNotCancelTheLoad: the leader's context ends while
// its load runs; a caller that joined still gets the load's answer, and
// the load's context was never cancelled.
func TestCallerLeavingDoesNotCancelTheLoad(t *testing.T) {
	var g Group
	started, release := make(chan struct{}), make(chan struct{})
	leaderCtx, leave := context.WithCancel(t.Context())
	wait := g.Start(leaderCtx, "k", time.Minute, func(ctx context.Context) (any, error) {
		close(started)
		<-release
		return "loaded", ctx.Err()
	})
	<-started
	joined := g.Start(t.Context(), "k", time.Minute, func(context.Context) (any, error) {
		t.Error("a second load ran for a key already loading")
		return nil, nil
	})
	leave()
	if _, _, err := wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("the leaving caller got %v, want context.Canceled", err)
	}
	close(release)
	v, leader, err := joined()
	if v != "loaded" || leader || err != nil {
		t.Errorf("the joined caller got %v, leader %v, err %v; want the load's answer", v, leader, err)
	}
}
