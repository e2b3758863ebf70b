package metrics

import (
	"context"
	"time"

	"github.com/segql/segql/store"
)

// Store counts and times every call of a store.Store, each one store round
// trip, by operation: segql_store_queries_total is how tests prove that a
// query costs as many round trips as it has levels.
type Store struct {
	store.Store
	m *Metrics
}

// WrapStore instruments s.
func (m *Metrics) WrapStore(s store.Store) *Store { return &Store{Store: s, m: m} }

func (s *Store) observe(op string) func() {
	start := time.Now()
	s.m.StoreQueries.WithLabelValues(op).Inc()
	return func() { s.m.StoreDuration.WithLabelValues(op).Observe(time.Since(start).Seconds()) }
}

func (s *Store) SegmentsByIDs(ctx context.Context, ids []string) ([]*store.Segment, error) {
	defer s.observe("SegmentsByIDs")()
	return s.Store.SegmentsByIDs(ctx, ids)
}

func (s *Store) ShopperProfilesByIDs(ctx context.Context, ids []string) ([]*store.ShopperProfile, error) {
	defer s.observe("ShopperProfilesByIDs")()
	return s.Store.ShopperProfilesByIDs(ctx, ids)
}

func (s *Store) ShopperProfilesByCustomerIDs(ctx context.Context, customerIDs []int64) ([]*store.ShopperProfile, error) {
	defer s.observe("ShopperProfilesByCustomerIDs")()
	return s.Store.ShopperProfilesByCustomerIDs(ctx, customerIDs)
}

func (s *Store) CustomersByIDs(ctx context.Context, ids []int64) ([]*store.Customer, error) {
	defer s.observe("CustomersByIDs")()
	return s.Store.CustomersByIDs(ctx, ids)
}

func (s *Store) PromotionsByIDs(ctx context.Context, ids []int64) ([]*store.Promotion, error) {
	defer s.observe("PromotionsByIDs")()
	return s.Store.PromotionsByIDs(ctx, ids)
}

func (s *Store) ProfileSegmentIDs(ctx context.Context, profileIDs []string) ([][]string, error) {
	defer s.observe("ProfileSegmentIDs")()
	return s.Store.ProfileSegmentIDs(ctx, profileIDs)
}

func (s *Store) ShoppersByCustomerIDs(ctx context.Context, customerIDs []int64) ([]store.ShopperRecord, error) {
	defer s.observe("ShoppersByCustomerIDs")()
	return s.Store.ShoppersByCustomerIDs(ctx, customerIDs)
}

func (s *Store) EnabledPromotions(ctx context.Context) ([]*store.Promotion, error) {
	defer s.observe("EnabledPromotions")()
	return s.Store.EnabledPromotions(ctx)
}

func (s *Store) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	defer s.observe("ListSegments")()
	return s.Store.ListSegments(ctx, f, p)
}

func (s *Store) CountSegments(ctx context.Context, f store.SegmentFilter) (int, error) {
	defer s.observe("CountSegments")()
	return s.Store.CountSegments(ctx, f)
}

func (s *Store) ListShopperProfiles(ctx context.Context, f store.ShopperProfileFilter, p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
	defer s.observe("ListShopperProfiles")()
	return s.Store.ListShopperProfiles(ctx, f, p)
}

func (s *Store) CountShopperProfiles(ctx context.Context, f store.ShopperProfileFilter) (int, error) {
	defer s.observe("CountShopperProfiles")()
	return s.Store.CountShopperProfiles(ctx, f)
}

func (s *Store) ListCustomers(ctx context.Context, f store.CustomerFilter, p store.Page[int64]) (store.PageOf[*store.Customer], error) {
	defer s.observe("ListCustomers")()
	return s.Store.ListCustomers(ctx, f, p)
}

func (s *Store) CountCustomers(ctx context.Context, f store.CustomerFilter) (int, error) {
	defer s.observe("CountCustomers")()
	return s.Store.CountCustomers(ctx, f)
}

func (s *Store) ListPromotions(ctx context.Context, f store.PromotionFilter, p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
	defer s.observe("ListPromotions")()
	return s.Store.ListPromotions(ctx, f, p)
}

func (s *Store) CountPromotions(ctx context.Context, f store.PromotionFilter) (int, error) {
	defer s.observe("CountPromotions")()
	return s.Store.CountPromotions(ctx, f)
}

func (s *Store) SegmentProfilePages(ctx context.Context, segmentIDs []string, p store.Page[string]) ([]store.PageOf[*store.ShopperProfile], error) {
	defer s.observe("SegmentProfilePages")()
	return s.Store.SegmentProfilePages(ctx, segmentIDs, p)
}

