package server

import (
	"context"
	"net"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// writeLog is a net.Conn that records the size of every write.
type writeLog struct {
	net.Conn
	writes []int
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return len(p), nil
}

// epochResult streams epochs of rows: the rows of one epoch are at hand
// together, and before each epoch the result records how many writes the
// client had seen, which is what it would wait for.
type epochResult struct {
	epochs  [][]int64
	e, i    int
	nc      *writeLog
	atEpoch []int // writes seen when each epoch was asked for
}

func (r *epochResult) Next(context.Context) (sql.Row, bool, error) {
	for r.e < len(r.epochs) && r.i == len(r.epochs[r.e]) {
		r.e, r.i = r.e+1, 0
	}
	if r.e == len(r.epochs) {
		return nil, false, nil
	}
	if r.i == 0 {
		r.atEpoch = append(r.atEpoch, len(r.nc.writes))
	}
	r.i++
	return sql.Row{sql.NewInt(r.epochs[r.e][r.i-1])}, true, nil
}

func (r *epochResult) Tag() string     { return "SUBSCRIBE" }
func (r *epochResult) Close() error    { return nil }
func (r *epochResult) Streaming() bool { return true }

type readyEpochResult struct{ *epochResult }

// Ready: the epoch has rows left.
func (r readyEpochResult) Ready() bool {
	return r.e < len(r.epochs) && r.i < len(r.epochs[r.e])
}

func (r readyEpochResult) CopyOutFormat() (bool, int) { return false, 1 }

func (r readyEpochResult) NextCopyData(ctx context.Context) ([]byte, bool, error) {
	row, ok, err := r.Next(ctx)
	if !ok || err != nil {
		return nil, ok, err
	}
	return []byte(row[0].String() + "\n"), true, nil
}

// A streaming result's rows go out one write per epoch when the result
// tells which rows are at hand, and one per row when it cannot; either
// way every epoch is out before the next is asked for.
func TestStreamingFlushesPerEpoch(t *testing.T) {
	epochs := [][]int64{{1, 2, 3}, {4}, {5, 6}}
	cols := []Column{{Name: "x", Type: sql.Int8}}
	for _, tc := range []struct {
		name   string
		ready  bool
		copy   bool
		writes int
	}{
		{"rows", true, false, 3},
		{"rows, no Readier", false, false, 6},
		{"copy", true, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := &writeLog{}
			c := newBareConn()
			c.nc, c.ctx = nc, context.Background()
			r := &epochResult{epochs: epochs, nc: nc}
			var res Result = r
			if tc.ready {
				res = readyEpochResult{r}
			}
			var err error
			if tc.copy {
				err = c.copyOut(res, res.(CopyOut))
				// The CopyOutResponse goes out on its own, before the rows.
				nc.writes = nc.writes[1:]
				for i := range r.atEpoch {
					r.atEpoch[i]--
				}
			} else {
				_, err = c.sendRows(res, cols, nil, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(nc.writes) != tc.writes {
				t.Errorf("%d writes, want %d: %v", len(nc.writes), tc.writes, nc.writes)
			}
			// When epoch k is asked for, the rows before it are written.
			want := 0
			for k, at := range r.atEpoch {
				if at != want {
					t.Errorf("epoch %d asked for after %d writes, want %d", k, at, want)
				}
				if tc.ready {
					want++
				} else {
					want += len(epochs[k])
				}
			}
		})
	}
}
