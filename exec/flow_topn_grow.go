package exec

import (
	"bytes"
	"fmt"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Ties over counts that only grow: Nexmark q5's shape, rows joined to the
// max of their window's counts, where the rows are count()s per group
// over an append-only input.
//
// topNOp in ties mode keeps every row of a partition in its state, so that
// when the rows tied for first leave it can find the next. But a count
// over an append-only input never falls: each epoch retracts a group's
// old row only to insert its new one, whose count is at least the old.
// A partition's max then never falls either, and a row once past the
// first can never come back to it: its group's next row will be a new
// row, which comes as an insertion. So the operator keeps only each
// partition's record (the rows tied for first), and a change costs no
// state read nor write but the touched partitions' records: retractions
// of rows past the top are dropped, insertions past it too.
//
// The input qualifies when the ordered column is a count of an
// aggregate over an append-only input, reached through projections that
// pass it and the partition's columns on, and the partition's columns
// are group columns (a group never moves to another partition). Any
// other input, a table with deletes for one, keeps the full ties mode.
//
// Views are marked (topNTiesOption) when created, since their state lacks
// the rows the full mode reads: views made before keep the full mode.

// topNTiesOption marks, in a view's options, that its ties-mode TopNs
// over growing counts keep only their records (topNTiesGrow).
const (
	topNTiesOption = "topn_ties"
	topNTiesGrow   = "grow"
)

// growingMax reports whether the rows of left, partitioned by its columns
// m.part and ordered by m.arg, have maxima that never fall (see above).
func growingMax(left planner.Node, m maxJoin) bool {
	if !m.max {
		return false
	}
	cols := append([]int{m.arg}, m.part...)
	n := left
	for {
		p, ok := n.(*planner.Project)
		if !ok {
			break
		}
		for i, c := range cols {
			r, ok := p.Exprs[c].(*planner.ColRef)
			if !ok {
				return false
			}
			cols[i] = r.Idx
		}
		n = p.Input
	}
	agg, ok := n.(*planner.Aggregate)
	if !ok || agg.GroupingSets != nil || !appendOnly(agg.Input, noViews) {
		return false
	}
	g := len(agg.Group)
	if a := cols[0] - g; a < 0 || a >= len(agg.Aggs) || agg.Aggs[a].Func.Name != "count" {
		return false
	}
	for _, c := range cols[1:] {
		if c >= g {
			return false
		}
	}
	return true
}

// growPartition is partition for an operator whose maxima never fall
// (topNOp.grow): only the record is read and written.
func (t *topNOp) growPartition(p *topPart, dels, adds *Batch) error {
	top := p.top
	byKey := make(map[string]*topEntry, len(top))
	next := make([]*topEntry, 0, len(top)+4)
	for _, e := range top {
		c := *e
		byKey[string(e.key)] = &c
		next = append(next, &c)
	}
	changed := false
	for _, c := range p.changes {
		if c.count == 0 {
			continue
		}
		if e := byKey[string(c.key)]; e != nil {
			if e.count += c.count; e.count < 0 {
				return fmt.Errorf("view state: %w: a row was retracted more often than it was added", errStateMismatch)
			}
			changed = true
			continue
		}
		if c.count < 0 {
			// Past the first, where it stays: not kept.
			continue
		}
		if len(top) > 0 && bytes.Compare(c.key[:c.klen], top[0].key[:top[0].klen]) > 0 {
			continue // below the max, which does not fall
		}
		next = append(next, c)
		changed = true
	}
	if !changed {
		return nil
	}
	next = t.firstN(next)
	if len(top) > 0 && (len(next) == 0 || bytes.Compare(next[0].key[:next[0].klen], top[0].key[:top[0].klen]) > 0) {
		return fmt.Errorf("view state: %w: the max of counts over an append-only input fell", errStateMismatch)
	}
	var size int64
	for _, e := range next {
		size += e.count
	}
	st := t.rt.flow.state
	if size == 0 {
		st.del(t.recordKey(p.key))
	} else {
		st.put(t.recordKey(p.key), t.encodeRecord(size, next))
	}
	if err := t.emit(top, next, dels, adds); err != nil {
		return err
	}
	if t.cache != nil {
		t.cache.put(p.key, size, next)
	}
	return nil
}

// growBegin reads the record of a partition that the epoch touches first.
func (t *topNOp) growBegin(p *topPart, begin func() error) error {
	if err := begin(); err != nil {
		return err
	}
	_, top, err := t.record(p.key)
	p.top = top
	return err
}

// growBelow reports whether a change of row r, in or out, lies below its
// partition's max as the epoch found it: such a row is past the top, and
// stays there, so it costs nothing more.
func (t *topNOp) growBelow(p *topPart, r sql.Row) (bool, error) {
	if len(p.top) == 0 {
		return false, nil
	}
	ok, err := appendOrderKey(t.pkbuf[:0], t.order, r)
	if err != nil {
		return false, err
	}
	t.pkbuf = ok
	first := p.top[0]
	return bytes.Compare(ok, first.key[:first.klen]) > 0, nil
}
