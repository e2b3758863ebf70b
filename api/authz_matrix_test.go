package api_test

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/segql/segql/api"
	"github.com/segql/segql/graph"
	"github.com/segql/segql/store"
)

// The authorization matrix: every root field, every edge (a field that
// leads to another object) and every mutation of the schema, asked by an
// admin read token, an admin write token, customer A, customer B and a
// guest, against A's and B's objects. The fields come from the executable
// schema, so a field added later has to be given a rule in authzPolicy
// before this test passes.
//
// What each storefront shopper should get is computed from the admin's
// answer to the same query (the truth), field by field, by the rule of
// authzPolicy for that field. Every storefront answer is also searched for
// ids of objects the shopper may not see, whatever field carries them.

// authzKind is what a storefront shopper (a customer or a guest) gets from
// a field. Admins get every field whole.
type authzKind string

const (
	// The object when the shopper may see it, else null; item by item in lists.
	azVisible authzKind = "visible"
	// Answers as if nothing existed: null, [] or an empty connection
	// (totalCount 0), even on the shopper's own objects.
	azHidden authzKind = "hidden"
	// Reached from the shopper's own object, it leads only to their own
	// objects: exactly the admin's answer.
	azOwn authzKind = "own"
	// The admin's answer without the objects the shopper may not see.
	azFiltered authzKind = "filtered"
	// The shopper's own: what the admin reads at authzRule.same of the
	// shopper's own customer or profile (for guests, the admin's own viewer,
	// which is a guest's).
	azSelf authzKind = "self"
	// Part of a list or of a condition: the field that led here decides.
	azInherit authzKind = "inherit"
	// A mutation: admin write only; FORBIDDEN for everyone else.
	azWrite authzKind = "write"
	// In mutation answers only, so seen by admin write tokens only.
	azPayload authzKind = "payload"
)

type authzRule struct {
	kind authzKind
	// same, for azSelf: "Customer" or "ShopperProfile" (the shopper's own
	// object), or "ShopperProfile.segments" (that field of their profile,
	// with the same arguments).
	same string
}

// authzPolicy decides, for every root field, mutation and edge of the
// schema, what a storefront shopper gets.
var authzPolicy = map[string]authzRule{
	// Roots: shoppers reach their own objects through viewer, node and
	// nodes; the admin lookups answer them as if nothing existed.
	"Query.node":            {kind: azVisible},
	"Query.nodes":           {kind: azVisible},
	"Query.segment":         {kind: azHidden},
	"Query.segments":        {kind: azHidden},
	"Query.shopperProfile":  {kind: azHidden},
	"Query.shopperProfiles": {kind: azHidden},
	"Query.customer":        {kind: azHidden},
	"Query.customers":       {kind: azHidden},
	"Query.promotion":       {kind: azVisible},
	"Query.promotions":      {kind: azFiltered},
	"Query.viewer":          {kind: azSelf},

	// A segment's members and the promotions targeting it are the merchant's.
	"Segment.shopperProfiles": {kind: azHidden},
	"Segment.promotions":      {kind: azHidden},
	// A shopper's profile and customer lead to each other, to the
	// profile's segments and to what the shopper can get.
	"ShopperProfile.customer":           {kind: azOwn},
	"ShopperProfile.segments":           {kind: azOwn},
	"ShopperProfile.eligiblePromotions": {kind: azOwn},
	"Customer.shopperProfile":           {kind: azOwn},
	// A promotion's condition names segments the shopper is not in.
	"Promotion.segmentCondition": {kind: azHidden},
	"Promotion.targetedSegments": {kind: azFiltered},
	"Viewer.customer":            {kind: azSelf, same: "Customer"},
	"Viewer.shopperProfile":      {kind: azSelf, same: "ShopperProfile"},
	"Viewer.segments":            {kind: azSelf, same: "ShopperProfile.segments"},
	"Viewer.eligiblePromotions":  {kind: azSelf, same: "ShopperProfile.eligiblePromotions"},

	"SegmentCondition.not":              {kind: azInherit},
	"SegmentCondition.and":              {kind: azInherit},
	"SegmentCondition.or":               {kind: azInherit},
	"SegmentConnection.edges":           {kind: azInherit},
	"SegmentConnection.nodes":           {kind: azInherit},
	"SegmentConnection.pageInfo":        {kind: azInherit},
	"SegmentEdge.node":                  {kind: azInherit},
	"ShopperProfileConnection.edges":    {kind: azInherit},
	"ShopperProfileConnection.nodes":    {kind: azInherit},
	"ShopperProfileConnection.pageInfo": {kind: azInherit},
	"ShopperProfileEdge.node":           {kind: azInherit},
	"CustomerConnection.edges":          {kind: azInherit},
	"CustomerConnection.nodes":          {kind: azInherit},
	"CustomerConnection.pageInfo":       {kind: azInherit},
	"CustomerEdge.node":                 {kind: azInherit},
	"PromotionConnection.edges":         {kind: azInherit},
	"PromotionConnection.nodes":         {kind: azInherit},
	"PromotionConnection.pageInfo":      {kind: azInherit},
	"PromotionEdge.node":                {kind: azInherit},

	"Mutation.createSegments":                   {kind: azWrite},
	"Mutation.updateSegments":                   {kind: azWrite},
	"Mutation.deleteSegments":                   {kind: azWrite},
	"Mutation.createShopperProfiles":            {kind: azWrite},
	"Mutation.deleteShopperProfiles":            {kind: azWrite},
	"Mutation.addShopperProfilesToSegment":      {kind: azWrite},
	"Mutation.removeShopperProfilesFromSegment": {kind: azWrite},
	"Mutation.upsertCustomers":                  {kind: azWrite},
	"Mutation.deleteCustomers":                  {kind: azWrite},
	"Mutation.createPromotion":                  {kind: azWrite},
	"Mutation.updatePromotion":                  {kind: azWrite},
	"Mutation.deletePromotions":                 {kind: azWrite},

	"CreateSegmentsPayload.segments":                     {kind: azPayload},
	"CreateSegmentsPayload.userErrors":                   {kind: azPayload},
	"UpdateSegmentsPayload.segments":                     {kind: azPayload},
	"UpdateSegmentsPayload.userErrors":                   {kind: azPayload},
	"DeleteSegmentsPayload.invalidatedPromotions":        {kind: azPayload},
	"DeleteSegmentsPayload.userErrors":                   {kind: azPayload},
	"CreateShopperProfilesPayload.shopperProfiles":       {kind: azPayload},
	"CreateShopperProfilesPayload.userErrors":            {kind: azPayload},
	"DeleteShopperProfilesPayload.userErrors":            {kind: azPayload},
	"AddShopperProfilesToSegmentPayload.segment":         {kind: azPayload},
	"AddShopperProfilesToSegmentPayload.added":           {kind: azPayload},
	"AddShopperProfilesToSegmentPayload.alreadyMembers":  {kind: azPayload},
	"AddShopperProfilesToSegmentPayload.userErrors":      {kind: azPayload},
	"RemoveShopperProfilesFromSegmentPayload.segment":    {kind: azPayload},
	"RemoveShopperProfilesFromSegmentPayload.removed":    {kind: azPayload},
	"RemoveShopperProfilesFromSegmentPayload.notMembers": {kind: azPayload},
	"RemoveShopperProfilesFromSegmentPayload.userErrors": {kind: azPayload},
	"UpsertCustomersPayload.customers":                   {kind: azPayload},
	"UpsertCustomersPayload.userErrors":                  {kind: azPayload},
	"DeleteCustomersPayload.userErrors":                  {kind: azPayload},
	"PromotionPayload.promotion":                         {kind: azPayload},
	"PromotionPayload.userErrors":                        {kind: azPayload},
	"DeletePromotionsPayload.userErrors":                 {kind: azPayload},
}

