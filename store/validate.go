package store

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Field lengths, from the reference's Customers and Segments APIs where it
// gives them and chosen by segql where it does not (documented in README).
const (
	MaxNameLen        = 255
	MaxDescriptionLen = 1000
	MaxConditionDepth = 3 // operator levels (not, and, or) in a segment condition
	MaxConditionIDs   = 250
)

// ValidUUID reports whether s is a UUID in its canonical text form:
// lowercase, with hyphens. Only that form is accepted, so every backend
// compares ids the same way.
func ValidUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// NewID returns a time-ordered UUID (version 7), so lists ordered by UUID
// show new segments and profiles last.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// textField is a text input and the name of its field.
type textField struct{ name, value string }

// checkText refuses the first field that is not valid UTF-8 or holds a NUL
// character: PostgreSQL text cannot hold such strings, so no backend takes
// them.
func checkText(index int, fields ...textField) *UserError {
	for _, f := range fields {
		if !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0) {
			e := Reject(index, f.name, CodeInvalidInput, "%s must be valid UTF-8 without NUL characters", f.name)
			return &e
		}
	}
	return nil
}

func lengthBetween(s string, lo, hi int) bool {
	n := utf8.RuneCountInString(s)
	return n >= lo && n <= hi
}

// CheckSegment checks a segment's name and description. The name is trimmed
// first; the trimmed name is returned.
func CheckSegment(index int, name, description string) (string, *UserError) {
	name = strings.TrimSpace(name)
	if e := checkText(index, textField{"name", name}, textField{"description", description}); e != nil {
		return name, e
	}
	if !lengthBetween(name, 1, MaxNameLen) {
		e := Reject(index, "name", CodeInvalidInput, "name must be 1 to %d characters", MaxNameLen)
		return name, &e
	}
	if utf8.RuneCountInString(description) > MaxDescriptionLen {
		e := Reject(index, "description", CodeInvalidInput, "description must be at most %d characters", MaxDescriptionLen)
		return name, &e
	}
	return name, nil
}

