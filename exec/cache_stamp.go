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
// emptied.
type cacheStamp uint64

func newCacheStamp() cacheStamp { return cacheStamp(rand.Uint64()) }

// advance starts an epoch: it reports whether a cache that holds entries
// (held) may keep them, and writes the epoch's stamp under key.
func (s *cacheStamp) advance(st *stateStore, key []byte, held bool) (bool, error) {
	keep := true
	if held {
		v, ok, err := st.get(key)
		if err != nil {
			return false, err
		}
		keep = ok && len(v) == 8 && binary.BigEndian.Uint64(v) == uint64(*s)
	}
	*s++
	st.put(key, binary.BigEndian.AppendUint64(nil, uint64(*s)))
	return keep, nil
}