// authzEdgeArgs are further arguments an edge is asked with, besides none.
var authzEdgeArgs = map[string][]string{
	"ShopperProfile.eligiblePromotions": {"(channelId: 2)"},
	"Viewer.eligiblePromotions":         {"(channelId: 2)"},
}

// How far generated selections go below a root field and below an edge:
// each object but connections, edges and leaf-only objects costs a hop.
const (
	azRootHops = 2
	azEdgeHops = 2
)

func authzSchema() *ast.Schema { return graph.NewExecutableSchema(graph.Config{}).Schema() }

// authzFields are the schema's fields that need a rule: every field of
// Query and Mutation, and every field of an object type that returns an
// object, interface or union (through lists and non-nulls).
func authzFields(s *ast.Schema) []string {
	var out []string
	for _, name := range azSortedKeys(s.Types) {
		def := s.Types[name]
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		root := def == s.Query || def == s.Mutation
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if root || azComposite(s.Types[f.Type.Name()]) {
				out = append(out, name+"."+f.Name)
			}
		}
	}
	return out
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Run("the policy covers the schema", func(t *testing.T) {
		fields := authzFields(authzSchema())
		for _, f := range fields {
			if _, ok := authzPolicy[f]; !ok {
				t.Errorf("%s has no entry in the authorization matrix: decide who may see it", f)
			}
		}
		for _, f := range azSortedKeys(authzPolicy) {
			if !slices.Contains(fields, f) {
				t.Errorf("%s is in the authorization matrix but not in the schema (or no longer leads to an object): remove it", f)
			}
		}
	})
	relaxed := func(o *api.Options) {
		// The matrix asks for everything at once; the limits are tested elsewhere.
		o.RequestLimits = api.Limits{MaxBodyBytes: 1 << 20, MaxTokens: -1, MaxDepth: -1, MaxCost: -1}
	}
	// Each backend has a server and a store of its own.
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		runAuthzMatrix(t, relaxed)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		runAuthzMatrix(t, onPostgres(t), relaxed)
	})
	t.Run("sqlite with redis", func(t *testing.T) {
		t.Parallel()
		runAuthzMatrix(t, onRedis(t), relaxed)
	})
}

// azObject is one object of the fixture.
type azObject struct {
	label string // how the test names it: "SA", "profile A", ...
	typ   string // its schema type
	key   string // UUID, or the integer id in decimal
	email string // customers only
	gid   string // global id, read as admin
}

// idents are the values that name o in answers: its global id, and its
// UUID, customerId or promotionId.
func (o *azObject) idents() []string {
	switch o.typ {
	case "Customer":
		return []string{o.gid, "customerId:" + o.key}
	case "Promotion":
		return []string{o.gid, "promotionId:" + o.key}
	}
	return []string{o.gid, o.key}
}

// azPrincipal is who asks.
type azPrincipal struct {
	name     string
	token    string
	admin    bool
	customer string          // "A" or "B" for customers
	sees     map[string]bool // idents of the objects a shopper may see
}

// authzFixture: customers A and B with a profile each; segments SA (A),
// SB (B), SAB (both) and S0 (nobody); promotions PA (SA and not S0), PB
// (SB or S0), P0 (everyone), PD (SA, disabled), PnotA (not SA: B only),
// PAB (SA or SB), Pch2 (everyone, channel 2 only).
func authzFixture() (fixture, []*azObject) {
	and := store.Condition{And: []store.Condition{*anyOf(1), {Not: anyOf(4)}}}
	or := store.Condition{Or: []store.Condition{*anyOf(2), *anyOf(4)}}
	pd := promotion(4, store.Targeting{Segments: anyOf(1)})
	pd.Status = store.StatusDisabled
	pch2 := promotion(7, store.Targeting{})
	pch2.ChannelIDs = []int64{2}
	f := fixture{
		Customers:   []store.Customer{customer(101), customer(102)},
		Segments:    []store.Segment{segment(1, "Of A"), segment(2, "Of B"), segment(3, "Of A and B"), segment(4, "Of nobody")},
		Profiles:    []store.ShopperProfile{profile(1, 101), profile(2, 102)},
		Memberships: []store.Membership{member(1, 1), member(2, 2), member(3, 1), member(3, 2)},
		Promotions: []store.Promotion{
			promotion(1, store.Targeting{Segments: &and}),
			promotion(2, store.Targeting{Segments: &or}),
			promotion(3, store.Targeting{}),
			pd,
			promotion(5, store.Targeting{Segments: &store.Condition{Not: anyOf(1)}}),
			promotion(6, store.Targeting{Segments: anyOf(1, 2)}),
			pch2,
		},
	}
	objects := []*azObject{
		{label: "customer A", typ: "Customer", key: "101", email: customer(101).Email},
		{label: "customer B", typ: "Customer", key: "102", email: customer(102).Email},
		{label: "profile A", typ: "ShopperProfile", key: profileID(1)},
		{label: "profile B", typ: "ShopperProfile", key: profileID(2)},
		{label: "SA", typ: "Segment", key: segID(1)},
		{label: "SB", typ: "Segment", key: segID(2)},
		{label: "SAB", typ: "Segment", key: segID(3)},
		{label: "S0", typ: "Segment", key: segID(4)},
		{label: "PA", typ: "Promotion", key: "1"},
		{label: "PB", typ: "Promotion", key: "2"},
		{label: "P0", typ: "Promotion", key: "3"},
		{label: "PD", typ: "Promotion", key: "4"},
		{label: "PnotA", typ: "Promotion", key: "5"},
		{label: "PAB", typ: "Promotion", key: "6"},
		{label: "Pch2", typ: "Promotion", key: "7"},
	}
	return f, objects
}

// What each shopper may see: their own customer and profile, their
// segments, and the promotions open to them.
var (
	azOwners = []string{"A", "B"}
	azSeenBy = map[string][]string{
		"guest": {"P0", "Pch2"},
		"A":     {"customer A", "profile A", "SA", "SAB", "PA", "P0", "PAB", "Pch2"},
		"B":     {"customer B", "profile B", "SB", "SAB", "PB", "P0", "PnotA", "PAB", "Pch2"},
		// A token of channel 1 does not open channel 2's promotion.
		"A on channel 1": {"customer A", "profile A", "SA", "SAB", "PA", "P0", "PAB"},
	}
	// An owner's objects, by type.
	azOwned = map[string]map[string]string{
		"A": {"Customer": "customer A", "ShopperProfile": "profile A", "Segment": "SA", "Promotion": "PA"},
		"B": {"Customer": "customer B", "ShopperProfile": "profile B", "Segment": "SB", "Promotion": "PB"},
	}
)

