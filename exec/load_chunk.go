package exec

// snapshotChunkBytes bounds an epoch of a new view's load by its input
// rows' footprint (rowSize) as well as by snapshotChunk rows, for a state
// cache of cache bytes: what an epoch holds besides its input (a join's
// matches, a TopN's partitions, the writes of its transaction) grows with
// it, and a view of wide rows over a small cache held several times the
// cache. A thirty-second of the cache: 8 MiB (about 10,000 Nexmark bids)
// at 256 MiB, while at the 2 GiB default 64K such rows come first.
func snapshotChunkBytes(cache int64) int64 { return max(cache/32, 1<<20) }

// loadChunk gathers the input of one epoch of a view's load.
type loadChunk struct {
	Batch
	bytes int64 // the rows' rowSize
	limit int64 // snapshotChunkBytes
}

func (c *loadChunk) add(b *Batch) {
	c.Rows = append(c.Rows, b.Rows...)
	c.Diffs = append(c.Diffs, b.Diffs...)
	for _, r := range b.Rows {
		c.bytes += rowSize(r)
	}
}

// full tells whether the chunk makes an epoch of its own.
func (c *loadChunk) full() bool { return c.Len() >= snapshotChunk || c.bytes >= c.limit }

// reset starts the next chunk; the last one's rows may still be referenced
// by the operators, so it is not reused.
func (c *loadChunk) reset() { c.Batch, c.bytes = Batch{}, 0 }
