package main

// Asking segql and the peer the admin-nested query, and the canonical form
// both answers are turned into to compare them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// peerQuery posts a GraphQL query and returns its data, or an error when
// the answer is not a 200 without errors.
func peerQuery(ctx context.Context, client *http.Client, endpoint string, headers map[string]string, query string, vars map[string]any) (json.RawMessage, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	var r struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return nil, fmt.Errorf("%s: %s: %s", endpoint, resp.Status, peerClip(string(b), 600))
	}
	return r.Data, nil
}

// PeerCheck asks segql (segqlURL, its GraphQL endpoint, with an admin
// token) and the peer the admin-nested query for each segment UUID and
// returns an error unless both give the same canonical data.
func PeerCheck(ctx context.Context, segqlURL, segqlToken string, p *Peer, uuids []string) error {
	if u, err := url.Parse(segqlURL); err == nil && (u.Path == "" || u.Path == "/") {
		segqlURL = strings.TrimSuffix(segqlURL, "/") + "/graphql"
	}
	client := &http.Client{Timeout: 30 * time.Second}
	auth := map[string]string{"Authorization": "Bearer " + segqlToken}
	for _, id := range uuids {
		vars := map[string]any{"uuid": id}
		sd, err := peerQuery(ctx, client, segqlURL, auth, SegqlAdminNestedQuery, vars)
		if err != nil {
			return fmt.Errorf("peer check: segql, segment %s: %w", id, err)
		}
		pd, err := peerQuery(ctx, client, p.URL, p.Headers, p.Query, vars)
		if err != nil {
			return fmt.Errorf("peer check: peer, segment %s: %w", id, err)
		}
		want, err := NormalizeSegql(sd)
		if err != nil {
			return fmt.Errorf("peer check: segql, segment %s: %w", id, err)
		}
		got, err := p.Normalize(pd)
		if err != nil {
			return fmt.Errorf("peer check: peer, segment %s: %w", id, err)
		}
		if !reflect.DeepEqual(want, got) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			return fmt.Errorf("peer check: segment %s: the answers differ at byte %d:\nsegql: %s\npeer:  %s",
				id, peerFirstDiff(w, g), peerClip(string(w), 2000), peerClip(string(g), 2000))
		}
	}
	return nil
}

func peerFirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func peerClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// The canonical form of the admin-nested answer, which both servers'
// answers are turned into. Slices are never nil, so equal answers are
// reflect.DeepEqual and marshal alike.
type (
	peerCanonSegment struct {
		UUID     string             `json:"uuid"`
		Name     string             `json:"name"`
		Profiles []peerCanonProfile `json:"profiles"`
	}
	peerCanonProfile struct {
		UUID       string                `json:"uuid"`
		CustomerID *int64                `json:"customerId"` // nil: no customer
		Email      *string               `json:"email"`
		Segments   []peerCanonSegmentRef `json:"segments"`
	}
	peerCanonSegmentRef struct {
		UUID       string               `json:"uuid"`
		Name       string               `json:"name"`
		Promotions []peerCanonPromotion `json:"promotions"`
	}
	peerCanonPromotion struct {
		PromotionID int64  `json:"promotionId"`
		Name        string `json:"name"`
	}
)

// peerInt64 reads an integer given as a JSON number (segql's Int64) or a
// string (PostGraphile's BigInt).
type peerInt64 int64

func (n *peerInt64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = peerInt64(v)
	return nil
}

// NormalizeSegql turns segql's admin-nested `data` into the canonical
// form: a *peerCanonSegment, or nil when the segment does not exist.
func NormalizeSegql(data json.RawMessage) (any, error) {
	type promotion struct {
		PromotionID peerInt64 `json:"promotionId"`
		Name        string    `json:"name"`
	}
	type segment struct {
		UUID       string               `json:"uuid"`
		Name       string               `json:"name"`
		Promotions *peerConn[promotion] `json:"promotions"`
	}
	type profile struct {
		UUID     string `json:"uuid"`
		Customer *struct {
			CustomerID peerInt64 `json:"customerId"`
			Email      string    `json:"email"`
		} `json:"customer"`
		Segments *peerConn[segment] `json:"segments"`
	}
	var d struct {
		Segment *struct {
			UUID            string             `json:"uuid"`
			Name            string             `json:"name"`
			ShopperProfiles *peerConn[profile] `json:"shopperProfiles"`
		} `json:"segment"`
	}
	if err := peerDecode(data, &d); err != nil {
		return nil, err
	}
	if d.Segment == nil {
		return nil, nil
	}
	profiles, err := d.Segment.ShopperProfiles.nodes("segment.shopperProfiles")
	if err != nil {
		return nil, err
	}
	out := newPeerCanonSegment(d.Segment.UUID, d.Segment.Name)
	for _, p := range profiles {
		cp := newPeerCanonProfile(p.UUID)
		if c := p.Customer; c != nil {
			cp.setCustomer(c.CustomerID, c.Email)
		}
		segments, err := p.Segments.nodes("shopperProfiles.nodes.segments")
		if err != nil {
			return nil, err
		}
		for _, s := range segments {
			cs := newPeerCanonSegmentRef(s.UUID, s.Name)
			promotions, err := s.Promotions.nodes("segments.nodes.promotions")
			if err != nil {
				return nil, err
			}
			for _, pr := range promotions {
				cs.Promotions = append(cs.Promotions, peerCanonPromotion{PromotionID: int64(pr.PromotionID), Name: pr.Name})
			}
			cp.Segments = append(cp.Segments, cs)
		}
		out.Profiles = append(out.Profiles, cp)
	}
	return out, nil
}