// authzMatrix is the matrix over one server.
type authzMatrix struct {
	ts         *testServer
	schema     *ast.Schema
	objects    map[string]*azObject // by label
	principals []*azPrincipal
	truths     map[string]map[string]any // admin read's data, by query
	cells      int
}

func runAuthzMatrix(t *testing.T, opts ...func(*api.Options)) {
	ts := newTestServer(t, opts...)
	f, objects := authzFixture()
	ts.load(f)
	m := &authzMatrix{ts: ts, schema: authzSchema(), objects: map[string]*azObject{}, truths: map[string]map[string]any{}}
	for _, o := range objects {
		m.objects[o.label] = o
	}
	m.readGlobalIDs(t)
	m.principals = []*azPrincipal{
		{name: "admin read", token: ts.AdminRead, admin: true},
		{name: "admin write", token: ts.AdminWrite, admin: true},
		{name: "customer A", token: ts.token(101, nil), customer: "A", sees: m.sees("A")},
		{name: "customer B", token: ts.token(102, nil), customer: "B", sees: m.sees("B")},
		{name: "guest", token: guest, sees: m.sees("guest")},
	}

	m.rootCells(t)
	m.edgeCells(t)
	m.cursorCells(t)
	m.channelCells(t)
	m.mutationCells(t)
	t.Logf("the authorization matrix ran %d cells", m.cells)
}

// readGlobalIDs takes every object's global id from admin queries.
func (m *authzMatrix) readGlobalIDs(t *testing.T) {
	var data struct {
		Segments, ShopperProfiles struct{ Nodes []struct{ ID, UUID string } }
		Customers                 struct {
			Nodes []struct {
				ID         string
				CustomerID int64
			}
		}
		Promotions struct {
			Nodes []struct {
				ID          string
				PromotionID int64
			}
		}
	}
	m.ts.with(t).queryAs(m.ts.AdminRead, `{
		segments(first: 250) { nodes { id uuid } }
		shopperProfiles(first: 250) { nodes { id uuid } }
		customers(first: 250) { nodes { id customerId } }
		promotions(first: 250) { nodes { id promotionId } }
	}`, nil, &data)
	gids := map[string]string{}
	for _, n := range append(data.Segments.Nodes, data.ShopperProfiles.Nodes...) {
		gids[n.UUID] = n.ID
	}
	for _, n := range data.Customers.Nodes {
		gids[fmt.Sprint("Customer ", n.CustomerID)] = n.ID
	}
	for _, n := range data.Promotions.Nodes {
		gids[fmt.Sprint("Promotion ", n.PromotionID)] = n.ID
	}
	for _, o := range m.objects {
		switch o.typ {
		case "Customer", "Promotion":
			o.gid = gids[o.typ+" "+o.key]
		default:
			o.gid = gids[o.key]
		}
		if o.gid == "" {
			t.Fatalf("no global id for %s", o.label)
		}
	}
}

func (m *authzMatrix) principal(name string) *azPrincipal {
	for _, p := range m.principals {
		if p.name == name {
			return p
		}
	}
	panic("no principal " + name)
}

func (m *authzMatrix) sees(who string) map[string]bool {
	out := map[string]bool{}
	for _, label := range azSeenBy[who] {
		for _, id := range m.objects[label].idents() {
			out[id] = true
		}
	}
	return out
}

// azTarget is what a cell points at: arguments of a root field, or the
// object an edge is read on.
type azTarget struct {
	name string
	root *azField // the query's root field; its selection is generated
}

// rootCells ask every root field, pointed at A's and at B's objects, as
// every principal.
func (m *authzMatrix) rootCells(t *testing.T) {
	q := m.schema.Query
	for _, def := range q.Fields {
		if strings.HasPrefix(def.Name, "__") {
			continue
		}
		var targets []azTarget
		for _, args := range m.rootArgs(t, def) {
			f := m.gen(t, q.Name, def, args.args, azRootHops)
			targets = append(targets, azTarget{name: args.name, root: f})
		}
		if len(targets) == 0 {
			t.Errorf("Query.%s has required arguments and no argument builder in rootArgs: add one pointing at A's and B's objects", def.Name)
		}
		m.run(t, "Query."+def.Name, targets)
	}
}

type azArgs struct{ name, args string }

// rootArgs are the arguments a root field is asked with: pointing at A's
// objects, at B's, and with none when it needs none.
func (m *authzMatrix) rootArgs(t *testing.T, def *ast.FieldDefinition) []azArgs {
	var out []azArgs
	obj := func(owner, typ string) *azObject { return m.objects[azOwned[owner][typ]] }
	for _, owner := range azOwners {
		of := owner + "'s object"
		switch def.Name {
		case "node":
			for _, typ := range azSortedKeys(azOwned[owner]) {
				out = append(out, azArgs{owner + "'s " + typ, fmt.Sprintf("(id: %q)", obj(owner, typ).gid)})
			}
		case "nodes":
			var ids []string
			for _, typ := range azSortedKeys(azOwned[owner]) {
				ids = append(ids, strconv.Quote(obj(owner, typ).gid))
			}
			out = append(out, azArgs{owner + "'s objects", "(ids: [" + strings.Join(ids, ", ") + "])"})
		case "segment":
			out = append(out, azArgs{of, fmt.Sprintf("(uuid: %q)", obj(owner, "Segment").key)})
		case "segments":
			out = append(out, azArgs{of, fmt.Sprintf("(filter: {uuids: [%q]})", obj(owner, "Segment").key)})
		case "shopperProfile":
			out = append(out, azArgs{of, fmt.Sprintf("(uuid: %q)", obj(owner, "ShopperProfile").key)})
		case "shopperProfiles":
			out = append(out, azArgs{of, fmt.Sprintf("(filter: {customerIds: [%s]})", obj(owner, "Customer").key)})
		case "customer":
			out = append(out, azArgs{of, fmt.Sprintf("(customerId: %s)", obj(owner, "Customer").key)})
		case "customers":
			out = append(out, azArgs{of, fmt.Sprintf("(filter: {emails: [%q]})", obj(owner, "Customer").email)})
		case "promotion":
			out = append(out, azArgs{of, fmt.Sprintf("(promotionId: %s)", obj(owner, "Promotion").key)})
		case "promotions":
			out = append(out, azArgs{of, fmt.Sprintf("(filter: {targetedSegment: %q})", obj(owner, "Segment").key)})
		}
	}
	if def.Name == "nodes" {
		var ids []string
		for _, label := range azSortedKeys(m.objects) {
			ids = append(ids, strconv.Quote(m.objects[label].gid))
		}
		out = append(out, azArgs{"every object", "(ids: [" + strings.Join(ids, ", ") + "])"})
	}
	if !azRequiredArgs(def) {
		out = append(out, azArgs{"no arguments", ""})
	}
	return out
}

