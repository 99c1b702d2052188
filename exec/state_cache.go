package exec

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// State lives in Badger; what Badger keeps in memory for it is bounded by
// one figure, the state cache (--state-cache). Left to its defaults Badger
// keeps every table's index and Bloom filter in memory (growing with the
// data), up to five 64 MiB memtables (each an ~83 MiB arena in the Go heap
// plus its write-ahead log mapped from disk) and a 256 MiB block cache, so
// a view over ten million keys peaked at 3.2 GiB. The cache splits into:
//
//   - memtables: two (three from 1 GiB), each an eighth of the cache up to
//     Badger's 64 MiB. A memtable also bounds one transaction (Badger
//     refuses one over 15% of it), so the split never goes below 8 MiB;
//   - the rest: a quarter for the index cache (indexes and Bloom filters,
//     evicted by use instead of all held), three quarters for the block
//     cache (decompressed blocks).
//
// The caches are allocated in the Go heap, which the collector lets grow to
// about twice what is live before it runs, so a process's resident memory
// is more than the cache: measured figures are in README.md.
const (
	// DefaultStateCache suits a machine of a few GiB and more.
	DefaultStateCache = 1 << 30
	// MinStateCache is the least the split above works with.
	MinStateCache = 64 << 20
)

// stateMemtables returns the memtables' count and size for a cache.
func stateMemtables(cache int64) (int, int64) {
	n := 2
	if cache >= 1<<30 {
		n = 3
	}
	size := min(cache/8, 64<<20)
	return n, max(size, 8<<20)
}

// storeOptions are the Badger options of a data directory ("" keeps
// everything in memory) whose state cache is cache bytes.
func storeOptions(dataDir string, cache int64) (badger.Options, error) {
	if cache < MinStateCache {
		return badger.Options{}, fmt.Errorf("state cache of %d bytes: at least %d MiB is needed", cache, MinStateCache>>20)
	}
	opts := badger.DefaultOptions(dataDir).WithLogger(nil).WithSyncWrites(true)
	if dataDir == "" {
		opts = badger.DefaultOptions("").WithInMemory(true).WithLogger(nil)
	}
	n, size := stateMemtables(cache)
	// A memtable's arena also holds room for one more transaction
	// (Badger's arenaSize): about 1.3 times its size.
	rest := cache - int64(n)*size*13/10
	index := rest / 4
	return opts.
		WithNumMemtables(n).
		WithMemTableSize(size).
		WithIndexCacheSize(index).
		WithBlockCacheSize(rest - index).
		// Values of 1 MiB and more go to the value log, which is mapped
		// from disk; smaller files keep what a write dirties smaller.
		WithValueLogFileSize(min(max(cache, 256<<20), 1<<30-1)), nil
}

// WithStateCache sets how much memory Badger may keep for state (see
// storeOptions); it must be given to Open, which sizes the store with it.
func WithStateCache(bytes int64) Option {
	return func(e *Engine) { e.stateCache = bytes }
}
