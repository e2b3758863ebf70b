package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// genVersion changes whenever the generator's output changes, so cached
// data sets of an older generator are made anew.
const genVersion = 1

// genSeed seeds every random choice of the generator.
const genSeed = 20260806

// Scale is the size of a data set.
type Scale struct {
	Name        string
	Customers   int // one shopper profile each
	Memberships int
	Segments    int
	Promotions  int
}

// The two scales of issue 6.
var (
	scaleSmall = Scale{Name: "small", Customers: 10_000, Memberships: 50_000, Segments: 100, Promotions: 200}
	scaleLarge = Scale{Name: "large", Customers: 100_000, Memberships: 1_000_000, Segments: 1000, Promotions: 2000}
)

// stamp identifies a generated data set: its generator version, seed and
// sizes. A data dir whose VERSION file holds another stamp is made anew.
func (s Scale) stamp() string {
	return fmt.Sprintf("segql-bench-data v%d seed %d customers %d memberships %d segments %d promotions %d\n",
		genVersion, genSeed, s.Customers, s.Memberships, s.Segments, s.Promotions)
}

// genBase is the fixed moment the data set's timestamps are relative to.
// Promotions start before it and the active ones end far after it, so the
// same promotions are eligible on any day the benchmark runs.
var genBase = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// idNamespace makes the data set's UUIDs (version 5): stable across runs
// and machines.
var idNamespace = uuid.MustParse("6f3b0c2e-5a55-4c8e-9d0b-5e6c0d1a2b3c")

func segmentUUID(i int) string {
	return uuid.NewSHA1(idNamespace, fmt.Appendf(nil, "segment/%d", i)).String()
}

func profileUUID(customerID int64) string {
	return uuid.NewSHA1(idNamespace, fmt.Appendf(nil, "profile/%d", customerID)).String()
}

// Dataset is a generated data set on disk and what the load runner needs
// to know of it.
type Dataset struct {
	Dir         string
	Scale       Scale
	SegmentIDs  []string
	ProfileIDs  []string // index i: customer i+1's profile
	CustomerIDs []int64
}

// ensureData makes the data set of scale s in dir, unless dir holds it
// already (its VERSION file matches), and returns it.
func ensureData(dir string, s Scale, logf func(string, ...any)) (*Dataset, error) {
	d := &Dataset{Dir: dir, Scale: s}
	for i := range s.Segments {
		d.SegmentIDs = append(d.SegmentIDs, segmentUUID(i))
	}
	for c := 1; c <= s.Customers; c++ {
		d.CustomerIDs = append(d.CustomerIDs, int64(c))
		d.ProfileIDs = append(d.ProfileIDs, profileUUID(int64(c)))
	}
	if got, err := os.ReadFile(filepath.Join(dir, "VERSION")); err == nil && string(got) == s.stamp() {
		logf("data: reusing %s (%s)", dir, strings.TrimSpace(s.stamp()))
		return d, nil
	}
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, "VERSION"))
	if err := generate(dir, s); err != nil {
		return nil, fmt.Errorf("generating %s data: %w", s.Name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "VERSION"), []byte(s.stamp()), 0o644); err != nil {
		return nil, err
	}
	logf("data: generated %s in %s (%s)", dir, time.Since(start).Round(time.Millisecond), strings.TrimSpace(s.stamp()))
	return d, nil
}

// jsonlWriter writes one JSON object a line to a file.
type jsonlWriter struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
}

func createJSONL(dir, name string) (*jsonlWriter, error) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	return &jsonlWriter{f: f, w: w, enc: json.NewEncoder(w)}, nil
}

func (j *jsonlWriter) write(v any) error { return j.enc.Encode(v) }

func (j *jsonlWriter) close() error {
	if err := j.w.Flush(); err != nil {
		j.f.Close()
		return err
	}
	return j.f.Close()
}