// edgeCells read every edge on an object of A and of B (the viewer on
// the principal's own), as every principal.
func (m *authzMatrix) edgeCells(t *testing.T) {
	for _, name := range azSortedKeys(m.schema.Types) {
		def := m.schema.Types[name]
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") || def == m.schema.Query || def == m.schema.Mutation {
			continue
		}
		for _, fd := range def.Fields {
			edge := name + "." + fd.Name
			rule, ok := authzPolicy[edge]
			if strings.HasPrefix(fd.Name, "__") || !azComposite(m.schema.Types[fd.Type.Name()]) || !ok || rule.kind == azPayload {
				continue // missing rules fail above; payloads are read by the mutation cells
			}
			var targets []azTarget
			for _, args := range append([]string{""}, authzEdgeArgs[edge]...) {
				suffix := ""
				if args != "" {
					suffix = ", " + strings.Trim(args, "()")
				}
				for _, a := range m.reach(t, name) {
					root := a.build(m.gen(t, name, fd, args, azEdgeHops))
					ways := []azArgs{{a.name, root.args}}
					if a.fromRoot {
						ways = m.rootArgs(t, root.def)
					}
					for _, w := range ways {
						r := *root
						r.args = w.args
						targets = append(targets, azTarget{name: w.name + suffix, root: &r})
					}
				}
			}
			m.run(t, edge, targets)
		}
	}
}

// azAnchor reaches an object of some type: build wraps a field of that
// object into the query's root field.
type azAnchor struct {
	name  string
	build func(leaf *azField) *azField
	// fromRoot: the way starts at a root field, to be asked with each of
	// its rootArgs.
	fromRoot bool
}

// reach finds how to get to an object of typ: by node(id:) when typ (or an
// object leading to it) is a Node, else by viewer, else by a root field
// asked with A's and B's arguments; the shortest way wins.
func (m *authzMatrix) reach(t *testing.T, typ string) []azAnchor {
	t.Helper()
	type step struct {
		parent string
		def    *ast.FieldDefinition
	}
	type way struct {
		at    string // the type the way starts from
		steps []step // from there down to typ
	}
	level := []way{{at: typ}}
	seen := map[string]bool{} // fields already on a way
	for len(level) > 0 {
		// Prefer a Node, then the viewer, then a root field.
		var best *way
		rank := func(w way) int {
			switch {
			case m.isNode(w.at):
				return 0
			case w.at == "Viewer":
				return 1
			case w.at == m.schema.Query.Name:
				return 2
			}
			return 3
		}
		for i := range level {
			if r := rank(level[i]); r < 3 && (best == nil || r < rank(*best)) {
				best = &level[i]
			}
		}
		if best != nil {
			steps := best.steps
			return m.anchors(t, best.at, func(leaf *azField) *azField {
				for i := len(steps) - 1; i >= 0; i-- {
					s := steps[i]
					leaf = &azField{parent: s.parent, def: s.def, sub: []*azField{{parent: s.def.Type.Name()}, leaf}}
				}
				return leaf
			})
		}
		var next []way
		for _, w := range level {
			for _, pname := range azSortedKeys(m.schema.Types) {
				p := m.schema.Types[pname]
				if p.Kind != ast.Object || strings.HasPrefix(pname, "__") || p == m.schema.Mutation {
					continue
				}
				for _, fd := range p.Fields {
					if fd.Type.Name() != w.at || authzPolicy[pname+"."+fd.Name].kind == azPayload {
						continue
					}
					key := pname + "." + fd.Name
					if seen[key] {
						continue
					}
					seen[key] = true
					next = append(next, way{at: pname, steps: append([]step{{pname, fd}}, w.steps...)})
				}
			}
		}
		level = next
	}
	t.Fatalf("no way to reach a %s from node, viewer or a root field", typ)
	return nil
}

// anchors wrap the way down (wrap, from an object of type at down to the
// leaf) into a root field: node(id:) of A's and of B's object, viewer, or
// a root field (at is Query), which run asks with A's and B's arguments.
func (m *authzMatrix) anchors(t *testing.T, at string, wrap func(*azField) *azField) []azAnchor {
	t.Helper()
	q := m.schema.Query
	if at == "Viewer" {
		return []azAnchor{{name: "own", build: func(leaf *azField) *azField {
			return &azField{parent: q.Name, def: q.Fields.ForName("viewer"), sub: []*azField{{parent: "Viewer"}, wrap(leaf)}}
		}}}
	}
	if at == q.Name {
		return []azAnchor{{build: wrap, fromRoot: true}}
	}
	var out []azAnchor
	nodeDef := q.Fields.ForName("node")
	idDef := m.schema.Types[at].Fields.ForName("id")
	for _, owner := range azOwners {
		o := m.objects[azOwned[owner][at]]
		if o == nil {
			t.Fatalf("%s has no %s in the fixture", owner, at)
		}
		out = append(out, azAnchor{name: owner + "'s object", build: func(leaf *azField) *azField {
			return &azField{parent: q.Name, def: nodeDef, args: fmt.Sprintf("(id: %q)", o.gid),
				sub:   []*azField{{parent: "Node"}},
				frags: map[string][]*azField{at: {{parent: at}, {parent: at, def: idDef}, wrap(leaf)}}}
		}})
	}
	return out
}

// run asks each target's query as every principal and checks each answer.
func (m *authzMatrix) run(t *testing.T, field string, targets []azTarget) {
	for _, p := range m.principals {
		for _, tg := range targets {
			t.Run(field+"/"+p.name+"/"+tg.name, func(t *testing.T) {
				m.cells++
				m.check(t, p, []*azField{tg.root})
			})
		}
	}
}

// check asks roots as p and compares the answer with what the policy
// makes of the admin's.
func (m *authzMatrix) check(t *testing.T, p *azPrincipal, roots []*azField) {
	t.Helper()
	query := azQuery("query", roots)
	want := m.truthFor(t, p, query, roots)
	res := m.ts.with(t).do(query, nil, p.token)
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("HTTP %d, errors %+v\nquery: %s", res.Status, res.Errors, query)
	}
	got := azDecode(t, res.Data)
	if !p.admin {
		want = (&azRedactor{t: t, m: m, p: p}).object(want, &azField{sub: roots}, m.schema.Query.Name)
		m.leaks(t, p, got, "data")
	}
	if g, w := azJSON(got), azJSON(want); g != w {
		t.Errorf("%s gets\n  %s\nwant\n  %s\nquery: %s", p.name, g, w, query)
	}
}

// truthFor is the admin's answer to query, as p's own where the viewer
// is asked: a customer's viewer is read as admin on their own customer
// and profile; a guest's is the admin's own viewer, which is a guest's.
func (m *authzMatrix) truthFor(t *testing.T, p *azPrincipal, query string, roots []*azField) map[string]any {
	t.Helper()
	truth, ok := m.truths[query]
	if !ok {
		res := m.ts.with(t).do(query, nil, m.ts.AdminRead)
		if res.Status != http.StatusOK || len(res.Errors) > 0 {
			t.Fatalf("admin read: HTTP %d, errors %+v\nquery: %s", res.Status, res.Errors, query)
		}
		truth = azDecode(t, res.Data)
		m.truths[query] = truth
	}
	if p.customer == "" {
		return truth
	}
	out := map[string]any{}
	for k, v := range truth {
		out[k] = v
	}
	for _, r := range roots {
		if r.def != nil && r.def.Name == "viewer" {
			out["viewer"] = m.viewerTruth(t, p, r)
		}
	}
	return out
}

