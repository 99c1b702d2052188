package exec

import (
	"context"

	"github.com/eddysql/eddy/sql"
)

// batchSize is how many rows an operator puts in one batch: large enough to
// amortize per-batch costs, small enough to stay in cache.
const batchSize = 1024

// Batch is a set of changes: Rows[i] occurs Diffs[i] more (or, if negative,
// fewer) times.
type Batch struct {
	Rows  []sql.Row
	Diffs []int64
	// src, on a source's batch only, is what the decoders found for the
	// view's watermark (source_pushdown.go).
	src *sourceTally
}

// Len is the number of changes.
func (b *Batch) Len() int { return len(b.Rows) }

// Add appends one change.
func (b *Batch) Add(r sql.Row, d int64) {
	b.Rows = append(b.Rows, r)
	b.Diffs = append(b.Diffs, d)
}

func (b *Batch) reset() {
	b.Rows = b.Rows[:0]
	b.Diffs = b.Diffs[:0]
}

// Operator produces changes. Next returns the next batch of the current
// epoch, or nil when the epoch is over. A batch returned by Next is valid
// until the next call; consumers that keep rows must copy the slice header
// (rows themselves are never mutated after they are emitted).
type Operator interface {
	Next(ctx context.Context) (*Batch, error)
}

// drain reads every change of the current epoch from op.
func drain(ctx context.Context, op Operator, f func(r sql.Row, d int64) error) error {
	for {
		b, err := op.Next(ctx)
		if err != nil || b == nil {
			return err
		}
		for i, r := range b.Rows {
			if err := f(r, b.Diffs[i]); err != nil {
				return err
			}
		}
	}
}

// sliceOp emits a fixed set of rows (each once) in batches.
type sliceOp struct {
	rows []sql.Row
	pos  int
	b    Batch
}

func newSliceOp(rows []sql.Row) *sliceOp { return &sliceOp{rows: rows} }

func (s *sliceOp) Next(ctx context.Context) (*Batch, error) {
	if s.pos >= len(s.rows) {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := min(s.pos+batchSize, len(s.rows))
	s.b.reset()
	for _, r := range s.rows[s.pos:end] {
		s.b.Add(r, 1)
	}
	s.pos = end
	return &s.b, nil
}

// expand turns a consolidated multiset into plain rows (diff n -> n copies).
// Negative counts cannot occur in a batch query's output.
func expand(r sql.Row, d int64, out []sql.Row) []sql.Row {
	for ; d > 0; d-- {
		out = append(out, r)
	}
	return out
}
