package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/segql/segql/api"
)

// rateLimits reads segql serve's rate limit flags into api.RateLimits.
func rateLimits(customer, guest, admin, clientIPHeader string) (api.RateLimits, error) {
	l := api.RateLimits{ClientIPHeader: strings.TrimSpace(clientIPHeader)}
	for _, f := range []struct {
		flag, value string
		into        *api.Rate
	}{
		{"--rate-customer", customer, &l.Customer},
		{"--rate-guest", guest, &l.Guest},
		{"--rate-admin", admin, &l.Admin},
	} {
		r, err := parseRate(f.value)
		if err != nil {
			return api.RateLimits{}, fmt.Errorf("%s: %w", f.flag, err)
		}
		*f.into = r
	}
	return l, nil
}

// parseRate reads a rate limit: "N/s" (N requests a second, a burst of
// 2N), "N/s:B" (a burst of B), or "off"; N may be fractional ("0.5/s").
// Empty is the default (the zero Rate).
func parseRate(s string) (api.Rate, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return api.Rate{}, nil
	case "off":
		return api.Rate{PerSecond: -1}, nil
	}
	const form = `want "N/s", "N/s:burst" or "off"`
	perSecond, burst, hasBurst := strings.Cut(s, ":")
	n, ok := strings.CutSuffix(strings.TrimSpace(perSecond), "/s")
	if !ok {
		return api.Rate{}, fmt.Errorf("rate %q: %s", s, form)
	}
	rate, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil || !(rate > 0) || rate > 1e9 {
		return api.Rate{}, fmt.Errorf("rate %q: N must be a number of requests a second above 0: %s", s, form)
	}
	r := api.Rate{PerSecond: rate}
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(burst))
		if err != nil || b < 1 {
			return api.Rate{}, fmt.Errorf("rate %q: the burst must be a whole number of requests, at least 1: %s", s, form)
		}
		r.Burst = b
	}
	return r, nil
}