// viewerTruth reads, as admin, what customer p's viewer should answer.
func (m *authzMatrix) viewerTruth(t *testing.T, p *azPrincipal, viewer *azField) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, s := range viewer.sub {
		switch {
		case s.def == nil:
			out["__typename"] = "Viewer"
		case s.def.Name == "isGuest":
			out["isGuest"] = false
		case !azComposite(m.schema.Types[s.def.Type.Name()]):
			t.Fatalf("Viewer.%s: the matrix does not know what a customer's viewer answers there", s.def.Name)
		default:
			rule := authzPolicy["Viewer."+s.def.Name]
			typ, field, _ := strings.Cut(rule.same, ".")
			own := m.objects[azOwned[p.customer][typ]]
			if rule.kind != azSelf || own == nil {
				t.Fatalf("Viewer.%s needs a rule of kind self naming what it is the same as", s.def.Name)
			}
			inner := s.sub // the same selection on the shopper's own object
			if field != "" {
				same := *s
				same.parent = typ
				same.def = m.schema.Types[typ].Fields.ForName(field)
				inner = []*azField{{parent: typ}, &same}
			}
			q := m.schema.Query
			root := &azField{parent: q.Name, def: q.Fields.ForName("node"), args: fmt.Sprintf("(id: %q)", own.gid),
				sub: []*azField{{parent: "Node"}}, frags: map[string][]*azField{typ: inner}}
			query := azQuery("query", []*azField{root})
			res := m.ts.with(t).do(query, nil, m.ts.AdminRead)
			if len(res.Errors) > 0 {
				t.Fatalf("admin read: %+v\nquery: %s", res.Errors, query)
			}
			n, _ := azDecode(t, res.Data)["node"].(map[string]any)
			if field == "" {
				out[s.def.Name] = n
			} else {
				out[s.def.Name] = n[field]
			}
		}
	}
	return out
}

// azRedactor makes of an admin's answer what shopper p should get.
type azRedactor struct {
	t *testing.T
	m *authzMatrix
	p *azPrincipal
}

type azMode int

const (
	azNullIfUnseen azMode = iota // an object p may not see answers null
	azDropIfUnseen               // an object p may not see is left out of its list
	azAllSeen                    // every object is p's: anything else is a mistake of the policy table
)

// object redacts the fields f selects on obj, of type typ (or its __typename).
func (r *azRedactor) object(obj map[string]any, f *azField, typ string) map[string]any {
	if t, ok := obj["__typename"].(string); ok {
		typ = t
	}
	out := map[string]any{}
	for _, s := range f.selection(typ) {
		out[s.name()] = r.value(obj[s.name()], s)
	}
	return out
}

// value is what p gets from the field s whose admin answer is v.
func (r *azRedactor) value(v any, s *azField) any {
	if s.def == nil || !azComposite(r.m.schema.Types[s.def.Type.Name()]) {
		return v // leaves are the admin's; the leak check looks at them
	}
	key := s.parent + "." + s.def.Name
	rule, ok := authzPolicy[key]
	if !ok {
		r.t.Fatalf("%s has no entry in the authorization matrix: decide who may see it", key)
	}
	switch rule.kind {
	case azHidden:
		return r.missing(s)
	case azVisible:
		return r.each(v, s, azNullIfUnseen)
	case azFiltered:
		if r.m.connection(s) {
			return r.filterConnection(v, s)
		}
		return r.each(v, s, azDropIfUnseen)
	case azOwn, azSelf, azInherit:
		return r.each(v, s, azAllSeen)
	}
	r.t.Fatalf("%s (%s) cannot be reached by a storefront shopper", key, rule.kind)
	return nil
}

func (r *azRedactor) each(v any, s *azField, mode azMode) any {
	switch v := v.(type) {
	case []any:
		out := []any{}
		for _, item := range v {
			if x, keep := r.item(item, s, mode); keep {
				out = append(out, x)
			}
		}
		return out
	case map[string]any:
		x, _ := r.item(v, s, mode)
		return x
	}
	return v
}

func (r *azRedactor) item(v any, s *azField, mode azMode) (any, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return v, true // a null item of nodes
	}
	if !r.seen(obj) {
		switch mode {
		case azNullIfUnseen:
			return nil, true
		case azAllSeen:
			r.t.Errorf("policy table: %s.%s is %s, but the admin's answer holds %s %v, which %s may not see",
				s.parent, s.def.Name, authzPolicy[s.parent+"."+s.def.Name].kind, obj["__typename"], obj["id"], r.p.name)
		}
		return nil, false
	}
	return r.object(obj, s, s.def.Type.Name()), true
}

// seen reports whether p may see obj: a Node by its global id; anything
// else is a part of what holds it.
func (r *azRedactor) seen(obj map[string]any) bool {
	typ, _ := obj["__typename"].(string)
	if !r.m.isNode(typ) {
		return true
	}
	id, ok := obj["id"].(string)
	if !ok {
		r.t.Fatalf("a %s is selected without its id: the matrix cannot tell whose it is", typ)
	}
	return r.p.sees[id]
}

// missing is the answer of s when nothing exists: null, [] or an empty
// connection.
func (r *azRedactor) missing(s *azField) any {
	t := s.def.Type
	switch {
	case !t.NonNull:
		return nil
	case t.Elem != nil:
		return []any{}
	}
	switch t.NamedType {
	case "Boolean":
		return false
	case "Int":
		return 0
	}
	def := r.m.schema.Types[t.NamedType]
	if def.Kind != ast.Object {
		r.t.Fatalf("%s.%s: the matrix does not know what a missing %s is", s.parent, s.def.Name, t)
	}
	out := map[string]any{}
	for _, c := range s.selection(def.Name) {
		if c.def == nil {
			out["__typename"] = def.Name
			continue
		}
		out[c.def.Name] = r.missing(c)
	}
	return out
}

