package main

import (
	"fmt"
	"slices"
	"strings"
)

// Verdicts of the trips phase.
const (
	verdictConstant    = "constant"
	verdictVaries      = "varies"
	verdictNotMeasured = "not measured"
)

// tripsLevel is one level of a workload's queries, a store operation or a
// kind of Redis call, with its count in each run of the trips phase.
type tripsLevel struct {
	Name    string
	Redis   bool
	Counts  []int64 // by run
	Verdict string
	Why     string // why it varies, or a note on a constant level
}

// tripsJudgement is the verdict on one (workload, configuration).
type tripsJudgement struct {
	Levels  []tripsLevel // store operations, then Redis calls, each by name
	Verdict string
	Why     string
	Failed  bool // some run had failed requests: its figures are marked
}

// judgeLevel says whether a level costs the same per request at every
// GOMAXPROCS, and a whole number of round trips per request (per cycle of
// the sequence's pattern), from its counts over each run's requests.
func judgeLevel(counts []int64, requests []int, cycle int) (verdict, why string) {
	if len(counts) == 0 || len(counts) != len(requests) {
		return verdictNotMeasured, "no runs"
	}
	whole := true
	equal := true
	for i, c := range counts {
		if requests[i] <= 0 {
			return verdictNotMeasured, "a run without requests"
		}
		// c/requests[i] == counts[0]/requests[0], in integers.
		if c*int64(requests[0]) != counts[0]*int64(requests[i]) {
			equal = false
		}
		if c*int64(cycle)%int64(requests[i]) != 0 {
			whole = false
		}
	}
	unit := "per request"
	if cycle > 1 {
		unit = fmt.Sprintf("per %d requests", cycle)
	}
	switch {
	case !equal && !whole:
		return verdictVaries, "differs with GOMAXPROCS; not a whole number " + unit
	case !equal:
		return verdictVaries, "differs with GOMAXPROCS"
	case !whole:
		// The same requests cost the same at every GOMAXPROCS, but not
		// all alike: their data differs (an empty page needs no round
		// trip below it). A count that depends on timing would not come
		// out equal across three processes and schedules.
		return verdictConstant, "the same at every GOMAXPROCS; not a whole number " + unit + ": the requests' data differs (an empty level costs no round trip)"
	}
	return verdictConstant, ""
}

// perRequest is count/requests, as a whole number when it is one.
func perRequest(count int64, requests int) string {
	if requests <= 0 {
		return "—"
	}
	if count%int64(requests) == 0 {
		return fmt.Sprint(count / int64(requests))
	}
	return fmt.Sprintf("%.3f", float64(count)/float64(requests))
}

