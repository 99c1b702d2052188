package exec

import (
	"context"
	"sort"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

type compiledKey struct {
	eval       evalFn
	desc       bool
	nullsFirst bool
}

func (rt *runtime) compileSortKeys(keys []planner.SortKey) ([]compiledKey, error) {
	out := make([]compiledKey, len(keys))
	for i, k := range keys {
		f, err := rt.compile(k.Expr)
		if err != nil {
			return nil, err
		}
		out[i] = compiledKey{eval: f, desc: k.Desc, nullsFirst: k.NullsFirst}
	}
	return out, nil
}

// compareKeys orders two rows of evaluated sort keys.
func compareKeys(keys []compiledKey, a, b sql.Row) int {
	for i, k := range keys {
		x, y := a[i], b[i]
		var c int
		switch {
		case x.IsNull() && y.IsNull():
			c = 0
		case x.IsNull():
			c = 1
			if k.nullsFirst {
				c = -1
			}
			if k.desc {
				c = -c
			}
		case y.IsNull():
			c = -1
			if k.nullsFirst {
				c = 1
			}
			if k.desc {
				c = -c
			}
		default:
			c = sql.Compare(x, y)
		}
		if c != 0 {
			if k.desc {
				return -c
			}
			return c
		}
	}
	return 0
}

// sortOp orders the whole input epoch (a batch query's ORDER BY).
type sortOp struct {
	rt   *runtime
	in   Operator
	keys []compiledKey
	out  *sliceOp
}

func (rt *runtime) buildSort(n *planner.Sort) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	keys, err := rt.compileSortKeys(n.Keys)
	if err != nil {
		return nil, err
	}
	return &sortOp{rt: rt, in: in, keys: keys}, nil
}

func (s *sortOp) Next(ctx context.Context) (*Batch, error) {
	if s.out != nil {
		return s.out.Next(ctx)
	}
	type item struct {
		row sql.Row
		key sql.Row
	}
	var items []item
	err := drain(ctx, s.in, func(r sql.Row, d int64) error {
		key := make(sql.Row, len(s.keys))
		for i, k := range s.keys {
			v, err := k.eval(r)
			if err != nil {
				return err
			}
			key[i] = v
		}
		for ; d > 0; d-- {
			if err := s.rt.keep(r); err != nil {
				return err
			}
			items = append(items, item{r, key})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(items, func(i, j int) bool { return compareKeys(s.keys, items[i].key, items[j].key) < 0 })
	rows := make([]sql.Row, len(items))
	for i, it := range items {
		rows[i] = it.row
	}
	s.out = newSliceOp(rows)
	return s.out.Next(ctx)
}

// distinctOp keeps a count per distinct row and emits each once.
type distinctOp struct {
	rt   *runtime
	in   Operator
	seen *keyMap[int64]
	on   []evalFn
	b    Batch
}

func (rt *runtime) buildDistinct(n *planner.Distinct) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	on, err := rt.compileAll(n.On)
	if err != nil {
		return nil, err
	}
	return &distinctOp{rt: rt, in: in, seen: newKeyMap[int64](), on: on}, nil
}

func (d *distinctOp) Next(ctx context.Context) (*Batch, error) {
	for {
		b, err := d.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		d.b.reset()
		for i, r := range b.Rows {
			key := r
			if len(d.on) > 0 {
				key = make(sql.Row, len(d.on))
				for j, f := range d.on {
					if key[j], err = f(r); err != nil {
						return nil, err
					}
				}
			}
			idx, added := d.seen.upsert(key, func() int64 { return 0 })
			if added {
				if err := d.rt.keep(key); err != nil {
					return nil, err
				}
			}
			d.seen.vals[idx] += b.Diffs[i]
			if added && b.Diffs[i] > 0 {
				d.b.Add(r, 1)
			}
		}
		if d.b.Len() > 0 {
			return &d.b, nil
		}
	}
}

// setOpOp computes UNION/INTERSECT/EXCEPT [ALL] from per-row counts of
// each side, as the multiset definitions read.
type setOpOp struct {
	rt   *runtime
	n    *planner.SetOp
	l, r Operator
	out  Operator
}

func (rt *runtime) buildSetOp(n *planner.SetOp) (Operator, error) {
	l, err := rt.build(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := rt.build(n.Right)
	if err != nil {
		return nil, err
	}
	if n.Kind == planner.Union && n.All {
		return &concatOp{ins: []Operator{l, r}}, nil
	}
	return &setOpOp{rt: rt, n: n, l: l, r: r}, nil
}

func (s *setOpOp) Next(ctx context.Context) (*Batch, error) {
	if s.out != nil {
		return s.out.Next(ctx)
	}
	counts := newKeyMap[[2]int64]()
	for side, in := range []Operator{s.l, s.r} {
		err := drain(ctx, in, func(r sql.Row, d int64) error {
			i, added := counts.upsert(r, func() [2]int64 { return [2]int64{} })
			if added {
				if err := s.rt.keep(r); err != nil {
					return err
				}
			}
			counts.vals[i][side] += d
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var rows []sql.Row
	for i, k := range counts.keys {
		l, r := counts.vals[i][0], counts.vals[i][1]
		var n int64
		switch s.n.Kind {
		case planner.Union:
			n = min(1, l+r)
		case planner.Intersect:
			n = min(l, r)
			if !s.n.All {
				n = min(n, 1)
			}
		case planner.Except:
			if s.n.All {
				n = max(l-r, 0)
			} else if l > 0 && r <= 0 {
				n = 1
			}
		}
		rows = expand(k, n, rows)
	}
	s.out = newSliceOp(rows)
	return s.out.Next(ctx)
}

// concatOp emits its inputs one after the other (UNION ALL).
type concatOp struct {
	ins []Operator
	i   int
}

func (c *concatOp) Next(ctx context.Context) (*Batch, error) {
	for c.i < len(c.ins) {
		b, err := c.ins[c.i].Next(ctx)
		if err != nil {
			return nil, err
		}
		if b != nil {
			return b, nil
		}
		c.i++
	}
	c.i = 0 // the next epoch starts over
	return nil, nil
}
