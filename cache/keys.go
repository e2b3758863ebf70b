package cache

import (
	"strconv"

	"github.com/segql/segql/store"
)

// Families: each is a kind of cached value with its own generation.
const (
	famSegment    = "seg"
	famProfile    = "prof"
	famProfileByC = "profc"
	famCustomer   = "cust"
	famPromotion  = "promo"
	famProfSegs   = "profsegs"
	famSegPromos  = "segpromos"
	famEnabled    = "enabled"
)

// allFamilies are bumped together by Import and after a lost invalidation.
var allFamilies = []string{famSegment, famProfile, famProfileByC, famCustomer, famPromotion, famProfSegs, famSegPromos, famEnabled}

// enabledID is the id of the one key of the enabled family.
const enabledID = "all"

// keys names the Redis keys under a prefix.
type keys struct{ prefix string }

// gen is a family's generation counter.
func (k keys) gen(family string) string { return k.prefix + ":gen:" + family }

// dataBase is what a data key starts with before its generation:
// <prefix>:<family>:, followed by <gen>:<id>.
func (k keys) dataBase(family string) string { return k.prefix + ":" + family + ":" }

// data is a data key.
func (k keys) data(family, gen, id string) string { return k.dataBase(family) + gen + ":" + id }

// verBase is what a version key starts with: <prefix>:ver:<family>:,
// followed by the id.
func (k keys) verBase(family string) string { return k.prefix + ":ver:" + family + ":" }

// ver is a key's version counter.
func (k keys) ver(family, id string) string { return k.verBase(family) + id }

// uuidKey is the key of a segment or profile id. Only a canonical UUID is
// one: the stores answer any other string as missing (store.ValidUUID), and
// a writer invalidates ids as the store spells them.
func uuidKey(id string) (string, bool) { return id, store.ValidUUID(id) }

// intKey is the key of a customer or promotion id.
func intKey(id int64) (string, bool) { return strconv.FormatInt(id, 10), true }
