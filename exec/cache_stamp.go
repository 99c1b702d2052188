package exec

import (
	"encoding/binary"
	"math/rand/v2"
)

// cacheStamp tells an operator's write-through cache (aggregates, joins,
// TopN) whether what it holds is still what the store holds. Each epoch
// writes the next stamp under the operator's prefix, in the epoch's own
// transaction: after a failed commit or a restored save point the stored
// stamp is not the one the cache wrote last, and the cache must be
// emptied. The check runs every epoch, not only when the cache holds
// entries: a cache may know a key is absent without an entry for it (an
// aggregate cache that holds every group), and a failed epoch that
// deleted the key's last entry leaves it holding nothing but that
// knowledge.
type cacheStamp struct {
	v       uint64
	started bool
}

func newCacheStamp() cacheStamp { return cacheStamp{v: rand.Uint64()} }

// advance starts an epoch: it reports whether the cache may keep what it
// holds, and writes the epoch's stamp under key. At the first epoch the
// cache holds what its operator was built with, which is right by
// construction.
func (s *cacheStamp) advance(st *stateStore, key []byte) (bool, error) {
	keep := !s.started
	if s.started {
		v, ok, err := st.get(key)
		if err != nil {
			return false, err
		}
		keep = ok && len(v) == 8 && binary.BigEndian.Uint64(v) == s.v
	}
	s.started = true
	s.v++
	st.put(key, binary.BigEndian.AppendUint64(nil, s.v))
	return keep, nil
}
