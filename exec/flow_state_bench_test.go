package exec

import (
	"encoding/binary"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// BenchmarkStateStoreEpoch runs epochs as a keyed aggregate does: each
// reads a key's state and writes it back (a quarter of them new keys), then
// flushes the epoch into the transaction that commits it, on a store with
// eddy's options (SyncWrites) at a 256 MiB state cache. One op is one key.
func BenchmarkStateStoreEpoch(b *testing.B) {
	opts, err := storeOptions(b.TempDir(), 256<<20)
	if err != nil {
		b.Fatal(err)
	}
	db, err := badger.Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := newStateStore(db)
	const perEpoch = 4096
	val := make([]byte, 40)
	var n uint64
	b.ReportAllocs()
	for b.Loop() {
		if n%perEpoch == 0 {
			s.begin()
		}
		// Keys cycle over a space four times an epoch's size.
		k := s.alloc(12)
		copy(k, "agg:")
		binary.BigEndian.PutUint64(k[4:], (n*2654435761)%(perEpoch*4))
		old, ok, err := s.get(k)
		if err != nil {
			b.Fatal(err)
		}
		v := s.alloc(len(val))
		copy(v, val)
		if ok && len(old) > 0 {
			v[0] = old[0] + 1
		}
		s.put(k, v)
		n++
		if n%perEpoch == 0 {
			txn := db.NewTransaction(true)
			if err := s.flushTo(txn); err != nil {
				b.Fatal(err)
			}
			if err := txn.Commit(); err != nil {
				b.Fatal(err)
			}
			s.end()
		}
	}
	if n%perEpoch != 0 {
		s.end()
	}
}
