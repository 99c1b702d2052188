package exec

import (
	"bytes"
	"encoding/binary"

	"github.com/eddysql/eddy/catalog"
)

// The record of a partition (flow_topn.go) lists its top rows, each with
// its whole position key (order key and row encoding), and is written
// again whole whenever the top changes. For the top 10 bids of an auction
// (Nexmark q19) that is about 2 KB written to Badger per bid that enters a
// top, most of what the view writes: memtable copies, flushes, and their
// compression and compaction grow with it. Views created with
// topNEntriesOption keep, for TopN windows over an append-only input with
// more than one row per partition, each top row under a key of its own,
// and no record:
//
//	0x03 partition-key order-key row -> count, order key's length
//
// so a row that enters the top is one put, and the row it pushes out one
// delete. Over an append-only input the rows past the top are gone for
// good, so the entries are the top: a partition is read, when the cache
// does not hold it, by a scan of its entries, and its size is theirs.
// With one row per partition the record is one row anyway, and one write
// beats a put and a delete.

// topNEntriesOption marks, in a view's options, a view whose append-only
// TopN windows keep their top rows as entries; views created before it
// keep records.
const (
	topNEntriesOption  = "topn_entries"
	topNEntriesVersion = "1"
)

// topNEntrySub is the entries' sub-prefix under the operator's prefix
// (0x00 holds records, 0x01 rows, 0x02 the cache's stamp, 0xff a closer's
// mark).
const topNEntrySub = 0x03

// useEntries decides whether t keeps entries: a new materialized view
// chooses it and records the choice, an existing one reads it. Only an
// operator with a cache qualifies, whose partitions never close (the
// closer knows records and rows, not entries).
func (f *dataflow) useEntries(t *topNOp) bool {
	if t.cache == nil || !t.appendOnly || t.ties || t.n <= 1 {
		return false
	}
	if f.fresh && f.rel.Kind == catalog.KindMatView {
		if f.rel.Options == nil {
			f.rel.Options = map[string]string{}
		}
		f.rel.Options[topNEntriesOption] = topNEntriesVersion
	}
	return f.rel.Options[topNEntriesOption] == topNEntriesVersion
}

func (t *topNOp) entriesPrefix(pk string) []byte {
	return append(append(append(make([]byte, 0, len(t.prefix)+1+len(pk)+64), t.prefix...), topNEntrySub), pk...)
}

// loadEntries reads a partition's size and top from its entries.
func (t *topNOp) loadEntries(pk string) (int64, []*topEntry, error) {
	p := t.entriesPrefix(pk)
	var size int64
	var top []*topEntry
	err := t.rt.flow.state.scan(p, func(k, v []byte) error {
		r := &stateReader{b: v}
		n, klen := r.varint(), r.varint()
		key := k[len(p):]
		if r.err != nil || n <= 0 || klen < 0 || klen > int64(len(key)) {
			return errStateCorrupt
		}
		top = append(top, &topEntry{key: bytes.Clone(key), klen: int(klen), count: n, owned: true})
		size += n
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return size, top, nil
}

// putEntries writes the changes from a partition's old top to its new one,
// both sorted by position key: entries gone are deleted, new ones and
// those whose count changed are put.
func (t *topNOp) putEntries(pk string, old, cur []*topEntry) {
	st := t.rt.flow.state
	p := t.entriesPrefix(pk)
	key := func(e *topEntry) []byte {
		k := st.alloc(len(p) + len(e.key))
		copy(k[copy(k, p):], e.key)
		return k
	}
	put := func(e *topEntry) {
		var buf [2 * binary.MaxVarintLen64]byte
		v := binary.AppendVarint(binary.AppendVarint(buf[:0], e.count), int64(e.klen))
		val := st.alloc(len(v))
		copy(val, v)
		st.put(key(e), val)
	}
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		c := 1
		switch {
		case i == len(old):
			c = 1
		case j == len(cur):
			c = -1
		default:
			c = bytes.Compare(old[i].key, cur[j].key)
		}
		switch {
		case c < 0:
			st.del(key(old[i]))
			i++
		case c > 0:
			put(cur[j])
			j++
		default:
			if old[i].count != cur[j].count {
				put(cur[j])
			}
			i, j = i+1, j+1
		}
	}
}
