package exec

import (
	"context"
	"slices"

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
	// sets are the grouping sets as, per set, whether each group column is
	// in it; nil for a plain GROUP BY. A set's key is its group values, NULL
	// where absent, followed by the set number.
	sets [][]bool
	// skip and argv hold the current row's FILTER outcome and arguments
	// per aggregate; accumulators copy what they keep.
	skip []bool
	argv [][]sql.Value
	out  *sliceOp
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
	for _, set := range n.GroupingSets {
		in := make([]bool, len(n.Group))
		for _, i := range set {
			in[i] = true
		}
		op.sets = append(op.sets, in)
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
	keyLen := len(a.group)
	if a.sets != nil {
		keyLen++
	}
	key := make(sql.Row, keyLen)
	vals := make(sql.Row, len(a.group))
	a.skip = make([]bool, len(a.aggs))
	a.argv = make([][]sql.Value, len(a.aggs))
	err := drain(ctx, a.in, func(r sql.Row, d int64) error {
		if err := a.evalArgs(r); err != nil {
			return err
		}
		for i, g := range a.group {
			v, err := g(r)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		if a.sets == nil {
			copy(key, vals)
			return a.addRow(&key, r, d)
		}
		// All sets in one pass: the row joins one group of each set.
		for s, in := range a.sets {
			for i, v := range vals {
				if in[i] {
					key[i] = v
				} else {
					key[i] = sql.Null
				}
			}
			key[len(vals)] = sql.NewInt(int64(s))
			if err := a.addRow(&key, r, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var rows []sql.Row
	if len(a.group) == 0 && a.sets == nil && a.groups.len() == 0 {
		// An ungrouped aggregate yields one row even over no input.
		a.groups.upsert(sql.Row{}, a.newAccs)
	}
	for s, in := range a.sets {
		if !slices.Contains(in, true) {
			// So does an empty grouping set.
			k := make(sql.Row, keyLen)
			for i := range a.group {
				k[i] = sql.Null
			}
			k[len(a.group)] = sql.NewInt(int64(s))
			a.groups.upsert(k, a.newAccs)
		}
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

// addRow feeds the current row's arguments (from evalArgs) to the
// accumulators of the group *key, which is replaced when the map keeps it.
func (a *aggregateOp) addRow(key *sql.Row, r sql.Row, d int64) error {
	idx, added := a.groups.upsert(*key, a.newAccs)
	if added {
		// A group costs its key and its accumulators' state.
		if err := a.rt.mem.grow(rowSize(*key) + int64(len(a.aggs))*64); err != nil {
			return err
		}
		*key = make(sql.Row, len(*key))
	}
	for i, acc := range a.groups.vals[idx] {
		if a.skip[i] {
			continue
		}
		if err := acc.add(a.argv[i], r, d); err != nil {
			return err
		}
	}
	return nil
}

// evalArgs evaluates each aggregate's FILTER and arguments over a row once,
// however many grouping sets the row then feeds.
func (a *aggregateOp) evalArgs(r sql.Row) error {
	for i := range a.aggs {
		a.skip[i] = false
		if f := a.filter[i]; f != nil {
			v, err := f(r)
			if err != nil {
				return err
			}
			if v.IsNull() || !v.Bool() {
				a.skip[i] = true
				continue
			}
		}
		args := a.argv[i][:0]
		for _, af := range a.args[i] {
			v, err := af(r)
			if err != nil {
				return err
			}
			args = append(args, v)
		}
		a.argv[i] = args
	}
	return nil
}
