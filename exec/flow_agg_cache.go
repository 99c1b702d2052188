package exec

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"

	"github.com/eddysql/eddy/sql"
)

// aggCache keeps, in front of the state store, what aggOp read and wrote
// in the epochs that took effect: each group's record decoded (with its
// output row, the next epoch's retraction), and for a count, sum or avg of
// DISTINCT over an append-only input the members known present. A touched
// group then costs no read nor decoding, and a distinct value already
// present costs nothing at all, where before it cost a read and a write
// per epoch. Writes still go through to the store, so the durable state,
// crash recovery and exactly-once are those without the cache.
//
// The cache is right only while the store holds every write the epochs
// that filled it made. An epoch that fails is dropped with its writes
// (the transaction's end, or stateStore.restore within a pipeline), and a
// commit can fail after the epoch ended; the operator is told of neither.
// So the cache checks instead: each epoch that touches a group first
// writes a stamp, a number never used before, under the operator's prefix,
// and remembers it; the next epoch reads the stamp back (through the
// store, which overlays pending writes on the last commit) and forgets
// everything unless it finds the one it wrote. An epoch changes the cache
// only after it wrote its stamp, so what a failed epoch left behind goes
// with it. Where groups close (flow_watermark.go's groupCloser deletes
// their state under the operator once the watermark passes them), each
// epoch first drops from the cache the groups below the closer's mark
// (pruneClosed): no change reaches them any more, so this keeps the cache
// to the open windows rather than being needed for correctness.
//
// Entries in memory are bounded in bytes by a share of the state cache
// (aggCacheShare); past it, arbitrary entries go (Go's map order), which
// costs reads again but never correctness.
type aggCache struct {
	limit int64
	bytes int64
	stamp cacheStamp
	// groups maps a group key to its group as of the last epoch.
	groups map[string]*aggGroup
	// present holds member keys (group key, set id, value key) of
	// append-only distinct multisets known present, with the variants
	// (aggSpec.bit) that are known to hold them.
	present map[string]uint64
	mkey    []byte
	// closer deletes the state of closed groups (nil: groups never
	// close), and closedAt is its mark as of the last prune (NULL: none).
	closer   *groupCloser
	closedAt sql.Value
	// complete: every group record in the store is in groups, and every
	// member of an append-only DISTINCT's multiset, with all its variants,
	// in present; so a group or member not there is absent and costs no
	// read. It holds from a new view's first epoch (its state is empty)
	// until the cache first drops an entry it cannot vouch for: an
	// eviction or a reset.
	complete bool
	// evictedTo, where groups close and evicted, is the key of the
	// greatest closing value whose windows' entries the cache evicted
	// whole (evictWindows), keeping complete for the windows past it.
	evicted   bool
	evictedTo string
}

// aggCacheShare is the part of the state cache (--state-cache) that one
// aggregate's cache may hold: 32 MiB of the default 2 GiB.
const aggCacheShare = 64

// aggStampSub is the sub-prefix of the stamp under the operator's prefix
// (0x00 holds records, 0x01 multisets, 0xff the group closer's mark).
const aggStampSub = 0x02

// Rough sizes of what the entries hold besides their keys' bytes: map
// slots, headers, and per group, value and aggregate the decoded forms
// (their real sizes, so that the budget is what the heap holds).
const (
	aggCacheEntryCost = 64
	aggCacheGroupCost = int64(unsafe.Sizeof(aggGroup{}))
	aggCacheValueCost = int64(unsafe.Sizeof(sql.Value{}))
	aggCacheAccCost   = int64(unsafe.Sizeof(aggAcc{}))
)

func newAggCache(stateCache int64) *aggCache {
	return &aggCache{
		limit:   max(stateCache/aggCacheShare, 1<<20),
		stamp:   newCacheStamp(),
		groups:  map[string]*aggGroup{},
		present: map[string]uint64{},
	}
}

func (c *aggCache) reset() {
	clear(c.groups)
	clear(c.present)
	c.bytes = 0
	c.closedAt = sql.Null
	c.complete = false
	c.evicted, c.evictedTo = false, ""
}

