package resolvers

import (
	"time"

	"github.com/segql/segql/graph/model"
	"github.com/segql/segql/store"
)

// Defaults of a new promotion where the input leaves a field out.
const defaultCurrency = "USD"

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return store.UTC(*t)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := store.UTC(*t)
	return &u
}

// checkStatus refuses INVALID from clients: segql alone sets it, when a
// targeted segment is deleted.
func checkStatus(status *string) *store.UserError {
	if status != nil && *status == store.StatusInvalid {
		e := store.Reject(-1, "status", store.CodeInvalidInput, "status can be set to ENABLED or DISABLED; INVALID is set by segql")
		return &e
	}
	return nil
}

func (r *mutationResolver) newPromotion(in model.CreatePromotionInput) (store.Promotion, *store.UserError) {
	if e := checkStatus(in.Status); e != nil {
		return store.Promotion{}, e
	}
	p := store.Promotion{
		ID:             deref(in.PromotionID),
		Name:           in.Name,
		DisplayName:    in.Name,
		RedemptionType: in.RedemptionType,
		Status:         store.StatusEnabled,
		StartsAt:       store.UTC(r.Now()),
		EndsAt:         utcPtr(in.EndsAt),
		ChannelIDs:     nonNil(in.ChannelIds),
		CurrencyCode:   defaultCurrency,
		MaxUses:        in.MaxUses,
	}
	if in.DisplayName != nil {
		p.DisplayName = *in.DisplayName
	}
	if in.Status != nil {
		p.Status = *in.Status
	}
	if in.StartsAt != nil {
		p.StartsAt = store.UTC(*in.StartsAt)
	}
	if in.CurrencyCode != nil {
		p.CurrencyCode = *in.CurrencyCode
	}
	if in.Customer != nil {
		p.Customer = targeting(in.Customer)
	}
	return p, nil
}

func promotionUpdate(in model.UpdatePromotionInput) (store.PromotionUpdate, *store.UserError) {
	if e := checkStatus(in.Status); e != nil {
		return store.PromotionUpdate{}, e
	}
	u := store.PromotionUpdate{
		ID:             in.PromotionID,
		Name:           in.Name,
		DisplayName:    in.DisplayName,
		RedemptionType: in.RedemptionType,
		Status:         in.Status,
		StartsAt:       utcPtr(in.StartsAt),
		EndsAt:         utcPtr(in.EndsAt),
		ClearEndsAt:    deref(in.ClearEndsAt),
		ChannelIDs:     in.ChannelIds,
		CurrencyCode:   in.CurrencyCode,
		MaxUses:        in.MaxUses,
		ClearMaxUses:   deref(in.ClearMaxUses),
		CurrentUses:    in.CurrentUses,
	}
	if in.Customer != nil {
		t := targeting(in.Customer)
		u.Customer = &t
	}
	return u, nil
}

func targeting(in *model.CustomerTargetingInput) store.Targeting {
	return store.Targeting{
		GroupIDs:          nonNil(in.GroupIds),
		ExcludedGroupIDs:  nonNil(in.ExcludedGroupIds),
		MinimumOrderCount: deref(in.MinimumOrderCount),
		Segments:          condition(in.Segments),
	}
}

// condition copies a condition input; the store checks its shape and depth.
func condition(in *model.SegmentConditionInput) *store.Condition {
	if in == nil {
		return nil
	}
	c := &store.Condition{ID: in.ID, Not: condition(in.Not)}
	if in.And != nil {
		c.And = operands(in.And)
	}
	if in.Or != nil {
		c.Or = operands(in.Or)
	}
	return c
}

func operands(in []*model.SegmentConditionInput) []store.Condition {
	out := make([]store.Condition, len(in))
	for i, o := range in {
		out[i] = *condition(o)
	}
	return out
}