// judgeTrips gives each level of a (workload, configuration) its verdict,
// and the whole its own: constant when every level is.
func judgeTrips(t *tripsReport) tripsJudgement {
	var j tripsJudgement
	switch {
	case t.Skipped != "":
		j.Verdict, j.Why = verdictNotMeasured, "skipped: "+t.Skipped
		return j
	case t.Err != "":
		j.Verdict, j.Why = verdictNotMeasured, t.Err
		return j
	case len(t.Runs) == 0:
		j.Verdict, j.Why = verdictNotMeasured, "no runs"
		return j
	}
	requests := make([]int, len(t.Runs))
	for i, r := range t.Runs {
		if r.Err != "" {
			j.Verdict, j.Why = verdictNotMeasured, fmt.Sprintf("GOMAXPROCS=%d: %s", r.GOMAXPROCS, firstLine(r.Err))
			return j
		}
		requests[i] = r.Requests
		if r.failed() > 0 {
			j.Failed = true
		}
	}
	cycle := max(t.Cycle, 1)
	add := func(redis bool, of func(tripsRun) map[string]int64) {
		var names []string
		for _, r := range t.Runs {
			for name := range of(r) {
				if !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
		}
		slices.Sort(names)
		for _, name := range names {
			l := tripsLevel{Name: name, Redis: redis}
			for _, r := range t.Runs {
				l.Counts = append(l.Counts, of(r)[name])
			}
			l.Verdict, l.Why = judgeLevel(l.Counts, requests, cycle)
			j.Levels = append(j.Levels, l)
		}
	}
	add(false, func(r tripsRun) map[string]int64 { return r.Counts.Store })
	add(true, func(r tripsRun) map[string]int64 { return r.Counts.Redis })
	j.Verdict = verdictConstant
	var whys []string
	for _, l := range j.Levels {
		if l.Verdict != verdictConstant {
			j.Verdict = verdictVaries
			whys = append(whys, levelLabel(l)+": "+l.Why)
		}
	}
	j.Why = strings.Join(whys, "; ")
	return j
}

// varyingLevels names the levels of j that are not constant.
func varyingLevels(j tripsJudgement) []string {
	var names []string
	for _, l := range j.Levels {
		if l.Verdict != verdictConstant {
			names = append(names, levelLabel(l))
		}
	}
	return names
}

// levelLabel names a level in the report.
func levelLabel(l tripsLevel) string {
	if l.Redis {
		return "Redis " + l.Name
	}
	return l.Name
}

// tripsExempt are the workloads whose trips are expected to vary with the
// page: the naive N+1 makes a round trip per key.
var tripsExempt = []string{wlAdminNaive}

// targetProcs are the GOMAXPROCS issue 12 asks the trips to be constant at.
var targetProcs = []int{1, 2, 8}

// atTargetProcs says whether t ran at every one of targetProcs.
func atTargetProcs(t *tripsReport) bool {
	for _, n := range targetProcs {
		if !slices.ContainsFunc(t.Runs, func(r tripsRun) bool { return r.GOMAXPROCS == n }) {
			return false
		}
	}
	return true
}

// tripsTarget is issue 12's "trips per level constant for every workload"
// on one scale: met when every (workload, configuration) but the exempt
// ones is constant, from runs without failures; not met when one varies;
// undecided while some are not measured.
func tripsTarget(s *scaleReport) (measured string, met *bool) {
	var constant, varies, failed, missing []string
	for _, cfg := range allConfigs {
		for _, wl := range allWorkloads {
			if slices.Contains(tripsExempt, wl) {
				continue
			}
			name := wl + " on " + cfg
			t := s.lookupTrips(wl, cfg)
			if t == nil {
				missing = append(missing, name)
				continue
			}
			j := judgeTrips(t)
			switch {
			case j.Verdict == verdictNotMeasured:
				missing = append(missing, name)
			case j.Verdict == verdictConstant && !atTargetProcs(t):
				missing = append(missing, name+" (not at GOMAXPROCS "+joinInts(targetProcs)+")")
			case j.Verdict == verdictVaries:
				varies = append(varies, fmt.Sprintf("%s (%s)", name, strings.Join(varyingLevels(j), ", ")))
			case j.Failed:
				failed = append(failed, name)
			default:
				constant = append(constant, name)
			}
		}
	}
	total := len(constant) + len(varies) + len(failed) + len(missing)
	if len(missing) == total {
		return "not measured (no trips phase)", nil
	}
	parts := []string{fmt.Sprintf("constant: %d of %d", len(constant), total)}
	if len(varies) > 0 {
		parts = append(parts, "**varies**: "+strings.Join(varies, "; "))
	}
	if len(failed) > 0 {
		parts = append(parts, "constant but from runs with failed requests: "+strings.Join(failed, ", "))
	}
	if len(missing) > 0 {
		parts = append(parts, "not measured: "+strings.Join(missing, ", "))
	}
	measured = strings.Join(parts, "; ")
	switch {
	case len(varies) > 0:
		met = ptr(false)
	case len(failed) == 0 && len(missing) == 0:
		met = ptr(true)
	}
	return measured, met
}
