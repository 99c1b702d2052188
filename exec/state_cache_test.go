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
		if total := o.BlockCacheSize + o.IndexCacheSize + arenas; total > cache {
			t.Errorf("%d MiB: block %d + index %d + memtables %d = %d MiB, over the cache", cache>>20,
				o.BlockCacheSize>>20, o.IndexCacheSize>>20, arenas>>20, total>>20)
		}
		if o.IndexCacheSize <= 0 || o.BlockCacheSize <= 0 {
			t.Errorf("%d MiB: index cache %d, block cache %d: both must be bounded and set", cache>>20, o.IndexCacheSize, o.BlockCacheSize)
		}
		if o.MemTableSize < 8<<20 || o.MemTableSize > 64<<20 || o.NumMemtables < 2 {
			t.Errorf("%d MiB: %d memtables of %d MiB", cache>>20, o.NumMemtables, o.MemTableSize>>20)
		}
	}
	if _, err := storeOptions("", MinStateCache-1); err == nil || !strings.Contains(err.Error(), "at least 64 MiB") {
		t.Errorf("a cache below the minimum: %v", err)
	}
	// The default keeps Badger's memtable, and so its limit on one
	// transaction, as it was.
	if o, _ := storeOptions("", DefaultStateCache); o.MemTableSize != 64<<20 {
		t.Errorf("default memtable %d MiB, want 64", o.MemTableSize>>20)
	}
}

// TestOpenStateCache opens a data directory with a small cache and one too
// small.
func TestOpenStateCache(t *testing.T) {
	e, err := Open(t.TempDir(), nil, WithStateCache(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.db.Opts().BlockCacheSize; got <= 0 || got > 64<<20 {
		t.Errorf("block cache %d with a 64 MiB state cache", got)
	}
	e.Close()
	if _, err := Open(t.TempDir(), nil, WithStateCache(1<<20)); err == nil {
		t.Error("a 1 MiB state cache opened")
	}
}
