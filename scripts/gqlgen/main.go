// Command gqlgen writes graph/ from schema.graphqls and gqlgen.yml as
// `go tool gqlgen generate` does, except that the generated code resolves
// the fields of every object but the query root, and marshals the
// elements of every list, in line rather than on a goroutine each (see
// package inline for why). `go generate ./...` runs it.
//
// Object fields: gqlgen's own switch for it, Object.DisableConcurrency
// (set for the mutation root), set through a plugin before the code is
// rendered. Lists: gqlgen has no switch, so the rendered file's calls of
// graphql.MarshalSliceConcurrently are pointed at inline.MarshalSlice,
// which has the same signature. With nothing resolved concurrently,
// @defer is answered in line too, in the first payload (which the
// incremental delivery proposal allows), so the per-object @defer
// groups are left empty rather than built.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

const (
	concurrent = "graphql.MarshalSliceConcurrently("
	inLine     = "inline.MarshalSlice("
	importLine = "\t\"github.com/segql/segql/inline\"\n"
	// Every object's marshaller starts a group for its @defer fields,
	// computing the object's path. Only ResolveConcurrently adds to a
	// group (it takes &deferred), and in line nothing does: @defer is
	// answered in the first payload, and an empty group does the same
	// without the path.
	newGroup   = "graphql.NewDeferredGroup(ctx)"
	emptyGroup = "graphql.DeferredGroup{}"
	groupTaken = "&deferred"
)

func main() {
	if err := generate(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func generate() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return fmt.Errorf("load gqlgen.yml: %w", err)
	}
	if err := api.Generate(cfg, api.AddPlugin(inlineFields{})); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	return inlineLists(cfg.Exec.Filename)
}

// inlineFields turns off gqlgen's goroutine per resolver field on every
// object but the query root, whose fields are independent and each plan
// their own loads.
type inlineFields struct{}

func (inlineFields) Name() string { return "inline-fields" }

func (inlineFields) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if o != data.QueryRoot {
			o.DisableConcurrency = true
		}
	}
	return nil
}

// plainFields matches the generated resolution of a field that reads a
// Go field or method of its object (no resolver, no arguments, no
// directive) and marshals a non-null string, ID, enum, integer or
// boolean, which cannot fail: gqlgen builds a field context, a context,
// two closures and a boxed value for each such field of each object, for
// field middleware, which segql has none of (the answer's paths need no
// context for a field that cannot fail). The rewrite marshals the value
// straight away. Nullable, time and list fields, and every field with a
// resolver, keep gqlgen's resolution.
var plainFields = regexp.MustCompile(`(?m)^(func \(ec \*executionContext\) _\w+\(ctx context\.Context, field graphql\.CollectedField, obj \*[\w.]+\) \(ret graphql\.Marshaler\) \{)
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.fieldContext_\w+\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return (obj\.\w+(?:\(\))?), nil
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v (?:string|int|int64|bool)\) graphql\.Marshaler \{
			return ec\.(marshalN(?:String|ID|Int|Int64|Boolean|RedemptionType|PromotionStatus)2(?:string|int|int64|bool))\(ctx, selections, v\)
		\},
		true,
		true,
	\)
\}`)

const plainField = "$1\n\treturn ec.$3(ctx, field.Selections, $2)\n}"

// inlineLists points the generated file's list marshalling at
// inline.MarshalSlice, leaves its @defer groups empty and marshals plain
// fields straight away.
func inlineLists(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(src, []byte(concurrent)) {
		return fmt.Errorf("%s: no %s call: has gqlgen's generated code changed?", path, concurrent)
	}
	src = bytes.ReplaceAll(src, []byte(concurrent), []byte(inLine))
	if bytes.Contains(src, []byte(groupTaken)) {
		return fmt.Errorf("%s: a field is still resolved concurrently (%s): its @defer group cannot be left empty", path, groupTaken)
	}
	src = bytes.ReplaceAll(src, []byte(newGroup), []byte(emptyGroup))
	src = plainFields.ReplaceAll(src, []byte(plainField))
	// The last line of the import block, among the module's own imports.
	i := bytes.Index(src, []byte("import (\n"))
	end := bytes.Index(src[max(i, 0):], []byte("\n)\n"))
	if i < 0 || end < 0 {
		return fmt.Errorf("%s: no import block", path)
	}
	at := i + end + 1
	src = append(src[:at:at], append([]byte(importLine), src[at:]...)...)
	out, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("%s: format: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
