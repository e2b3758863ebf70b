package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/importer/importtest"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/sqlite"
)

const (
	segVIP    = "0b7e5a3c-1d2e-4f60-8a9b-0000000000a1"
	segLapsed = "0b7e5a3c-1d2e-4f60-8a9b-0000000000a2"
	segNew    = "0b7e5a3c-1d2e-4f60-8a9b-0000000000a3"
	profAda   = "5f0c7d1e-2b3a-4c5d-9e8f-0000000000b1"
	profGrace = "5f0c7d1e-2b3a-4c5d-9e8f-0000000000b2"
	profNew   = "5f0c7d1e-2b3a-4c5d-9e8f-0000000000b3"
	unknownID = "99999999-9999-4999-8999-999999999999"
)

// goodFiles is a small data set shaped like reference exports: extra
// fields, blank lines, CRLF line ends, nulls and missing optional fields.
func goodFiles() map[string]string {
	return map[string]string{
		"customers.jsonl": `{"id":1,"email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","company":"Analytical Engines","phone":"+44 20 7946 0001","customer_group_id":1,"channel_ids":[1,2],"date_created":"2024-01-02T03:04:05Z","date_modified":"2024-02-03T04:05:06.5+01:00","order_count":12,"notes":"ignored","addresses":[{"city":"London"}]}

{"id":2,"email":"grace@example.com","first_name":"Grace","last_name":"Hopper","customer_group_id":0,"company":null,"order_count":0}` + "\r\n" + `
{"id":3,"email":"alan@example.com","first_name":"Alan","last_name":"Turing","customer_group_id":2,"channel_ids":[2],"order_count":4}
`,
		"segments.jsonl": `{"id":"` + segVIP + `","name":"VIP","description":"Big spenders","created_at":"2023-05-01T10:00:00Z","updated_at":"2023-06-01T10:00:00Z"}
{"id":"` + segLapsed + `","name":"Lapsed buyers"}
`,
		"shopper_profiles.jsonl": `{"id":"` + profAda + `","customer_id":1,"created_at":"2024-01-03T00:00:00Z","updated_at":"2024-01-04T00:00:00Z"}
{"id":"` + profGrace + `","customer_id":2}
`,
		"memberships.jsonl": `{"segment_id":"` + segVIP + `","shopper_profile_id":"` + profAda + `"}
{"segment_id":"` + segLapsed + `","shopper_profile_id":"` + profAda + `"}

{"segment_id":"` + segLapsed + `","shopper_profile_id":"` + profGrace + `"}
`,
		"promotions.jsonl": `{"id":1,"name":"VIP ten","display_name":"Ten off","redemption_type":"AUTOMATIC","status":"DISABLED","start_date":"2024-03-01T00:00:00+00:00","end_date":"2030-01-01T00:00:00Z","channels":[{"id":1}],"currency_code":"EUR","max_uses":100,"current_uses":3,"customer":{"group_ids":[],"excluded_group_ids":[0],"minimum_order_count":2,"segments":{"and":[{"id":["` + segVIP + `"]},{"not":{"id":["` + segLapsed + `"]}}]}},"rules":[{"action":{"cart_value":{"discount":{"percentage_amount":"10"}}}}]}
{"id":2,"name":"Everyone","redemption_type":"COUPON","end_date":null,"customer":null}
`,
	}
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// writeDir writes files into a new directory and returns it.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goodStore is a store holding goodFiles.
func goodStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := openStore(t)
	if _, err := importer.Run(t.Context(), s, writeDir(t, goodFiles()), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func snapshot(t *testing.T, s store.Store) *importtest.Snapshot {
	t.Helper()
	snap, err := importtest.Take(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestImportGoodData(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	before := store.UTC(time.Now())
	stats, err := importer.Run(ctx, s, writeDir(t, goodFiles()), nil)
	if err != nil {
		t.Fatal(err)
	}
	after := store.UTC(time.Now())
	if want := (importer.Stats{Customers: 3, Segments: 2, ShopperProfiles: 2, Memberships: 3, Promotions: 2}); stats != want {
		t.Errorf("stats = %+v, want %+v", stats, want)
	}
	recent := func(what string, got time.Time) {
		t.Helper()
		if got.Before(before) || got.After(after) {
			t.Errorf("%s = %v, want the import's time, between %v and %v", what, got, before, after)
		}
	}

	customers, err := s.CustomersByIDs(ctx, []int64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	ada := store.Customer{ID: 1, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace",
		Company: "Analytical Engines", Phone: "+44 20 7946 0001", CustomerGroupID: 1, OrderCount: 12,
		ChannelIDs: []int64{1, 2}, CreatedAt: date("2024-01-02T03:04:05Z"), UpdatedAt: date("2024-02-03T03:05:06.5Z")}
	if customers[0] == nil || !equalCustomer(*customers[0], ada) {
		t.Errorf("customer 1 = %+v, want %+v", customers[0], ada)
	}
	if c := customers[1]; c == nil || c.Email != "grace@example.com" || c.Company != "" || c.CustomerGroupID != 0 {
		t.Errorf("customer 2 = %+v", c)
	} else {
		recent("customer 2 created_at", c.CreatedAt)
		recent("customer 2 updated_at", c.UpdatedAt)
	}
	if c := customers[2]; c == nil || c.CustomerGroupID != 2 || c.OrderCount != 4 || !slices.Equal(c.ChannelIDs, []int64{2}) {
		t.Errorf("customer 3 = %+v", c)
	}

	segments, err := s.SegmentsByIDs(ctx, []string{segVIP, segLapsed})
	if err != nil {
		t.Fatal(err)
	}
	vip := store.Segment{ID: segVIP, Name: "VIP", Description: "Big spenders",
		CreatedAt: date("2023-05-01T10:00:00Z"), UpdatedAt: date("2023-06-01T10:00:00Z")}
	if segments[0] == nil || !segments[0].CreatedAt.Equal(vip.CreatedAt) || !segments[0].UpdatedAt.Equal(vip.UpdatedAt) ||
		segments[0].Name != vip.Name || segments[0].Description != vip.Description {
		t.Errorf("segment VIP = %+v, want %+v", segments[0], vip)
	}
	if sg := segments[1]; sg == nil || sg.Name != "Lapsed buyers" || sg.Description != "" {
		t.Errorf("segment Lapsed buyers = %+v", sg)
	} else {
		recent("segment created_at", sg.CreatedAt)
	}

	profiles, err := s.ShopperProfilesByCustomerIDs(ctx, []int64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if p := profiles[0]; p == nil || p.ID != profAda || !p.CreatedAt.Equal(date("2024-01-03T00:00:00Z")) {
		t.Errorf("profile of customer 1 = %+v", p)
	}
	if p := profiles[1]; p == nil || p.ID != profGrace {
		t.Errorf("profile of customer 2 = %+v", p)
	}
	if profiles[2] != nil {
		t.Errorf("customer 3 has profile %+v, want none", profiles[2])
	}
	segmentIDs, err := s.ProfileSegmentIDs(ctx, []string{profAda, profGrace})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(segmentIDs[0])); !slices.Equal(got, []string{segVIP, segLapsed}) {
		t.Errorf("segments of Ada = %v", got)
	}
	if !slices.Equal(segmentIDs[1], []string{segLapsed}) {
		t.Errorf("segments of Grace = %v", segmentIDs[1])
	}

	promos, err := s.PromotionsByIDs(ctx, []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	p1 := promos[0]
	if p1 == nil {
		t.Fatal("promotion 1 missing")
	}
	if p1.Name != "VIP ten" || p1.DisplayName != "Ten off" || p1.RedemptionType != store.RedemptionAutomatic ||
		p1.Status != store.StatusDisabled || !p1.StartsAt.Equal(date("2024-03-01T00:00:00Z")) ||
		p1.EndsAt == nil || !p1.EndsAt.Equal(date("2030-01-01T00:00:00Z")) || !slices.Equal(p1.ChannelIDs, []int64{1}) ||
		p1.CurrencyCode != "EUR" || p1.MaxUses == nil || *p1.MaxUses != 100 || p1.CurrentUses != 3 {
		t.Errorf("promotion 1 = %+v", p1)
	}
	wantCond := store.Condition{And: []store.Condition{{ID: []string{segVIP}}, {Not: &store.Condition{ID: []string{segLapsed}}}}}
	if c := p1.Customer; len(c.GroupIDs) != 0 || !slices.Equal(c.ExcludedGroupIDs, []int64{0}) || c.MinimumOrderCount != 2 ||
		c.Segments == nil || jsonOf(t, c.Segments) != jsonOf(t, wantCond) {
		t.Errorf("promotion 1 targeting = %+v, segments %+v", c, c.Segments)
	}
	p2 := promos[1]
	if p2 == nil {
		t.Fatal("promotion 2 missing")
	}
	if p2.DisplayName != "Everyone" || p2.RedemptionType != store.RedemptionCoupon || p2.Status != store.StatusEnabled ||
		p2.CurrencyCode != "USD" || p2.EndsAt != nil || len(p2.ChannelIDs) != 0 || p2.MaxUses != nil ||
		p2.Customer.Segments != nil || len(p2.Customer.GroupIDs)+len(p2.Customer.ExcludedGroupIDs) != 0 {
		t.Errorf("promotion 2 = %+v", p2)
	}
	recent("promotion 2 start", p2.StartsAt)

	targeting, err := s.SegmentPromotionPages(ctx, []string{segVIP, segLapsed}, store.Page[int64]{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, page := range targeting {
		if len(page.Items) != 1 || page.Items[0].ID != 1 {
			t.Errorf("promotions of segment %d = %+v, want promotion 1", i, page.Items)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalCustomer(a, b store.Customer) bool {
	return a.ID == b.ID && a.Email == b.Email && a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.Company == b.Company && a.Phone == b.Phone && a.CustomerGroupID == b.CustomerGroupID &&
		a.OrderCount == b.OrderCount && slices.Equal(a.ChannelIDs, b.ChannelIDs) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func TestReimportUpserts(t *testing.T) {
	ctx := t.Context()
	s := goodStore(t)
	first := snapshot(t, s)

	// The same files again change nothing but the times the files leave
	// to the store.
	files := goodFiles()
	if _, err := importer.Run(ctx, s, writeDir(t, files), nil); err != nil {
		t.Fatal(err)
	}
	again := snapshot(t, s)
	if again.Counts != first.Counts || len(again.Memberships) != len(first.Memberships) {
		t.Errorf("counts after re-import = %v (%d memberships), want %v (%d)", again.Counts, len(again.Memberships),
			first.Counts, len(first.Memberships))
	}
	if again.Segments[0].Name != "VIP" || !again.Segments[0].UpdatedAt.Equal(first.Segments[0].UpdatedAt) {
		t.Errorf("segment VIP after re-import = %+v, want %+v", again.Segments[0], first.Segments[0])
	}

	// Changed names replace the old ones.
	files = map[string]string{
		"customers.jsonl":  `{"id":2,"email":"grace.hopper@example.com","first_name":"Amazing Grace","last_name":"Hopper"}`,
		"segments.jsonl":   `{"id":"` + segVIP + `","name":"Very important","description":"renamed"}`,
		"promotions.jsonl": `{"id":2,"name":"Everyone, renamed","redemption_type":"COUPON","customer":{"group_ids":[0]}}`,
	}
	stats, err := importer.Run(ctx, s, writeDir(t, files), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (importer.Stats{Customers: 1, Segments: 1, Promotions: 1}); stats != want {
		t.Errorf("stats = %+v, want %+v", stats, want)
	}
	after := snapshot(t, s)
	if after.Counts != first.Counts {
		t.Errorf("counts = %v, want %v", after.Counts, first.Counts)
	}
	c, err := s.CustomersByIDs(ctx, []int64{2})
	if err != nil {
		t.Fatal(err)
	}
	if c[0].FirstName != "Amazing Grace" || c[0].Email != "grace.hopper@example.com" {
		t.Errorf("customer 2 = %+v", c[0])
	}
	if !c[0].CreatedAt.Equal(first.Customers[1].CreatedAt) {
		t.Errorf("customer 2 created_at = %v, want the first import's %v", c[0].CreatedAt, first.Customers[1].CreatedAt)
	}
	sg, err := s.SegmentsByIDs(ctx, []string{segVIP})
	if err != nil {
		t.Fatal(err)
	}
	if sg[0].Name != "Very important" || sg[0].Description != "renamed" || !sg[0].CreatedAt.Equal(first.Segments[0].CreatedAt) {
		t.Errorf("segment = %+v", sg[0])
	}
	p, err := s.PromotionsByIDs(ctx, []int64{2})
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Name != "Everyone, renamed" || p[0].DisplayName != "Everyone, renamed" || !slices.Equal(p[0].Customer.GroupIDs, []int64{0}) {
		t.Errorf("promotion 2 = %+v", p[0])
	}
	if !slices.Equal(after.Memberships, first.Memberships) {
		t.Errorf("memberships = %v, want %v", after.Memberships, first.Memberships)
	}
}

// manyLines is n lines made by line(i), i from 0.
func manyLines(n int, line func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(line(i))
		b.WriteByte('\n')
	}
	return b.String()
}

func newCustomer(id int) string {
	return fmt.Sprintf(`{"id":%d,"email":"c%d@example.com","first_name":"First %d","last_name":"Last"}`, id, id, id)
}

func TestBadLinesLeaveTheStoreAsItWas(t *testing.T) {
	tooLong := `{"id":4,"email":"long@example.com","first_name":"Long","last_name":"Line","company":"` +
		strings.Repeat("x", importer.MaxLineBytes) + `"}`
	deepCondition := `{"not":{"not":{"not":{"not":{"id":["` + segVIP + `"]}}}}}`
	// Good records in every file before the bad one, so that a rollback
	// has something to undo in each table.
	withGoodRecords := func(files map[string]string) map[string]string {
		good := map[string]string{
			"customers.jsonl": newCustomer(10) + "\n" +
				`{"id":1,"email":"ada@example.com","first_name":"Augusta Ada","last_name":"King"}` + "\n",
			"segments.jsonl":         `{"id":"` + segNew + `","name":"Newcomers"}` + "\n",
			"shopper_profiles.jsonl": `{"id":"` + profNew + `","customer_id":10}` + "\n",
			"memberships.jsonl": `{"segment_id":"` + segNew + `","shopper_profile_id":"` + profNew + `"}` + "\n" +
				`{"segment_id":"` + segNew + `","shopper_profile_id":"` + profAda + `"}` + "\n",
		}
		for name, content := range files {
			good[name] += content
		}
		return good
	}
	promotion := func(customer string) string {
		return `{"id":3,"name":"Bad","redemption_type":"AUTOMATIC","customer":` + customer + "}\n"
	}

	tests := []struct {
		name  string
		files map[string]string
		want  string
		code  store.Code // of a store rejection, "" otherwise
	}{
		{"malformed JSON", map[string]string{
			"customers.jsonl": newCustomer(10) + "\n" + `{"id": 11, "email": "x@example.com"` + "\n",
		}, `customers.jsonl:2: malformed JSON at byte 35: unexpected end of JSON input`, ""},
		{"trailing garbage", map[string]string{
			"segments.jsonl": `{"id":"` + segNew + `","name":"Newcomers"} {}` + "\n",
		}, `segments.jsonl:1: malformed JSON at byte 66: invalid character '{' after top-level value`, ""},
		{"not an object", map[string]string{
			"segments.jsonl": `["` + segNew + `","Newcomers"]` + "\n",
		}, `segments.jsonl:1: a line must hold a JSON object, not an array`, ""},
		{"wrong type", map[string]string{
			"customers.jsonl": `{"id":"7","email":"seven@example.com","first_name":"Seven","last_name":"Seas"}` + "\n",
		}, `customers.jsonl:1: id: wrong type: got a string, want an integer`, ""},
		{"wrong type nested", withGoodRecords(map[string]string{
			"promotions.jsonl": promotion(`{"group_ids":"1"}`),
		}), `promotions.jsonl:1: customer.group_ids: wrong type: got a string, want an array`, ""},
		{"fraction for an integer", map[string]string{
			"customers.jsonl": `{"id":7,"email":"seven@example.com","first_name":"Seven","last_name":"Seas","order_count":1.5}` + "\n",
		}, `customers.jsonl:1: order_count: wrong type: got a number 1.5, want an integer`, ""},
		{"missing required field", withGoodRecords(map[string]string{
			"segments.jsonl": `{"id":"` + segLapsed + `","description":"no name"}` + "\n",
		}), `segments.jsonl:2: name: required field missing`, ""},
		{"null required field", map[string]string{
			"customers.jsonl": `{"id":7,"email":null,"first_name":"Seven","last_name":"Seas"}` + "\n",
		}, `customers.jsonl:1: email: required field missing`, ""},
		{"missing channel id", withGoodRecords(map[string]string{
			"promotions.jsonl": `{"id":3,"name":"Web","redemption_type":"AUTOMATIC","channels":[{"id":1},{"name":"app"}]}` + "\n",
		}), `promotions.jsonl:1: channels.1.id: required field missing`, ""},
		{"bad time", map[string]string{
			"customers.jsonl": `{"id":7,"email":"seven@example.com","first_name":"Seven","last_name":"Seas","date_created":"yesterday"}` + "\n",
		}, `customers.jsonl:1: date_created: "yesterday" is not an RFC 3339 time`, ""},
		{"bad email", map[string]string{
			"customers.jsonl": newCustomer(10) + "\n" + `{"id":11,"email":"not an email","first_name":"No","last_name":"Mail"}` + "\n",
		}, `customers.jsonl:2: email: email must be an address of 3 to 255 characters`, store.CodeInvalidInput},
		{"email of another customer", map[string]string{
			"customers.jsonl": `{"id":11,"email":"ada@example.com","first_name":"Ada","last_name":"Again"}` + "\n",
		}, `customers.jsonl:1: email: customer 1 has the email "ada@example.com" already`, store.CodeDuplicateEmail},
		{"profile of an unknown customer", withGoodRecords(map[string]string{
			"shopper_profiles.jsonl": `{"id":"` + unknownID + `","customer_id":999}` + "\n",
		}), `shopper_profiles.jsonl:2: customerId: customer 999 does not exist`, store.CodeNotFound},
		{"second profile of a customer", map[string]string{
			"shopper_profiles.jsonl": `{"id":"` + profNew + `","customer_id":1}` + "\n",
		}, `shopper_profiles.jsonl:1: customerId: customer 1 has a shopper profile already`, store.CodeDuplicateProfile},
		{"membership in an unknown segment", withGoodRecords(map[string]string{
			"memberships.jsonl": `{"segment_id":"` + unknownID + `","shopper_profile_id":"` + profAda + `"}` + "\n",
		}), `memberships.jsonl:3: segmentUuid: segment ` + unknownID + ` does not exist`, store.CodeNotFound},
		{"membership of an unknown profile", withGoodRecords(map[string]string{
			"memberships.jsonl": `{"segment_id":"` + segVIP + `","shopper_profile_id":"` + unknownID + `"}` + "\n",
		}), `memberships.jsonl:3: shopperProfileUuid: shopper profile ` + unknownID + ` does not exist`, store.CodeNotFound},
		{"promotion naming an unknown segment", withGoodRecords(map[string]string{
			"promotions.jsonl": promotion(`{"segments":{"or":[{"id":["` + segVIP + `"]},{"id":["` + unknownID + `"]}]}}`),
		}), `promotions.jsonl:1: customer.segments: segment ` + unknownID + ` does not exist`, store.CodeNotFound},
		{"condition too deep", withGoodRecords(map[string]string{
			"promotions.jsonl": promotion(`{"segments":` + deepCondition + `}`),
		}), `promotions.jsonl:1: customer.segments.not.not.not: a condition may nest at most 3 operator levels`, store.CodeInvalidInput},
		{"group ids and excluded group ids", withGoodRecords(map[string]string{
			"promotions.jsonl": promotion(`{"group_ids":[1],"excluded_group_ids":[2]}`),
		}), `promotions.jsonl:1: customer.groupIds: group ids and excluded group ids cannot both be set`, store.CodeInvalidInput},
		{"bad redemption type", withGoodRecords(map[string]string{
			"promotions.jsonl": `{"id":3,"name":"Bad","redemption_type":"SOMETIMES"}` + "\n",
		}), `promotions.jsonl:1: redemptionType: redemption type must be AUTOMATIC or COUPON`, store.CodeInvalidInput},
		{"duplicate segment name", withGoodRecords(map[string]string{
			"segments.jsonl": `{"id":"` + unknownID + `","name":"VIP"}` + "\n",
		}), `segments.jsonl:2: name: segment ` + segVIP + ` is named "VIP" already`, store.CodeDuplicateName},
		{"segment id not a UUID", map[string]string{
			"segments.jsonl": `{"id":"vip","name":"VIP 2"}` + "\n",
		}, `segments.jsonl:1: uuid: "vip" is not a segment UUID`, store.CodeInvalidInput},
		{"bad line deep in a file", map[string]string{
			"customers.jsonl": manyLines(2000, func(i int) string { return newCustomer(100 + i) }),
			"segments.jsonl":  `{"id":"` + segNew + `","name":"Newcomers"}` + "\n",
			"shopper_profiles.jsonl": manyLines(1500, func(i int) string {
				return fmt.Sprintf(`{"id":"5f0c7d1e-2b3a-4c5d-9e8f-%012d","customer_id":%d}`, 1000+i, 100+i)
			}) + `{"id":"` + unknownID + `","customer_id":99999}` + "\n",
		}, `shopper_profiles.jsonl:1501: customerId: customer 99999 does not exist`, store.CodeNotFound},
		{"line too long", withGoodRecords(map[string]string{
			"promotions.jsonl": `{"id":3,"name":"Fine","redemption_type":"COUPON"}` + "\n" + tooLong + "\n",
		}), `promotions.jsonl:2: line is longer than 1048576 bytes (1 MiB), the longest line an import accepts`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := goodStore(t)
			before := snapshot(t, s)
			stats, err := importer.Run(t.Context(), s, writeDir(t, tt.files), nil)
			if err == nil {
				t.Fatalf("import succeeded (%v), want %q", stats, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\n        want %q", err, tt.want)
			}
			var le *importer.LineError
			if !errors.As(err, &le) {
				t.Errorf("error %T is not a *LineError", err)
			}
			ue, isUserError := store.AsUserError(err)
			switch {
			case tt.code == "" && isUserError:
				t.Errorf("error is a store rejection (%s), want an importer error", ue.Code)
			case tt.code != "" && (!isUserError || ue.Code != tt.code):
				t.Errorf("error code = %q (a rejection: %v), want %s", ue.Code, isUserError, tt.code)
			}
			if stats != (importer.Stats{}) {
				t.Errorf("stats of a failed import = %+v, want zero", stats)
			}
			if d := importtest.Diff(snapshot(t, s), before); d != "" {
				t.Errorf("the store changed:\n%s", d)
			}
		})
	}
}

func TestLineLengthLimit(t *testing.T) {
	ctx := t.Context()
	// A segment line padded with spaces to exactly the limit is fine.
	line := `{"id":"` + segNew + `","name":"Exactly long enough"}`
	exact := line + strings.Repeat(" ", importer.MaxLineBytes-len(line))
	s := openStore(t)
	if _, err := importer.Run(ctx, s, writeDir(t, map[string]string{"segments.jsonl": exact + "\r\n"}), nil); err != nil {
		t.Fatalf("a line of exactly MaxLineBytes: %v", err)
	}
	// One byte more, or far more, is refused with the same clear error.
	for _, extra := range []int{1, 3 * importer.MaxLineBytes} {
		long := exact + strings.Repeat(" ", extra)
		_, err := importer.Run(ctx, s, writeDir(t, map[string]string{"segments.jsonl": "\n" + long + "\n"}), nil)
		if !errors.Is(err, importer.ErrLineTooLong) {
			t.Errorf("%d bytes over: error = %v, want ErrLineTooLong", extra, err)
		} else if !strings.HasPrefix(err.Error(), "segments.jsonl:2: line is longer than 1048576 bytes") {
			t.Errorf("%d bytes over: error = %q", extra, err)
		}
	}
}

func TestNoDataFiles(t *testing.T) {
	s := openStore(t)
	for name, files := range map[string]map[string]string{
		"empty":       nil,
		"other files": {"customers.csv": "id,email\n", "README": "hello"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeDir(t, files)
			_, err := importer.Run(t.Context(), s, dir, nil)
			want := dir + " holds no data files: expected one or more of customers.jsonl, segments.jsonl, " +
				"shopper_profiles.jsonl, memberships.jsonl, promotions.jsonl"
			if err == nil || err.Error() != want {
				t.Errorf("error = %v, want %q", err, want)
			}
		})
	}
	if _, err := importer.Run(t.Context(), s, filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: error = %v, want not exist", err)
	}
}

// cancelOnWrite cancels a context the first time progress is written.
type cancelOnWrite struct {
	cancel context.CancelFunc
	bytes.Buffer
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

func TestCancel(t *testing.T) {
	s := goodStore(t)
	before := snapshot(t, s)
	files := map[string]string{
		"customers.jsonl": newCustomer(10) + "\n",
		"segments.jsonl":  `{"id":"` + segNew + `","name":"Newcomers"}` + "\n",
	}
	// The summary line of customers.jsonl cancels: segments.jsonl stops at
	// its first line and the customer goes too.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := importer.Run(ctx, s, writeDir(t, files), &cancelOnWrite{cancel: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if want := "segments.jsonl:1: context canceled"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if d := importtest.Diff(snapshot(t, s), before); d != "" {
		t.Errorf("the store changed:\n%s", d)
	}

	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if _, err := importer.Run(ctx, s, writeDir(t, files), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: error = %v, want context.Canceled", err)
	}
}

func TestProgressSummaryLines(t *testing.T) {
	s := openStore(t)
	var out bytes.Buffer
	if _, err := importer.Run(t.Context(), s, writeDir(t, goodFiles()), &out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`customers.jsonl: 3 records, 5 lines in \S+(, [\d,]+ lines/s)?`,
		`segments.jsonl: 2 records, 2 lines in \S+(, [\d,]+ lines/s)?`,
		`shopper_profiles.jsonl: 2 records, 2 lines in \S+(, [\d,]+ lines/s)?`,
		`memberships.jsonl: 3 records, 4 lines in \S+(, [\d,]+ lines/s)?`,
		`promotions.jsonl: 2 records, 2 lines in \S+(, [\d,]+ lines/s)?`,
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("progress:\n%s\nwant %d lines", out.String(), len(want))
	}
	for i, pattern := range want {
		if !regexp.MustCompile("^" + pattern + "$").MatchString(got[i]) {
			t.Errorf("progress line %d = %q, want %s", i+1, got[i], pattern)
		}
	}
}
