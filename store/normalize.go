package store

// Normalize gives a promotion the form every backend stores and reads it
// back in: times in UTC microseconds, fresh copies of its pointers, empty
// id lists as nil.
func (p *Promotion) Normalize() {
	p.StartsAt = UTC(p.StartsAt)
	if p.EndsAt != nil {
		t := UTC(*p.EndsAt)
		p.EndsAt = &t
	}
	if p.MaxUses != nil {
		n := *p.MaxUses
		p.MaxUses = &n
	}
	p.ChannelIDs = CopyIDs(p.ChannelIDs)
	p.Customer.GroupIDs = CopyIDs(p.Customer.GroupIDs)
	p.Customer.ExcludedGroupIDs = CopyIDs(p.Customer.ExcludedGroupIDs)
	p.CreatedAt, p.UpdatedAt = UTC(p.CreatedAt), UTC(p.UpdatedAt)
}

// CopyIDs copies a list of ids, nil when it is empty.
func CopyIDs(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	return append([]int64(nil), ids...)
}
