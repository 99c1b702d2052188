package server

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/sql"
)

func newBareConn() *conn {
	return &conn{codec: sqlCodec{}, partial: -1, loc: time.UTC}
}

var benchCols = []Column{{Name: "a", Type: sql.Int8}, {Name: "b", Type: sql.Text}, {Name: "c", Type: sql.Bool}, {Name: "d", Type: sql.Int4}}
var benchRow = sql.Row{sql.NewInt(123456789), sql.NewText("some text value"), sql.NewBool(true), sql.Null}

// The row path must not allocate once the reply buffer has grown: it runs
// once per row of every result.
func TestDataRowDoesNotAllocate(t *testing.T) {
	c := newBareConn()
	for _, formats := range [][]int16{nil, {1, 1, 1, 1}} {
		allocs := testing.AllocsPerRun(1000, func() {
			c.wbuf = c.wbuf[:0]
			if err := c.sendDataRow(benchRow, benchCols, formats); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("formats %v: %v allocations per row", formats, allocs)
		}
	}
}

func BenchmarkDataRow(b *testing.B) {
	for _, bc := range []struct {
		name    string
		formats []int16
	}{{"text", nil}, {"binary", []int16{1, 1, 1, 1}}} {
		b.Run(bc.name, func(b *testing.B) {
			c := newBareConn()
			b.ReportAllocs()
			for b.Loop() {
				if len(c.wbuf) > flushSize {
					c.wbuf = c.wbuf[:0]
				}
				c.sendDataRow(benchRow, benchCols, bc.formats)
			}
		})
	}
}
