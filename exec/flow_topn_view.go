package exec

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A TopN over an append-only input that is the view itself (Nexmark q18,
// q19: the view is the filter rn <= N over the window, through projections
// that pass the window's columns on) stores every partition's top twice:
// in the operator's record, and in the view's rows, which the keyed layout
// (view_keyed_layout.go) keeps one per partition and row number. Each
// epoch then writes both for every partition whose top changed, and the
// records, which hold the top's rows whole, are as many bytes as the rows.
//
// Such an operator writes no records: it keeps its tops in its cache
// (flow_topn_cache.go), as before, and reads a partition that the cache
// lacks back from the view's rows, under the view's key prefix of the
// partition, in row number order. Each row gives the window's input row
// back (its columns are all in the view), hence the position key; equal
// rows at consecutive positions make one entry. An append-only input
// retracts nothing, so the top is all the operator needs: a row past it
// never comes back.
//
// Views are marked (topNStateOption) when created, since their state lacks
// the records the other operators read: views made before keep them.

// topNStateOption marks, in a view's options, that its TopN keeps its tops
// in the view's rows (topNStateView).
const (
	topNStateOption = "topn_state"
	topNStateView   = "view"
)

// topNView is where an operator reads its partitions' tops back from.
type topNView struct {
	rows  []byte // the view's rows prefix
	width int    // the view's columns
	// cols are, for each column of the window's input, the view's column
	// holding it.
	cols []int
	// key is the view's key columns (viewSink.keyCols) this assumes.
	key []int
	in  sql.Row // scratch: a window input row
}

// topNViewRows decides whether the operator of window n, which keeps keep
// rows per partition, keeps its tops in the view's rows; a fresh view
// that qualifies is marked. Nil: it keeps records.
func (f *dataflow) topNViewRows(n *planner.Window, keep int64, appendOnly, closes bool) (*topNView, error) {
	rel := f.rel
	marked := rel.Options[topNStateOption] == topNStateView
	if !f.fresh && !marked {
		return nil, nil
	}
	ok := appendOnly && !closes && keep >= 1 && rel.Kind == catalog.KindMatView && rel.PrimaryKey == nil &&
		!rel.EmitOnWindowClose && f.operators() >= operatorsTopN
	var v *topNView
	if ok {
		v = topNViewShape(f.plan, n, keep)
	}
	if v != nil {
		// The key the view's sink stores its rows under: a fresh view
		// derives it as topNViewKey does, one that exists recorded it.
		key := topNViewKey(f.plan, f.topN)
		if !f.fresh {
			s, found := rel.Options[keyedRowsOption]
			if !found {
				key = nil
			} else if k, err := parseKeyedRows(s, len(rel.Columns)); err == nil {
				key = k
			} else {
				return nil, fmt.Errorf("view %s: %w", rel.Name, err)
			}
		}
		if !slices.Equal(key, v.key) {
			v = nil
		}
	}
	if v == nil {
		if marked && !f.fresh {
			return nil, sql.Errorf(sql.CodeDataCorrupted, "view %s: its TopN keeps its state in the view's rows, which its plan no longer allows", rel.Name)
		}
		return nil, nil
	}
	if f.fresh && !marked {
		if rel.Options == nil {
			rel.Options = map[string]string{}
		}
		rel.Options[topNStateOption] = topNStateView
	}
	v.rows = catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
	v.width = len(rel.Columns)
	return v, nil
}

// topNViewShape finds whether plan is window w under a filter that keeps
// exactly its first keep positions (rn <= keep, rn < keep+1, or rn = 1),
// through projections, with every column of the window's input in the
// output, and the row number too unless keep is 1. It returns where they
// are, and the key topNViewKey gives such a plan, or nil.
func topNViewShape(plan planner.Node, w *planner.Window, keep int64) *topNView {
	var chain []planner.Node
	filters := 0
	for n := plan; n != w; {
		switch x := n.(type) {
		case *planner.Project:
			n = x.Input
		case *planner.Filter:
			n = x.Input
			filters++
		default:
			return nil
		}
		chain = append(chain, n)
	}
	if filters != 1 {
		return nil
	}
	// cols[i] is where the window's column i is in the output of the node
	// reached so far, going up; -1 when it is gone.
	inWidth := len(w.Input.Columns())
	cols := make([]int, inWidth+1)
	for i := range cols {
		cols[i] = i
	}
	n := planner.Node(w)
	for {
		var up planner.Node
		for i, c := range chain {
			if c == n {
				if i == 0 {
					up = plan
				} else {
					up = chain[i-1]
				}
				break
			}
		}
		if up == nil {
			break
		}
		switch x := up.(type) {
		case *planner.Filter:
			if cols[inWidth] < 0 || !exactRowBound(x.Pred, cols[inWidth], keep) {
				return nil
			}
		case *planner.Project:
			for i, c := range cols {
				found := -1
				for j, e := range x.Exprs {
					if r, ok := e.(*planner.ColRef); ok && c >= 0 && r.Idx == c {
						found = j
						break
					}
				}
				cols[i] = found
			}
		}
		n = up
	}
	for _, c := range cols[:inWidth] {
		if c < 0 {
			return nil
		}
	}
	if keep > 1 && cols[inWidth] < 0 {
		return nil
	}
	var key []int
	for _, p := range w.Calls[0].Partition {
		r, ok := p.(*planner.ColRef)
		if !ok || r.Idx >= inWidth {
			return nil
		}
		key = append(key, cols[r.Idx])
	}
	if keep > 1 {
		key = append(key, cols[inWidth])
	}
	if len(key) == 0 {
		return nil
	}
	return &topNView{cols: cols[:inWidth], key: key, in: make(sql.Row, inWidth)}
}

// exactRowBound reports whether pred keeps exactly the rows whose column
// col is at most keep: conjuncts rn <= c, rn < c, or rn = 1, and nothing
// else (rn = 3 keeps one position, not three).
func exactRowBound(pred planner.Expr, col int, keep int64) bool {
	var conj []planner.Expr
	if a, ok := pred.(*planner.And); ok {
		conj = a.Args
	} else {
		conj = []planner.Expr{pred}
	}
	for _, p := range conj {
		c, ok := rowBound(p, col)
		if !ok {
			return false
		}
		if b := p.(*planner.BinOp); b.Op == planner.OpEq && c > 1 {
			return false
		}
	}
	c, ok := rowBound(pred, col)
	return ok && c == keep
}

// loadViewTop reads a partition's top from the view's rows: its size is
// the top's rows (which is all an append-only operator needs).
func (t *topNOp) loadViewTop(pk string) (int64, []*topEntry, error) {
	v := t.view
	sp := append(slices.Clip(v.rows), pk...)
	var top []*topEntry
	var size int64
	err := t.rt.flow.state.scan(sp, func(_, val []byte) error {
		r, err := sql.DecodeRow(val, nil)
		if err != nil || len(r) != v.width {
			return errStateCorrupt
		}
		for i, c := range v.cols {
			v.in[i] = r[c]
		}
		k, err := appendOrderKey(nil, t.order, v.in)
		if err != nil {
			return err
		}
		klen := len(k)
		k = sql.AppendRow(k, v.in)
		if n := len(top); n > 0 {
			switch last := top[n-1]; bytes.Compare(last.key, k) {
			case 0:
				last.count++
				size++
				return nil
			case 1:
				return errStateCorrupt // rows out of order
			}
		}
		top = append(top, &topEntry{key: k, klen: klen, count: 1, owned: true})
		size++
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	if size > t.n {
		return 0, nil, errStateCorrupt
	}
	return size, top, nil
}
