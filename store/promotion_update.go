package store

// Check refuses an update that both sets and clears the same field.
func (u PromotionUpdate) Check() *UserError {
	switch {
	case u.ClearEndsAt && u.EndsAt != nil:
		e := Reject(-1, "clearEndsAt", CodeInvalidInput, "an end date cannot be set and cleared at once")
		return &e
	case u.ClearMaxUses && u.MaxUses != nil:
		e := Reject(-1, "clearMaxUses", CodeInvalidInput, "max uses cannot be set and cleared at once")
		return &e
	}
	return nil
}

// Apply merges the update onto p: set fields replace, nil fields keep.
func (u PromotionUpdate) Apply(p *Promotion) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Name, u.Name)
	set(&p.DisplayName, u.DisplayName)
	set(&p.RedemptionType, u.RedemptionType)
	set(&p.Status, u.Status)
	set(&p.CurrencyCode, u.CurrencyCode)
	if u.StartsAt != nil {
		p.StartsAt = *u.StartsAt
	}
	if u.EndsAt != nil {
		t := *u.EndsAt
		p.EndsAt = &t
	}
	if u.ClearEndsAt {
		p.EndsAt = nil
	}
	if u.ChannelIDs != nil {
		p.ChannelIDs = u.ChannelIDs
	}
	if u.MaxUses != nil {
		n := *u.MaxUses
		p.MaxUses = &n
	}
	if u.ClearMaxUses {
		p.MaxUses = nil
	}
	if u.CurrentUses != nil {
		p.CurrentUses = *u.CurrentUses
	}
	if u.Customer != nil {
		p.Customer = *u.Customer
	}
}
