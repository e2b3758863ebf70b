package cache

import (
	"encoding/json"
	"time"

	"github.com/segql/segql/store"
)

// The cached forms of the domain types: short JSON names, times as UTC
// microseconds. A missing entity is cached as notFound.
const notFound = "-"

// micros and fromMicros carry times at the stores' precision.
func micros(t time.Time) int64           { return t.UnixMicro() }
func fromMicros(us int64) time.Time      { return time.UnixMicro(us).UTC() }
func microsPtr(t *time.Time) *int64      { return mapPtr(t, micros) }
func fromMicrosPtr(us *int64) *time.Time { return mapPtr(us, fromMicros) }

func mapPtr[A, B any](a *A, f func(A) B) *B {
	if a == nil {
		return nil
	}
	b := f(*a)
	return &b
}

type segmentRecord struct {
	ID   string `json:"i"`
	Name string `json:"n"`
	Desc string `json:"d"`
	C    int64  `json:"c"`
	U    int64  `json:"u"`
}

type profileRecord struct {
	ID   string `json:"i"`
	Cust int64  `json:"k"`
	C    int64  `json:"c"`
	U    int64  `json:"u"`
}

type customerRecord struct {
	ID       int64   `json:"i"`
	Email    string  `json:"e"`
	First    string  `json:"f"`
	Last     string  `json:"l"`
	Company  string  `json:"o"`
	Phone    string  `json:"p"`
	Group    int64   `json:"g"`
	Orders   int     `json:"n"`
	Channels []int64 `json:"h"`
	C        int64   `json:"c"`
	U        int64   `json:"u"`
}

type promotionRecord struct {
	ID          int64           `json:"i"`
	Name        string          `json:"n"`
	Display     string          `json:"d"`
	Redemption  string          `json:"r"`
	Status      string          `json:"s"`
	Starts      int64           `json:"a"`
	Ends        *int64          `json:"b"`
	Channels    []int64         `json:"h"`
	Currency    string          `json:"y"`
	MaxUses     *int            `json:"m"`
	CurrentUses int             `json:"x"`
	Customer    store.Targeting `json:"t"`
	C           int64           `json:"c"`
	U           int64           `json:"u"`
}

// codec turns a cached value into bytes and back.
type codec[V any] struct {
	encode func(V) ([]byte, error)
	decode func([]byte) (V, error)
}

// entityCodec caches a *T, nil as notFound, through a record type R.
func entityCodec[T, R any](to func(*T) R, from func(R) *T) codec[*T] {
	return codec[*T]{
		encode: func(v *T) ([]byte, error) {
			if v == nil {
				return []byte(notFound), nil
			}
			return json.Marshal(to(v))
		},
		decode: func(b []byte) (*T, error) {
			if string(b) == notFound {
				return nil, nil
			}
			var r R
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, err
			}
			return from(r), nil
		},
	}
}

var segmentCodec = entityCodec(
	func(s *store.Segment) segmentRecord {
		return segmentRecord{ID: s.ID, Name: s.Name, Desc: s.Description, C: micros(s.CreatedAt), U: micros(s.UpdatedAt)}
	},
	func(r segmentRecord) *store.Segment {
		return &store.Segment{ID: r.ID, Name: r.Name, Description: r.Desc, CreatedAt: fromMicros(r.C), UpdatedAt: fromMicros(r.U)}
	})

var profileCodec = entityCodec(
	func(p *store.ShopperProfile) profileRecord {
		return profileRecord{ID: p.ID, Cust: p.CustomerID, C: micros(p.CreatedAt), U: micros(p.UpdatedAt)}
	},
	func(r profileRecord) *store.ShopperProfile {
		return &store.ShopperProfile{ID: r.ID, CustomerID: r.Cust, CreatedAt: fromMicros(r.C), UpdatedAt: fromMicros(r.U)}
	})

var customerCodec = entityCodec(
	func(c *store.Customer) customerRecord {
		return customerRecord{ID: c.ID, Email: c.Email, First: c.FirstName, Last: c.LastName, Company: c.Company,
			Phone: c.Phone, Group: c.CustomerGroupID, Orders: c.OrderCount, Channels: c.ChannelIDs,
			C: micros(c.CreatedAt), U: micros(c.UpdatedAt)}
	},
	func(r customerRecord) *store.Customer {
		return &store.Customer{ID: r.ID, Email: r.Email, FirstName: r.First, LastName: r.Last, Company: r.Company,
			Phone: r.Phone, CustomerGroupID: r.Group, OrderCount: r.Orders, ChannelIDs: r.Channels,
			CreatedAt: fromMicros(r.C), UpdatedAt: fromMicros(r.U)}
	})

func toPromotionRecord(p *store.Promotion) promotionRecord {
	return promotionRecord{ID: p.ID, Name: p.Name, Display: p.DisplayName, Redemption: p.RedemptionType,
		Status: p.Status, Starts: micros(p.StartsAt), Ends: microsPtr(p.EndsAt), Channels: p.ChannelIDs,
		Currency: p.CurrencyCode, MaxUses: p.MaxUses, CurrentUses: p.CurrentUses, Customer: p.Customer,
		C: micros(p.CreatedAt), U: micros(p.UpdatedAt)}
}

func fromPromotionRecord(r promotionRecord) *store.Promotion {
	return &store.Promotion{ID: r.ID, Name: r.Name, DisplayName: r.Display, RedemptionType: r.Redemption,
		Status: r.Status, StartsAt: fromMicros(r.Starts), EndsAt: fromMicrosPtr(r.Ends), ChannelIDs: r.Channels,
		CurrencyCode: r.Currency, MaxUses: r.MaxUses, CurrentUses: r.CurrentUses, Customer: r.Customer,
		CreatedAt: fromMicros(r.C), UpdatedAt: fromMicros(r.U)}
}

var promotionCodec = entityCodec(toPromotionRecord, fromPromotionRecord)

// promotionsCodec caches the enabled promotions, nil kept as nil.
var promotionsCodec = codec[[]*store.Promotion]{
	encode: func(ps []*store.Promotion) ([]byte, error) {
		if ps == nil {
			return []byte("null"), nil
		}
		rs := make([]promotionRecord, len(ps))
		for i, p := range ps {
			rs[i] = toPromotionRecord(p)
		}
		return json.Marshal(rs)
	},
	decode: func(b []byte) ([]*store.Promotion, error) {
		var rs []promotionRecord
		if err := json.Unmarshal(b, &rs); err != nil {
			return nil, err
		}
		if rs == nil {
			return nil, nil
		}
		ps := make([]*store.Promotion, len(rs))
		for i, r := range rs {
			ps[i] = fromPromotionRecord(r)
		}
		return ps, nil
	},
}

// children is a parent's child ids (a profile's segment ids, a segment's
// promotion ids) in ascending order. Items, when the list was loaded from
// the store's pages, are the children themselves, aligned with IDs; they
// are not cached. An incomplete list (longer than listLimit) is not cached
// at all.
type children[K store.Key, T any] struct {
	IDs        []K
	Items      []T
	Incomplete bool
}

func childrenCodec[K store.Key, T any]() codec[children[K, T]] {
	return codec[children[K, T]]{
		encode: func(c children[K, T]) ([]byte, error) { return json.Marshal(c.IDs) },
		decode: func(b []byte) (children[K, T], error) {
			var c children[K, T]
			err := json.Unmarshal(b, &c.IDs)
			return c, err
		},
	}
}
