package exec

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// scanOp reads a stored relation's rows from the statement's snapshot.
type scanOp struct {
	rt     *runtime
	rel    *catalog.Relation
	prefix []byte
	key    []evalFn // point lookup on the primary key, when set
	it     *badger.Iterator
	done   bool
	b      Batch
}

func (rt *runtime) buildScan(n *planner.Scan) (Operator, error) {
	op := &scanOp{rt: rt, rel: n.Rel, prefix: catalog.ObjectPrefix(catalog.PrefixRows, n.Rel.OID)}
	if n.Key != nil {
		fs, err := rt.compileAll(n.Key)
		if err != nil {
			return nil, err
		}
		op.key = fs
	}
	return op, nil
}

func (s *scanOp) Next(ctx context.Context) (*Batch, error) {
	if s.done {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.key != nil {
		return s.lookup()
	}
	if s.it == nil {
		s.it = s.rt.txn.NewIterator(badger.IteratorOptions{Prefix: s.prefix, PrefetchValues: false})
		s.it.Rewind()
	}
	s.b.reset()
	width := len(s.rel.Columns)
	blocks := blockLayout(s.rel)
	for ; s.it.Valid() && s.b.Len() < batchSize; s.it.Next() {
		if blocks {
			// A block's rows all go in: batchSize bounds a batch loosely.
			if err := s.it.Item().Value(func(v []byte) error { return addBlockRows(&s.b, v, width) }); err != nil {
				s.close()
				return nil, fmt.Errorf("scan %s: %w", s.rel.Name, err)
			}
			continue
		}
		row := make(sql.Row, width)
		err := s.it.Item().Value(func(v []byte) error {
			var err error
			row, err = sql.DecodeRow(v, row[:0])
			return err
		})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("scan %s: %w", s.rel.Name, err)
		}
		s.b.Add(s.rel.PadRow(row), 1)
	}
	if !s.it.Valid() {
		s.close()
	}
	if s.b.Len() == 0 {
		return nil, nil
	}
	return &s.b, nil
}

// padRow extends rows stored before ALTER TABLE ADD COLUMN with NULLs.
func padRow(r sql.Row, width int) sql.Row {
	for len(r) < width {
		r = append(r, sql.Null)
	}
	return r
}

func (s *scanOp) lookup() (*Batch, error) {
	s.done = true
	key := append([]byte(nil), s.prefix...)
	for i, f := range s.key {
		v, err := f(nil)
		if err != nil {
			return nil, err
		}
		if v.IsNull() {
			return nil, nil
		}
		// The planner matched col = v through integer widening only, so a
		// value outside the column's range matches no row.
		col := s.rel.Columns[s.rel.PrimaryKey[i]]
		if col.Type.Kind() == sql.KindInt {
			if lo, hi := intBounds(col.Type); v.Int() < lo || v.Int() > hi {
				return nil, nil
			}
		}
		key = sql.AppendKey(key, v)
	}
	item, err := s.rt.txn.Get(key)
	if err == badger.ErrKeyNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lookup %s: %w", s.rel.Name, err)
	}
	var row sql.Row
	if err := item.Value(func(v []byte) error {
		var err error
		row, err = sql.DecodeRow(v, nil)
		return err
	}); err != nil {
		return nil, fmt.Errorf("lookup %s: %w", s.rel.Name, err)
	}
	s.b.reset()
	s.b.Add(s.rel.PadRow(row), 1)
	return &s.b, nil
}

func (s *scanOp) close() {
	s.done = true
	if s.it != nil {
		s.it.Close()
		s.it = nil
	}
}
