package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTripsSequence(t *testing.T) {
	d := tinyDataset(t)
	v, err := mintViewers("secret", d, 0)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{data: d, adminToken: "admin", viewers: v}
	members, err := membershipsOf(d.Dir+"/memberships.jsonl", d.ProfileIDs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		wl          string
		n, want     int // asked, built
		cycle, warm int
	}{
		{wlFloor, 200, 200, 1, 1},
		{wlStorefront, 200, 200, 1, 200},
		{wlStorefront, 400, 400, 1, tinyScale.Customers}, // more requests than viewers: they come round again
		{wlAdminNested, 30, 30, 1, tinyScale.Segments},
		{wlAdminNaive, 5, 5, 1, 5},
		{wlWriteMix, 200, 200, writeMixCycle, 190},
		{wlWriteMix, 50, 80, writeMixCycle, 76}, // whole cycles
	} {
		seq, err := newTripsSequence(tc.wl, fx, tc.n)
		if err != nil {
			t.Fatalf("%s: %v", tc.wl, err)
		}
		if len(seq.reqs) != tc.want || seq.cycle != tc.cycle || len(seq.warm) != tc.warm {
			t.Errorf("%s of %d: %d requests, cycle %d, %d to warm up; want %d, %d, %d", tc.wl, tc.n, len(seq.reqs), seq.cycle, len(seq.warm), tc.want, tc.cycle, tc.warm)
		}
		for _, r := range seq.warm {
			if r.write {
				t.Errorf("%s: the warm-up has a write", tc.wl)
			}
		}
		if tc.wl != wlWriteMix {
			continue
		}
		// Each cycle: reads, an add at 19 and the removal of the same
		// pair at 39; the pair is no membership of the data set, and its
		// profile is none of the viewers read.
		viewers := map[string]bool{}
		for i, r := range seq.reqs {
			if !r.write {
				if r.token == "admin" || strings.Contains(string(r.body), "mutation") {
					t.Fatalf("request %d: a read that is not a viewer's", i)
				}
				viewers[r.token] = true
				continue
			}
			if pos := i % writeMixCycle; pos != writeMixCycle/2-1 && pos != writeMixCycle-1 {
				t.Fatalf("a write at position %d of its cycle", pos)
			}
		}
		for c := 0; c < len(seq.reqs); c += writeMixCycle {
			add, remove := seq.reqs[c+writeMixCycle/2-1], seq.reqs[c+writeMixCycle-1]
			var a, r struct {
				Query     string
				Variables struct {
					S string
					P []string
				}
			}
			if err := json.Unmarshal(add.body, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(remove.body, &r); err != nil {
				t.Fatal(err)
			}
			if a.Query != addMemberQuery || r.Query != removeMemberQry || a.Variables.S != r.Variables.S || len(a.Variables.P) != 1 || a.Variables.P[0] != r.Variables.P[0] {
				t.Fatalf("cycle %d: add %+v and remove %+v are not the same pair", c/writeMixCycle, a, r)
			}
			if members[a.Variables.P[0]][a.Variables.S] {
				t.Errorf("cycle %d: profile %s is a member of %s already", c/writeMixCycle, a.Variables.P[0], a.Variables.S)
			}
			for i, id := range v.order {
				if d.ProfileIDs[id-1] == a.Variables.P[0] && viewers[v.tokens[i]] {
					t.Errorf("cycle %d: the written profile's customer %d is a viewer of the run", c/writeMixCycle, id)
				}
			}
		}
	}
}

// The same sequence for every call: each GOMAXPROCS answers the same.
func TestTripsSequenceDeterministic(t *testing.T) {
	d := tinyDataset(t)
	v, err := mintViewers("secret", d, 0)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{data: d, adminToken: "admin", viewers: v}
	for _, wl := range allWorkloads {
		a, err := newTripsSequence(wl, fx, 80)
		if err != nil {
			t.Fatal(err)
		}
		b, err := newTripsSequence(wl, fx, 80)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.reqs {
			if string(a.reqs[i].body) != string(b.reqs[i].body) || a.reqs[i].token != b.reqs[i].token {
				t.Fatalf("%s: request %d differs between two sequences", wl, i)
			}
		}
	}
}