// filterConnection is an admin's connection without what p may not see:
// fewer edges and nodes, their count, and the cursors of what is left.
// The admin's page must hold the whole list.
func (r *azRedactor) filterConnection(v any, s *azField) any {
	conn, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if info, ok := conn["pageInfo"].(map[string]any); ok && (info["hasNextPage"] == true || info["hasPreviousPage"] == true) {
		r.t.Fatalf("%s.%s: the admin's page is not the whole list; the matrix cannot filter it", s.parent, s.def.Name)
	}
	typ := s.def.Type.Name()
	out := map[string]any{}
	var cursors []any
	count := -1
	for _, c := range s.selection(typ) {
		if c.def == nil {
			out["__typename"] = typ
			continue
		}
		switch c.def.Name {
		case "edges", "nodes":
			kept := []any{}
			items, _ := conn[c.def.Name].([]any)
			for _, item := range items {
				obj, _ := item.(map[string]any)
				n := obj
				if c.def.Name == "edges" {
					n, _ = obj["node"].(map[string]any)
					if n == nil {
						r.t.Fatalf("%s.%s: edges are selected without their node: the matrix cannot filter them", s.parent, s.def.Name)
					}
				}
				if !r.seen(n) {
					continue
				}
				red := r.object(obj, c, c.def.Type.Name())
				kept = append(kept, red)
				if c.def.Name == "edges" {
					cursors = append(cursors, obj["cursor"])
				}
			}
			out[c.def.Name] = kept
			count = len(kept)
		}
	}
	for _, c := range s.selection(typ) {
		if c.def == nil {
			continue
		}
		switch c.def.Name {
		case "edges", "nodes":
		case "totalCount":
			if count < 0 {
				r.t.Fatalf("%s.%s: totalCount is selected without edges or nodes: the matrix cannot count", s.parent, s.def.Name)
			}
			out["totalCount"] = count
		case "pageInfo":
			info := map[string]any{}
			for _, pc := range c.selection("PageInfo") {
				if pc.def == nil {
					info["__typename"] = "PageInfo"
					continue
				}
				switch pc.def.Name {
				case "hasNextPage", "hasPreviousPage":
					info[pc.def.Name] = false
				case "startCursor", "endCursor":
					if cursors == nil && count != 0 {
						r.t.Fatalf("%s.%s: cursors are selected without edges: the matrix cannot tell them", s.parent, s.def.Name)
					}
					info[pc.def.Name] = nil
					if len(cursors) > 0 {
						info[pc.def.Name] = cursors[0]
						if pc.def.Name == "endCursor" {
							info[pc.def.Name] = cursors[len(cursors)-1]
						}
					}
				default:
					r.t.Fatalf("PageInfo.%s: the matrix does not know it", pc.def.Name)
				}
			}
			out["pageInfo"] = info
		default:
			r.t.Fatalf("%s.%s: the matrix does not know how to filter a connection's %s", s.parent, s.def.Name, c.def.Name)
		}
	}
	return out
}

// leaks fails for every id, uuid, customerId and promotionId anywhere in
// a shopper's answer that names an object the shopper may not see.
func (m *authzMatrix) leaks(t *testing.T, p *azPrincipal, v any, path string) {
	t.Helper()
	switch v := v.(type) {
	case []any:
		for i, item := range v {
			m.leaks(t, p, item, fmt.Sprintf("%s[%d]", path, i))
		}
	case map[string]any:
		for _, k := range azSortedKeys(v) {
			at := path + "." + k
			var names []string
			switch k {
			case "id", "uuid":
				switch x := v[k].(type) {
				case string:
					names = append(names, x)
				case []any: // a condition's segment UUIDs
					for _, s := range x {
						names = append(names, fmt.Sprint(s))
					}
				}
			case "customerId", "promotionId":
				if v[k] != nil {
					names = append(names, fmt.Sprintf("%s:%v", k, v[k]))
				}
			case "cursor", "startCursor", "endCursor":
				// A cursor holds its object's UUID, customer id or promotion id.
				if c, ok := v[k].(string); ok {
					key := azCursorKey(t, c)
					if _, err := strconv.ParseInt(key, 10, 64); err == nil && !p.sees["customerId:"+key] {
						key = "promotionId:" + key
					}
					names = append(names, key)
				}
			}
			for _, n := range names {
				if !p.sees[n] {
					t.Errorf("leak: %s gets %s = %s at %s, which is not theirs to see", p.name, k, n, at)
				}
			}
			m.leaks(t, p, v[k], at)
		}
	}
}

// cursorCells: customer A takes a cursor from their own pages, edits it
// to point at or around B's segment (and B's promotion), and pages on
// with it everywhere a cursor is taken: never anything that is not A's.
func (m *authzMatrix) cursorCells(t *testing.T) {
	a := m.principal("customer A")
	ts := m.ts
	sa, sab, sb, s0 := m.objects["SA"], m.objects["SAB"], m.objects["SB"], m.objects["S0"]
	own := []string{sa.key, sab.key}
	slices.Sort(own)

	var page struct {
		Viewer struct {
			Segments struct{ Edges []struct{ Cursor string } }
		}
		Promotions struct{ Edges []struct{ Cursor string } }
	}
	ts.with(t).queryAs(a.token, `{ viewer { segments(first: 1) { edges { cursor } } } promotions(first: 1) { edges { cursor } } }`, nil, &page)
	if len(page.Viewer.Segments.Edges) != 1 || len(page.Promotions.Edges) != 1 {
		t.Fatalf("customer A's first pages: %+v", page)
	}
	segKey := azCursorKey(t, page.Viewer.Segments.Edges[0].Cursor)
	promoKey := azCursorKey(t, page.Promotions.Edges[0].Cursor)
	if segKey != own[0] || promoKey != "1" {
		t.Fatalf("customer A's cursors hold %q and %q, want %q and 1", segKey, promoKey, own[0])
	}

	// Keys at and just around B's segment and S0, which A is not in.
	justBefore := func(key string) string {
		u := uuid.MustParse(key)
		for i := len(u) - 1; i >= 0; i-- {
			u[i]--
			if u[i] != 0xff {
				break
			}
		}
		return u.String()
	}
	keys := []string{sb.key, justBefore(sb.key), s0.key, justBefore(s0.key), "00000000-0000-4000-8000-000000000000"}
	const segSel = `{ edges { cursor node { id uuid } } nodes { id uuid } totalCount }`
	type segAnswer struct {
		Edges []struct {
			Cursor string
			Node   struct{ ID, UUID string }
		}
		Nodes      []struct{ ID, UUID string }
		TotalCount int
	}
	for _, key := range keys {
		if !store.ValidUUID(key) {
			t.Fatalf("edited key %q is not a UUID", key)
		}
		cursor := azCursor(key)
		for _, dir := range azWindows(cursor, key, own) {
			want := dir.want
			t.Run(fmt.Sprintf("edited cursors/customer A/segments %s %s", dir.name, key), func(t *testing.T) {
				m.cells++
				q := fmt.Sprintf(`{ viewer { segments%[1]s %[2]s }
					node(id: %[3]q) { ... on ShopperProfile { segments%[1]s %[2]s } }
					other: node(id: %[4]q) { ... on ShopperProfile { segments%[1]s %[2]s } }
					segments%[1]s %[2]s }`, dir.args, segSel, m.objects["profile A"].gid, m.objects["profile B"].gid)
				res := ts.with(t).do(q, nil, a.token)
				if res.Status != http.StatusOK || len(res.Errors) > 0 {
					t.Fatalf("HTTP %d, errors %+v", res.Status, res.Errors)
				}
				m.leaks(t, a, azDecode(t, res.Data), "data")
				var data struct {
					Viewer   struct{ Segments segAnswer }
					Node     struct{ Segments segAnswer }
					Other    *struct{ Segments segAnswer }
					Segments segAnswer
				}
				if err := json.Unmarshal(res.Data, &data); err != nil {
					t.Fatal(err)
				}
				for _, got := range []struct {
					where string
					ans   segAnswer
					want  []string
				}{{"viewer.segments", data.Viewer.Segments, want}, {"A's profile's segments", data.Node.Segments, want}, {"segments", data.Segments, nil}} {
					var uuids []string
					for _, n := range got.ans.Nodes {
						uuids = append(uuids, n.UUID)
					}
					equal(t, got.where, uuids, got.want)
				}
				if data.Other != nil {
					t.Errorf("B's profile answers %+v", data.Other)
				}
			})
		}
	}

	// A's promotions list, with cursors edited to B's promotion and around it.
	open := []int64{1, 3, 6, 7} // PA, P0, PAB, Pch2
	for _, key := range []int64{2, 4, 5, 0} {
		cursor := azCursor(strconv.FormatInt(key, 10))
		for _, dir := range azWindows(cursor, key, open) {
			want := dir.want
			t.Run(fmt.Sprintf("edited cursors/customer A/promotions %s %d", dir.name, key), func(t *testing.T) {
				m.cells++
				q := fmt.Sprintf(`{ promotions%s { edges { cursor node { id promotionId } } totalCount } }`, dir.args)
				res := ts.with(t).do(q, nil, a.token)
				if res.Status != http.StatusOK || len(res.Errors) > 0 {
					t.Fatalf("HTTP %d, errors %+v", res.Status, res.Errors)
				}
				m.leaks(t, a, azDecode(t, res.Data), "data")
				var data struct {
					Promotions struct {
						Edges []struct {
							Node struct{ PromotionID int64 }
						}
						TotalCount int
					}
				}
				if err := json.Unmarshal(res.Data, &data); err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, e := range data.Promotions.Edges {
					got = append(got, e.Node.PromotionID)
				}
				equal(t, "promotions", got, want)
				equal(t, "totalCount", data.Promotions.TotalCount, len(open))
			})
		}
	}
}

