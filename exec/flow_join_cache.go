package exec

import (
	"slices"

	"github.com/eddysql/eddy/sql"
)

// joinCache keeps, in front of the state store, the rows of the join keys
// that joinFlowOp read in full in the epochs that took effect, per side,
// decoded: a key read again (the auction of each new bid, or the empty
// set of an auction filtered out) then costs no Badger iterator, seek or
// decoding. Writes still go to the store, so durable state, recovery and
// exactly-once are those without the cache.
//
// It is aggCache's scheme (flow_agg_cache.go): each epoch that uses the
// cache first writes a stamp never used before under the operator's
// prefix, and the next one forgets everything unless it reads back the
// stamp it wrote, so what an epoch that failed, a commit that failed or a
// save point that was restored left in the cache goes with it. Joins whose
// keys close (flow_watermark.go deletes their state) keep no cache.
//
// An entry is a key's whole set of rows on one side after the epoch that
// read it whole; a later epoch that changes the key's side without reading
// it whole drops the entry. Entries are bounded in bytes by a share of
// the state cache; past it arbitrary ones go.
type joinCache struct {
	limit int64
	bytes int64
	stamp cacheStamp
	keys  [2]map[string]*joinCached
	// fillKeys is the most keys an epoch may change and fill the cache
	// (joinCacheFillKey; tests lower it).
	fillKeys int
}

type joinCached struct {
	rows []joinCachedRow
	size int64
}

type joinCachedRow struct {
	row  sql.Row
	enc  []byte // a side that retracts: the row's encoding (joinRow.enc)
	c, m int64
}

// joinCacheShare is the part of the state cache that one join's cache may
// hold: 32 MiB of the default 2 GiB.
const joinCacheShare = 64

// joinStampSub is the stamp's sub-prefix under the operator's prefix (0x00
// and 0x01 hold the sides, 0xfe the sequence number, 0xff the closer's
// mark).
const joinStampSub = 0x02

// joinCacheFillKey is what a key is taken to cost the cache when an epoch
// decides whether to fill it: an epoch that changes more keys than the
// cache would hold at that cost fills it no more (it still drops what it
// changes), as it would only evict what it put. Fewer keys fill it, in a
// view's load too: its epochs read the same keys again (q9 and q20 read
// each bid's auction, and most bids go to the auctions of the last
// epochs), and a key filled costs a copy of rows the epoch read anyway,
// against a Badger iterator and seek per key and epoch. (A fixed 1024
// keys kept every load epoch from filling it.)
const joinCacheFillKey = 1024

// Rough sizes besides the rows' bytes: map slot, key and entry headers, a
// row's header and a value.
const (
	joinCacheEntryCost = 96
	joinCacheRowCost   = 64
	joinCacheValueCost = 24
)

func newJoinCache(stateCache int64) *joinCache {
	return &joinCache{
		limit:    max(stateCache/joinCacheShare, 1<<20),
		stamp:    newCacheStamp(),
		keys:     [2]map[string]*joinCached{{}, {}},
		fillKeys: int(max(stateCache/joinCacheShare, 1<<20) / joinCacheFillKey),
	}
}

func (c *joinCache) reset() {
	clear(c.keys[0])
	clear(c.keys[1])
	c.bytes = 0
}

// begin validates the cache for a new epoch and writes the epoch's stamp;
// it runs before the epoch reads or changes the cache.
func (c *joinCache) begin(st *stateStore, key []byte) error {
	keep, err := c.stamp.advance(st, key)
	if err != nil {
		return err
	}
	if !keep {
		c.reset()
	}
	return nil
}

func (c *joinCache) get(side int, key string) *joinCached { return c.keys[side][key] }

func (c *joinCache) drop(side int, key string) {
	if e := c.keys[side][key]; e != nil {
		c.bytes -= e.size
		delete(c.keys[side], key)
	}
}

// put keeps the key's rows on a side after the epoch, rows being all of
// them (those with a count of 0 are gone). The rows are copied: an
// input's rows are not the operator's to keep.
func (c *joinCache) put(side int, key string, rows []*joinRow) {
	c.drop(side, key)
	e := &joinCached{size: int64(2*len(key)) + joinCacheEntryCost}
	for _, jr := range rows {
		if jr.c1 == 0 {
			continue
		}
		e.rows = append(e.rows, joinCachedRow{row: slices.Clone(jr.row), enc: jr.enc, c: jr.c1, m: jr.m1})
		e.size += joinCacheRowCost + int64(len(jr.enc)) + int64(len(jr.row))*joinCacheValueCost
		for _, v := range jr.row {
			e.size += int64(len(v.BytesString()))
		}
	}
	c.keys[side][key] = e
	c.bytes += e.size
	c.evict()
}

// evict drops entries until the cache is a quarter under its limit.
func (c *joinCache) evict() {
	if c.bytes <= c.limit {
		return
	}
	target := c.limit * 3 / 4
	for side := range c.keys {
		for k, e := range c.keys[side] {
			if c.bytes <= target {
				return
			}
			delete(c.keys[side], k)
			c.bytes -= e.size
		}
	}
}
