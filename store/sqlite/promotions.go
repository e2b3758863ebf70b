package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/segql/segql/store"
)

// PromotionsByIDs reads promotions by id, in the order of ids.
func (s *Store) PromotionsByIDs(ctx context.Context, ids []int64) ([]*store.Promotion, error) {
	out, err := byIDs(ctx, s, promotionCols, "promotions", "id", ids, s.scanPromotion,
		func(p *store.Promotion) int64 { return p.ID })
	if err != nil {
		return nil, fmt.Errorf("sqlite: promotions by ids: %w", err)
	}
	return out, nil
}

// EnabledPromotions answers every ENABLED promotion, ordered by id: the
// set it read last while the promotions version has not moved (one small
// read), else read again. The promotions are shared with every caller.
func (s *Store) EnabledPromotions(ctx context.Context) ([]*store.Promotion, error) {
	out, err := s.enabled.Get(ctx, store.EnabledSource{Version: s.promotionsVersion, Load: s.loadEnabled})
	if err != nil {
		return nil, fmt.Errorf("sqlite: enabled promotions: %w", err)
	}
	return out, nil
}

func (s *Store) promotionsVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.queryRow(ctx, `SELECT version FROM promotions_version`, nil, &v)
	return v, err
}

// loadEnabled reads the enabled promotions and, in the same statement and
// so the same snapshot, the promotions version.
func (s *Store) loadEnabled(ctx context.Context) ([]*store.Promotion, int64, bool, error) {
	rows, err := s.query(ctx, `SELECT (SELECT version FROM promotions_version), `+promotionCols+
		` FROM promotions WHERE status = ? ORDER BY id`, store.StatusEnabled)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	return store.CollectEnabled(rows, func(version *int64) (*store.Promotion, error) {
		return s.scanPromotion(rows.Scan, version)
	})
}

func promotionList(f store.PromotionFilter) list {
	l := list{cols: promotionCols, from: "promotions", key: "id"}
	if f.Status != "" {
		l.where = append(l.where, "status = ?")
		l.args = append(l.args, f.Status)
	}
	if f.RedemptionType != "" {
		l.where = append(l.where, "redemption_type = ?")
		l.args = append(l.args, f.RedemptionType)
	}
	if f.TargetedSegment != "" {
		l.where = append(l.where, "id IN (SELECT promotion_id FROM promotion_segments WHERE segment_id = ?)")
		l.args = append(l.args, f.TargetedSegment)
	}
	return l
}

// ListPromotions reads one page of promotions ordered by id.
func (s *Store) ListPromotions(ctx context.Context, f store.PromotionFilter, p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
	page, err := listPage(ctx, s, promotionList(f), p, s.scanPromotion)
	if err != nil {
		return page, fmt.Errorf("sqlite: list promotions: %w", err)
	}
	return page, nil
}

// CountPromotions counts the promotions a filter lets through.
func (s *Store) CountPromotions(ctx context.Context, f store.PromotionFilter) (int, error) {
	n, err := count(ctx, s, promotionList(f))
	if err != nil {
		return 0, fmt.Errorf("sqlite: count promotions: %w", err)
	}
	return n, nil
}

// SegmentPromotionPages reads, for each segment, a page of the promotions
// whose condition names it.
func (s *Store) SegmentPromotionPages(ctx context.Context, segmentIDs []string, p store.Page[int64]) ([]store.PageOf[*store.Promotion], error) {
	out, err := parentPages(ctx, s, children{
		link: "promotion_segments", parent: "segment_id", child: "promotion_id",
		table: "promotions", cols: promotionCols,
	}, segmentIDs, p, s.scanPromotion)
	if err != nil {
		return nil, fmt.Errorf("sqlite: segment promotion pages: %w", err)
	}
	return out, nil
}

// CountSegmentPromotions counts the promotions whose condition names each
// segment.
func (s *Store) CountSegmentPromotions(ctx context.Context, segmentIDs []string) ([]int, error) {
	out, err := countChildren(ctx, s, "promotion_segments", "segment_id", segmentIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count segment promotions: %w", err)
	}
	return out, nil
}

// CreatePromotion creates one promotion; an ID of 0 takes the next free id.
// Its errors have Index -1: the call has one item.
func (s *Store) CreatePromotion(ctx context.Context, in store.Promotion) (store.Written[*store.Promotion], error) {
	var out store.Written[*store.Promotion]
	err := s.write(ctx, "create promotion", func(w *txn) error {
		out = store.Written[*store.Promotion]{}
		p := in
		if p.ID == 0 {
			if _, err := w.one(ctx, `SELECT coalesce(max(id), 0) + 1 FROM promotions`, nil, &p.ID); err != nil {
				return err
			}
		} else if p.ID > 0 {
			taken, err := w.exists(ctx, `SELECT 1 FROM promotions WHERE id = ?`, p.ID)
			if err != nil {
				return err
			}
			if taken {
				out.Errors = []store.UserError{store.Reject(-1, "promotionId", store.CodeDuplicateInput, "promotion %d exists already", p.ID)}
				return nil
			}
		}
		p.CreatedAt, p.UpdatedAt = w.now, w.now
		stored, ue, err := w.putPromotion(ctx, -1, p)
		if err != nil {
			return err
		}
		if ue != nil {
			out.Errors = []store.UserError{*ue}
			return nil
		}
		out.Items = []*store.Promotion{stored}
		return nil
	})
	if err != nil {
		return store.Written[*store.Promotion]{}, err
	}
	return out, nil
}

