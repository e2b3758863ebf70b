package main

import (
	"testing"

	"github.com/segql/segql/api"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want api.Rate
		err  bool
	}{
		{in: "", want: api.Rate{}},
		{in: "off", want: api.Rate{PerSecond: -1}},
		{in: "OFF", want: api.Rate{PerSecond: -1}},
		{in: "20/s", want: api.Rate{PerSecond: 20}},
		{in: "20/s:40", want: api.Rate{PerSecond: 20, Burst: 40}},
		{in: " 0.5/s : 3 ", want: api.Rate{PerSecond: 0.5, Burst: 3}},
		{in: api.DefaultAdminRate.String(), want: api.DefaultAdminRate},
		{in: "20", err: true},
		{in: "20/m", err: true},
		{in: "0/s", err: true},
		{in: "-1/s", err: true},
		{in: "NaN/s", err: true},
		{in: "Inf/s", err: true},
		{in: "x/s", err: true},
		{in: "20/s:0", err: true},
		{in: "20/s:1.5", err: true},
		{in: "20/s:", err: true},
	} {
		got, err := parseRate(c.in)
		if (err != nil) != c.err || (err == nil && got != c.want) {
			t.Errorf("parseRate(%q) = %+v, %v; want %+v, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestRateLimitFlags(t *testing.T) {
	l, err := rateLimits("5/s:10", "off", "", " X-Forwarded-For ")
	if err != nil {
		t.Fatal(err)
	}
	want := api.RateLimits{Customer: api.Rate{PerSecond: 5, Burst: 10}, Guest: api.Rate{PerSecond: -1}, ClientIPHeader: "X-Forwarded-For"}
	if l.Customer != want.Customer || l.Guest != want.Guest || l.Admin != want.Admin || l.ClientIPHeader != want.ClientIPHeader {
		t.Errorf("rateLimits = %+v, want %+v", l, want)
	}
	if _, err := rateLimits("", "", "fast", ""); err == nil || err.Error()[:12] != "--rate-admin" {
		t.Errorf("a bad --rate-admin: error %v, want one naming the flag", err)
	}
}
