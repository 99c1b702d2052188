package exec

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// State lives in Badger; what Badger keeps in memory for it is bounded by
// one figure, the state cache (--state-cache). Left to its defaults Badger
// keeps every table's index and Bloom filter in memory (growing with the
// data), up to five 64 MiB memtables (each an ~83 MiB arena plus its
// write-ahead log mapped from disk), a 256 MiB block cache, and the
// buffers of the tables that flushes and compactions build: four
// compactors of up to five parallel builders each, whose buffers start at
// twice a memtable (the flush of one builds an L0 table that big) and up
// to eight of which Badger pools for reuse. A view over ten million keys
// peaked at 3.2 GiB, and the heap profile of Nexmark q4 showed the table
// builders' buffers as the largest part. So the cache is split by the
// memtable size M, a thirty-second of the cache between 4 and 64 MiB:
//
//   - memtables: two (three from 1 GiB) arenas of about 1.3 M;
//   - table builders: 16 M (eight pooled buffers of 2 M), with two
//     compactors instead of four so that fewer build at once, and below
//     1 GiB tables of 2 MiB at every level instead of doubling per level;
//   - the rest: a quarter for the index cache (indexes and Bloom filters,
//     evicted by use instead of all held), three quarters for the block
//     cache (decompressed blocks).
//
// A memtable also bounds one transaction (Badger refuses one over 15% of
// it): about 1.2 MiB of writes at 256 MiB, 9.6 MiB at the default, whose
// 64 MiB memtables are Badger's own: a transaction block's writes include
// every view it changes, and 4.8 MiB (1 GiB) failed ordinary ones.
//
// The caches and buffers live in the Go heap, which the collector lets grow
// to about twice what is live before it runs, and tables are read through
// memory maps, whose pages count as resident too, so a process's peak
// resident memory is more than the cache: eddy sets a soft memory limit
// from the cache unless GOMEMLIMIT is set (cmd/eddy/memory_limit.go), and
// fetches and a view load's epochs are sized from it (fetch_limits.go,
// load_chunk.go); the tables' mapped pages are paged out past half of it
// (table_pages.go). Measured figures are in README.md.
//
// Left as Badger has them, after measuring: Snappy compression (off, the
// L0 and compaction builds' s2 encoding, 5-8% of Nexmark q9/q19/q20's CPU,
// went, but q20 took 4.8 s instead of 2.8-3.2 s in wall time, writing
// and syncing bigger tables, and uncompressed blocks are read through the
// maps that table_pages.go pages out) and conflict detection (the table transactions of dml.go and
// txn.go turn Badger's ErrConflict into 40001; the dataflow locks alone
// would not serialise them).
const (
	// DefaultStateCache suits a machine of a few GiB and more, and keeps
	// the largest transaction Badger's default.
	DefaultStateCache = 2 << 30
	// MinStateCache is the least the split above works with.
	MinStateCache = 128 << 20
)

// stateMemtables returns the memtables' count and size for a cache.
func stateMemtables(cache int64) (int, int64) {
	n := 2
	if cache >= 1<<30 {
		n = 3
	}
	return n, min(max(cache/32, 4<<20), 64<<20)
}

// tableSizeMultiplier keeps Badger's doubling of table sizes per level
// only for a cache of a GiB and more: below, every table is 2 MiB.
func tableSizeMultiplier(cache int64) int {
	if cache >= 1<<30 {
		return 2
	}
	return 1
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
	rest := cache - int64(n)*size*13/10 - 16*size
	index := rest / 4
	// Tables of one size at every level below 1 GiB: a compaction builds
	// each in memory, and with sizes doubling per level the deepest
	// levels' builders dominated the heap (see above).
	opts.TableSizeMultiplier = tableSizeMultiplier(cache)
	return opts.
		WithNumCompactors(2).
		WithNumMemtables(n).
		WithMemTableSize(size).
		// Badger needs a value kept in the tree to fit one transaction.
		WithValueThreshold(min(1<<20, size*15/100)).
		WithIndexCacheSize(index).
		WithBlockCacheSize(rest - index).
		// Values of 1 MiB and more go to the value log, which is mapped
		// from disk; smaller files keep what a write dirties smaller.
		WithValueLogFileSize(min(max(cache, 256<<20), 1<<30-1)), nil
}

// WithStateCache sets how much memory Badger may keep for state (see
// storeOptions); it must be given to Open, which sizes the store with it.
// 0 keeps DefaultStateCache.
func WithStateCache(bytes int64) Option {
	return func(e *Engine) {
		if bytes != 0 {
			e.stateCache = bytes
		}
	}
}