// UpdatePromotion merges a change onto a promotion and checks the result
// whole. Its errors have Index -1.
func (s *Store) UpdatePromotion(ctx context.Context, in store.PromotionUpdate) (store.Written[*store.Promotion], error) {
	var out store.Written[*store.Promotion]
	err := s.write(ctx, "update promotion", func(w *txn) error {
		out = store.Written[*store.Promotion]{}
		reject := func(field string, code store.Code, format string, args ...any) error {
			out.Errors = []store.UserError{store.Reject(-1, field, code, format, args...)}
			return nil
		}
		if ue := in.Check(); ue != nil {
			out.Errors = []store.UserError{*ue}
			return nil
		}
		cur, err := w.promotion(ctx, in.ID)
		if err != nil {
			return err
		}
		if cur == nil {
			return reject("promotionId", store.CodeNotFound, "promotion %d does not exist", in.ID)
		}
		p := *cur
		in.Apply(&p)
		p.UpdatedAt = w.now
		stored, ue, err := w.putPromotion(ctx, -1, p)
		if err != nil {
			return err
		}
		if ue != nil {
			out.Errors = []store.UserError{*ue}
			return nil
		}
		out.Items = []*store.Promotion{stored}
		return nil
	})
	if err != nil {
		return store.Written[*store.Promotion]{}, err
	}
	return out, nil
}

// DeletePromotions deletes promotions by id.
func (s *Store) DeletePromotions(ctx context.Context, ids []int64) (store.Deleted[int64], error) {
	var out store.Deleted[int64]
	err := s.write(ctx, "delete promotions", func(w *txn) error {
		var err error
		out, err = store.DeleteEach(ids, "promotion", func(id int64) (bool, error) {
			n, err := w.exec(ctx, `DELETE FROM promotions WHERE id = ?`, id)
			return n > 0, err
		})
		return err
	})
	if err != nil {
		return store.Deleted[int64]{}, err
	}
	return out, nil
}

// promotion reads one promotion, nil when there is none.
func (w *txn) promotion(ctx context.Context, id int64) (*store.Promotion, error) {
	st, err := w.stmt(ctx, `SELECT `+promotionCols+` FROM promotions WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	return orNil(w.s.scanPromotion(st.QueryRowContext(ctx, id).Scan))
}

// putPromotion checks a promotion whole, including that the segments its
// condition names exist, then inserts it or replaces the one with its id
// and rewrites its promotion_segments rows. It returns the promotion as
// stored.
func (w *txn) putPromotion(ctx context.Context, index int, p store.Promotion) (*store.Promotion, *store.UserError, error) {
	p.Normalize()
	if ue := store.CheckPromotion(index, p); ue != nil {
		return nil, ue, nil
	}
	var segments []string
	if p.Customer.Segments != nil {
		segments = p.Customer.Segments.SegmentIDs()
	}
	for _, id := range segments {
		ok, err := w.segmentExists(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			ue := store.Reject(index, "customer.segments", store.CodeNotFound, "segment %s does not exist", id)
			return nil, &ue, nil
		}
	}
	targeting, err := json.Marshal(p.Customer)
	if err != nil {
		return nil, nil, fmt.Errorf("encode targeting: %w", err)
	}
	var ends, maxUses any
	if p.EndsAt != nil {
		ends = micros(*p.EndsAt)
	}
	if p.MaxUses != nil {
		maxUses = *p.MaxUses
	}
	if _, err := w.exec(ctx, `INSERT INTO promotions (id, name, display_name, redemption_type, status, starts_at, ends_at,
	channel_ids, currency_code, max_uses, current_uses, targeting, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, display_name = excluded.display_name,
	redemption_type = excluded.redemption_type, status = excluded.status, starts_at = excluded.starts_at,
	ends_at = excluded.ends_at, channel_ids = excluded.channel_ids, currency_code = excluded.currency_code,
	max_uses = excluded.max_uses, current_uses = excluded.current_uses, targeting = excluded.targeting,
	created_at = excluded.created_at, updated_at = excluded.updated_at`,
		p.ID, p.Name, p.DisplayName, p.RedemptionType, p.Status, micros(p.StartsAt), ends,
		jsonList(p.ChannelIDs), p.CurrencyCode, maxUses, p.CurrentUses, string(targeting),
		micros(p.CreatedAt), micros(p.UpdatedAt)); err != nil {
		return nil, nil, err
	}
	if _, err := w.exec(ctx, `DELETE FROM promotion_segments WHERE promotion_id = ?`, p.ID); err != nil {
		return nil, nil, err
	}
	for _, id := range segments {
		if _, err := w.exec(ctx, `INSERT INTO promotion_segments (promotion_id, segment_id) VALUES (?, ?)`, p.ID, id); err != nil {
			return nil, nil, err
		}
	}
	// Read it back so the caller gets exactly what a later read will.
	stored, err := w.promotion(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	return stored, nil, nil
}
