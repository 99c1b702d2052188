package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Append-only views created since appendBlocksOption existed store their
// rows in blocks: one Badger entry holds up to blockMaxRows consecutive
// rows, keyed by the number of its first row (the view's rows prefix + 8
// bytes, big-endian), so that rows stay in the order they were appended
// and a new block is a blind write of a key that cannot exist yet. Each
// entry of Badger costs a memtable insert, a WAL record and a place in the
// transaction's pending writes whatever its size; a view that keeps every
// row of a stream paid that once per row.
//
// Each epoch starts a new block for its rows (after the last full one,
// more as they fill): a partly filled block is never read back and written
// again, so an epoch's writes stay blind and no larger than its rows.
//
// A row is addressed, by index entries (index_entry.go), by its block's key
// and its slot in the block (blockRowKey): an index lookup is one Get and
// a walk over the block's row lengths.
//
// A block is
//
//	blockVersion, row count (uint16, big-endian), then per row
//	uvarint(len(enc)) enc
//
// where enc is the row's sql.AppendRow encoding.

// appendBlocksOption marks, in a view's descriptor, a view whose rows are
// stored in blocks; append-only views created before it keep one row per
// entry (flow_append.go), which every reader still understands.
const appendBlocksOption = "append_blocks"

const (
	blockVersion = 1
	blockHeader  = 3
	// blockMaxRows bounds the walk of an index lookup to its slot.
	blockMaxRows = 1024
	// blockTargetBytes is the size at which a block is closed: large
	// enough that Badger's cost per entry is small next to the rows',
	// small enough to stay in the LSM tree (below the value threshold of
	// the smallest state cache) and that a lookup reads little.
	blockTargetBytes = 64 << 10
	// blockSlotLen is the length of a slot number in a row's key.
	blockSlotLen = 4
)

// blockLayout reports whether a relation's rows are stored in blocks.
func blockLayout(rel *catalog.Relation) bool {
	return rel.Kind == catalog.KindMatView && rel.Options[appendBlocksOption] != ""
}

// markBlockLayout records in a new view's descriptor that its rows are
// stored in blocks.
func markBlockLayout(rel *catalog.Relation) {
	if rel.Kind != catalog.KindMatView {
		return
	}
	if rel.Options == nil {
		rel.Options = map[string]string{}
	}
	rel.Options[appendBlocksOption] = "1"
}

// blockWriter builds the blocks of one epoch.
type blockWriter struct {
	buf   []byte
	rows  int
	first uint64 // the number of the block's first row
}

// start begins a block whose first row is number first, with room for
// about hint bytes of rows.
func (w *blockWriter) start(first uint64, hint int) {
	w.buf = make([]byte, blockHeader, blockHeader+min(max(hint, 64), blockTargetBytes+blockTargetBytes/8))
	w.buf[0] = blockVersion
	w.rows, w.first = 0, first
}

// fits reports whether a row of n encoded bytes belongs in the block; an
// empty block takes any row.
func (w *blockWriter) fits(n int) bool {
	return w.rows == 0 || (w.rows < blockMaxRows && len(w.buf)+n+binary.MaxVarintLen32 <= blockTargetBytes)
}

// add appends a row's encoding and returns its slot.
func (w *blockWriter) add(enc []byte) int {
	w.buf = binary.AppendUvarint(w.buf, uint64(len(enc)))
	w.buf = append(w.buf, enc...)
	w.rows++
	return w.rows - 1
}

// finish returns the block's value; the writer must start again before
// the next add.
func (w *blockWriter) finish() []byte {
	binary.BigEndian.PutUint16(w.buf[1:3], uint16(w.rows))
	b := w.buf
	w.buf = nil
	return b
}

// blockKey appends the key of the block whose first row is number first.
func blockKey(buf, rowsPrefix []byte, first uint64) []byte {
	return binary.BigEndian.AppendUint64(append(buf, rowsPrefix...), first)
}

// blockRowKey appends the key that addresses a row of a block: the
// block's key and the row's slot.
func blockRowKey(buf, block []byte, slot int) []byte {
	return binary.BigEndian.AppendUint32(append(buf, block...), uint32(slot))
}

// splitBlockRowKey is blockRowKey's inverse.
func splitBlockRowKey(key []byte) (block []byte, slot int, ok bool) {
	if len(key) < blockSlotLen {
		return nil, 0, false
	}
	n := len(key) - blockSlotLen
	return key[:n], int(binary.BigEndian.Uint32(key[n:])), true
}

func blockCorrupt(why string) error {
	return sql.Errorf(sql.CodeDataCorrupted, "corrupt block of rows: %s", why)
}

// blockRowCount reads a block's header.
func blockRowCount(v []byte) (int, error) {
	if len(v) < blockHeader || v[0] != blockVersion {
		return 0, blockCorrupt("bad header")
	}
	return int(binary.BigEndian.Uint16(v[1:3])), nil
}

// eachBlockRow calls f with the encoding of each row of a block, in slot
// order. enc is valid during f only if v is.
func eachBlockRow(v []byte, f func(slot int, enc []byte) error) error {
	n, err := blockRowCount(v)
	if err != nil {
		return err
	}
	p := v[blockHeader:]
	for i := 0; i < n; i++ {
		l, w := binary.Uvarint(p)
		if w <= 0 || l > uint64(len(p)-w) {
			return blockCorrupt("row length")
		}
		if err := f(i, p[w:w+int(l)]); err != nil {
			return err
		}
		p = p[w+int(l):]
	}
	if len(p) != 0 {
		return blockCorrupt("trailing bytes")
	}
	return nil
}

// blockRow returns the encoding of the row in a block's slot.
func blockRow(v []byte, slot int) ([]byte, error) {
	n, err := blockRowCount(v)
	if err != nil {
		return nil, err
	}
	if slot < 0 || slot >= n {
		return nil, blockCorrupt(fmt.Sprintf("slot %d of %d", slot, n))
	}
	p := v[blockHeader:]
	for i := 0; ; i++ {
		l, w := binary.Uvarint(p)
		if w <= 0 || l > uint64(len(p)-w) {
			return nil, blockCorrupt("row length")
		}
		if i == slot {
			return p[w : w+int(l)], nil
		}
		p = p[w+int(l):]
	}
}

// addBlockRows decodes a block's rows, padded to width columns, into b.
// The rows share one allocation: they are new, and outlive v.
func addBlockRows(b *Batch, v []byte, width int) error {
	n, err := blockRowCount(v)
	if err != nil {
		return err
	}
	vals := make([]sql.Value, n*width)
	return eachBlockRow(v, func(slot int, enc []byte) error {
		row, err := sql.DecodeRow(enc, vals[slot*width:slot*width:(slot+1)*width])
		if err != nil {
			return err
		}
		b.Add(padRow(row, width), 1)
		return nil
	})
}

// buildBlockIndexEntries writes the index entries of a block's rows.
func buildBlockIndexEntries(ix secondaryIndex, item *badger.Item, width int, set func(k, v []byte) error) error {
	block := item.KeyCopy(nil)
	var rowKey []byte
	row := make(sql.Row, 0, width)
	return item.Value(func(v []byte) error {
		return eachBlockRow(v, func(slot int, enc []byte) error {
			var err error
			if row, err = sql.DecodeRow(enc, row[:0]); err != nil {
				return err
			}
			rowKey = blockRowKey(rowKey[:0], block, slot)
			k, val := ix.entry(rowKey, padRow(row, width))
			return set(k, val)
		})
	})
}
