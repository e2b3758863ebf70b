// Package flight shares one load among the concurrent callers of a key,
// detached from any one caller's context. The Redis cache and the stores'
// enabled promotions both load this way.
package flight

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"golang.org/x/sync/singleflight"
)

// Group runs one load per key at a time. Its zero value is ready to use.
type Group struct{ g singleflight.Group }

// PanicError is a load that panicked, answered to its callers as an
// error: singleflight would re-panic it on a goroutine of its own, where
// no recover can reach it, and end the process.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("load panicked: %v", e.Value) }

// Start begins fn for key, or joins the load of key already running. fn
// runs on a context detached from ctx (one caller leaving does not cancel
// the others) and bounded by timeout. wait waits for the load or for ctx;
// leader reports whether this caller's fn ran.
func (g *Group) Start(ctx context.Context, key string, timeout time.Duration, fn func(context.Context) (any, error)) (wait func() (v any, leader bool, err error)) {
	ran := false
	ch := g.g.DoChan(key, func() (val any, err error) {
		ran = true
		defer func() {
			if p := recover(); p != nil {
				val, err = nil, &PanicError{Value: p, Stack: debug.Stack()}
			}
		}()
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		return fn(lctx)
	})
	return func() (any, bool, error) {
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case r := <-ch:
			return r.Val, ran, r.Err
		}
	}
}

// Do is Start and its wait.
func (g *Group) Do(ctx context.Context, key string, timeout time.Duration, fn func(context.Context) (any, error)) (v any, leader bool, err error) {
	return g.Start(ctx, key, timeout, fn)()
}