// The records, in the import format's field names (README "Import").
type (
	customerRec struct {
		ID              int64   `json:"id"`
		Email           string  `json:"email"`
		FirstName       string  `json:"first_name"`
		LastName        string  `json:"last_name"`
		Company         string  `json:"company,omitempty"`
		Phone           string  `json:"phone,omitempty"`
		CustomerGroupID int64   `json:"customer_group_id"`
		ChannelIDs      []int64 `json:"channel_ids"`
		DateCreated     string  `json:"date_created"`
		DateModified    string  `json:"date_modified"`
		OrderCount      int     `json:"order_count"`
	}
	segmentRec struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		CreatedAt   string `json:"created_at"`
		UpdatedAt   string `json:"updated_at"`
	}
	profileRec struct {
		ID         string `json:"id"`
		CustomerID int64  `json:"customer_id"`
		CreatedAt  string `json:"created_at"`
		UpdatedAt  string `json:"updated_at"`
	}
	membershipRec struct {
		SegmentID string `json:"segment_id"`
		ProfileID string `json:"shopper_profile_id"`
	}
	channelRec struct {
		ID int64 `json:"id"`
	}
	promotionRec struct {
		ID             int64         `json:"id"`
		Name           string        `json:"name"`
		DisplayName    string        `json:"display_name"`
		RedemptionType string        `json:"redemption_type"`
		Status         string        `json:"status"`
		StartDate      string        `json:"start_date"`
		EndDate        *string       `json:"end_date"`
		Channels       []channelRec  `json:"channels"`
		CurrencyCode   string        `json:"currency_code"`
		MaxUses        *int          `json:"max_uses"`
		CurrentUses    int           `json:"current_uses"`
		Customer       *targetingRec `json:"customer"`
	}
	targetingRec struct {
		GroupIDs          []int64 `json:"group_ids"`
		ExcludedGroupIDs  []int64 `json:"excluded_group_ids"`
		MinimumOrderCount int     `json:"minimum_order_count"`
		Segments          *cond   `json:"segments"`
	}
	// cond is the reference's segment condition.
	cond struct {
		ID  []string `json:"id,omitempty"`
		Not *cond    `json:"not,omitempty"`
		And []cond   `json:"and,omitempty"`
		Or  []cond   `json:"or,omitempty"`
	}
)

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken",
		"Radia", "Dennis", "Katherine", "Linus", "Hedy", "Tim", "Shafi", "Guido", "Sophie", "Niklaus"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "McCarthy", "Hamilton",
		"Thompson", "Perlman", "Ritchie", "Johnson", "Torvalds", "Lamarr", "Berners-Lee", "Goldwasser", "van Rossum", "Wilson", "Wirth"}
	companies    = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne"}
	segmentKinds = []string{"VIP", "Lapsed", "Newsletter", "Wholesale", "Loyalty", "Cart abandoners", "Big spenders",
		"First order", "Mobile", "Gift buyers", "Sale hunters", "Early adopters"}
)

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// generate writes the five files of scale s into dir.
func generate(dir string, s Scale) error {
	rng := rand.New(rand.NewPCG(genSeed, uint64(s.Customers)))
	if err := writeCustomers(dir, s, rng); err != nil {
		return err
	}
	if err := writeSegments(dir, s); err != nil {
		return err
	}
	if err := writeProfiles(dir, s); err != nil {
		return err
	}
	if err := writeMemberships(dir, s, rng); err != nil {
		return err
	}
	return writePromotions(dir, s, rng)
}

// customerGroup: half in no group, then groups 1-4 less and less often.
func customerGroup(rng *rand.Rand) int64 {
	switch r := rng.IntN(100); {
	case r < 50:
		return 0
	case r < 75:
		return 1
	case r < 88:
		return 2
	case r < 96:
		return 3
	default:
		return 4
	}
}