// begin validates the cache for a new epoch and writes the epoch's stamp;
// it runs before the epoch reads or changes the cache.
func (c *aggCache) begin(st *stateStore, key []byte) error {
	keep, err := c.stamp.advance(st, key)
	if err != nil {
		return err
	}
	if !keep {
		c.reset()
	}
	return c.pruneClosed(st)
}

// pruneClosed drops the groups, and their members, that the closer has
// deleted from the store since the last prune: those whose key at the
// closing position is below the closer's mark (groupCloser.dropClosed,
// which writes the mark with the deletions). The scan is of the cache, in
// memory, and runs only when the mark moved.
func (c *aggCache) pruneClosed(st *stateStore) error {
	if c.closer == nil {
		return nil
	}
	t, err := loadBound(st, append(slices.Clip(c.closer.prefix), 0xff))
	if err != nil {
		return err
	}
	if t.IsNull() || (!c.closedAt.IsNull() && sql.Compare(t, c.closedAt) <= 0) {
		return nil
	}
	c.closedAt = t
	if len(c.groups) == 0 && len(c.present) == 0 {
		return nil
	}
	closed := func(k string) bool {
		v, ok := c.closingValue(k)
		return !ok || !v.IsNull() && sql.Compare(v, t) < 0 // dropping an entry is always safe
	}
	for k, g := range c.groups {
		if closed(k) {
			delete(c.groups, k)
			c.bytes -= g.cached
			g.cached = 0
		}
	}
	for k := range c.present {
		if closed(k) {
			delete(c.present, k)
			c.bytes -= int64(len(k)) + aggCacheEntryCost
		}
	}
	return nil
}

// closingValue decodes the closing value of a group key, or of a member
// key, which starts with its group's: the values up to the closing
// position are those the closer decodes. False: the key does not decode.
func (c *aggCache) closingValue(k string) (sql.Value, bool) {
	rest := []byte(k)
	var v sql.Value
	for _, typ := range c.closer.types[0] {
		var err error
		if v, rest, err = sql.DecodeKey(rest, typ); err != nil {
			return sql.Null, false
		}
	}
	return v, true
}

// closingKey returns the key of the closing value within a group or
// member key, and whether that value is NULL; false: it does not decode.
func (c *aggCache) closingKey(k string) (string, bool, bool) {
	rest := []byte(k)
	start := 0
	var v sql.Value
	for _, typ := range c.closer.types[0] {
		start = len(k) - len(rest)
		var err error
		if v, rest, err = sql.DecodeKey(rest, typ); err != nil {
			return "", false, false
		}
	}
	return k[start : len(k)-len(rest)], v.IsNull(), true
}

// knows reports whether the cache holds group gk, or its members, if the
// store does: it is complete, and gk's window was not evicted.
func (c *aggCache) knows(gk string) bool {
	if !c.complete {
		return false
	}
	if !c.evicted {
		return true
	}
	w, null, ok := c.closingKey(gk)
	return ok && !null && w > c.evictedTo
}

