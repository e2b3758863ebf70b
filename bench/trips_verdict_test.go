package main

import (
	"slices"
	"strings"
	"testing"
)

func TestJudgeLevel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		counts   []int64
		requests []int
		cycle    int
		verdict  string
		why      string // a part of the reason
	}{
		{"same whole number", []int64{400, 400, 400}, []int{200, 200, 200}, 1, verdictConstant, ""},
		{"none at all", []int64{0, 0, 0}, []int{200, 200, 200}, 1, verdictConstant, ""},
		{"same per request, other request counts", []int64{200, 400, 600}, []int{100, 200, 300}, 1, verdictConstant, ""},
		{"one more at GOMAXPROCS 8", []int64{400, 400, 401}, []int{200, 200, 200}, 1, verdictVaries, "differs with GOMAXPROCS"},
		{"equal but not whole", []int64{201, 201, 201}, []int{200, 200, 200}, 1, verdictConstant, "the same at every GOMAXPROCS; not a whole number per request: the requests' data differs (an empty level costs no round trip)"},
		{"whole per cycle of 40", []int64{5, 5, 5}, []int{200, 200, 200}, 40, verdictConstant, ""},
		{"not whole per cycle", []int64{6, 6, 6}, []int{200, 200, 200}, 40, verdictConstant, "the same at every GOMAXPROCS; not a whole number per 40 requests: the requests' data differs (an empty level costs no round trip)"},
		{"both wrong", []int64{300, 450}, []int{200, 200}, 1, verdictVaries, "differs with GOMAXPROCS; not a whole number"},
		{"a run without requests", []int64{0, 0}, []int{200, 0}, 1, verdictNotMeasured, ""},
		{"no runs", nil, nil, 1, verdictNotMeasured, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verdict, why := judgeLevel(tc.counts, tc.requests, tc.cycle)
			if verdict != tc.verdict || !strings.Contains(why, tc.why) {
				t.Errorf("judgeLevel(%v, %v, %d) = %q, %q; want %q with %q", tc.counts, tc.requests, tc.cycle, verdict, why, tc.verdict, tc.why)
			}
			if verdict == verdictConstant && tc.why == "" && why != "" {
				t.Errorf("constant with a note: %q", why)
			}
		})
	}
}

func TestPerRequest(t *testing.T) {
	for _, tc := range []struct {
		count    int64
		requests int
		want     string
	}{
		{600, 200, "3"}, {0, 200, "0"}, {601, 200, "3.005"}, {5, 200, "0.025"}, {1, 0, "—"},
	} {
		if got := perRequest(tc.count, tc.requests); got != tc.want {
			t.Errorf("perRequest(%d, %d) = %q, want %q", tc.count, tc.requests, got, tc.want)
		}
	}
}

// countedRun is a trips run of 200 requests with the given store and Redis counts.
func countedRun(procs int, store, redis map[string]int64) tripsRun {
	return tripsRun{GOMAXPROCS: procs, Rate: 400, Requests: 200, OK: 200, Counts: counts{Store: store, Redis: redis}}
}

func TestJudgeTrips(t *testing.T) {
	steady := func(procs int) tripsRun {
		return countedRun(procs, map[string]int64{"SegmentProfilePages": 200, "ListSegments": 200}, map[string]int64{"read": 400})
	}
	for _, tc := range []struct {
		name    string
		report  tripsReport
		verdict string
		why     string
		failed  bool
		levels  []string
	}{
		{
			name:    "every level the same",
			report:  tripsReport{Cycle: 1, Runs: []tripsRun{steady(1), steady(2), steady(8)}},
			verdict: verdictConstant,
			levels:  []string{"ListSegments", "SegmentProfilePages", "Redis read"},
		},
		{
			name: "a level only at GOMAXPROCS 8",
			report: tripsReport{Cycle: 1, Runs: []tripsRun{steady(1), steady(2),
				countedRun(8, map[string]int64{"SegmentProfilePages": 200, "ListSegments": 200, "CustomersByIDs": 3}, map[string]int64{"read": 400})}},
			verdict: verdictVaries,
			why:     "CustomersByIDs: differs with GOMAXPROCS",
			levels:  []string{"CustomersByIDs", "ListSegments", "SegmentProfilePages", "Redis read"},
		},
		{
			name: "Redis calls vary",
			report: tripsReport{Cycle: 1, Runs: []tripsRun{steady(1), steady(2),
				countedRun(8, map[string]int64{"SegmentProfilePages": 200, "ListSegments": 200}, map[string]int64{"read": 413})}},
			verdict: verdictVaries,
			why:     "Redis read",
			levels:  []string{"ListSegments", "SegmentProfilePages", "Redis read"},
		},
		{
			name: "failed requests are marked",
			report: tripsReport{Cycle: 1, Runs: []tripsRun{steady(1), steady(2), func() tripsRun {
				r := steady(8)
				r.OK = 197
				return r
			}()}},
			verdict: verdictConstant,
			failed:  true,
			levels:  []string{"ListSegments", "SegmentProfilePages", "Redis read"},
		},
		{
			name:    "no store trips at all",
			report:  tripsReport{Cycle: 1, Runs: []tripsRun{countedRun(1, nil, nil), countedRun(2, nil, nil), countedRun(8, nil, nil)}},
			verdict: verdictConstant,
		},
		{
			name:    "a run that failed",
			report:  tripsReport{Cycle: 1, Runs: []tripsRun{steady(1), {GOMAXPROCS: 2, Err: "segql serve exited"}}},
			verdict: verdictNotMeasured,
			why:     "GOMAXPROCS=2: segql serve exited",
		},
		{
			name:    "skipped",
			report:  tripsReport{Skipped: "segql serve has no --naive-loaders"},
			verdict: verdictNotMeasured,
			why:     "skipped",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := judgeTrips(&tc.report)
			if j.Verdict != tc.verdict || !strings.Contains(j.Why, tc.why) || j.Failed != tc.failed {
				t.Errorf("judgeTrips = %q, %q, failed %v; want %q with %q, failed %v", j.Verdict, j.Why, j.Failed, tc.verdict, tc.why, tc.failed)
			}
			var levels []string
			for _, l := range j.Levels {
				levels = append(levels, levelLabel(l))
			}
			if strings.Join(levels, ",") != strings.Join(tc.levels, ",") {
				t.Errorf("levels %v, want %v", levels, tc.levels)
			}
		})
	}
}

