// Package inline holds what segql's generated GraphQL code (graph/) runs
// instead of gqlgen's concurrent list marshalling: the elements of a list
// marshalled one after another on the caller's goroutine. It is wired in
// by scripts/gqlgen, which `go generate` runs.
//
// Why in line: segql's resolvers never wait on I/O while gqlgen walks an
// answer, since each root field loads everything its answer reads first
// (resolvers/plan.go). A goroutine per list element then buys nothing and
// costs its creation, its stack growth and the garbage it leaves: about
// 40% of the CPU of a large answer (bench/FIXES.md).
package inline

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSlice has graphql.MarshalSliceConcurrently's signature and
// results, element by element in order: each element gets its field
// context (its index), a panic in one is recovered as that element's
// error and null unless omitPanicHandler, and workerLimit is moot.
func MarshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		ret[i] = marshalRecovered(childCtx, i, marshalElement)
	}
	return ret
}

func marshalRecovered(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}