// NormalizePostGraphile turns the peer's answer to
// PostGraphileAdminNestedQuery into the canonical form. Its connections
// are of the link tables' rows, each holding the linked record.
func NormalizePostGraphile(data json.RawMessage) (any, error) {
	type promotionLink struct {
		Promotion *struct {
			RowID peerInt64 `json:"rowId"`
			Name  string    `json:"name"`
		} `json:"promotionByPromotionId"`
	}
	type segmentLink struct {
		Segment *struct {
			RowID      string                   `json:"rowId"`
			Name       string                   `json:"name"`
			Promotions *peerConn[promotionLink] `json:"promotionSegmentsBySegmentId"`
		} `json:"segmentBySegmentId"`
	}
	type profileLink struct {
		Profile *struct {
			RowID    string `json:"rowId"`
			Customer *struct {
				RowID peerInt64 `json:"rowId"`
				Email string    `json:"email"`
			} `json:"customerByCustomerId"`
			Memberships *peerConn[segmentLink] `json:"membershipsByProfileId"`
		} `json:"shopperProfileByProfileId"`
	}
	var d struct {
		Segment *struct {
			RowID       string                 `json:"rowId"`
			Name        string                 `json:"name"`
			Memberships *peerConn[profileLink] `json:"membershipsBySegmentId"`
		} `json:"segmentByRowId"`
	}
	if err := peerDecode(data, &d); err != nil {
		return nil, err
	}
	if d.Segment == nil {
		return nil, nil
	}
	profiles, err := d.Segment.Memberships.nodes("segmentByRowId.membershipsBySegmentId")
	if err != nil {
		return nil, err
	}
	out := newPeerCanonSegment(d.Segment.RowID, d.Segment.Name)
	for _, pl := range profiles {
		p := pl.Profile
		if p == nil {
			return nil, errors.New("membership without shopperProfileByProfileId")
		}
		cp := newPeerCanonProfile(p.RowID)
		if c := p.Customer; c != nil {
			cp.setCustomer(c.RowID, c.Email)
		}
		segments, err := p.Memberships.nodes("shopperProfileByProfileId.membershipsByProfileId")
		if err != nil {
			return nil, err
		}
		for _, sl := range segments {
			s := sl.Segment
			if s == nil {
				return nil, errors.New("membership without segmentBySegmentId")
			}
			cs := newPeerCanonSegmentRef(s.RowID, s.Name)
			promotions, err := s.Promotions.nodes("segmentBySegmentId.promotionSegmentsBySegmentId")
			if err != nil {
				return nil, err
			}
			for _, l := range promotions {
				if l.Promotion == nil {
					return nil, errors.New("promotion segment without promotionByPromotionId")
				}
				cs.Promotions = append(cs.Promotions, peerCanonPromotion{PromotionID: int64(l.Promotion.RowID), Name: l.Promotion.Name})
			}
			cp.Segments = append(cp.Segments, cs)
		}
		out.Profiles = append(out.Profiles, cp)
	}
	return out, nil
}

// The canonical values, made alike from either answer: UUIDs in lower
// case, lists empty rather than nil.

func newPeerCanonSegment(uuid, name string) *peerCanonSegment {
	return &peerCanonSegment{UUID: strings.ToLower(uuid), Name: name, Profiles: []peerCanonProfile{}}
}

func newPeerCanonProfile(uuid string) peerCanonProfile {
	return peerCanonProfile{UUID: strings.ToLower(uuid), Segments: []peerCanonSegmentRef{}}
}

func (p *peerCanonProfile) setCustomer(id peerInt64, email string) {
	n := int64(id)
	p.CustomerID, p.Email = &n, &email
}

func newPeerCanonSegmentRef(uuid, name string) peerCanonSegmentRef {
	return peerCanonSegmentRef{UUID: strings.ToLower(uuid), Name: name, Promotions: []peerCanonPromotion{}}
}

// peerConn is a connection of an answer; nil when the answer lacks it.
type peerConn[T any] struct {
	Nodes []T `json:"nodes"`
}

// nodes is the connection's nodes, or an error naming it (name) when the
// answer lacks it.
func (c *peerConn[T]) nodes(name string) ([]T, error) {
	if c == nil {
		return nil, fmt.Errorf("%s missing", name)
	}
	return c.Nodes, nil
}

// peerDecode reads a `data` object; null or empty data is an error.
func peerDecode(data json.RawMessage, v any) error {
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		return errors.New("no data")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("reading data: %w", err)
	}
	return nil
}