func writeCustomers(dir string, s Scale, rng *rand.Rand) error {
	w, err := createJSONL(dir, "customers.jsonl")
	if err != nil {
		return err
	}
	for id := int64(1); id <= int64(s.Customers); id++ {
		created := genBase.Add(-time.Duration(rng.IntN(3*365*24)) * time.Hour)
		c := customerRec{
			ID:              id,
			Email:           fmt.Sprintf("customer%d@bench.example.com", id),
			FirstName:       firstNames[rng.IntN(len(firstNames))],
			LastName:        lastNames[rng.IntN(len(lastNames))],
			CustomerGroupID: customerGroup(rng),
			ChannelIDs:      []int64{1},
			DateCreated:     ts(created),
			DateModified:    ts(created.Add(time.Duration(rng.IntN(24*90)) * time.Hour)),
			// Order counts are skewed: most shoppers have a few orders.
			OrderCount: int(math.Floor(math.Pow(rng.Float64(), 3) * 60)),
		}
		if rng.IntN(4) == 0 {
			c.Company = companies[rng.IntN(len(companies))]
		}
		if rng.IntN(2) == 0 {
			c.Phone = fmt.Sprintf("+1-555-%04d", rng.IntN(10000))
		}
		if rng.IntN(5) == 0 {
			c.ChannelIDs = append(c.ChannelIDs, 2)
		}
		if err := w.write(c); err != nil {
			w.close()
			return err
		}
	}
	return w.close()
}

func writeSegments(dir string, s Scale) error {
	w, err := createJSONL(dir, "segments.jsonl")
	if err != nil {
		return err
	}
	for i := range s.Segments {
		at := genBase.Add(-time.Duration(s.Segments-i) * time.Hour)
		sg := segmentRec{
			ID:          segmentUUID(i),
			Name:        fmt.Sprintf("%s %d", segmentKinds[i%len(segmentKinds)], i),
			Description: fmt.Sprintf("Benchmark segment %d", i),
			CreatedAt:   ts(at),
			UpdatedAt:   ts(at),
		}
		if err := w.write(sg); err != nil {
			w.close()
			return err
		}
	}
	return w.close()
}

func writeProfiles(dir string, s Scale) error {
	w, err := createJSONL(dir, "shopper_profiles.jsonl")
	if err != nil {
		return err
	}
	for id := int64(1); id <= int64(s.Customers); id++ {
		at := ts(genBase.Add(time.Duration(id) * time.Second))
		if err := w.write(profileRec{ID: profileUUID(id), CustomerID: id, CreatedAt: at, UpdatedAt: at}); err != nil {
			w.close()
			return err
		}
	}
	return w.close()
}

