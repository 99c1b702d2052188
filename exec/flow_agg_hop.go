package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Counting HOP windows without making their rows: Nexmark q5's
//
//	SELECT auction, count(*), window_start, window_end
//	FROM HOP(bid, date_time, slide, size) GROUP BY auction, window_start, window_end
//
// turns each bid into size/slide rows, one per window, and aggOp then
// hashes, and folds into its group, each of them. But rows whose times
// fall in the same slide share all their windows, so aggOp counts the
// input rows first by their other group columns and their slide (one hash
// per input row, where many rows of one auction fall in one slide), and
// then adds each such count to the groups of its windows. The groups,
// their state and the output are as before; only the per-row work is.
//
// It applies when every aggregate is a count(*) without FILTER (so a
// group's change is a number of rows) and every group column is a column
// of HOP's input or a window bound, with keys that keep values exact.

// aggHop is an aggregate's HOP input, counted by slide.
type aggHop struct {
	win  *hopWindows
	ts   evalFn   // the time column, over the input rows
	cols []evalFn // the group columns that are input columns
	// src gives, per group column, its index in cols, or hopStart or
	// hopEnd for a window bound.
	src []int
	pre map[string]*hopCount
	key []byte
}

const (
	hopStart = -1
	hopEnd   = -2
)

// hopCount is the net count of the input rows with some values of the
// input's group columns in one slide.
type hopCount struct {
	vals sql.Row
	ts   int64 // the time of one of them
	n    int64
}

// hopAggregate returns, when aggOp over n can count by slide, the HOP's
// input and its aggHop; nil else.
func hopAggregate(rt *runtime, n *planner.Aggregate) (planner.Node, *aggHop, error) {
	if len(n.Group) == 0 {
		return nil, nil, nil
	}
	for _, c := range n.Aggs {
		if c.Func.Name != "count" || len(c.Args) != 0 || c.Filter != nil || c.Distinct || len(c.Order) != 0 {
			return nil, nil, nil
		}
	}
	in := n.Input
	var proj []planner.Expr
	if p, ok := in.(*planner.Project); ok {
		proj, in = p.Exprs, p.Input
	}
	fj, ok := in.(*planner.FuncJoin)
	if !ok || fj.Outer || fj.Ordinality || fj.On != nil {
		return nil, nil, nil
	}
	win, err := constHop(fj.Call)
	if win == nil || err != nil {
		return nil, nil, err
	}
	lw := len(fj.Left.Columns())
	h := &aggHop{win: win, pre: map[string]*hopCount{}}
	var cols []planner.Expr
	for _, g := range n.Group {
		c, ok := g.(*planner.ColRef)
		if !ok || !keyExact(g.Type()) {
			return nil, nil, nil
		}
		idx := c.Idx
		if proj != nil {
			pc, ok := proj[idx].(*planner.ColRef)
			if !ok {
				return nil, nil, nil
			}
			idx = pc.Idx
		}
		switch {
		case idx == lw:
			h.src = append(h.src, hopStart)
		case idx == lw+1:
			h.src = append(h.src, hopEnd)
		case idx < lw:
			h.src = append(h.src, len(cols))
			cols = append(cols, &planner.ColRef{Idx: idx, Typ: fj.Left.Columns()[idx].Type})
		default:
			return nil, nil, nil
		}
	}
	if h.cols, err = rt.compileAll(cols); err != nil {
		return nil, nil, err
	}
	if h.ts, err = rt.compile(fj.Call.Args[0]); err != nil {
		return nil, nil, err
	}
	return fj.Left, h, nil
}

// drainHop is the epoch's drain of a's input for an aggHop: it counts the
// input rows by slide, then folds each count into its windows' groups.
func (a *aggOp) drainHop(ctx context.Context, group func(vals sql.Row) (*aggGroup, error)) error {
	h := a.hop
	clear(h.pre)
	err := drain(ctx, a.in, func(r sql.Row, d int64) error {
		v, err := h.ts(r)
		if err != nil {
			return err
		}
		if v.IsNull() {
			return nil // in no window
		}
		slide, err := builtin.TumbleStart(v.Int(), h.win.slide, h.win.offset)
		if err != nil {
			return err
		}
		k := sql.AppendKey(h.key[:0], sql.NewInt(slide))
		for _, f := range h.cols {
			v, err := f(r)
			if err != nil {
				return err
			}
			k = sql.AppendKey(k, v)
		}
		h.key = k
		c := h.pre[string(k)]
		if c == nil {
			c = &hopCount{ts: v.Int(), vals: make(sql.Row, len(h.cols))}
			for i, f := range h.cols {
				if c.vals[i], err = f(r); err != nil {
					return err
				}
			}
			h.pre[string(k)] = c
		}
		c.n += d
		return nil
	})
	if err != nil {
		return err
	}
	mk := sql.NewTimestamp
	if h.win.tz {
		mk = sql.NewTimestampTZ
	}
	vals := make(sql.Row, len(h.src))
	for _, c := range h.pre {
		if c.n == 0 {
			continue
		}
		starts, err := builtin.HopStarts(c.ts, h.win.slide, h.win.size, h.win.offset)
		if err != nil {
			return err
		}
		for _, s := range starts {
			for i, src := range h.src {
				switch src {
				case hopStart:
					vals[i] = mk(s)
				case hopEnd:
					vals[i] = mk(s + h.win.size)
				default:
					vals[i] = c.vals[src]
				}
			}
			g, err := group(vals)
			if err != nil {
				return err
			}
			// Every aggregate counts rows, and takes no value from them.
			if err := a.add(g, vals, nil, c.n); err != nil {
				return err
			}
		}
	}
	return nil
}
