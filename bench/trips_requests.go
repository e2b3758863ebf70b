package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
)

// tripsSequence is the fixed list of requests of a trips run: the same
// for every GOMAXPROCS, so that their counts compare.
type tripsSequence struct {
	reqs []request
	// warm are the distinct reads of reqs, sent once before counting: the
	// counts are of a warm server (and, with Redis, a warm cache).
	warm []request
	// cycle is how many requests one repetition of the sequence's pattern
	// has: a level's round trips per cycle are whole numbers when the
	// level costs the same on every request.
	cycle int
}

// writeMixCycle is write-mix's pattern in the trips phase: 38 storefront
// reads, a membership add at position 19 and its removal at position 39,
// so the writes are 5% of the requests as in the load phase and leave the
// data as they found it (the next GOMAXPROCS starts from the same store).
const writeMixCycle = 40

// newTripsSequence builds n requests of a workload (n rounded up to whole
// cycles).
func newTripsSequence(wl string, fx *fixture, n int) (tripsSequence, error) {
	storefrontBody := gqlBody(storefrontQuery, nil)
	viewer := func(i int) request {
		return request{body: storefrontBody, token: fx.viewers.tokens[i%len(fx.viewers.tokens)]}
	}
	var seq tripsSequence
	switch wl {
	case wlFloor:
		body := gqlBody(floorQuery, nil)
		seq.cycle = 1
		for range n {
			seq.reqs = append(seq.reqs, request{body: body})
		}
	case wlStorefront:
		seq.cycle = 1
		for i := range n {
			seq.reqs = append(seq.reqs, viewer(i))
		}
	case wlAdminNested, wlAdminNaive:
		seq.cycle = 1
		segments := shuffledSegments(fx.data)
		for i := range n {
			seq.reqs = append(seq.reqs, adminNestedRequest(fx, segments[i%len(segments)]))
		}
	case wlWriteMix:
		seq.cycle = writeMixCycle
		cycles := (n + writeMixCycle - 1) / writeMixCycle
		pairs, err := nonMemberPairs(fx.data, fx.viewers.order, cycles)
		if err != nil {
			return seq, err
		}
		reads := 0
		for c := range cycles {
			for pos := range writeMixCycle {
				switch pos {
				case writeMixCycle/2 - 1:
					seq.reqs = append(seq.reqs, membershipRequest(fx, addMemberQuery, pairs[c]))
				case writeMixCycle - 1:
					seq.reqs = append(seq.reqs, membershipRequest(fx, removeMemberQry, pairs[c]))
				default:
					seq.reqs = append(seq.reqs, viewer(reads))
					reads++
				}
			}
		}
	default:
		return seq, fmt.Errorf("no trips sequence for workload %q", wl)
	}
	seq.warm = distinctReads(seq.reqs)
	return seq, nil
}

// distinctReads are the requests of reqs that are not membership writes,
// each once, in their first order.
func distinctReads(reqs []request) []request {
	seen := map[string]bool{}
	var out []request
	for _, r := range reqs {
		key := r.token + "\x00" + string(r.body)
		if r.write || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r)
	}
	return out
}

// shuffledSegments is every segment id in a fixed shuffled order.
func shuffledSegments(data *Dataset) []string {
	ids := slices.Clone(data.SegmentIDs)
	rng := rand.New(rand.NewPCG(genSeed, 11))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// memberPair is a segment and a shopper profile that is not its member.
type memberPair struct{ segment, profile string }

func membershipRequest(fx *fixture, query string, p memberPair) request {
	vars := map[string]any{"s": p.segment, "p": []string{p.profile}}
	return request{body: gqlBody(query, vars), token: fx.adminToken, write: true}
}

// nonMemberPairs picks n (segment, profile) pairs that are not
// memberships of the data set as imported: the profiles of the last
// customers of order (the viewers come from its front, so the reads of a
// trips run never read a profile its writes changed), each with the first
// segment of the shuffled order it is not in.
func nonMemberPairs(data *Dataset, order []int64, n int) ([]memberPair, error) {
	if n > len(order) {
		return nil, fmt.Errorf("%d write pairs asked for, the data set has %d customers", n, len(order))
	}
	profiles := make([]string, n)
	for k := range n {
		id := order[len(order)-1-k]
		profiles[k] = data.ProfileIDs[id-1]
	}
	member, err := membershipsOf(filepath.Join(data.Dir, "memberships.jsonl"), profiles)
	if err != nil {
		return nil, err
	}
	segments := shuffledSegments(data)
	pairs := make([]memberPair, n)
	for k, p := range profiles {
		i := slices.IndexFunc(segments, func(s string) bool { return !member[p][s] })
		if i < 0 {
			return nil, fmt.Errorf("profile %s is in every segment", p)
		}
		pairs[k] = memberPair{segment: segments[i], profile: p}
	}
	return pairs, nil
}

// membershipsOf reads a memberships.jsonl and returns the segments of
// each of profiles.
func membershipsOf(path string, profiles []string) (map[string]map[string]bool, error) {
	want := map[string]map[string]bool{}
	for _, p := range profiles {
		want[p] = map[string]bool{}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for {
		var m membershipRec
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if segs, ok := want[m.ProfileID]; ok {
			segs[m.SegmentID] = true
		}
	}
	return want, nil
}