// segmentWeights makes popular and niche segments: segment i's weight falls
// as (i + S/10)^-0.7, so the biggest segment is about five times the
// smallest and the smallest still has well over 50 members.
func segmentWeights(n int) []float64 {
	cum := make([]float64, n)
	total := 0.0
	for i := range n {
		total += math.Pow(float64(i)+float64(n)/10, -0.7)
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	return cum
}

// membershipCounts gives each profile a number of segments averaging
// total/profiles: profiles in pairs, one d below the mean and one d above,
// so the total is exact.
func membershipCounts(s Scale, rng *rand.Rand) []int {
	counts := make([]int, s.Customers)
	mean := s.Memberships / s.Customers
	rest := s.Memberships - mean*s.Customers
	for i := 0; i+1 < len(counts); i += 2 {
		d := rng.IntN(mean + 1)
		counts[i], counts[i+1] = mean-d, mean+d
	}
	if len(counts)%2 == 1 {
		counts[len(counts)-1] = mean
	}
	for i := 0; rest > 0; i = (i + 1) % len(counts) {
		counts[i]++
		rest--
	}
	for i := range counts {
		counts[i] = min(counts[i], s.Segments)
	}
	return counts
}

func writeMemberships(dir string, s Scale, rng *rand.Rand) error {
	w, err := createJSONL(dir, "memberships.jsonl")
	if err != nil {
		return err
	}
	cum := segmentWeights(s.Segments)
	counts := membershipCounts(s, rng)
	picked := make([]int, 0, s.Segments)
	for i, n := range counts {
		picked = picked[:0]
		for len(picked) < n {
			seg, _ := slices.BinarySearch(cum, rng.Float64())
			seg = min(seg, s.Segments-1)
			if !slices.Contains(picked, seg) {
				picked = append(picked, seg)
			}
		}
		slices.Sort(picked)
		profile := profileUUID(int64(i + 1))
		for _, seg := range picked {
			if err := w.write(membershipRec{SegmentID: segmentUUID(seg), ProfileID: profile}); err != nil {
				w.close()
				return err
			}
		}
	}
	return w.close()
}

// randomCondition builds a segment condition of at most depth operator
// levels over the segments.
func randomCondition(rng *rand.Rand, s Scale, depth int) cond {
	ids := func() cond {
		n := 1 + rng.IntN(3)
		c := cond{}
		for len(c.ID) < n {
			id := segmentUUID(rng.IntN(s.Segments))
			if !slices.Contains(c.ID, id) {
				c.ID = append(c.ID, id)
			}
		}
		return c
	}
	if depth == 0 || rng.IntN(3) == 0 {
		return ids()
	}
	switch rng.IntN(3) {
	case 0:
		inner := randomCondition(rng, s, depth-1)
		return cond{Not: &inner}
	case 1:
		return cond{And: []cond{ids(), randomCondition(rng, s, depth-1)}}
	default:
		return cond{Or: []cond{randomCondition(rng, s, depth-1), ids(), ids()}[:2+rng.IntN(2)]}
	}
}

// writePromotions makes a realistic mix: open to everyone, by customer
// group, by order count, by segment condition (id lists, and, or, not,
// up to three levels), and some that are disabled, expired, not started
// or used up, so eligibility has work to do.
func writePromotions(dir string, s Scale, rng *rand.Rand) error {
	w, err := createJSONL(dir, "promotions.jsonl")
	if err != nil {
		return err
	}
	for id := int64(1); id <= int64(s.Promotions); id++ {
		p := promotionRec{
			ID:             id,
			Name:           fmt.Sprintf("Promotion %d", id),
			DisplayName:    fmt.Sprintf("%d%% off", 5+rng.IntN(40)),
			RedemptionType: "AUTOMATIC",
			Status:         "ENABLED",
			StartDate:      ts(genBase.Add(-time.Duration(rng.IntN(365*24)) * time.Hour)),
			CurrencyCode:   "USD",
		}
		if rng.IntN(5) == 0 {
			p.RedemptionType = "COUPON"
		}
		if rng.IntN(10) == 0 {
			p.Channels = []channelRec{{ID: 1 + int64(rng.IntN(2))}}
		}
		t := &targetingRec{}
		switch r := rng.IntN(100); {
		case r < 15: // open to everyone
			t = nil
		case r < 25: // some groups
			t.GroupIDs = []int64{1 + int64(rng.IntN(4))}
			if rng.IntN(2) == 0 {
				t.GroupIDs = append(t.GroupIDs, 0)
			}
		case r < 30: // all but a group
			t.ExcludedGroupIDs = []int64{int64(rng.IntN(5))}
		case r < 38: // repeat customers
			t.MinimumOrderCount = 2 + rng.IntN(20)
		default: // a segment condition, sometimes with a group or order count too
			c := randomCondition(rng, s, 3)
			t.Segments = &c
			if rng.IntN(5) == 0 {
				t.MinimumOrderCount = 1 + rng.IntN(5)
			}
		}
		p.Customer = t
		switch r := rng.IntN(100); {
		case r < 8:
			p.Status = "DISABLED"
		case r < 13: // expired
			end := ts(genBase.Add(24 * time.Hour))
			p.StartDate = ts(genBase.Add(-30 * 24 * time.Hour))
			p.EndDate = &end
		case r < 16: // not started yet
			p.StartDate = ts(time.Date(2099, time.January, 1, 0, 0, 0, 0, time.UTC))
		case r < 19: // used up
			maxUses := 100
			p.MaxUses = &maxUses
			p.CurrentUses = 100
		case r < 40: // ends far in the future
			end := ts(time.Date(2099, time.December, 31, 0, 0, 0, 0, time.UTC))
			p.EndDate = &end
		}
		if err := w.write(p); err != nil {
			w.close()
			return err
		}
	}
	return w.close()
}
