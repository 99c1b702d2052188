package exec

import (
	"slices"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Which plan shapes topNOp maintains (flow_topn.go), and building it.

// maxTopN bounds the rows a partition's record lists; a larger N stays on
// keyedOp, whose cost does not grow with N.
const maxTopN = 10000

// topNShapes finds, in a view's plan, the windows that only feed a filter
// keeping their first rows: a Window of one row_number() call under
// Projects that pass its column on, under a Filter with a conjunct rn <= c,
// rn < c or rn = c. It returns each such window with the number of rows per
// partition the filter can keep.
func topNShapes(plan planner.Node) map[*planner.Window]int64 {
	out := map[*planner.Window]int64{}
	var walk func(n planner.Node)
	walk = func(n planner.Node) {
		if f, ok := n.(*planner.Filter); ok {
			if w, col := windowBelow(f.Input); w != nil {
				if c, ok := rowBound(f.Pred, col); ok && c <= maxTopN {
					out[w] = c
				}
			}
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(plan)
	return out
}

// windowBelow follows column references down through Projects to a
// Window of a single row_number(); it returns the window and the index of
// the filter input's column that holds the row number, or nil.
func windowBelow(n planner.Node) (*planner.Window, int) {
	var projs []*planner.Project
	for {
		switch x := n.(type) {
		case *planner.Project:
			projs = append(projs, x)
			n = x.Input
			continue
		case *planner.Window:
			if len(x.Calls) != 1 || x.Calls[0].Func != "row_number" || len(x.Calls[0].Args) != 0 || ordered(x.Input) {
				return nil, -1
			}
			for _, k := range x.Calls[0].Order {
				if !keyOrdered(k.Expr.Type()) {
					return nil, -1
				}
			}
			col := len(x.Input.Columns())
			// Find the column at the top of the projections that is the
			// window's column.
			for i := len(projs) - 1; i >= 0; i-- {
				found := -1
				for j, e := range projs[i].Exprs {
					if c, ok := e.(*planner.ColRef); ok && c.Idx == col {
						found = j
						break
					}
				}
				if found < 0 {
					return nil, -1
				}
				col = found
			}
			return x, col
		}
		return nil, -1
	}
}

// ordered reports whether n's rows come in an order that a batch sort of
// them keeps among its ties (a sorted subquery): topNOp breaks ties by the
// rows alone, so such inputs stay on keyedOp, which re-sorts them.
func ordered(n planner.Node) bool {
	feed, _, _ := feedOf(n)
	return feed != n
}

// rowBound finds in pred a conjunct that keeps only rows whose column col
// is at most some constant, and returns that constant.
func rowBound(pred planner.Expr, col int) (int64, bool) {
	if a, ok := pred.(*planner.And); ok {
		best, found := int64(0), false
		for _, p := range a.Args {
			if c, ok := rowBound(p, col); ok && (!found || c < best) {
				best, found = c, true
			}
		}
		return best, found
	}
	b, ok := pred.(*planner.BinOp)
	if !ok {
		return 0, false
	}
	op, l, r := b.Op, b.L, b.R
	if _, ok := l.(*planner.ColRef); !ok {
		op, l, r = op.Commute(), r, l
	}
	c, ok := l.(*planner.ColRef)
	if !ok || c.Idx != col {
		return 0, false
	}
	v, ok := constInt(r)
	if !ok {
		return 0, false
	}
	switch op {
	case planner.OpLe, planner.OpEq:
		return max(v, 0), true
	case planner.OpLt:
		return max(v-1, 0), true
	}
	return 0, false
}

// constInt reads an integer literal, possibly cast to another integer type.
func constInt(e planner.Expr) (int64, bool) {
	for {
		switch x := e.(type) {
		case *planner.Cast:
			if x.Typ.Kind() != sql.KindInt {
				return 0, false
			}
			e = x.Input
			continue
		case *planner.Const:
			if x.Val.IsNull() || x.Val.Kind() != sql.KindInt {
				return 0, false
			}
			return x.Val.Int(), true
		}
		return 0, false
	}
}

// topNWindow builds the operator for a window that topNShapes found.
func (f *dataflow) topNWindow(rt *runtime, n *planner.Window, keep int64) (Operator, error) {
	c := n.Calls[0]
	t := &topNOp{rt: rt, n: keep, rn: true, prefix: f.opPrefix(), appendOnly: appendOnly(n.Input, noViews)}
	var err error
	if t.in, err = rt.build(n.Input); err != nil {
		return nil, err
	}
	if t.part, err = rt.compileAll(c.Partition); err != nil {
		return nil, err
	}
	if t.order, err = rt.compileSortKeys(c.Order); err != nil {
		return nil, err
	}
	// A closed window's partitions go, record and rows, under the
	// cache's feet: such an operator keeps none.
	closes := f.closing(t.prefix, [][]byte{{0x00}, {0x01}}, []planner.Node{n.Input}, [][]planner.Expr{c.Partition}) != nil
	if !closes {
		f.topNCache(t)
	}
	if t.view, err = f.topNViewRows(n, keep, t.appendOnly, closes); err != nil {
		return nil, err
	}
	return t, nil
}

// topNLimit builds the operator for LIMIT over a Sort with constant
// bounds; false leaves it to keyedOp.
func (f *dataflow) topNLimit(rt *runtime, n *planner.Limit) (Operator, bool, error) {
	s, ok := n.Input.(*planner.Sort)
	if !ok || n.Count == nil || ordered(stripSorts(s)) {
		return nil, false, nil
	}
	for _, k := range s.Keys {
		if !keyOrdered(k.Expr.Type()) {
			return nil, false, nil
		}
	}
	count, ok := constInt(n.Count)
	if !ok || count < 0 {
		return nil, false, nil
	}
	var offset int64
	if n.Offset != nil {
		if offset, ok = constInt(n.Offset); !ok {
			return nil, false, nil
		}
		offset = max(offset, 0)
	}
	if offset+count > maxTopN {
		return nil, false, nil
	}
	t := &topNOp{rt: rt, skip: offset, n: offset + count, prefix: f.opPrefix(), appendOnly: appendOnly(s, noViews)}
	f.topNCache(t)
	var err error
	if t.in, err = rt.build(stripSorts(s)); err != nil {
		return nil, false, err
	}
	if t.order, err = rt.compileSortKeys(s.Keys); err != nil {
		return nil, false, err
	}
	return t, true, nil
}

// topNCache gives t a cache of its partitions' records.
func (f *dataflow) topNCache(t *topNOp) {
	var budget int64 = DefaultStateCache
	if f.e != nil {
		budget = f.e.stateCache
	}
	t.cache = newTopNCache(budget)
	t.stampKey = append(slices.Clip(t.prefix), topNStampSub)
	t.known = newKnownKeys(f.fresh, budget/aggCacheShare)
}
