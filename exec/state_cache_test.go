package exec

import (
	"strings"
	"testing"
)

// TestStoreOptions checks that the state cache bounds what Badger keeps
// in memory: its caches and memtable arenas add up to no more than the
// cache, the index is cached rather than all held, and a memtable never
// shrinks below what one transaction of a few MiB needs.
func TestStoreOptions(t *testing.T) {
	for _, cache := range []int64{MinStateCache, 256 << 20, DefaultStateCache, 8 << 30} {
		o, err := storeOptions(t.TempDir(), cache)
		if err != nil {
			t.Fatalf("%d MiB: %v", cache>>20, err)
		}
		arenas := int64(o.NumMemtables) * o.MemTableSize * 13 / 10
		builders := 16 * o.MemTableSize
		if total := o.BlockCacheSize + o.IndexCacheSize + arenas + builders; total > cache {
			t.Errorf("%d MiB: block %d + index %d + memtables %d + builders %d = %d MiB, over the cache", cache>>20,
				o.BlockCacheSize>>20, o.IndexCacheSize>>20, arenas>>20, builders>>20, total>>20)
		}
		if o.NumCompactors != 2 || (cache < 1<<30) != (o.TableSizeMultiplier == 1) {
			t.Errorf("%d MiB: %d compactors, tables grow %d times per level", cache>>20, o.NumCompactors, o.TableSizeMultiplier)
		}
		if o.IndexCacheSize <= 0 || o.BlockCacheSize <= 0 {
			t.Errorf("%d MiB: index cache %d, block cache %d: both must be bounded and set", cache>>20, o.IndexCacheSize, o.BlockCacheSize)
		}
		if o.MemTableSize < 4<<20 || o.MemTableSize > 64<<20 || o.NumMemtables < 2 {
			t.Errorf("%d MiB: %d memtables of %d MiB", cache>>20, o.NumMemtables, o.MemTableSize>>20)
		}
	}
	if _, err := storeOptions("", MinStateCache-1); err == nil || !strings.Contains(err.Error(), "at least 128 MiB") {
		t.Errorf("a cache below the minimum: %v", err)
	}
	// The memtable, and with it the largest transaction, is a
	// thirty-second of the cache.
	for cache, want := range map[int64]int64{MinStateCache: 4 << 20, 256 << 20: 8 << 20, 1 << 30: 32 << 20, DefaultStateCache: 64 << 20, 4 << 30: 64 << 20} {
		if o, _ := storeOptions("", cache); o.MemTableSize != want {
			t.Errorf("%d MiB: memtable %d MiB, want %d", cache>>20, o.MemTableSize>>20, want>>20)
		}
	}
}

// TestOpenStateCache opens a data directory with a small cache and one too
// small.
func TestOpenStateCache(t *testing.T) {
	e, err := Open(t.TempDir(), nil, WithStateCache(128<<20))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.db.Opts().BlockCacheSize; got <= 0 || got > 128<<20 {
		t.Errorf("block cache %d with a 128 MiB state cache", got)
	}
	e.Close()
	if _, err := Open(t.TempDir(), nil, WithStateCache(1<<20)); err == nil {
		t.Error("a 1 MiB state cache opened")
	}
}
