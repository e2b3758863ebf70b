package store

import "fmt"

// DeleteEach is how every delete call treats its ids, whatever the
// backend: in input order, a malformed id is INVALID_INPUT, an id seen
// earlier in the call DUPLICATE_INPUT, and an id del finds nothing for
// NOT_FOUND. del runs inside the call's transaction; its error aborts it.
func DeleteEach[K Key](ids []K, noun string, del func(K) (bool, error)) (Deleted[K], error) {
	var out Deleted[K]
	seen := make(map[K]bool, len(ids))
	for i, id := range ids {
		if msg, ok := validKey(id, noun); !ok {
			out.Errors = append(out.Errors, Reject(i, "", CodeInvalidInput, "%s", msg))
			continue
		}
		if seen[id] {
			out.Errors = append(out.Errors, Reject(i, "", CodeDuplicateInput, "%s %v appears earlier in this call", noun, id))
			continue
		}
		seen[id] = true
		found, err := del(id)
		if err != nil {
			return Deleted[K]{}, err
		}
		if !found {
			out.Errors = append(out.Errors, Reject(i, "", CodeNotFound, "%s %v does not exist", noun, id))
			continue
		}
		out.IDs = append(out.IDs, id)
	}
	return out, nil
}

// validKey checks an id's form: a canonical UUID or a positive integer.
func validKey[K Key](id K, noun string) (string, bool) {
	switch v := any(id).(type) {
	case string:
		return fmt.Sprintf("%q is not a %s UUID", v, noun), ValidUUID(v)
	case int64:
		return noun + " id must be positive", v > 0
	}
	return "", false
}
