package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// indexSpans are the key ranges [lo, hi) of index entries that an
// IndexRange selects, computed from its values when the scan starts.
type indexSpans struct {
	rel    *catalog.Relation
	index  *catalog.Relation
	ix     secondaryIndex
	prefix []byte // the index's entries: PrefixIndex + index OID
	eq     [][]evalFn
	lo, hi evalFn
	loIncl bool
	hiIncl bool
	spans  [][2][]byte
}

func (rt *runtime) compileIndexRange(rel *catalog.Relation, r *planner.IndexRange) (*indexSpans, error) {
	ix := newSecondaryIndex(rel, r.Index)
	s := &indexSpans{rel: rel, index: r.Index, ix: ix, prefix: ix.prefix}
	for _, vals := range r.Eq {
		fs, err := rt.compileAll(vals)
		if err != nil {
			return nil, err
		}
		s.eq = append(s.eq, fs)
	}
	var err error
	if r.Lo != nil {
		if s.lo, err = rt.compile(r.Lo.Expr); err != nil {
			return nil, err
		}
		s.loIncl = r.Lo.Inclusive
	}
	if r.Hi != nil {
		if s.hi, err = rt.compile(r.Hi.Expr); err != nil {
			return nil, err
		}
		s.hiIncl = r.Hi.Inclusive
	}
	return s, nil
}

// compute evaluates the values into spans, sorted and without duplicates
// (x IN (1, 1) finds each row once). A NULL value selects nothing, as
// col = NULL and col < NULL are never true.
func (s *indexSpans) compute() error {
	prefixes := [][]byte{s.prefix}
	for _, fs := range s.eq {
		var next [][]byte
		for _, f := range fs {
			v, err := f(nil)
			if err != nil {
				return err
			}
			if v.IsNull() {
				continue
			}
			for _, p := range prefixes {
				next = append(next, sql.AppendKey(bytes.Clone(p), v))
			}
		}
		prefixes = next
	}
	bound := func(f evalFn) (sql.Value, bool, error) {
		if f == nil {
			return sql.Null, false, nil
		}
		v, err := f(nil)
		return v, true, err
	}
	lo, hasLo, err := bound(s.lo)
	if err != nil {
		return err
	}
	hi, hasHi, err := bound(s.hi)
	if err != nil {
		return err
	}
	s.spans = s.spans[:0]
	if (hasLo && lo.IsNull()) || (hasHi && hi.IsNull()) {
		return nil
	}
	for _, p := range prefixes {
		var span [2][]byte
		switch {
		case hasLo:
			span[0] = sql.AppendKey(bytes.Clone(p), lo)
			if !s.loIncl {
				span[0] = keySuccessor(span[0])
			}
		case hasHi:
			// Skip the NULLs, which sort first and no bound admits.
			span[0] = append(bytes.Clone(p), 0x01)
		default:
			span[0] = p
		}
		switch {
		case hasHi:
			span[1] = sql.AppendKey(bytes.Clone(p), hi)
			if s.hiIncl {
				span[1] = keySuccessor(span[1])
			}
		default:
			span[1] = keySuccessor(p)
		}
		if bytes.Compare(span[0], span[1]) < 0 {
			s.spans = append(s.spans, span)
		}
	}
	sort.Slice(s.spans, func(i, j int) bool { return bytes.Compare(s.spans[i][0], s.spans[j][0]) < 0 })
	out := s.spans[:0]
	for _, sp := range s.spans {
		if n := len(out); n > 0 && bytes.Compare(sp[0], out[n-1][1]) <= 0 {
			if bytes.Compare(sp[1], out[n-1][1]) > 0 {
				out[n-1][1] = sp[1]
			}
			continue
		}
		out = append(out, sp)
	}
	s.spans = out
	return nil
}

// contains reports whether a row's index entry falls in a span: how rows
// that do not come from the index (a view's changes, a scan of an index
// still being built) are filtered exactly as the index would.
func (s *indexSpans) contains(row sql.Row, buf []byte) (bool, []byte) {
	buf = indexEntryPrefix(append(buf[:0], s.prefix...), s.index.IndexColumns, row)
	i := sort.Search(len(s.spans), func(i int) bool { return bytes.Compare(buf, s.spans[i][1]) < 0 })
	return i < len(s.spans) && bytes.Compare(buf, s.spans[i][0]) >= 0, buf
}

func commonPrefix(a, b []byte) []byte {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// keySuccessor is the least key greater than every key that starts with k.
func keySuccessor(k []byte) []byte {
	out := bytes.Clone(k)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] != 0xff {
			out[i]++
			return out[:i+1]
		}
	}
	return nil // unreachable: keys start with a prefix byte below 0xff
}

// indexScanOp reads the rows of a table or materialized view that an
// index finds. In a transaction, its Badger transaction holds the
// statement's own uncommitted rows and entries, so it reads its writes as
// a table scan does.
type indexScanOp struct {
	rt      *runtime
	spans   *indexSpans
	rows    []byte // the relation's rows prefix
	started bool
	// full: the statement's snapshot predates the index's build, so the
	// scan reads every row and keeps those in the spans.
	full *scanOp
	it   *badger.Iterator
	span int
	buf  []byte
	b    Batch
}

func (rt *runtime) buildIndexScan(n *planner.Scan) (Operator, error) {
	spans, err := rt.compileIndexRange(n.Rel, n.Index)
	if err != nil {
		return nil, err
	}
	return &indexScanOp{rt: rt, spans: spans, rows: catalog.ObjectPrefix(catalog.PrefixRows, n.Rel.OID)}, nil
}