// CheckCustomer checks a customer against the Customers API's field rules.
func CheckCustomer(index int, c Customer) *UserError {
	bad := func(field, format string, args ...any) *UserError {
		e := Reject(index, field, CodeInvalidInput, format, args...)
		return &e
	}
	if e := checkText(index, textField{"email", c.Email}, textField{"firstName", c.FirstName},
		textField{"lastName", c.LastName}, textField{"company", c.Company}, textField{"phone", c.Phone}); e != nil {
		return e
	}
	switch {
	case c.ID <= 0:
		return bad("customerId", "customer id must be positive")
	case !lengthBetween(c.Email, 3, 255) || !validEmail(c.Email):
		return bad("email", "email must be an address of 3 to 255 characters")
	case !lengthBetween(c.FirstName, 1, 100):
		return bad("firstName", "first name must be 1 to 100 characters")
	case !lengthBetween(c.LastName, 1, 100):
		return bad("lastName", "last name must be 1 to 100 characters")
	case !lengthBetween(c.Company, 0, 255):
		return bad("company", "company must be at most 255 characters")
	case !lengthBetween(c.Phone, 0, 50):
		return bad("phone", "phone must be at most 50 characters")
	case c.CustomerGroupID < 0:
		return bad("customerGroupId", "customer group id must not be negative")
	case c.OrderCount < 0:
		return bad("orderCount", "order count must not be negative")
	}
	for _, ch := range c.ChannelIDs {
		if ch <= 0 {
			return bad("channelIds", "channel ids must be positive")
		}
	}
	return nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// CheckPromotion checks a promotion's own fields and the shape of its
// targeting. That the segments it names exist is the backend's check.
func CheckPromotion(index int, p Promotion) *UserError {
	bad := func(field, format string, args ...any) *UserError {
		e := Reject(index, field, CodeInvalidInput, format, args...)
		return &e
	}
	if e := checkText(index, textField{"name", p.Name}, textField{"displayName", p.DisplayName}); e != nil {
		return e
	}
	switch {
	case p.ID <= 0:
		return bad("promotionId", "promotion id must be positive")
	case !lengthBetween(strings.TrimSpace(p.Name), 1, MaxNameLen):
		return bad("name", "name must be 1 to %d characters", MaxNameLen)
	case !lengthBetween(p.DisplayName, 0, MaxNameLen):
		return bad("displayName", "display name must be at most %d characters", MaxNameLen)
	case p.RedemptionType != RedemptionAutomatic && p.RedemptionType != RedemptionCoupon:
		return bad("redemptionType", "redemption type must be AUTOMATIC or COUPON")
	case p.Status != StatusEnabled && p.Status != StatusDisabled && p.Status != StatusInvalid:
		return bad("status", "status must be ENABLED, DISABLED or INVALID")
	case p.StartsAt.IsZero():
		return bad("startsAt", "start date is required")
	case p.EndsAt != nil && !p.EndsAt.After(p.StartsAt):
		return bad("endsAt", "end date must come after the start date")
	case !validCurrency(p.CurrencyCode):
		return bad("currencyCode", "currency code must be three capital letters")
	case p.MaxUses != nil && *p.MaxUses < 0:
		return bad("maxUses", "max uses must not be negative")
	case p.CurrentUses < 0:
		return bad("currentUses", "current uses must not be negative")
	}
	for _, ch := range p.ChannelIDs {
		if ch <= 0 {
			return bad("channelIds", "channel ids must be positive")
		}
	}
	if err := CheckTargeting(p.Customer); err != nil {
		return bad("customer."+err.field, "%s", err.msg)
	}
	return nil
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

type targetingError struct{ field, msg string }

// CheckTargeting checks the reference's rules for a promotion's customer
// targeting: group ids or excluded group ids, never both; no negative
// numbers; a well-formed segment condition.
func CheckTargeting(t Targeting) *targetingError {
	if len(t.GroupIDs) > 0 && len(t.ExcludedGroupIDs) > 0 {
		return &targetingError{"groupIds", "group ids and excluded group ids cannot both be set"}
	}
	for field, ids := range map[string][]int64{"groupIds": t.GroupIDs, "excludedGroupIds": t.ExcludedGroupIDs} {
		for _, g := range ids {
			if g < 0 {
				return &targetingError{field, "group ids must not be negative"}
			}
		}
	}
	if t.MinimumOrderCount < 0 {
		return &targetingError{"minimumOrderCount", "minimum order count must not be negative"}
	}
	if t.Segments == nil {
		return nil
	}
	return checkCondition(t.Segments, "segments", 0)
}

func checkCondition(c *Condition, path string, depth int) *targetingError {
	set := 0
	if c.ID != nil {
		set++
	}
	if c.Not != nil {
		set++
	}
	if c.And != nil {
		set++
	}
	if c.Or != nil {
		set++
	}
	if set != 1 {
		return &targetingError{path, "a condition must have exactly one of id, not, and, or"}
	}
	if c.ID != nil {
		if len(c.ID) == 0 || len(c.ID) > MaxConditionIDs {
			return &targetingError{path + ".id", fmt.Sprintf("id must list 1 to %d segment ids", MaxConditionIDs)}
		}
		for _, id := range c.ID {
			if !ValidUUID(id) {
				return &targetingError{path + ".id", fmt.Sprintf("%q is not a segment UUID", id)}
			}
		}
		return nil
	}
	if depth >= MaxConditionDepth {
		return &targetingError{path, fmt.Sprintf("a condition may nest at most %d operator levels", MaxConditionDepth)}
	}
	if c.Not != nil {
		return checkCondition(c.Not, path+".not", depth+1)
	}
	op, operands := "and", c.And
	if c.Or != nil {
		op, operands = "or", c.Or
	}
	if len(operands) < 2 {
		return &targetingError{path + "." + op, op + " needs two or more operands"}
	}
	for i := range operands {
		if err := checkCondition(&operands[i], fmt.Sprintf("%s.%s.%d", path, op, i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// SegmentIDs lists the distinct segment ids a condition names, in order of
// first appearance.
func (c *Condition) SegmentIDs() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*Condition)
	walk = func(c *Condition) {
		if c == nil {
			return
		}
		for _, id := range c.ID {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		walk(c.Not)
		for i := range c.And {
			walk(&c.And[i])
		}
		for i := range c.Or {
			walk(&c.Or[i])
		}
	}
	walk(c)
	return out
}

// UTC truncates a time to microseconds in UTC, the precision both backends keep.
func UTC(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
