package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/eddysql/eddy/sql"
)

// joinBlocksOption marks, in a view's options, a view whose joins keep an
// append-only side's rows in blocks: each epoch's new rows of one join key
// go under a single state key (side, join key, sequence number), their
// encodings in its value, rather than each row under a key of its own
// holding the row. A side that was one state entry per row (the bids of
// Nexmark's q20 or q9, loaded in one epoch) becomes one per join key and
// epoch, and the keys stay short, so what the join costs the pending
// writes, their flush and Badger's memtable shrinks by about the number of
// rows a key gains per epoch. Views created before the option keep one
// row per key (joinFlowOp.load reads both).
const (
	joinBlocksOption  = "join_blocks"
	joinBlocksVersion = "1"
)

// joinBlockMax is the size past which a block is closed and the key's
// further rows of the epoch start another: one hot key loaded in one
// epoch must not make a value larger than a transaction takes.
const joinBlockMax = 32 << 10

// appendJoinBlockRow appends a row and its count to a block's value.
func appendJoinBlockRow(buf []byte, count int64, enc []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(count))
	buf = binary.AppendUvarint(buf, uint64(len(enc)))
	return append(buf, enc...)
}

// decodeJoinBlock calls f with each row of a block and its count; rows
// are decoded into vals, carved from chunks of at least w values, and
// stay valid after v is gone.
func (j *joinFlowOp) decodeJoinBlock(v []byte, w int, f func(r sql.Row, count int64)) error {
	for len(v) > 0 {
		c, n := binary.Uvarint(v)
		if n <= 0 || c == 0 {
			return fmt.Errorf("view state: %w: join block", errStateCorrupt)
		}
		v = v[n:]
		l, n := binary.Uvarint(v)
		if n <= 0 || l > uint64(len(v)-n) {
			return fmt.Errorf("view state: %w: join block", errStateCorrupt)
		}
		enc := v[n : n+int(l)]
		v = v[n+int(l):]
		if len(j.dvals) < w {
			j.dvals = make([]sql.Value, w*max(64, 4096/max(w, 1)))
		}
		row, err := sql.DecodeRow(enc, j.dvals[:0:w])
		if err != nil {
			return fmt.Errorf("view state: %w", err)
		}
		j.dvals = j.dvals[w:]
		f(row, int64(c))
	}
	return nil
}
