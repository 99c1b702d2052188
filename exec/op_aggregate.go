package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// aggregateOp groups its input and keeps one set of accumulators per group.
// Accumulators take signed changes, so the same operator can maintain a
// view; a batch query reads the groups once the input epoch ends.
type aggregateOp struct {
	rt     *runtime
	in     Operator
	group  []evalFn
	aggs   []planner.AggCall
	args   [][]evalFn
	filter []evalFn
	groups *keyMap[[]accumulator]
	done   bool
	out    *sliceOp
}

func (rt *runtime) buildAggregate(n *planner.Aggregate) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	op := &aggregateOp{rt: rt, in: in, aggs: n.Aggs, groups: newKeyMap[[]accumulator]()}
	if op.group, err = rt.compileAll(n.Group); err != nil {
		return nil, err
	}
	for _, a := range n.Aggs {
		fs, err := rt.compileAll(a.Args)
		if err != nil {
			return nil, err
		}
		op.args = append(op.args, fs)
		var f evalFn
		if a.Filter != nil {
			if f, err = rt.compile(a.Filter); err != nil {
				return nil, err
			}
		}
		op.filter = append(op.filter, f)
		if _, err := newAccumulator(a, rt); err != nil {
			return nil, err
		}
	}
	return op, nil
}

func (a *aggregateOp) newAccs() []accumulator {
	accs := make([]accumulator, len(a.aggs))
	for i, c := range a.aggs {
		accs[i], _ = newAccumulator(c, a.rt)
	}
	return accs
}

func (a *aggregateOp) Next(ctx context.Context) (*Batch, error) {
	if a.out != nil {
		return a.out.Next(ctx)
	}
	key := make(sql.Row, len(a.group))
	argv := make([]sql.Value, 4)
	err := drain(ctx, a.in, func(r sql.Row, d int64) error {
		for i, g := range a.group {
			v, err := g(r)
			if err != nil {
				return err
			}
			key[i] = v
		}
		idx, added := a.groups.upsert(key, a.newAccs)
		if added {
			key = make(sql.Row, len(a.group))
		}
		accs := a.groups.vals[idx]
		for i, acc := range accs {
			if f := a.filter[i]; f != nil {
				v, err := f(r)
				if err != nil {
					return err
				}
				if v.IsNull() || !v.Bool() {
					continue
				}
			}
			args := argv[:0]
			for _, af := range a.args[i] {
				v, err := af(r)
				if err != nil {
					return err
				}
				args = append(args, v)
			}
			if err := acc.add(args, r, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var rows []sql.Row
	if len(a.group) == 0 && a.groups.len() == 0 {
		// An ungrouped aggregate yields one row even over no input.
		a.groups.upsert(sql.Row{}, a.newAccs)
	}
	for i, k := range a.groups.keys {
		row := make(sql.Row, 0, len(k)+len(a.aggs))
		row = append(row, k...)
		for _, acc := range a.groups.vals[i] {
			v, err := acc.result()
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	a.out = newSliceOp(rows)
	return a.out.Next(ctx)
}
