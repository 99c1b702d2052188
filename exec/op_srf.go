package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// projectSetOp expands the select list's set-returning functions row by row.
type projectSetOp struct {
	rt    *runtime
	in    Operator
	calls []planner.SRFCall
	args  [][]evalFn
	b     Batch
}

func (rt *runtime) buildProjectSet(n *planner.ProjectSet) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	op := &projectSetOp{rt: rt, in: in, calls: n.Calls}
	for _, c := range n.Calls {
		fs, err := rt.compileAll(c.Args)
		if err != nil {
			return nil, err
		}
		op.args = append(op.args, fs)
	}
	return op, nil
}

// callRows evaluates one SRF's arguments over row and returns its rows.
func (rt *runtime) callRows(c planner.SRFCall, args []evalFn, row sql.Row) ([]sql.Row, error) {
	if c.Plan != nil {
		// A SQL function's body, run with row as its outer row.
		rt.outer = append(rt.outer, row)
		used := rt.mem.used
		rows, err := rt.collect(rt.ctx, c.Plan, -1)
		rt.mem.used = used
		rt.outer = rt.outer[:len(rt.outer)-1]
		return rows, err
	}
	vals := make([]sql.Value, len(args))
	for i, f := range args {
		v, err := f(row)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return rt.srfRows(c.Name, vals, c.Args, c.Cols)
}

func (p *projectSetOp) Next(ctx context.Context) (*Batch, error) {
	for {
		b, err := p.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		p.b.reset()
		results := make([][]sql.Row, len(p.calls))
		for i, row := range b.Rows {
			n := 0
			for j, c := range p.calls {
				if results[j], err = p.rt.callRows(c, p.args[j], row); err != nil {
					return nil, err
				}
				n = max(n, len(results[j]))
			}
			for k := 0; k < n; k++ {
				out := make(sql.Row, len(row), len(row)+len(p.calls))
				copy(out, row)
				for j := range p.calls {
					v := sql.Null
					if k < len(results[j]) {
						v = results[j][k][0]
					}
					out = append(out, v)
				}
				p.b.Add(out, b.Diffs[i])
			}
		}
		if p.b.Len() > 0 {
			return &p.b, nil
		}
	}
}

// funcJoinOp joins each left row with the rows of a function of it.
type funcJoinOp struct {
	rt   *runtime
	n    *planner.FuncJoin
	left Operator
	args []evalFn
	on   evalFn
	b    Batch
	// hop: the function is HOP's eddy_hop with constant lengths (as the
	// planner binds it), its windows computed in place: a row's windows
	// cost one allocation instead of several per window.
	hop *hopWindows
}

// hopWindows is a HOP's constant lengths, in microseconds.
type hopWindows struct {
	slide, size, offset int64
	tz                  bool // windows of timestamptz
}

// constHop returns the lengths of an eddy_hop call whose interval
// arguments are constants, or nil.
func constHop(c planner.SRFCall) (*hopWindows, error) {
	if c.Plan != nil || c.Name != "eddy_hop" || len(c.Args) != 4 || len(c.Cols) != 2 {
		return nil, nil
	}
	var lengths [3]int64
	for i, what := range []string{"window slide", "window size", "window offset"} {
		k, ok := c.Args[1+i].(*planner.Const)
		if !ok || k.Val.IsNull() || k.Val.Kind() != sql.KindInterval {
			return nil, nil
		}
		var err error
		if lengths[i], err = builtin.WindowLength(what, k.Val.Interval(), i < 2); err != nil {
			return nil, err
		}
	}
	return &hopWindows{slide: lengths[0], size: lengths[1], offset: lengths[2],
		tz: c.Cols[0].Type.OID == sql.OIDTimestampTZ}, nil
}

func (rt *runtime) buildFuncJoin(n *planner.FuncJoin) (Operator, error) {
	left, err := rt.build(n.Left)
	if err != nil {
		return nil, err
	}
	op := &funcJoinOp{rt: rt, n: n, left: left}
	if op.args, err = rt.compileAll(n.Call.Args); err != nil {
		return nil, err
	}
	if n.On != nil {
		if op.on, err = rt.compile(n.On); err != nil {
			return nil, err
		}
	}
	if !n.Outer && !n.Ordinality && n.On == nil {
		if op.hop, err = constHop(n.Call); err != nil {
			return nil, err
		}
	}
	return op, nil
}

func (f *funcJoinOp) Next(ctx context.Context) (*Batch, error) {
	if f.hop != nil {
		return f.nextHop(ctx)
	}
	width := len(f.n.Cols)
	for {
		b, err := f.left.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		f.b.reset()
		for i, l := range b.Rows {
			rows, err := f.rt.callRows(f.n.Call, f.args, l)
			if err != nil {
				return nil, err
			}
			matched := false
			for k, r := range rows {
				out := make(sql.Row, 0, width)
				out = append(append(out, l...), r...)
				if f.n.Ordinality {
					out = append(out, sql.NewInt(int64(k+1)))
				}
				if f.on != nil {
					v, err := f.on(out)
					if err != nil {
						return nil, err
					}
					if v.IsNull() || !v.Bool() {
						continue
					}
				}
				matched = true
				f.b.Add(out, b.Diffs[i])
			}
			if !matched && f.n.Outer {
				out := make(sql.Row, width)
				copy(out, l)
				f.b.Add(out, b.Diffs[i])
			}
		}
		if f.b.Len() > 0 {
			return &f.b, nil
		}
	}
}

// nextHop is Next for HOP: each left row followed by each window's start
// and end, the rows of one input batch carved from one slice.
func (f *funcJoinOp) nextHop(ctx context.Context) (*Batch, error) {
	h, ts := f.hop, f.args[0]
	mk := sql.NewTimestamp
	if h.tz {
		mk = sql.NewTimestampTZ
	}
	per := h.size / h.slide
	for {
		b, err := f.left.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		f.b.reset()
		var slab []sql.Value
		for i, l := range b.Rows {
			v, err := ts(l)
			if err != nil {
				return nil, err
			}
			if v.IsNull() {
				continue // in no window
			}
			starts, err := builtin.HopStarts(v.Int(), h.slide, h.size, h.offset)
			if err != nil {
				return nil, err
			}
			width := len(l) + 2
			for _, s := range starts {
				if len(slab) < width {
					slab = make([]sql.Value, width*int(min(per*int64(len(b.Rows)-i), 4096)))
				}
				out := slab[:width:width]
				slab = slab[width:]
				copy(out, l)
				out[width-2], out[width-1] = mk(s), mk(s+h.size)
				f.b.Add(out, b.Diffs[i])
			}
		}
		if f.b.Len() > 0 {
			return &f.b, nil
		}
	}
}

// lateralJoinOp runs Right once per Left row, with the row as its outer row.
type lateralJoinOp struct {
	rt   *runtime
	n    *planner.LateralJoin
	left Operator
	on   evalFn
	b    Batch
}

func (rt *runtime) buildLateralJoin(n *planner.LateralJoin) (Operator, error) {
	left, err := rt.build(n.Left)
	if err != nil {
		return nil, err
	}
	op := &lateralJoinOp{rt: rt, n: n, left: left}
	if n.On != nil {
		if op.on, err = rt.compile(n.On); err != nil {
			return nil, err
		}
	}
	return op, nil
}

func (l *lateralJoinOp) Next(ctx context.Context) (*Batch, error) {
	width := len(l.n.Cols)
	for {
		b, err := l.left.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		l.b.reset()
		for i, left := range b.Rows {
			l.rt.outer = append(l.rt.outer, left)
			used := l.rt.mem.used
			rows, err := l.rt.collect(ctx, l.n.Right, -1)
			l.rt.mem.used = used // Right's operators are gone once it ran
			l.rt.outer = l.rt.outer[:len(l.rt.outer)-1]
			if err != nil {
				return nil, err
			}
			matched := false
			for _, r := range rows {
				out := make(sql.Row, 0, width)
				out = append(append(out, left...), r...)
				if l.on != nil {
					v, err := l.on(out)
					if err != nil {
						return nil, err
					}
					if v.IsNull() || !v.Bool() {
						continue
					}
				}
				matched = true
				l.b.Add(out, b.Diffs[i])
			}
			if !matched && l.n.Outer {
				out := make(sql.Row, width)
				copy(out, left)
				l.b.Add(out, b.Diffs[i])
			}
		}
		if l.b.Len() > 0 {
			return &l.b, nil
		}
	}
}
