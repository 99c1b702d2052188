package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

func (rt *runtime) buildValues(n *planner.Values) (Operator, error) {
	rows := make([]sql.Row, len(n.Rows))
	fns := make([][]evalFn, len(n.Rows))
	for i, r := range n.Rows {
		fs, err := rt.compileAll(r)
		if err != nil {
			return nil, err
		}
		fns[i] = fs
	}
	// VALUES may hold correlated expressions, so evaluate at first Next.
	return &valuesOp{fns: fns, rows: rows}, nil
}

type valuesOp struct {
	fns  [][]evalFn
	rows []sql.Row
	op   *sliceOp
}

func (v *valuesOp) Next(ctx context.Context) (*Batch, error) {
	if v.op == nil {
		for i, fs := range v.fns {
			row := make(sql.Row, len(fs))
			for j, f := range fs {
				x, err := f(nil)
				if err != nil {
					return nil, err
				}
				row[j] = x
			}
			v.rows[i] = row
		}
		v.op = newSliceOp(v.rows)
	}
	return v.op.Next(ctx)
}

// filterOp passes the changes whose row satisfies the predicate.
type filterOp struct {
	in   Operator
	pred evalFn
	b    Batch
	cse  *cseScope // set when pred repeats a subexpression (eval_cse.go)
}

func (rt *runtime) buildFilter(n *planner.Filter) (Operator, error) {
	if op, ok, err := rt.buildFilterCSE(n); ok {
		return op, err
	}
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	pred, err := rt.compileQual(n.Pred)
	if err != nil {
		return nil, err
	}
	return &filterOp{in: in, pred: pred}, nil
}

func (f *filterOp) Next(ctx context.Context) (*Batch, error) {
	for {
		b, err := f.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		f.b.reset()
		for i, r := range b.Rows {
			if f.cse != nil {
				f.cse.row++ // a new row: the memo's values are stale
			}
			v, err := f.pred(r)
			if err != nil {
				return nil, err
			}
			if !v.IsNull() && v.Bool() {
				f.b.Add(r, b.Diffs[i])
			}
		}
		if f.b.Len() > 0 {
			return &f.b, nil
		}
	}
}

// projectOp computes new rows from each change's row.
type projectOp struct {
	in    Operator
	exprs []evalFn
	b     Batch
	// cse, when expressions repeat a subexpression, is their memo, and
	// pred a filter fused below that shares it (eval_cse.go).
	cse  *cseScope
	pred evalFn
}

func (rt *runtime) buildProject(n *planner.Project) (Operator, error) {
	if op, ok, err := rt.buildProjectCSE(n); ok {
		return op, err
	}
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	fs, err := rt.compileAll(n.Exprs)
	if err != nil {
		return nil, err
	}
	return &projectOp{in: in, exprs: fs}, nil
}

func (p *projectOp) Next(ctx context.Context) (*Batch, error) {
	if p.cse != nil {
		return p.nextCSE(ctx)
	}
	b, err := p.in.Next(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	p.b.reset()
	// One backing array per batch instead of one allocation per row.
	w := len(p.exprs)
	vals := make([]sql.Value, w*b.Len())
	for i, r := range b.Rows {
		out := vals[i*w : (i+1)*w : (i+1)*w]
		for j, f := range p.exprs {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			out[j] = v
		}
		p.b.Add(out, b.Diffs[i])
	}
	return &p.b, nil
}

// limitOp skips Offset rows then passes Count rows. In a batch query its
// input arrives in order, so this is LIMIT as PostgreSQL runs it.
type limitOp struct {
	in            Operator
	count, offset int64 // count < 0: unlimited
	b             Batch
	done          bool
}

func (rt *runtime) buildLimit(n *planner.Limit) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	op := &limitOp{in: in, count: -1}
	eval := func(e planner.Expr, what string) (int64, error) {
		f, err := rt.compile(e)
		if err != nil {
			return 0, err
		}
		v, err := f(nil)
		if err != nil {
			return 0, err
		}
		if v.IsNull() {
			return -1, nil
		}
		if v.Int() < 0 {
			return 0, sql.Errorf("2201W", "%s must not be negative", what)
		}
		return v.Int(), nil
	}
	if n.Count != nil {
		if op.count, err = eval(n.Count, "LIMIT"); err != nil {
			return nil, err
		}
	}
	if n.Offset != nil {
		if op.offset, err = eval(n.Offset, "OFFSET"); err != nil {
			return nil, err
		}
		op.offset = max(op.offset, 0)
	}
	return op, nil
}

func (l *limitOp) Next(ctx context.Context) (*Batch, error) {
	for !l.done {
		if l.count == 0 {
			l.done = true
			return nil, nil
		}
		b, err := l.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		l.b.reset()
		for i, r := range b.Rows {
			for d := b.Diffs[i]; d > 0; d-- {
				if l.offset > 0 {
					l.offset--
					continue
				}
				if l.count == 0 {
					break
				}
				l.b.Add(r, 1)
				if l.count > 0 {
					l.count--
				}
			}
		}
		if l.b.Len() > 0 {
			return &l.b, nil
		}
	}
	return nil, nil
}
