// Package storetest is the contract test suite of store.Store: every
// backend runs it against a real database and passes it unchanged.
//
// Besides what the interface documents, the suite pins down these rules:
//
//   - Reads answer in key order, nil (or an empty page, or 0) for a key
//     that is missing or malformed, every repetition of a key answered.
//     Nil and empty slices are the same to the suite.
//   - Rejected items carry Field "" when the input item is a bare id (the
//     ids of deletes, the profiles of a membership change), the input
//     field's GraphQL name otherwise ("name", "uuid", "customerId",
//     "email", "customer.segments", ...). Writes of one item
//     (CreatePromotion, UpdatePromotion) and the segment of a membership
//     change use Index -1.
//   - A write processes its items in order, each seeing the ones before:
//     a name or email freed by an earlier item can be taken by a later one.
//     A well-formed id repeated from an earlier item, or a name repeated
//     from an earlier item that was written, is DUPLICATE_INPUT.
//   - Deleting a segment touches its members' updated_at and makes every
//     promotion whose condition names it INVALID (updated_at touched,
//     condition kept), so such a promotion cannot be updated until its
//     condition is replaced.
//   - UpdatePromotion with both EndsAt and ClearEndsAt is INVALID_INPUT on
//     "clearEndsAt".
//   - Import: referenced records must be imported before the records that
//     name them; importing a membership does not touch the profile's
//     updated_at; a zero created_at of a record replacing another keeps
//     the old one; a refused record fails the whole import even when fill
//     ignores the error.
//   - A cancelled context fails any write with an error wrapping
//     context.Canceled and leaves the store as it was.
package storetest