// channelCells: a token bound to channel 1 decides the channel. Its
// shopper's profile answers eligiblePromotions for that channel whatever
// channelId says, as the viewer does, and never a promotion of another.
func (m *authzMatrix) channelCells(t *testing.T) {
	ch1 := &azPrincipal{name: "customer A on channel 1", token: m.ts.token(101, ptr[int64](1)), customer: "A", sees: m.sees("A on channel 1")}
	for _, arg := range []string{"", "(channelId: 2)", "(channelId: 1)"} {
		t.Run("ShopperProfile.eligiblePromotions/"+ch1.name+"/A's object"+strings.ReplaceAll(strings.TrimSuffix(arg, ")"), "(", ", "), func(t *testing.T) {
			m.cells++
			q := fmt.Sprintf(`{ viewer { eligiblePromotions%[1]s { id promotionId } shopperProfile { eligiblePromotions%[1]s { id promotionId } } }
				node(id: %[2]q) { ... on ShopperProfile { eligiblePromotions%[1]s { id promotionId } } } }`,
				arg, m.objects["profile A"].gid)
			res := m.ts.with(t).do(q, nil, ch1.token)
			if res.Status != http.StatusOK || len(res.Errors) > 0 {
				t.Fatalf("HTTP %d, errors %+v", res.Status, res.Errors)
			}
			m.leaks(t, ch1, azDecode(t, res.Data), "data")
			var data struct {
				Viewer struct {
					EligiblePromotions []struct{ PromotionID int64 }
					ShopperProfile     struct {
						EligiblePromotions []struct{ PromotionID int64 }
					}
				}
				Node struct {
					EligiblePromotions []struct{ PromotionID int64 }
				}
			}
			if err := json.Unmarshal(res.Data, &data); err != nil {
				t.Fatal(err)
			}
			want := []int64{1, 3, 6} // PA, P0, PAB: not Pch2
			equal(t, "viewer.eligiblePromotions", promotionIDs(data.Viewer.EligiblePromotions), want)
			equal(t, "viewer.shopperProfile.eligiblePromotions", promotionIDs(data.Viewer.ShopperProfile.EligiblePromotions), want)
			equal(t, "node(A's profile).eligiblePromotions", promotionIDs(data.Node.EligiblePromotions), want)
		})
	}
}

// mutationCells: every mutation, with arguments built from its input
// types, is refused with FORBIDDEN before it runs for everyone but admin
// write, and the store is as it was; admin write runs each last.
func (m *authzMatrix) mutationCells(t *testing.T) {
	snapshot := m.snapshot(t)
	var docs []struct{ name, doc string }
	for _, def := range m.schema.Mutation.Fields {
		if strings.HasPrefix(def.Name, "__") {
			continue
		}
		f := m.gen(t, m.schema.Mutation.Name, def, m.mutationArgs(t, def), 2)
		docs = append(docs, struct{ name, doc string }{"Mutation." + def.Name, azQuery("mutation", []*azField{f})})
	}
	if len(docs) < 2 {
		t.Fatalf("the schema has %d mutations", len(docs))
	}
	refused := func(t *testing.T, p *azPrincipal, doc, code string) {
		t.Helper()
		m.cells++
		res := m.ts.with(t).do(doc, nil, p.token)
		if !slices.Equal(codesOf(res), []string{code}) {
			t.Errorf("%s: error codes %v, want [%s]\n%s", p.name, codesOf(res), code, doc)
		}
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: HTTP %d, want 422", p.name, res.Status)
		}
		if d := strings.TrimSpace(string(res.Data)); d != "" && d != "null" {
			t.Errorf("%s: data %s, want none", p.name, d)
		}
		if after := m.snapshot(t); after != snapshot {
			t.Errorf("%s changed the store:\nbefore %s\nafter  %s", p.name, snapshot, after)
			snapshot = after // so that the next cells report their own changes only
		}
	}
	for _, d := range docs {
		for _, p := range m.principals {
			if p.token == m.ts.AdminWrite {
				continue
			}
			t.Run(d.name+"/"+p.name, func(t *testing.T) { refused(t, p, d.doc, "FORBIDDEN") })
		}
	}
	// Two mutations in one storefront document are refused for that first.
	two := "mutation { " + azInner(docs[0].doc) + " " + azInner(docs[1].doc) + " }"
	for _, p := range m.principals {
		if p.token == m.ts.AdminWrite {
			continue
		}
		code := "MUTATION_LIMIT_EXCEEDED"
		if p.admin {
			code = "FORBIDDEN"
		}
		t.Run("Mutation (two in one document)/"+p.name, func(t *testing.T) { refused(t, p, two, code) })
	}
	// Admin write last: these change the store.
	for _, d := range docs {
		t.Run(d.name+"/admin write", func(t *testing.T) {
			m.cells++
			res := m.ts.with(t).do(d.doc, nil, m.ts.AdminWrite)
			if res.Status != http.StatusOK || len(res.Errors) > 0 {
				t.Errorf("admin write: HTTP %d, errors %+v\n%s", res.Status, res.Errors, d.doc)
			}
			if d := strings.TrimSpace(string(res.Data)); d == "" || d == "null" {
				t.Errorf("admin write: no data")
			}
		})
	}
}

// azInner is the selection inside a document's outer braces.
func azInner(doc string) string {
	doc = doc[strings.Index(doc, "{")+1:]
	return doc[:strings.LastIndex(doc, "}")]
}

