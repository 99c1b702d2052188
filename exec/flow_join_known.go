package exec

import (
	"hash/maphash"
)

// knownKeys remembers, as 64-bit hashes, every key under which an
// operator has stored state (a TopN partition, a join key's rows on one
// side), so that a key it never stored costs no read: in a view's load
// most partitions of Nexmark's q18 (bidder, auction) and most auctions of
// q9's bid side are new, and each was a Badger lookup (a Get through
// every level's bloom filter, or a prefix scan's iterator and seek) that
// found nothing, a tenth of q18's load.
//
// It can vouch for an absence only while it is complete: from the first
// epoch of a new view (its state empty) on, for as long as it has kept
// every key. Keys are added before their epoch commits and never removed,
// so the set stays a superset of the stored keys whatever happens to the
// epoch: a failed commit or a restored save point takes keys out of the
// store, never puts any in (an operator rebuilt after a failure starts
// incomplete anyway, as its view is no longer fresh). A hash collision only
// costs the read. Past its limit it forgets everything and stays
// incomplete: the set is plain integers, which the collector does not
// scan, but not free.
type knownKeys struct {
	complete bool
	limit    int
	seed     maphash.Seed
	set      map[uint64]struct{}
}

// knownKeysCost is about what a key costs in the set (its hash, the map's
// control bytes and slack), to turn a byte budget into a count.
const knownKeysCost = 24

// newKnownKeys returns a set that is complete if the operator's state is
// empty (fresh), holding at most budget bytes; nil when it could never
// vouch for anything.
func newKnownKeys(fresh bool, budget int64) *knownKeys {
	if !fresh {
		return nil
	}
	return &knownKeys{complete: true, limit: int(max(budget/knownKeysCost, 1024)), seed: maphash.MakeSeed(),
		set: map[uint64]struct{}{}}
}

// absent reports whether no state was ever stored under key.
func (k *knownKeys) absent(key []byte) bool {
	if k == nil || !k.complete {
		return false
	}
	_, ok := k.set[maphash.Bytes(k.seed, key)]
	return !ok
}

// absentString is absent for a key held in a string.
func (k *knownKeys) absentString(key string) bool {
	if k == nil || !k.complete {
		return false
	}
	_, ok := k.set[maphash.String(k.seed, key)]
	return !ok
}

// add records that state is stored under key.
func (k *knownKeys) add(key []byte) {
	if k == nil || !k.complete {
		return
	}
	k.insert(maphash.Bytes(k.seed, key))
}

// addString is add for a key held in a string.
func (k *knownKeys) addString(key string) {
	if k == nil || !k.complete {
		return
	}
	k.insert(maphash.String(k.seed, key))
}

func (k *knownKeys) insert(h uint64) {
	if len(k.set) >= k.limit {
		if _, ok := k.set[h]; !ok {
			k.complete, k.set = false, nil
			return
		}
	}
	k.set[h] = struct{}{}
}
