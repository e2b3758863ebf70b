package main

import (
	"bytes"
	"strings"
	"testing"
)

// The trips table: a row per level with its figures per GOMAXPROCS, the
// verdicts, and † on the figures of a run with failed requests.
func TestWriteTrips(t *testing.T) {
	failing := countedRun(8, map[string]int64{"ListSegments": 200}, map[string]int64{"read": 300})
	failing.OK = 198
	rep := &report{
		Options: reportOptions{TripsRequests: 200, TripsRate: 400, TripsRateNested: 40},
		Scales: []*scaleReport{{Scale: tinyScale, Trips: []*tripsReport{
			{Workload: wlStorefront, Config: cfgPostgresRedis, Cycle: 1, Runs: []tripsRun{
				countedRun(1, map[string]int64{"ListSegments": 200}, map[string]int64{"read": 300}),
				countedRun(2, map[string]int64{"ListSegments": 200}, map[string]int64{"read": 300}),
				failing,
			}},
			{Workload: wlAdminNested, Config: cfgSQLite, Cycle: 1, Runs: []tripsRun{
				countedRun(1, map[string]int64{"SegmentPromotionPages": 1452}, nil),
				countedRun(2, map[string]int64{"SegmentPromotionPages": 1768}, nil),
			}},
			{Workload: wlAdminNaive, Config: cfgSQLite, Skipped: "segql serve has no --naive-loaders"},
		}}},
	}
	var b bytes.Buffer
	writeTrips(&b, rep)
	out := b.String()
	for _, want := range []string{
		"## Trips per level",
		"| workload | configuration | level | GOMAXPROCS=1 | GOMAXPROCS=2 | GOMAXPROCS=8 | verdict |",
		"| storefront | postgres+redis | ListSegments | 1 | 1 | 1 † | constant |",
		"|  |  | Redis read | 1.500 | 1.500 | 1.500 † | constant: the same at every GOMAXPROCS; not a whole number per request: the requests' data differs (an empty level costs no round trip) |",
		"|  |  | all Redis calls | 1.500 | 1.500 | 1.500 † |  |",
		"| 200 (0) · 0 · 0.0 ms | 200 (0) · 0 · 0.0 ms | 200 (2) · 0 · 0.0 ms † | **constant** † |",
		"| admin-nested | sqlite | SegmentPromotionPages | 7.260 | 8.840 |  | varies: differs with GOMAXPROCS; not a whole number per request |",
		"| admin-nested-naive | sqlite | not measured |  |  |  | skipped: segql serve has no --naive-loaders |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the trips section lacks %q:\n%s", want, out)
		}
	}
	var none bytes.Buffer
	writeTrips(&none, &report{Scales: []*scaleReport{{Scale: tinyScale}}})
	if none.Len() != 0 {
		t.Errorf("a report without a trips phase got a trips section:\n%s", none.String())
	}
}
