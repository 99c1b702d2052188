package exec

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// viewSink writes a view's changes to its rows, which live where a table's
// do (PrefixRows), so that SELECT reads a view as it reads a table. A view
// whose query has a key (GROUP BY columns, a table's primary key) stores
// one row per key under that key, so WHERE key = x is a point lookup; any
// other view stores each copy of a row under the row and a copy number,
// with the number of copies kept in the dataflow's state; an append-only
// view stores each row under its number (flow_append.go).
type viewSink struct {
	rel    *catalog.Relation
	rows   []byte
	counts []byte
	idx    *viewIndexes // the view's indexes (matview_index.go)
	// seq, when set, is the key of an append-only view's next row number.
	seq []byte
	// mark: the view is new, and its first epoch writes seq even when it
	// has no rows, since seq's presence chooses the layout after a restart.
	mark bool
	// blocks: the rows are stored in blocks of many (append_block.go).
	blocks bool
	block  blockWriter
	// keyCols: the rows are stored one per key, under these columns
	// (view_keyed_layout.go).
	keyCols []int
	// enc, key and rowKey are scratch: a row's encoding, its block's key,
	// its key in index entries.
	enc, key, rowKey []byte
}

func newViewSink(rel *catalog.Relation) *viewSink {
	return &viewSink{
		rel:    rel,
		rows:   catalog.ObjectPrefix(catalog.PrefixRows, rel.OID),
		counts: append(catalog.ObjectPrefix(catalog.PrefixState, rel.OID), 0xff, 0xff),
	}
}

// appendLayout makes the sink store rows by number; fresh says the view is
// new.
func (v *viewSink) appendLayout(fresh bool) {
	v.seq, v.mark = appendSeqKey(v.rel.OID), fresh
	if fresh {
		markBlockLayout(v.rel)
	}
	v.blocks = blockLayout(v.rel)
}

// apply writes consolidated changes, retractions first.
func (v *viewSink) apply(st *stateStore, rows []sql.Row, diffs []int64) error {
	v.idx.sync()
	if v.blocks {
		return v.appendBlocks(st, rows, diffs)
	}
	if v.seq != nil {
		return v.append(st, rows, diffs)
	}
	if v.keyCols != nil {
		return v.applyKeyed(st, rows, diffs)
	}
	for i, r := range rows {
		d := diffs[i]
		enc := sql.AppendRow(nil, r)
		if v.rel.PrimaryKey != nil {
			k := rowKey(v.rel, r, 0)
			switch d {
			case -1:
				st.del(k)
				v.idx.del(st, k, r)
			case 1:
				if _, ok, err := st.get(k); err != nil {
					return err
				} else if ok {
					return fmt.Errorf("view %s: %w: two rows with one key", v.rel.Name, errStateMismatch)
				}
				st.put(k, enc)
				v.idx.put(st, k, r)
			default:
				return fmt.Errorf("view %s: %w: a key changed %d times at once", v.rel.Name, errStateMismatch, d)
			}
			continue
		}
		ck := append(slices.Clip(v.counts), enc...)
		var n int64
		if c, ok, err := st.get(ck); err != nil {
			return err
		} else if ok {
			n, _ = binary.Varint(c)
		}
		m := n + d
		if m < 0 {
			return fmt.Errorf("view %s: %w: a row was retracted more often than it was added", v.rel.Name, errStateMismatch)
		}
		rk := append(slices.Clip(v.rows), enc...)
		copyKey := func(c int64) []byte { return binary.BigEndian.AppendUint32(slices.Clip(rk), uint32(c)) }
		for c := n; c < m; c++ {
			st.put(copyKey(c), enc)
			v.idx.put(st, copyKey(c), r)
		}
		for c := m; c < n; c++ {
			st.del(copyKey(c))
			v.idx.del(st, copyKey(c), r)
		}
		if m == 0 {
			st.del(ck)
		} else {
			st.put(ck, binary.AppendVarint(nil, m))
		}
	}
	return nil
}

// append stores an append-only view's new rows, each copy under the next
// row number: blind writes, with no read of what is stored.
func (v *viewSink) append(st *stateStore, rows []sql.Row, diffs []int64) error {
	if len(rows) == 0 && !v.mark {
		return nil
	}
	n, err := nextAppendSeq(st, v.seq)
	if err != nil {
		return fmt.Errorf("view %s: %w", v.rel.Name, err)
	}
	for i, r := range rows {
		d := diffs[i]
		if d < 0 {
			return fmt.Errorf("view %s: %w: an append-only view was asked to retract a row", v.rel.Name, errStateMismatch)
		}
		enc := st.encodeRow(r)
		for ; d > 0; d-- {
			k := st.alloc(len(v.rows) + 8)
			copy(k, v.rows)
			binary.BigEndian.PutUint64(k[len(v.rows):], n)
			st.putNew(k, enc)
			v.idx.put(st, k, r)
			n++
		}
	}
	st.put(v.seq, binary.BigEndian.AppendUint64(nil, n))
	v.mark = false
	return nil
}

// appendBlocks stores an append-only view's new rows in new blocks, each
// keyed by the number of its first row (append_block.go): blind writes,
// one per block, with no read of what is stored.
func (v *viewSink) appendBlocks(st *stateStore, rows []sql.Row, diffs []int64) error {
	if len(rows) == 0 && !v.mark {
		return nil
	}
	n, err := nextAppendSeq(st, v.seq)
	if err != nil {
		return fmt.Errorf("view %s: %w", v.rel.Name, err)
	}
	w := &v.block
	blockAt := func(hint int) {
		w.start(n, hint)
		v.key = blockKey(v.key[:0], v.rows, n)
	}
	flush := func() {
		k := st.alloc(len(v.key))
		copy(k, v.key)
		st.putNew(k, w.finish())
	}
	open := false
	for i, r := range rows {
		d := diffs[i]
		if d < 0 {
			return fmt.Errorf("view %s: %w: an append-only view was asked to retract a row", v.rel.Name, errStateMismatch)
		}
		v.enc = sql.AppendRow(v.enc[:0], r)
		for ; d > 0; d-- {
			if open && !w.fits(len(v.enc)) {
				flush()
				open = false
			}
			if !open {
				// Room for the epoch's rows left, if they are like this one.
				blockAt((len(rows) - i) * (len(v.enc) + 2))
				open = true
			}
			slot := w.add(v.enc)
			if v.idx != nil && len(v.idx.list) > 0 {
				v.rowKey = blockRowKey(v.rowKey[:0], v.key, slot)
				v.idx.put(st, v.rowKey, r)
			}
			n++
		}
	}
	if open {
		flush()
	}
	st.put(v.seq, binary.BigEndian.AppendUint64(nil, n))
	v.mark = false
	return nil
}
