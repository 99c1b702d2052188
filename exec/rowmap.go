package exec

import (
	"hash/maphash"

	"github.com/eddysql/eddy/sql"
)

// keyMap maps a tuple of values to an entry, remembering insertion order so
// results come out deterministically. NULLs are equal to each other here
// (GROUP BY, DISTINCT and set operations treat them so); joins skip NULL
// keys before they get here.
type keyMap[V any] struct {
	seed    maphash.Seed
	buckets map[uint64][]int32 // indexes into keys/vals
	keys    []sql.Row
	vals    []V
}

func newKeyMap[V any]() *keyMap[V] {
	return &keyMap[V]{seed: maphash.MakeSeed(), buckets: map[uint64][]int32{}}
}

func (m *keyMap[V]) hash(key sql.Row) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	for _, v := range key {
		sql.Hash(&h, v)
	}
	return h.Sum64()
}

func keysEqual(a, b sql.Row) bool {
	for i := range a {
		if a[i].IsNull() || b[i].IsNull() {
			if a[i].IsNull() != b[i].IsNull() {
				return false
			}
			continue
		}
		if !sql.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// find returns the index of key, or -1.
func (m *keyMap[V]) find(key sql.Row) int {
	for _, i := range m.buckets[m.hash(key)] {
		if keysEqual(m.keys[i], key) {
			return int(i)
		}
	}
	return -1
}

// upsert returns the index of key, adding it with value mk() when absent.
// The key row is kept: callers must not reuse it.
func (m *keyMap[V]) upsert(key sql.Row, mk func() V) (int, bool) {
	h := m.hash(key)
	for _, i := range m.buckets[h] {
		if keysEqual(m.keys[i], key) {
			return int(i), false
		}
	}
	i := int32(len(m.keys))
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, mk())
	m.buckets[h] = append(m.buckets[h], i)
	return int(i), true
}

func (m *keyMap[V]) len() int { return len(m.keys) }
