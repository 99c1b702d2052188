package exec

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// fillChunk adds batches of 1,000 copies of row until the chunk is full
// and returns how many rows it took.
func fillChunk(t *testing.T, cache int64, row sql.Row) int {
	t.Helper()
	c := loadChunk{limit: snapshotChunkBytes(cache)}
	var b Batch
	for range 1000 {
		b.Add(row, 1)
	}
	for !c.full() {
		if c.Len() > 10*snapshotChunk {
			t.Fatalf("cache %d: chunk of %d rows never full", cache, c.Len())
		}
		c.add(&b)
	}
	n := c.Len()
	c.reset()
	if c.Len() != 0 || c.bytes != 0 || c.full() {
		t.Fatalf("reset chunk: %d rows, %d bytes", c.Len(), c.bytes)
	}
	return n
}

func TestLoadChunk(t *testing.T) {
	narrow := sql.Row{sql.NewInt(1), sql.NewInt(2), sql.NewInt(3)}         // 168 bytes
	wide := sql.Row{sql.NewInt(1), sql.NewText(strings.Repeat("x", 1000))} // 1,120 bytes
	for _, c := range []struct {
		cache int64
		row   sql.Row
		want  int // rows after which the chunk is full
	}{
		{DefaultStateCache, narrow, snapshotChunk},        // 64K rows come first
		{256 << 20, narrow, (8<<20 + 167) / 168},          // 8 MiB first
		{MinStateCache, narrow, (4<<20 + 167) / 168},      // 4 MiB
		{256 << 20, wide, (8<<20 + 1119) / 1120},          // about 7,500 rows
		{DefaultStateCache, wide, (64<<20 + 1119) / 1120}, // about 60,000 rows
	} {
		if size := rowSize(c.row); size != 168 && size != 1120 {
			t.Fatalf("rowSize changed to %d: update the test", size)
		}
		// Rows come in batches of 1,000, so the chunk ends in the batch
		// that reaches the bound.
		if n := fillChunk(t, c.cache, c.row); n < c.want || n >= c.want+1000 {
			t.Errorf("cache %d MiB, rows of %d bytes: chunk of %d rows, want %d-%d", c.cache>>20, rowSize(c.row), n, c.want, c.want+999)
		}
	}
}
