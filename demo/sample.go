package demo

// SampleCustomerID is the demo customer to sign in as: the one whose
// shopper profile is in the most segments, so the viewer query shows
// segments and segment-targeted promotions at once.
func (d *Data) SampleCustomerID() int64 {
	counts := map[string]int{}
	for _, m := range d.Memberships {
		counts[m.ProfileID]++
	}
	var best int64
	most := -1
	for _, p := range d.ShopperProfiles {
		if counts[p.ID] > most {
			best, most = p.CustomerID, counts[p.ID]
		}
	}
	return best
}