// TestTripsTarget: met only when every workload but the naive one is
// constant on every configuration, from runs without failures.
func TestTripsTarget(t *testing.T) {
	steady := func() []tripsRun {
		var runs []tripsRun
		for _, p := range []int{1, 2, 8} {
			runs = append(runs, countedRun(p, map[string]int64{"ListSegments": 200}, nil))
		}
		return runs
	}
	varying := []tripsRun{countedRun(1, map[string]int64{"X": 200}, nil), countedRun(8, map[string]int64{"X": 260}, nil)}
	all := func(edit func(wl, cfg string, t *tripsReport)) *scaleReport {
		s := &scaleReport{Scale: tinyScale}
		for _, cfg := range allConfigs {
			for _, wl := range allWorkloads {
				tr := &tripsReport{Workload: wl, Config: cfg, Cycle: 1, Runs: steady()}
				if edit != nil {
					edit(wl, cfg, tr)
				}
				s.Trips = append(s.Trips, tr)
			}
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		scale *scaleReport
		met   *bool
		text  string
	}{
		{"all constant", all(nil), ptr(true), "constant: 12 of 12"},
		{"naive varies: exempt", all(func(wl, _ string, t *tripsReport) {
			if wl == wlAdminNaive {
				t.Runs = varying
			}
		}), ptr(true), "constant: 12 of 12"},
		{"storefront on postgres varies", all(func(wl, cfg string, t *tripsReport) {
			if wl == wlStorefront && cfg == cfgPostgres {
				t.Runs = varying
			}
		}), ptr(false), "**varies**: storefront on postgres (X)"},
		{"a failed request leaves it open", all(func(wl, cfg string, t *tripsReport) {
			if wl == wlFloor && cfg == cfgSQLite {
				t.Runs[0].OK--
			}
		}), nil, "from runs with failed requests: floor on sqlite"},
		{"only sqlite measured", &scaleReport{Trips: []*tripsReport{{Workload: wlFloor, Config: cfgSQLite, Cycle: 1, Runs: steady()}}},
			nil, "constant: 1 of 12"},
		{"constant but not at GOMAXPROCS 2", all(func(wl, cfg string, t *tripsReport) {
			if wl == wlStorefront && cfg == cfgSQLite {
				t.Runs = slices.DeleteFunc(t.Runs, func(r tripsRun) bool { return r.GOMAXPROCS == 2 })
			}
		}), nil, "storefront on sqlite (not at GOMAXPROCS 1, 2 and 8)"},
		{"no trips phase", &scaleReport{}, nil, "not measured (no trips phase)"},
		{"a varying one decides even when others are missing", &scaleReport{Trips: []*tripsReport{{Workload: wlFloor, Config: cfgSQLite, Cycle: 1, Runs: varying}}},
			ptr(false), "**varies**: floor on sqlite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, met := tripsTarget(tc.scale)
			if (met == nil) != (tc.met == nil) || (met != nil && *met != *tc.met) || !strings.Contains(text, tc.text) {
				t.Errorf("tripsTarget = %q, %v; want %v with %q", text, fmtMet(met), fmtMet(tc.met), tc.text)
			}
		})
	}
}

func fmtMet(m *bool) string {
	if m == nil {
		return "undecided"
	}
	return map[bool]string{true: "met", false: "not met"}[*m]
}
