package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// asofJoinOp is an ASOF [LEFT] JOIN (planner.Join's Asof): each left row
// joins the one right row, among those with its key that pass the
// condition, closest to it by the condition's inequality (the least or
// the greatest right value), ties going to the least right row; a LEFT
// join pads a row with none. However many copies that right row has, a
// left row joins it once. A view maintains it per key (keyedOp).
type asofJoinOp struct {
	rt           *runtime
	outer        bool
	l, r         Operator
	lkeys, rkeys []evalFn
	on           evalFn
	rval         evalFn // the inequality's right expression, over the right row
	least        bool
	lw, rw       int
	done         bool
}

func (rt *runtime) buildAsofJoin(n *planner.Join) (Operator, error) {
	_, rexpr, least, ok := planner.AsofInequality(n)
	if !ok {
		return nil, errUnsupported("an ASOF join without an inequality between its sides")
	}
	op := &asofJoinOp{rt: rt, outer: n.Kind == planner.JoinLeft, least: least, lw: len(n.Left.Columns()), rw: len(n.Right.Columns())}
	var err error
	if op.l, err = rt.build(n.Left); err != nil {
		return nil, err
	}
	if op.r, err = rt.build(n.Right); err != nil {
		return nil, err
	}
	if op.lkeys, err = rt.compileAll(n.LeftKeys); err != nil {
		return nil, err
	}
	if op.rkeys, err = rt.compileAll(n.RightKeys); err != nil {
		return nil, err
	}
	if op.on, err = rt.compileQual(n.On); err != nil {
		return nil, err
	}
	if op.rval, err = rt.compile(rexpr); err != nil {
		return nil, err
	}
	return op, nil
}

// asofKey is a row's key, or false when part of it is NULL.
func asofKey(fns []evalFn, r sql.Row) (string, bool, error) {
	var k []byte
	for _, f := range fns {
		v, err := f(r)
		if err != nil || v.IsNull() {
			return "", false, err
		}
		k = sql.AppendKey(k, v)
	}
	return string(k), true, nil
}

func (op *asofJoinOp) Next(ctx context.Context) (*Batch, error) {
	if op.done {
		return nil, nil
	}
	op.done = true
	type cand struct {
		row sql.Row
		val sql.Value
	}
	byKey := map[string][]cand{}
	err := drain(ctx, op.r, func(r sql.Row, d int64) error {
		if d <= 0 {
			return nil
		}
		k, ok, err := asofKey(op.rkeys, r)
		if err != nil || !ok {
			return err
		}
		v, err := op.rval(r)
		if err != nil {
			return err
		}
		byKey[k] = append(byKey[k], cand{row: r, val: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out Batch
	scratch := make(sql.Row, op.lw+op.rw)
	err = drain(ctx, op.l, func(l sql.Row, d int64) error {
		var best *cand
		if k, ok, err := asofKey(op.lkeys, l); err != nil {
			return err
		} else if ok {
			copy(scratch, l)
			cs := byKey[k]
			for i := range cs {
				c := &cs[i]
				copy(scratch[op.lw:], c.row)
				v, err := op.on(scratch)
				if err != nil {
					return err
				}
				if v.IsNull() || !v.Bool() {
					continue
				}
				if best == nil || op.closer(c.val, c.row, best.val, best.row) {
					best = c
				}
			}
		}
		row := make(sql.Row, 0, op.lw+op.rw)
		row = append(row, l...)
		switch {
		case best != nil:
			row = append(row, best.row...)
		case op.outer:
			for range op.rw {
				row = append(row, sql.Null)
			}
		default:
			return nil
		}
		out.Add(row, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// closer reports whether right row a (inequality value av) is closer to
// the left row than b: the lesser value when least, else the greater;
// between equal values, the lesser row.
func (op *asofJoinOp) closer(av sql.Value, a sql.Row, bv sql.Value, b sql.Row) bool {
	c := sql.Compare(av, bv)
	if !op.least {
		c = -c
	}
	if c != 0 {
		return c < 0
	}
	for i := range a {
		if c := sql.Compare(a[i], b[i]); c != 0 {
			return c < 0
		}
	}
	return false
}
