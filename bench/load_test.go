package main

import (
	"testing"
	"time"
)

func TestMaxInFlight(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name  string
		spans []span
		want  int
	}{
		{"none", nil, 0},
		{"one", []span{{at(0), at(5)}}, 1},
		{"one after another", []span{{at(0), at(5)}, {at(5), at(9)}, {at(10), at(11)}}, 1},
		{"overlapping", []span{{at(0), at(10)}, {at(2), at(4)}, {at(3), at(12)}, {at(11), at(13)}}, 3},
		{"out of order", []span{{at(20), at(30)}, {at(0), at(25)}, {at(21), at(22)}}, 3},
	} {
		if got := maxInFlight(tc.spans); got != tc.want {
			t.Errorf("%s: maxInFlight = %d, want %d", tc.name, got, tc.want)
		}
	}
}