func (s *Store) ProfileSegmentPages(ctx context.Context, profileIDs []string, p store.Page[string]) ([]store.PageOf[*store.Segment], error) {
	defer s.observe("ProfileSegmentPages")()
	return s.Store.ProfileSegmentPages(ctx, profileIDs, p)
}

func (s *Store) SegmentPromotionPages(ctx context.Context, segmentIDs []string, p store.Page[int64]) ([]store.PageOf[*store.Promotion], error) {
	defer s.observe("SegmentPromotionPages")()
	return s.Store.SegmentPromotionPages(ctx, segmentIDs, p)
}

func (s *Store) CountSegmentProfiles(ctx context.Context, segmentIDs []string) ([]int, error) {
	defer s.observe("CountSegmentProfiles")()
	return s.Store.CountSegmentProfiles(ctx, segmentIDs)
}

func (s *Store) CountProfileSegments(ctx context.Context, profileIDs []string) ([]int, error) {
	defer s.observe("CountProfileSegments")()
	return s.Store.CountProfileSegments(ctx, profileIDs)
}

func (s *Store) CountSegmentPromotions(ctx context.Context, segmentIDs []string) ([]int, error) {
	defer s.observe("CountSegmentPromotions")()
	return s.Store.CountSegmentPromotions(ctx, segmentIDs)
}

func (s *Store) CreateSegments(ctx context.Context, in []store.NewSegment) (store.Written[*store.Segment], error) {
	defer s.observe("CreateSegments")()
	return s.Store.CreateSegments(ctx, in)
}

func (s *Store) UpdateSegments(ctx context.Context, in []store.SegmentUpdate) (store.Written[*store.Segment], error) {
	defer s.observe("UpdateSegments")()
	return s.Store.UpdateSegments(ctx, in)
}

func (s *Store) DeleteSegments(ctx context.Context, ids []string) (store.DeletedSegments, error) {
	defer s.observe("DeleteSegments")()
	return s.Store.DeleteSegments(ctx, ids)
}

func (s *Store) CreateShopperProfiles(ctx context.Context, customerIDs []int64) (store.Written[*store.ShopperProfile], error) {
	defer s.observe("CreateShopperProfiles")()
	return s.Store.CreateShopperProfiles(ctx, customerIDs)
}

func (s *Store) DeleteShopperProfiles(ctx context.Context, ids []string) (store.Deleted[string], error) {
	defer s.observe("DeleteShopperProfiles")()
	return s.Store.DeleteShopperProfiles(ctx, ids)
}

func (s *Store) AddSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (store.MembershipChange, error) {
	defer s.observe("AddSegmentMembers")()
	return s.Store.AddSegmentMembers(ctx, segmentID, profileIDs)
}

func (s *Store) RemoveSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (store.MembershipChange, error) {
	defer s.observe("RemoveSegmentMembers")()
	return s.Store.RemoveSegmentMembers(ctx, segmentID, profileIDs)
}

func (s *Store) UpsertCustomers(ctx context.Context, in []store.Customer) (store.Written[*store.Customer], error) {
	defer s.observe("UpsertCustomers")()
	return s.Store.UpsertCustomers(ctx, in)
}

func (s *Store) DeleteCustomers(ctx context.Context, ids []int64) (store.Deleted[int64], error) {
	defer s.observe("DeleteCustomers")()
	return s.Store.DeleteCustomers(ctx, ids)
}

func (s *Store) CreatePromotion(ctx context.Context, in store.Promotion) (store.Written[*store.Promotion], error) {
	defer s.observe("CreatePromotion")()
	return s.Store.CreatePromotion(ctx, in)
}

func (s *Store) UpdatePromotion(ctx context.Context, in store.PromotionUpdate) (store.Written[*store.Promotion], error) {
	defer s.observe("UpdatePromotion")()
	return s.Store.UpdatePromotion(ctx, in)
}

func (s *Store) DeletePromotions(ctx context.Context, ids []int64) (store.Deleted[int64], error) {
	defer s.observe("DeletePromotions")()
	return s.Store.DeletePromotions(ctx, ids)
}

func (s *Store) Import(ctx context.Context, fill func(store.Importer) error) error {
	defer s.observe("Import")()
	return s.Store.Import(ctx, fill)
}

func (s *Store) Ping(ctx context.Context) error {
	defer s.observe("Ping")()
	return s.Store.Ping(ctx)
}