// snapshot is everything the store holds, as admin read sees it through
// every list at the root.
func (m *authzMatrix) snapshot(t *testing.T) string {
	t.Helper()
	q := m.schema.Query
	var roots []*azField
	for _, def := range q.Fields {
		if strings.HasPrefix(def.Name, "__") || azRequiredArgs(def) || !m.connection(&azField{def: def}) {
			continue
		}
		roots = append(roots, m.gen(t, q.Name, def, "(first: 250)", azRootHops))
	}
	query := azQuery("query", roots)
	res := m.ts.with(t).do(query, nil, m.ts.AdminRead)
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("snapshot: HTTP %d, errors %+v", res.Status, res.Errors)
	}
	return azJSON(azDecode(t, res.Data))
}

// mutationArgs are a mutation's required arguments, made of the smallest
// values its input types take.
func (m *authzMatrix) mutationArgs(t *testing.T, def *ast.FieldDefinition) string {
	var parts []string
	for _, a := range def.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			parts = append(parts, a.Name+": "+m.literal(t, a.Type))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (m *authzMatrix) literal(t *testing.T, typ *ast.Type) string {
	if typ.Elem != nil {
		return "[" + m.literal(t, typ.Elem) + "]"
	}
	def := m.schema.Types[typ.NamedType]
	switch def.Kind {
	case ast.Enum:
		return def.EnumValues[0].Name
	case ast.InputObject:
		var parts []string
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil {
				parts = append(parts, f.Name+": "+m.literal(t, f.Type))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	switch def.Name {
	case "String":
		return `"matrix"`
	case "ID":
		return strconv.Quote(uuid.NewString())
	case "Int", "Int64":
		return "7"
	case "Float":
		return "1.5"
	case "Boolean":
		return "false"
	case "DateTime":
		return `"2026-01-02T03:04:05Z"`
	}
	t.Fatalf("the matrix has no value for input type %s", def.Name)
	return ""
}

// azField is one field of a generated query, with its schema definition.
type azField struct {
	parent string               // the type it is selected on
	def    *ast.FieldDefinition // nil: __typename
	args   string               // printed arguments
	sub    []*azField           // the fields selected on its object
	frags  map[string][]*azField
}

func (f *azField) name() string {
	if f.def == nil {
		return "__typename"
	}
	return f.def.Name
}

// selection is what f selects on an object of type typ.
func (f *azField) selection(typ string) []*azField {
	return append(slices.Clip(f.sub), f.frags[typ]...)
}

func (f *azField) write(b *strings.Builder) {
	b.WriteString(f.name())
	b.WriteString(f.args)
	if len(f.sub) == 0 && len(f.frags) == 0 {
		return
	}
	b.WriteString(" {")
	for _, s := range f.sub {
		b.WriteByte(' ')
		s.write(b)
	}
	for _, typ := range azSortedKeys(f.frags) {
		b.WriteString(" ... on " + typ + " {")
		for _, s := range f.frags[typ] {
			b.WriteByte(' ')
			s.write(b)
		}
		b.WriteString(" }")
	}
	b.WriteString(" }")
}

func azQuery(op string, roots []*azField) string {
	var b strings.Builder
	b.WriteString(op + " {")
	for _, r := range roots {
		b.WriteByte(' ')
		r.write(&b)
	}
	b.WriteString(" }")
	return b.String()
}

// gen selects def on parent with args, and below it every field without
// required arguments within hops.
func (m *authzMatrix) gen(t *testing.T, parent string, def *ast.FieldDefinition, args string, hops int) *azField {
	f := &azField{parent: parent, def: def, args: args}
	typ := m.schema.Types[def.Type.Name()]
	if azComposite(typ) {
		m.fill(t, f, typ, hops-m.cost(typ))
	}
	return f
}

func (m *authzMatrix) fill(t *testing.T, f *azField, typ *ast.Definition, hops int) {
	switch typ.Kind {
	case ast.Object:
		f.sub = m.fields(t, typ, hops)
	case ast.Interface, ast.Union:
		f.sub = []*azField{{parent: typ.Name}}
		f.frags = map[string][]*azField{}
		for _, pt := range m.schema.GetPossibleTypes(typ) {
			f.frags[pt.Name] = m.fields(t, pt, hops)
		}
	default:
		t.Fatalf("cannot select on %s", typ.Name)
	}
}

func (m *authzMatrix) fields(t *testing.T, typ *ast.Definition, hops int) []*azField {
	out := []*azField{{parent: typ.Name}}
	for _, def := range typ.Fields {
		if strings.HasPrefix(def.Name, "__") || azRequiredArgs(def) {
			continue
		}
		ft := m.schema.Types[def.Type.Name()]
		if azComposite(ft) && hops-m.cost(ft) < 0 {
			continue
		}
		out = append(out, m.gen(t, typ.Name, def, "", hops))
	}
	return out
}

// cost is what entering typ takes from the hops: nothing for connections,
// edges and objects of leaves only, one for any other object.
func (m *authzMatrix) cost(typ *ast.Definition) int {
	if strings.HasSuffix(typ.Name, "Connection") || strings.HasSuffix(typ.Name, "Edge") {
		return 0
	}
	for _, f := range typ.Fields {
		if azComposite(m.schema.Types[f.Type.Name()]) {
			return 1
		}
	}
	if typ.Kind != ast.Object {
		return 1
	}
	return 0
}

func (m *authzMatrix) connection(f *azField) bool {
	return f.def.Type.Elem == nil && strings.HasSuffix(f.def.Type.NamedType, "Connection")
}

func (m *authzMatrix) isNode(typ string) bool {
	for _, d := range m.schema.GetPossibleTypes(m.schema.Types["Node"]) {
		if d.Name == typ {
			return true
		}
	}
	return false
}

func azComposite(def *ast.Definition) bool {
	return def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union)
}

func azRequiredArgs(def *ast.FieldDefinition) bool {
	for _, a := range def.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

func azSortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func azDecode(t *testing.T, data json.RawMessage) map[string]any {
	t.Helper()
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return out
}

// azJSON is v as canonical JSON: keys sorted.
func azJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

func azCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + key))
}

func azCursorKey(t *testing.T, cursor string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(raw), "k:") {
		t.Fatalf("cursor %q is not the keyset cursor the matrix knows", cursor)
	}
	return strings.TrimPrefix(string(raw), "k:")
}

// azWindow is a page of 50 after or before an edited cursor, and the keys
// of the principal's own it must answer.
type azWindow[K cmp.Ordered] struct {
	name, args string
	want       []K
}

// azWindows are both pages around cursor, which holds key.
func azWindows[K cmp.Ordered](cursor string, key K, own []K) []azWindow[K] {
	after := azWindow[K]{name: "after", args: fmt.Sprintf("(first: 50, after: %q)", cursor)}
	before := azWindow[K]{name: "before", args: fmt.Sprintf("(last: 50, before: %q)", cursor)}
	for _, k := range own {
		switch {
		case k > key:
			after.want = append(after.want, k)
		case k < key:
			before.want = append(before.want, k)
		}
	}
	return []azWindow[K]{after, before}
}