func (s *indexScanOp) Next(ctx context.Context) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		s.close()
		return nil, err
	}
	if !s.started {
		s.started = true
		if err := s.spans.compute(); err != nil {
			return nil, err
		}
		complete, err := s.complete()
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", s.spans.index.Name, err)
		}
		if !complete {
			s.full = &scanOp{rt: s.rt, rel: s.spans.rel, prefix: s.rows}
		}
	}
	if s.full != nil {
		return s.filterFull(ctx)
	}
	s.b.reset()
	width := len(s.spans.rel.Columns)
	for s.b.Len() < batchSize {
		if s.it == nil {
			if s.span >= len(s.spans.spans) {
				break
			}
			// The span's bounds share a longer prefix than the index's,
			// which lets Badger skip the tables that cannot hold it.
			sp := s.spans.spans[s.span]
			s.it = s.rt.txn.NewIterator(badger.IteratorOptions{Prefix: commonPrefix(sp[0], sp[1])})
			s.it.Seek(s.spans.spans[s.span][0])
		}
		if !s.it.Valid() || bytes.Compare(s.it.Item().Key(), s.spans.spans[s.span][1]) >= 0 {
			s.it.Close()
			s.it = nil
			s.span++
			continue
		}
		row, err := s.fetch(s.it.Item(), width)
		if err != nil {
			s.close()
			return nil, err
		}
		s.b.Add(row, 1)
		s.it.Next()
	}
	if s.b.Len() == 0 {
		s.close()
		return nil, nil
	}
	return &s.b, nil
}

// complete reports whether the statement's snapshot holds the index's
// completion marker. The committed marker is read outside the statement's
// transaction, whose reads Badger checks for conflicts at commit: a
// transaction that writes must not fail because an index was built while
// it ran. A marker committed after the snapshot (a concurrent CREATE INDEX
// or TRUNCATE) means a scan, which is right either way; one the
// transaction wrote itself is among its pending writes.
func (s *indexScanOp) complete() (bool, error) {
	ro := s.rt.s.e.db.NewTransaction(false)
	item, err := ro.Get(s.spans.prefix)
	ro.Discard()
	switch {
	case err == nil:
		return item.Version() <= s.rt.txn.ReadTs(), nil
	case !errors.Is(err, badger.ErrKeyNotFound):
		return false, err
	}
	if _, err := s.rt.txn.Get(s.spans.prefix); errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// fetch reads the row an index entry points at (index_entry.go).
func (s *indexScanOp) fetch(item *badger.Item, width int) (sql.Row, error) {
	key := item.Key()
	if err := item.Value(func(v []byte) error {
		var ok bool
		if s.buf, ok = s.spans.ix.rowKey(s.buf[:0], s.rows, key, v); !ok {
			return sql.Errorf(sql.CodeDataCorrupted, "index %s: corrupt entry", s.spans.index.Name)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	key, slot := s.buf, -1
	if blockLayout(s.spans.rel) {
		var ok bool
		if key, slot, ok = splitBlockRowKey(s.buf); !ok {
			return nil, sql.Errorf(sql.CodeDataCorrupted, "index %s: corrupt entry", s.spans.index.Name)
		}
	}
	item, err := s.rt.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, sql.Errorf(sql.CodeDataCorrupted, "index %s: entry for a missing row of %s", s.spans.index.Name, s.spans.rel.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", s.spans.index.Name, err)
	}
	row := make(sql.Row, 0, width)
	if err := item.Value(func(v []byte) error {
		var err error
		if slot >= 0 {
			if v, err = blockRow(v, slot); err != nil {
				return err
			}
		}
		row, err = sql.DecodeRow(v, row)
		return err
	}); err != nil {
		return nil, fmt.Errorf("index %s: %w", s.spans.index.Name, err)
	}
	return s.spans.rel.PadRow(row), nil
}

func (s *indexScanOp) filterFull(ctx context.Context) (*Batch, error) {
	for {
		b, err := s.full.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		s.b.reset()
		for i, r := range b.Rows {
			var in bool
			if in, s.buf = s.spans.contains(r, s.buf); in {
				s.b.Add(r, b.Diffs[i])
			}
		}
		if s.b.Len() > 0 {
			return &s.b, nil
		}
	}
}

func (s *indexScanOp) close() {
	if s.it != nil {
		s.it.Close()
		s.it = nil
	}
	s.span = len(s.spans.spans)
	if s.full != nil {
		s.full.close()
	}
}

// indexFilterOp keeps the changes whose rows an index range selects: a
// continuous query (a view over a view, a subscription) reads changes,
// not the index, and must drop the rows the index would not find.
type indexFilterOp struct {
	in      Operator
	spans   *indexSpans
	started bool
	buf     []byte
	b       Batch
}

func (f *indexFilterOp) Next(ctx context.Context) (*Batch, error) {
	if !f.started {
		f.started = true
		if err := f.spans.compute(); err != nil {
			return nil, err
		}
	}
	for {
		b, err := f.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		f.b.reset()
		for i, r := range b.Rows {
			var in bool
			if in, f.buf = f.spans.contains(r, f.buf); in {
				f.b.Add(r, b.Diffs[i])
			}
		}
		if f.b.Len() > 0 {
			return &f.b, nil
		}
	}
}
