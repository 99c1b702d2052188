package exec

import (
	"slices"
)

// topNCache keeps, in front of the state store, the records (size and top
// entries) of the partitions that topNOp read or wrote in the epochs that
// took effect, so that a touched partition costs no read nor decoding of
// its record. Writes still go through to the store, so the durable state,
// crash recovery and exactly-once are those without the cache.
//
// As aggCache (flow_agg_cache.go) does, the cache checks that the epochs
// that filled it took effect: each epoch that touches a partition first
// writes a stamp, a number never used before, under the operator's prefix
// (topNStampSub), and the next one forgets everything unless it reads that
// stamp back. Operators whose partitions close (flow_watermark.go's
// groupCloser deletes records under the cache's feet) keep no cache.
//
// Entries are bounded in bytes by a share of the state cache
// (aggCacheShare, as an aggregate's); past it, arbitrary partitions go.
type topNCache struct {
	limit int64
	bytes int64
	stamp cacheStamp
	parts map[string]*topNCached
}

// topNCached is a partition's record as of the last epoch. Its entries'
// keys are the cache's own (topEntry.owned), and nothing changes them:
// an epoch works on copies.
type topNCached struct {
	size  int64
	top   []*topEntry
	inTop int64 // the copies of rows top lists
	cost  int64
}

// topNStampSub is the sub-prefix of the stamp under the operator's
// prefix (0x00 holds records, 0x01 rows, 0xff a closer's mark).
const topNStampSub = 0x02

// Rough sizes of a cached partition and entry besides their keys' bytes:
// map slot, headers, and the entry's decoded row (counted as its key's
// length again).
const (
	topNCachePartCost  = 96
	topNCacheEntryCost = 64
)

func newTopNCache(stateCache int64) *topNCache {
	return &topNCache{
		limit: max(stateCache/aggCacheShare, 1<<20),
		stamp: newCacheStamp(),
		parts: map[string]*topNCached{},
	}
}

func (c *topNCache) reset() {
	clear(c.parts)
	c.bytes = 0
}

// begin validates the cache for a new epoch and writes the epoch's stamp;
// it runs before the epoch reads or changes the cache.
func (c *topNCache) begin(st *stateStore, key []byte) error {
	keep, err := c.stamp.advance(st, key)
	if err != nil {
		return err
	}
	if !keep {
		c.reset()
	}
	return nil
}

// get returns a partition's cached record.
func (c *topNCache) get(pk string) (int64, []*topEntry, bool) {
	p := c.parts[pk]
	if p == nil {
		return 0, nil, false
	}
	return p.size, p.top, true
}

// put keeps the record an epoch wrote for a partition (none when size is
// 0). Entries not yet the cache's get keys of their own: theirs may be
// scratch of the epoch or of the store.
func (c *topNCache) put(pk string, size int64, top []*topEntry) {
	p := c.parts[pk]
	if p != nil {
		c.bytes -= p.cost
		if size == 0 {
			delete(c.parts, pk)
			return
		}
		// Rewritten in place: the epoch is done with the old top (the
		// caller's, which it emitted from), and the entries are immutable.
		p.top = append(p.top[:0], top...)
	} else {
		if size == 0 {
			return
		}
		p = &topNCached{top: slices.Clone(top)}
		c.parts[pk] = p
	}
	p.size, p.inTop, p.cost = size, 0, topNCachePartCost+2*int64(len(pk))
	for i, e := range p.top {
		if !e.owned {
			p.top[i] = &topEntry{key: slices.Clone(e.key), klen: e.klen, count: e.count, owned: true}
			e = p.top[i]
		}
		p.cost += topNCacheEntryCost + 2*int64(len(e.key))
		p.inTop += e.count
	}
	c.bytes += p.cost
	c.evict()
}

// evict drops partitions until the cache is a quarter under its limit.
func (c *topNCache) evict() {
	if c.bytes <= c.limit {
		return
	}
	target := c.limit * 3 / 4
	for k, p := range c.parts {
		if c.bytes <= target {
			return
		}
		delete(c.parts, k)
		c.bytes -= p.cost
	}
}
