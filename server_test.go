package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run the real segql binary, as a user would.

func buildSegql(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "segql")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running `segql serve`.
type process struct {
	cmd     *exec.Cmd
	logs    chan map[string]any
	history []map[string]any // lines waitLog has read
	addr    string
}

// startServe starts `segql serve` on a free port and waits for its
// "segql serving" log line; waitLog finds later lines.
func startServe(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "SEGQL_ADMIN_TOKENS=write:"+testAdminToken)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: make(chan map[string]any, 1000)}
	go func() {
		defer close(p.logs)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				p.logs <- line
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	serving := p.waitLog(t, "segql serving")
	p.addr = serving["addr"].(string)
	return p
}

// logged finds a line already read whose message starts with prefix.
func (p *process) logged(t *testing.T, prefix string) map[string]any {
	t.Helper()
	for _, line := range p.history {
		if msg, _ := line["msg"].(string); strings.HasPrefix(msg, prefix) {
			return line
		}
	}
	t.Fatalf("no log line starting %q", prefix)
	return nil
}

func (p *process) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-p.logs:
			if !ok {
				t.Fatalf("segql exited before logging %q", msg)
			}
			p.history = append(p.history, line)
			if line["msg"] == msg {
				return line
			}
		case <-timeout.C:
			t.Fatalf("no %q log line", msg)
		}
	}
}

// testAdminToken is the write token every process of these tests accepts;
// requests sent without a token of their own carry it.
const testAdminToken = "write-token-of-the-process-tests"

func (p *process) graphql(t *testing.T, token, query string) map[string]any {
	t.Helper()
	data, err := p.post(token, query)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// post sends a GraphQL request and returns its data, or an error for a
// failed request or any GraphQL error; safe to call from any goroutine.
// token "" sends testAdminToken, "-" no token (a guest).
func (p *process) post(token, query string) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, p.addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	switch token {
	case "-":
	case "":
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST /graphql: %w", err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if out["errors"] != nil {
		return nil, fmt.Errorf("graphql errors: %v", out["errors"])
	}
	return out["data"].(map[string]any), nil
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestImportThenServe(t *testing.T) {
	bin := buildSegql(t)
	db := filepath.Join(t.TempDir(), "segql.db")

	good := writeFiles(t, map[string]string{
		"customers.jsonl": `{"id": 1, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "customer_group_id": 2, "order_count": 5}
{"id": 2, "email": "alan@example.com", "first_name": "Alan", "last_name": "Turing"}
`,
		"segments.jsonl":         `{"id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP", "description": "Top spenders"}` + "\n",
		"shopper_profiles.jsonl": `{"id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a71", "customer_id": 1}` + "\n",
		"memberships.jsonl":      `{"segment_id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "shopper_profile_id": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a71"}` + "\n",
		"promotions.jsonl":       `{"id": 12, "name": "VIP 10%", "redemption_type": "AUTOMATIC", "start_date": "2020-01-01T00:00:00Z", "customer": {"segments": {"id": ["0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70"]}}}` + "\n",
	})
	out, err := exec.Command(bin, "import", "--store", db, good).CombinedOutput()
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}

	// A bad line after good ones: the import fails with file:line and
	// leaves the store as it was.
	bad := writeFiles(t, map[string]string{
		"customers.jsonl": `{"id": 3, "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"}
{"id": 4, "email": "edsger@example.com", "first_name": "Edsger", "last_name": "Dijkstra"}
{"id": 5, "email": "not-an-email", "first_name": "Bad", "last_name": "Line"}
`,
	})
	cmd := exec.Command(bin, "import", "--store", db, bad)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("bad import: want exit status 1, got %v", err)
	}
	if !strings.Contains(stderr.String(), "customers.jsonl:3: email") {
		t.Errorf("bad import message %q lacks customers.jsonl:3: email", stderr.String())
	}

	p := startServe(t, bin, "--store", db, "--jwt-secret", "e2e-secret")
	data := p.graphql(t, "", `{
		customers(first: 10) { totalCount nodes { email } }
		segment(uuid: "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70") {
			name
			shopperProfiles { nodes { customer { firstName } eligiblePromotions { name } } }
			promotions { nodes { promotionId } }
		}
	}`)
	if got := data["customers"].(map[string]any)["totalCount"]; got != float64(2) {
		t.Errorf("customers after the failed import: %v, want 2", got)
	}
	seg := data["segment"].(map[string]any)
	profiles := seg["shopperProfiles"].(map[string]any)["nodes"].([]any)
	if len(profiles) != 1 {
		t.Fatalf("profiles of VIP: %v", profiles)
	}
	promos := profiles[0].(map[string]any)["eligiblePromotions"].([]any)
	if len(promos) != 1 || promos[0].(map[string]any)["name"] != "VIP 10%" {
		t.Errorf("eligible promotions: %v", promos)
	}

	created := p.graphql(t, "", `mutation { createSegments(input: [{name: "Lapsed"}]) { segments { name } userErrors { code } } }`)
	if got := created["createSegments"].(map[string]any)["segments"].([]any); len(got) != 1 {
		t.Errorf("createSegments: %v", created)
	}

	// SIGTERM: readiness turns, in-flight work finishes, the process exits 0.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "stopped")
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("segql serve exit after SIGTERM: %v", err)
	}
}

func TestServeDemo(t *testing.T) {
	bin := buildSegql(t)
	db := filepath.Join(t.TempDir(), "demo.db")
	p := startServe(t, bin, "--store", db, "--demo")
	token, _ := p.logged(t, "demo: a customer token")["token"].(string)
	admin, _ := p.logged(t, "demo: a development admin token")["token"].(string)

	// The customer sees their own viewer; the segments root is the admin's.
	data := p.graphql(t, token, `{ viewer { isGuest customer { customerId } segments { totalCount } eligiblePromotions { name } } segments { totalCount } }`)
	viewer := data["viewer"].(map[string]any)
	if viewer["isGuest"] != false || viewer["customer"] == nil {
		t.Errorf("demo token viewer: %v", viewer)
	}
	if n := data["segments"].(map[string]any)["totalCount"].(float64); n != 0 {
		t.Errorf("demo segments as the customer: %v, want 0", n)
	}
	data = p.graphql(t, admin, `{ segments { totalCount } }`)
	if n := data["segments"].(map[string]any)["totalCount"].(float64); n < 20 {
		t.Errorf("demo segments as the demo admin: %v", n)
	}
	// --demo opens introspection to guests, for GraphQL explorers.
	if _, err := p.post("-", `{ __schema { queryType { name } } }`); err != nil {
		t.Errorf("introspection as a guest in demo mode: %v", err)
	}
	res, err := http.Get(p.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "graphiql") {
		t.Errorf("GraphiQL page: %d %.200s", res.StatusCode, page)
	}
	if !strings.Contains(string(page), admin) {
		t.Errorf("the demo GraphiQL page does not carry the development admin token in its headers")
	}
}
