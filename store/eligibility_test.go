package store

import (
	"testing"
	"time"
)

func TestConditionMatches(t *testing.T) {
	a, b, c := "a", "b", "c"
	in := func(ids ...string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	id := func(ids ...string) Condition { return Condition{ID: ids} }
	not := func(c Condition) Condition { return Condition{Not: &c} }
	tests := []struct {
		name string
		cond Condition
		in   map[string]bool
		want bool
	}{
		{"id any of, member", id(a, b), in(b), true},
		{"id any of, not member", id(a, b), in(c), false},
		{"not, in no segment at all", not(id(a)), in(), true},
		{"not, member", not(id(a)), in(a), false},
		{"and, all true", Condition{And: []Condition{id(a), id(b)}}, in(a, b), true},
		{"and, one false", Condition{And: []Condition{id(a), id(b)}}, in(a), false},
		{"or, one true", Condition{Or: []Condition{id(a), id(b)}}, in(b), true},
		{"or, none true", Condition{Or: []Condition{id(a), id(b)}}, in(c), false},
		{"three levels", Condition{And: []Condition{{Or: []Condition{id(a), id(b)}}, not(id(c))}}, in(a), true},
		{"three levels, excluded", Condition{And: []Condition{{Or: []Condition{id(a), id(b)}}, not(id(c))}}, in(a, c), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cond.Matches(tt.in); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEligible(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	one := 1
	seg := "0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70"
	base := func(mod func(*Promotion)) *Promotion {
		p := &Promotion{Status: StatusEnabled, StartsAt: past}
		if mod != nil {
			mod(p)
		}
		return p
	}
	guest := Shopper{Guest: true}
	member := Shopper{CustomerGroupID: 2, OrderCount: 3, HasProfile: true, SegmentIDs: map[string]bool{seg: true}}
	noProfile := Shopper{CustomerGroupID: 2, OrderCount: 3}
	tests := []struct {
		name    string
		p       *Promotion
		shopper Shopper
		channel int64
		want    bool
	}{
		{"open promotion, guest", base(nil), guest, 1, true},
		{"disabled", base(func(p *Promotion) { p.Status = StatusDisabled }), member, 1, false},
		{"invalid", base(func(p *Promotion) { p.Status = StatusInvalid }), member, 1, false},
		{"not started", base(func(p *Promotion) { p.StartsAt = future }), member, 1, false},
		{"ended", base(func(p *Promotion) { p.EndsAt = &past }), member, 1, false},
		{"ends later", base(func(p *Promotion) { p.EndsAt = &future }), member, 1, true},
		{"used up", base(func(p *Promotion) { p.MaxUses, p.CurrentUses = &one, 1 }), member, 1, false},
		{"other channel", base(func(p *Promotion) { p.ChannelIDs = []int64{2} }), member, 1, false},
		{"its channel", base(func(p *Promotion) { p.ChannelIDs = []int64{1, 2} }), member, 2, true},
		{"group allowed", base(func(p *Promotion) { p.Customer.GroupIDs = []int64{2} }), member, 1, true},
		{"group not allowed", base(func(p *Promotion) { p.Customer.GroupIDs = []int64{1} }), member, 1, false},
		{"group 0 takes guests", base(func(p *Promotion) { p.Customer.GroupIDs = []int64{0} }), guest, 1, true},
		{"group excluded", base(func(p *Promotion) { p.Customer.ExcludedGroupIDs = []int64{2} }), member, 1, false},
		{"guests excluded by group 0", base(func(p *Promotion) { p.Customer.ExcludedGroupIDs = []int64{0} }), guest, 1, false},
		{"order count reached", base(func(p *Promotion) { p.Customer.MinimumOrderCount = 3 }), member, 1, true},
		{"order count not reached", base(func(p *Promotion) { p.Customer.MinimumOrderCount = 4 }), member, 1, false},
		{"order count, guest", base(func(p *Promotion) { p.Customer.MinimumOrderCount = 1 }), guest, 1, false},
		{"segment, member", base(func(p *Promotion) { p.Customer.Segments = &Condition{ID: []string{seg}} }), member, 1, true},
		{"segment, guest", base(func(p *Promotion) { p.Customer.Segments = &Condition{Not: &Condition{ID: []string{seg}}} }), guest, 1, false},
		{"not segment, no profile", base(func(p *Promotion) { p.Customer.Segments = &Condition{Not: &Condition{ID: []string{seg}}} }), noProfile, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Eligible(tt.p, tt.shopper, tt.channel, now); got != tt.want {
				t.Errorf("Eligible = %v, want %v", got, tt.want)
			}
		})
	}
}

// BenchmarkEligible2000 is the work of one storefront request's
// eligibility once its inputs are cached: 2000 enabled promotions, most
// with segment conditions, checked for a shopper in 10 segments.
func BenchmarkEligible2000(b *testing.B) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = NewID()
	}
	shopper := Shopper{CustomerGroupID: 1, OrderCount: 3, HasProfile: true, SegmentIDs: map[string]bool{}}
	for i := range 10 {
		shopper.SegmentIDs[ids[i*97%1000]] = true
	}
	promos := make([]*Promotion, 2000)
	for i := range promos {
		p := &Promotion{Status: StatusEnabled, StartsAt: now.Add(-time.Hour)}
		if i%4 != 0 {
			p.Customer.Segments = &Condition{Or: []Condition{{ID: []string{ids[i%1000]}}, {Not: &Condition{ID: []string{ids[(i*7)%1000]}}}}}
		}
		promos[i] = p
	}
	for b.Loop() {
		n := 0
		for _, p := range promos {
			if Eligible(p, shopper, 1, now) {
				n++
			}
		}
		_ = n
	}
}
