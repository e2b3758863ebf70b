package store

import (
	"strings"
	"testing"
	"time"
)

func TestCheckTargeting(t *testing.T) {
	id := Condition{ID: []string{"0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70"}}
	nest := func(c Condition) Condition { return Condition{Not: &c} }
	tests := []struct {
		name      string
		t         Targeting
		wantField string // "" means valid
	}{
		{"empty", Targeting{}, ""},
		{"groups", Targeting{GroupIDs: []int64{0, 1}}, ""},
		{"both group lists", Targeting{GroupIDs: []int64{1}, ExcludedGroupIDs: []int64{2}}, "groupIds"},
		{"negative excluded group", Targeting{ExcludedGroupIDs: []int64{-1}}, "excludedGroupIds"},
		{"negative order count", Targeting{MinimumOrderCount: -1}, "minimumOrderCount"},
		{"id", Targeting{Segments: &id}, ""},
		{"three levels", Targeting{Segments: ptr(nest(nest(nest(id))))}, ""},
		{"four levels", Targeting{Segments: ptr(nest(nest(nest(nest(id)))))}, "segments.not.not.not"},
		{"empty id list", Targeting{Segments: &Condition{ID: []string{}}}, "segments.id"},
		{"bad uuid", Targeting{Segments: &Condition{ID: []string{"vip"}}}, "segments.id"},
		{"uppercase uuid", Targeting{Segments: &Condition{ID: []string{strings.ToUpper(id.ID[0])}}}, "segments.id"},
		{"and with one operand", Targeting{Segments: &Condition{And: []Condition{id}}}, "segments.and"},
		{"or of two", Targeting{Segments: &Condition{Or: []Condition{id, id}}}, ""},
		{"two operators in one", Targeting{Segments: &Condition{ID: id.ID, Not: &id}}, "segments"},
		{"no operator", Targeting{Segments: &Condition{}}, "segments"},
		{"bad operand deep", Targeting{Segments: &Condition{Or: []Condition{id, {And: []Condition{id, {}}}}}}, "segments.or.1.and.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTargeting(tt.t)
			switch {
			case tt.wantField == "" && err != nil:
				t.Errorf("want valid, got %s: %s", err.field, err.msg)
			case tt.wantField != "" && err == nil:
				t.Errorf("want an error at %s, got none", tt.wantField)
			case tt.wantField != "" && err.field != tt.wantField:
				t.Errorf("error at %s (%s), want %s", err.field, err.msg, tt.wantField)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestTextEveryBackendCanHold: text with a NUL or invalid UTF-8 is refused
// on its field, whatever the backend (PostgreSQL text cannot hold it).
func TestTextEveryBackendCanHold(t *testing.T) {
	ok := Customer{ID: 1, Email: "a@example.com", FirstName: "A", LastName: "B"}
	promo := Promotion{ID: 1, Name: "P", RedemptionType: RedemptionAutomatic, Status: StatusEnabled,
		StartsAt: UTC(time.Now()), CurrencyCode: "USD"}
	check := func(t *testing.T, e *UserError, field string) {
		t.Helper()
		if e == nil || e.Field != field || e.Code != CodeInvalidInput {
			t.Errorf("got %+v, want INVALID_INPUT on %s", e, field)
		}
	}
	_, e := CheckSegment(0, "a\x00b", "")
	check(t, e, "name")
	_, e = CheckSegment(0, "ok", "bad\xff")
	check(t, e, "description")
	c := ok
	c.Company = "x\x00"
	check(t, CheckCustomer(0, c), "company")
	c = ok
	c.FirstName = "\xfe"
	check(t, CheckCustomer(0, c), "firstName")
	p := promo
	p.DisplayName = "d\x00"
	check(t, CheckPromotion(0, p), "displayName")
	if _, e := CheckSegment(0, "Grüße ☕", "ok"); e != nil {
		t.Errorf("valid UTF-8 refused: %+v", e)
	}
	if e := CheckPromotion(0, promo); e != nil {
		t.Errorf("valid promotion refused: %+v", e)
	}
}
