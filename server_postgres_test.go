package main

import (
	"fmt"
	"os/exec"
	"testing"

	"github.com/segql/segql/store/postgres/pgtest"
)

// TestTwoProcessesShareOnePostgreSQL runs two segql processes on one
// PostgreSQL schema, as two instances behind a load balancer: what one
// writes, the other answers on its next request.
func TestTwoProcessesShareOnePostgreSQL(t *testing.T) {
	url := pgtest.URL(t)
	bin := buildSegql(t)

	// Both start at once: the migration runs once under its advisory lock.
	a := startServe(t, bin, "--store", url)
	b := startServe(t, bin, "--store", url)

	for i := range 3 {
		name := fmt.Sprintf("Shared %d", i)
		writer, reader := a, b
		if i%2 == 1 {
			writer, reader = b, a
		}
		created := writer.graphql(t, "", fmt.Sprintf(`mutation { createSegments(input: [{name: %q}]) { segments { uuid } userErrors { code } } }`, name))
		segs := created["createSegments"].(map[string]any)["segments"].([]any)
		if len(segs) != 1 {
			t.Fatalf("create %s through one process: %v", name, created)
		}
		uuid := segs[0].(map[string]any)["uuid"].(string)

		got := reader.graphql(t, "", fmt.Sprintf(`{ segment(uuid: %q) { name } }`, uuid))
		if seg, _ := got["segment"].(map[string]any); seg == nil || seg["name"] != name {
			t.Errorf("the other process answers %v for %s", got, name)
		}
		// A duplicate through the other process is refused: one store, one rule.
		dup := reader.graphql(t, "", fmt.Sprintf(`mutation { createSegments(input: [{name: %q}]) { userErrors { code } } }`, name))
		errs := dup["createSegments"].(map[string]any)["userErrors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["code"] != "DUPLICATE_NAME" {
			t.Errorf("duplicate through the other process: %v", dup)
		}
	}

	// segql migrate on the shared store is a no-op now.
	out, err := exec.Command(bin, "migrate", "--store", url).CombinedOutput()
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
}
