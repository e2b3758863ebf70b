package resolvers

import (
	"context"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/graph/model"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

type mutationResolver struct{ *Resolver }

var _ graph.MutationResolver = (*mutationResolver)(nil)

// written forgets what this request's loaders hold, so a payload read
// after a write sees the write.
func written(ctx context.Context) { loaders.For(ctx).Clear() }

func (r *mutationResolver) CreateSegments(ctx context.Context, input []*model.CreateSegmentInput) (*model.CreateSegmentsPayload, error) {
	if errs := tooMany("input", len(input), r.Limits.MaxItems); errs != nil {
		return &model.CreateSegmentsPayload{Segments: []*store.Segment{}, UserErrors: errs}, nil
	}
	in := make([]store.NewSegment, len(input))
	for i, s := range input {
		in[i] = store.NewSegment{Name: s.Name, Description: deref(s.Description)}
	}
	res, err := r.Store.CreateSegments(ctx, in)
	if err != nil {
		return nil, err
	}
	written(ctx)
	r.prefetchPayload(ctx, "CreateSegmentsPayload", map[string]func(*plan, ast.SelectionSet){"segments": objectsOf((*plan).segments, res.Items)})
	return &model.CreateSegmentsPayload{Segments: nonNil(res.Items), UserErrors: userErrors("input", res.Errors)}, nil
}

func (r *mutationResolver) UpdateSegments(ctx context.Context, input []*model.UpdateSegmentInput) (*model.UpdateSegmentsPayload, error) {
	if errs := tooMany("input", len(input), r.Limits.MaxItems); errs != nil {
		return &model.UpdateSegmentsPayload{Segments: []*store.Segment{}, UserErrors: errs}, nil
	}
	in := make([]store.SegmentUpdate, len(input))
	for i, s := range input {
		in[i] = store.SegmentUpdate{ID: s.UUID, Name: s.Name, Description: s.Description}
	}
	res, err := r.Store.UpdateSegments(ctx, in)
	if err != nil {
		return nil, err
	}
	written(ctx)
	r.prefetchPayload(ctx, "UpdateSegmentsPayload", map[string]func(*plan, ast.SelectionSet){"segments": objectsOf((*plan).segments, res.Items)})
	return &model.UpdateSegmentsPayload{Segments: nonNil(res.Items), UserErrors: userErrors("input", res.Errors)}, nil
}

func (r *mutationResolver) DeleteSegments(ctx context.Context, uuids []string) (*model.DeleteSegmentsPayload, error) {
	if errs := tooMany("uuids", len(uuids), r.Limits.MaxItems); errs != nil {
		return &model.DeleteSegmentsPayload{DeletedUuids: []string{}, InvalidatedPromotions: []*store.Promotion{}, UserErrors: errs}, nil
	}
	res, err := r.Store.DeleteSegments(ctx, uuids)
	if err != nil {
		return nil, err
	}
	written(ctx)
	found, err := loaders.FindMany(ctx, loaders.For(ctx).PromotionByID, res.InvalidatedPromotionIDs)
	if err != nil {
		return nil, err
	}
	invalidated := dropNil(found)
	r.prefetchPayload(ctx, "DeleteSegmentsPayload", map[string]func(*plan, ast.SelectionSet){"invalidatedPromotions": objectsOf((*plan).promotions, invalidated)})
	return &model.DeleteSegmentsPayload{
		DeletedUuids:          nonNil(res.IDs),
		InvalidatedPromotions: invalidated,
		UserErrors:            userErrors("uuids", res.Errors),
	}, nil
}

func (r *mutationResolver) CreateShopperProfiles(ctx context.Context, input []*model.CreateShopperProfileInput) (*model.CreateShopperProfilesPayload, error) {
	if errs := tooMany("input", len(input), r.Limits.MaxItems); errs != nil {
		return &model.CreateShopperProfilesPayload{ShopperProfiles: []*store.ShopperProfile{}, UserErrors: errs}, nil
	}
	ids := make([]int64, len(input))
	for i, p := range input {
		ids[i] = p.CustomerID
	}
	res, err := r.Store.CreateShopperProfiles(ctx, ids)
	if err != nil {
		return nil, err
	}
	written(ctx)
	r.prefetchPayload(ctx, "CreateShopperProfilesPayload", map[string]func(*plan, ast.SelectionSet){"shopperProfiles": objectsOf((*plan).profiles, res.Items)})
	return &model.CreateShopperProfilesPayload{ShopperProfiles: nonNil(res.Items), UserErrors: userErrors("input", res.Errors)}, nil
}

func (r *mutationResolver) DeleteShopperProfiles(ctx context.Context, uuids []string) (*model.DeleteShopperProfilesPayload, error) {
	if errs := tooMany("uuids", len(uuids), r.Limits.MaxItems); errs != nil {
		return &model.DeleteShopperProfilesPayload{DeletedUuids: []string{}, UserErrors: errs}, nil
	}
	res, err := r.Store.DeleteShopperProfiles(ctx, uuids)
	if err != nil {
		return nil, err
	}
	written(ctx)
	return &model.DeleteShopperProfilesPayload{DeletedUuids: nonNil(res.IDs), UserErrors: userErrors("uuids", res.Errors)}, nil
}

func (r *mutationResolver) AddShopperProfilesToSegment(ctx context.Context, segmentUUID string, shopperProfileUuids []string) (*model.AddShopperProfilesToSegmentPayload, error) {
	empty := []*store.ShopperProfile{}
	if errs := tooMany("shopperProfileUuids", len(shopperProfileUuids), r.Limits.MaxMembershipItems); errs != nil {
		return &model.AddShopperProfilesToSegmentPayload{Added: empty, AlreadyMembers: empty, UserErrors: errs}, nil
	}
	res, err := r.Store.AddSegmentMembers(ctx, segmentUUID, shopperProfileUuids)
	if err != nil {
		return nil, err
	}
	segment, changed, unchanged, err := r.membershipPayload(ctx, segmentUUID, res)
	if err != nil {
		return nil, err
	}
	r.prefetchPayload(ctx, "AddShopperProfilesToSegmentPayload", membershipPlans(segment, changed, unchanged, "added", "alreadyMembers"))
	return &model.AddShopperProfilesToSegmentPayload{
		Segment: segment, Added: changed, AlreadyMembers: unchanged,
		UserErrors: membershipErrors(res.Errors),
	}, nil
}

func (r *mutationResolver) RemoveShopperProfilesFromSegment(ctx context.Context, segmentUUID string, shopperProfileUuids []string) (*model.RemoveShopperProfilesFromSegmentPayload, error) {
	empty := []*store.ShopperProfile{}
	if errs := tooMany("shopperProfileUuids", len(shopperProfileUuids), r.Limits.MaxItems); errs != nil {
		return &model.RemoveShopperProfilesFromSegmentPayload{Removed: empty, NotMembers: empty, UserErrors: errs}, nil
	}
	res, err := r.Store.RemoveSegmentMembers(ctx, segmentUUID, shopperProfileUuids)
	if err != nil {
		return nil, err
	}
	segment, changed, unchanged, err := r.membershipPayload(ctx, segmentUUID, res)
	if err != nil {
		return nil, err
	}
	r.prefetchPayload(ctx, "RemoveShopperProfilesFromSegmentPayload", membershipPlans(segment, changed, unchanged, "removed", "notMembers"))
	return &model.RemoveShopperProfilesFromSegmentPayload{
		Segment: segment, Removed: changed, NotMembers: unchanged,
		UserErrors: membershipErrors(res.Errors),
	}, nil
}

// membershipPayload loads what an add or remove call touched, in one batch
// per type.
func (r *mutationResolver) membershipPayload(ctx context.Context, segmentUUID string, res store.MembershipChange) (*store.Segment, []*store.ShopperProfile, []*store.ShopperProfile, error) {
	written(ctx)
	l := loaders.For(ctx)
	var segment *store.Segment
	if res.SegmentFound {
		s, err := loaders.Find(ctx, l.SegmentByID, segmentUUID)
		if err != nil {
			return nil, nil, nil, err
		}
		segment = s
	}
	profiles, err := loaders.FindMany(ctx, l.ProfileByID, append(append([]string{}, res.Changed...), res.Unchanged...))
	if err != nil {
		return nil, nil, nil, err
	}
	return segment, dropNil(profiles[:len(res.Changed)]), dropNil(profiles[len(res.Changed):]), nil
}

// membershipPlans plans a membership payload: its segment and the
// profiles listed under changedField and unchangedField.
func membershipPlans(segment *store.Segment, changed, unchanged []*store.ShopperProfile, changedField, unchangedField string) map[string]func(*plan, ast.SelectionSet) {
	var segs []*store.Segment
	if segment != nil {
		segs = []*store.Segment{segment}
	}
	return map[string]func(*plan, ast.SelectionSet){
		"segment":      objectsOf((*plan).segments, segs),
		changedField:   objectsOf((*plan).profiles, changed),
		unchangedField: objectsOf((*plan).profiles, unchanged),
	}
}

// membershipErrors names the argument a membership userError is about: the
// segment for the call as a whole, else the profile list.
func membershipErrors(errs []store.UserError) []*model.UserError {
	out := make([]*model.UserError, 0, len(errs))
	for _, e := range errs {
		arg := "shopperProfileUuids"
		if e.Index < 0 && e.Field == "segmentUuid" {
			arg, e.Field = "segmentUuid", ""
		}
		out = append(out, userErrors(arg, []store.UserError{e})...)
	}
	return out
}

func (r *mutationResolver) UpsertCustomers(ctx context.Context, input []*model.CustomerInput) (*model.UpsertCustomersPayload, error) {
	if errs := tooMany("input", len(input), r.Limits.MaxItems); errs != nil {
		return &model.UpsertCustomersPayload{Customers: []*store.Customer{}, UserErrors: errs}, nil
	}
	in := make([]store.Customer, len(input))
	for i, c := range input {
		in[i] = store.Customer{
			ID:              c.CustomerID,
			Email:           strings.TrimSpace(c.Email),
			FirstName:       c.FirstName,
			LastName:        c.LastName,
			Company:         deref(c.Company),
			Phone:           deref(c.Phone),
			CustomerGroupID: deref(c.CustomerGroupID),
			OrderCount:      deref(c.OrderCount),
			ChannelIDs:      nonNil(c.ChannelIds),
			CreatedAt:       derefTime(c.CreatedAt),
			UpdatedAt:       derefTime(c.UpdatedAt),
		}
	}
	res, err := r.Store.UpsertCustomers(ctx, in)
	if err != nil {
		return nil, err
	}
	written(ctx)
	r.prefetchPayload(ctx, "UpsertCustomersPayload", map[string]func(*plan, ast.SelectionSet){"customers": objectsOf((*plan).customers, res.Items)})
	return &model.UpsertCustomersPayload{Customers: nonNil(res.Items), UserErrors: userErrors("input", res.Errors)}, nil
}

func (r *mutationResolver) DeleteCustomers(ctx context.Context, customerIds []int64) (*model.DeleteCustomersPayload, error) {
	if errs := tooMany("customerIds", len(customerIds), r.Limits.MaxItems); errs != nil {
		return &model.DeleteCustomersPayload{DeletedCustomerIds: []int64{}, UserErrors: errs}, nil
	}
	res, err := r.Store.DeleteCustomers(ctx, customerIds)
	if err != nil {
		return nil, err
	}
	written(ctx)
	return &model.DeleteCustomersPayload{DeletedCustomerIds: nonNil(res.IDs), UserErrors: userErrors("customerIds", res.Errors)}, nil
}

func (r *mutationResolver) CreatePromotion(ctx context.Context, input model.CreatePromotionInput) (*model.PromotionPayload, error) {
	p, uerr := r.newPromotion(input)
	if uerr != nil {
		return &model.PromotionPayload{UserErrors: userErrors("input", []store.UserError{*uerr})}, nil
	}
	res, err := r.Store.CreatePromotion(ctx, p)
	if err != nil {
		return nil, err
	}
	written(ctx)
	return r.promotionPayload(ctx, res), nil
}

func (r *mutationResolver) UpdatePromotion(ctx context.Context, input model.UpdatePromotionInput) (*model.PromotionPayload, error) {
	u, uerr := promotionUpdate(input)
	if uerr != nil {
		return &model.PromotionPayload{UserErrors: userErrors("input", []store.UserError{*uerr})}, nil
	}
	res, err := r.Store.UpdatePromotion(ctx, u)
	if err != nil {
		return nil, err
	}
	written(ctx)
	return r.promotionPayload(ctx, res), nil
}

func (r *mutationResolver) DeletePromotions(ctx context.Context, promotionIds []int64) (*model.DeletePromotionsPayload, error) {
	if errs := tooMany("promotionIds", len(promotionIds), r.Limits.MaxItems); errs != nil {
		return &model.DeletePromotionsPayload{DeletedPromotionIds: []int64{}, UserErrors: errs}, nil
	}
	res, err := r.Store.DeletePromotions(ctx, promotionIds)
	if err != nil {
		return nil, err
	}
	written(ctx)
	return &model.DeletePromotionsPayload{DeletedPromotionIds: nonNil(res.IDs), UserErrors: userErrors("promotionIds", res.Errors)}, nil
}

func (r *mutationResolver) promotionPayload(ctx context.Context, res store.Written[*store.Promotion]) *model.PromotionPayload {
	r.prefetchPayload(ctx, "PromotionPayload", map[string]func(*plan, ast.SelectionSet){"promotion": objectsOf((*plan).promotions, res.Items)})
	// One promotion per call: its errors name fields of input, not an index.
	for i := range res.Errors {
		res.Errors[i].Index = -1
	}
	out := &model.PromotionPayload{UserErrors: userErrors("input", res.Errors)}
	if len(res.Items) > 0 {
		out.Promotion = res.Items[0]
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func dropNil[T any](s []*T) []*T {
	out := make([]*T, 0, len(s))
	for _, v := range s {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}