// evictWindows evicts the entries of the windows that close first, whole,
// until the cache is down to target, and reports whether it got there: the
// cache stays complete for the other windows. Over an input that comes in
// time order, as a source's load does, the first windows are those done
// with, where arbitrary evictions would cost the open windows' groups a
// read each, and every new group one, the cache no longer knowing them
// absent.
func (c *aggCache) evictWindows(target int64) bool {
	if c.closer == nil || len(c.closer.types[0]) == 0 || !keyOrdered(c.closer.types[0][len(c.closer.types[0])-1]) {
		return false
	}
	// Bytes by closing value, under its memcomparable key; groups keep
	// theirs (aggGroup.win), members are decoded.
	wins := map[string]int64{}
	for _, g := range c.groups {
		if !g.winNull {
			wins[g.win] += g.cached
		}
	}
	for k := range c.present {
		if w, null, ok := c.closingKey(k); ok && !null {
			wins[w] += int64(len(k)) + aggCacheEntryCost
		}
	}
	keys := make([]string, 0, len(wins))
	for k := range wins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	freed, to, found := int64(0), "", false
	for _, k := range keys {
		if c.bytes-freed <= target {
			break
		}
		freed += wins[k]
		to, found = k, true
	}
	if !found || c.bytes-freed > target {
		return false
	}
	for k, g := range c.groups {
		if !g.winNull && g.win <= to {
			// A group in use by the epoch stays correct: it is put
			// back, and counted again, when the epoch writes its record.
			delete(c.groups, k)
			c.bytes -= g.cached
			g.cached = 0
		}
	}
	for k := range c.present {
		if w, null, ok := c.closingKey(k); ok && !null && w <= to {
			delete(c.present, k)
			c.bytes -= int64(len(k)) + aggCacheEntryCost
		}
	}
	if !c.evicted || to > c.evictedTo {
		// (The key is a substring of a group key the cache may drop.)
		c.evicted, c.evictedTo = true, strings.Clone(to)
	}
	return true
}

// memberKey is the key of a member of multiset id of group gk in present,
// in a buffer reused by the next call.
func (c *aggCache) memberKey(gk string, id int, v sql.Value) []byte {
	k := append(c.mkey[:0], gk...)
	k = binary.BigEndian.AppendUint16(k, uint16(id))
	k = sql.AppendKey(k, v)
	c.mkey = k
	return k
}

// member returns the variants known to hold the member k.
func (c *aggCache) member(k []byte) uint64 { return c.present[string(k)] }

// addMember records that variants bits hold k (or will, once the epoch
// that adds them takes effect: the stamp covers that).
func (c *aggCache) addMember(k []byte, bits uint64) {
	if m, ok := c.present[string(k)]; ok {
		c.present[string(k)] = m | bits
		return
	}
	c.present[string(k)] = bits
	c.bytes += int64(len(k)) + aggCacheEntryCost
	c.evict()
}

// putGroup keeps g, whose record the epoch just wrote, as its group's
// state; a group whose record went leaves.
func (c *aggCache) putGroup(g *aggGroup) {
	c.bytes -= g.cached
	g.cached = 0
	if g.rows <= 0 {
		delete(c.groups, g.key)
		return
	}
	clear(g.sets)
	g.existed = true
	g.cached = int64(2*len(g.key)) + aggCacheEntryCost + aggCacheGroupCost + int64(len(g.vals)+len(g.row))*aggCacheValueCost +
		int64(len(g.accs))*aggCacheAccCost
	for i := range g.accs {
		g.cached += g.accs[i].memBytes()
	}
	g.cached += g.inlineBytes()
	for _, v := range g.row {
		g.cached += int64(len(v.BytesString()))
	}
	if c.closer != nil && g.win == "" && !g.winNull {
		w, null, ok := c.closingKey(g.key)
		// A key that does not decode counts as never closing.
		g.win, g.winNull = w, null || !ok
	}
	c.groups[g.key] = g
	c.bytes += g.cached
	c.evict()
}

// group returns the cached state of group gk, ready for an epoch to
// change in place, or nil.
func (c *aggCache) group(gk string) *aggGroup {
	g := c.groups[gk]
	if g == nil {
		return nil
	}
	g.old = g.row
	return g
}

// evict drops entries until the cache is a quarter under its limit.
func (c *aggCache) evict() {
	if c.bytes <= c.limit {
		return
	}
	target := c.limit * 3 / 4
	if c.complete && c.evictWindows(target) {
		return
	}
	c.complete = false
	for k := range c.present {
		if c.bytes <= target {
			return
		}
		delete(c.present, k)
		c.bytes -= int64(len(k)) + aggCacheEntryCost
	}
	for k, g := range c.groups {
		if c.bytes <= target {
			return
		}
		// A group in use by the epoch stays correct: it is put back, and
		// counted again, when the epoch writes its record.
		delete(c.groups, k)
		c.bytes -= g.cached
		g.cached = 0
	}
}
