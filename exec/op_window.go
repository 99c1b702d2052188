package exec

import (
	"context"
	"sort"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// windowOp computes window functions over the whole input epoch: rows are
// partitioned, ordered, and each call's value appended to every row.
type windowOp struct {
	rt    *runtime
	in    Operator
	calls []planner.WindowCall
	out   *sliceOp
}

func (rt *runtime) buildWindow(n *planner.Window) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	return &windowOp{rt: rt, in: in, calls: n.Calls}, nil
}

func (w *windowOp) Next(ctx context.Context) (*Batch, error) {
	if w.out != nil {
		return w.out.Next(ctx)
	}
	var rows []sql.Row
	err := drain(ctx, w.in, func(r sql.Row, d int64) error {
		rows = expand(r, d, rows)
		return nil
	})
	if err != nil {
		return nil, err
	}
	base := 0
	if len(rows) > 0 {
		base = len(rows[0])
	}
	out := make([]sql.Row, len(rows))
	for i, r := range rows {
		out[i] = append(append(make(sql.Row, 0, base+len(w.calls)), r...), make(sql.Row, len(w.calls))...)
	}
	for ci, c := range w.calls {
		if err := w.compute(c, rows, out, base+ci); err != nil {
			return nil, err
		}
	}
	w.out = newSliceOp(out)
	return w.out.Next(ctx)
}

func (w *windowOp) compute(c planner.WindowCall, rows, out []sql.Row, col int) error {
	rt := w.rt
	part, err := rt.compileAll(c.Partition)
	if err != nil {
		return err
	}
	keys, err := rt.compileSortKeys(c.Order)
	if err != nil {
		return err
	}
	args, err := rt.compileAll(c.Args)
	if err != nil {
		return err
	}
	parts := newKeyMap[[]int]()
	sortKeys := make([]sql.Row, len(rows))
	for i, r := range rows {
		pk := make(sql.Row, len(part))
		for j, f := range part {
			if pk[j], err = f(r); err != nil {
				return err
			}
		}
		pi, _ := parts.upsert(pk, func() []int { return nil })
		parts.vals[pi] = append(parts.vals[pi], i)
		sk := make(sql.Row, len(keys))
		for j, k := range keys {
			if sk[j], err = k.eval(r); err != nil {
				return err
			}
		}
		sortKeys[i] = sk
	}
	for _, idxs := range parts.vals {
		sort.SliceStable(idxs, func(a, b int) bool { return compareKeys(keys, sortKeys[idxs[a]], sortKeys[idxs[b]]) < 0 })
		peer := func(a, b int) bool { return compareKeys(keys, sortKeys[idxs[a]], sortKeys[idxs[b]]) == 0 }
		if err := w.partition(c, rows, out, col, idxs, peer, args); err != nil {
			return err
		}
	}
	return nil
}

// partition fills column col for one ordered partition.
func (w *windowOp) partition(c planner.WindowCall, rows, out []sql.Row, col int, idxs []int, peer func(a, b int) bool, args []evalFn) error {
	n := len(idxs)
	arg := func(k, i int) (sql.Value, error) { return args[k](rows[idxs[i]]) }
	switch c.Func {
	case "row_number":
		for i := range idxs {
			out[idxs[i]][col] = sql.NewInt(int64(i + 1))
		}
		return nil
	case "rank", "dense_rank", "percent_rank", "cume_dist":
		rank, dense := 1, 1
		for i := range idxs {
			if i > 0 && !peer(i-1, i) {
				rank = i + 1
				dense++
			}
			switch c.Func {
			case "rank":
				out[idxs[i]][col] = sql.NewInt(int64(rank))
			case "dense_rank":
				out[idxs[i]][col] = sql.NewInt(int64(dense))
			case "percent_rank":
				pr := 0.0
				if n > 1 {
					pr = float64(rank-1) / float64(n-1)
				}
				out[idxs[i]][col] = sql.NewFloat(pr)
			case "cume_dist":
				j := i
				for j+1 < n && peer(j, j+1) {
					j++
				}
				out[idxs[i]][col] = sql.NewFloat(float64(j+1) / float64(n))
			}
		}
		return nil
	case "ntile":
		for i := range idxs {
			b, err := arg(0, i)
			if err != nil {
				return err
			}
			buckets := int(b.Int())
			if buckets <= 0 {
				return sql.Errorf("22014", "argument of ntile must be greater than zero")
			}
			per, extra := n/buckets, n%buckets
			// The first `extra` buckets hold per+1 rows.
			var bucket int
			if i < extra*(per+1) {
				bucket = i/(per+1) + 1
			} else {
				bucket = extra + (i-extra*(per+1))/max(per, 1) + 1
			}
			out[idxs[i]][col] = sql.NewInt(int64(bucket))
		}
		return nil
	case "lag", "lead":
		for i := range idxs {
			off := 1
			if len(args) > 1 {
				v, err := arg(1, i)
				if err != nil {
					return err
				}
				if v.IsNull() {
					out[idxs[i]][col] = sql.Null
					continue
				}
				off = int(v.Int())
			}
			j := i - off
			if c.Func == "lead" {
				j = i + off
			}
			if j >= 0 && j < n {
				v, err := arg(0, j)
				if err != nil {
					return err
				}
				out[idxs[i]][col] = v
			} else if len(args) > 2 {
				v, err := arg(2, i)
				if err != nil {
					return err
				}
				out[idxs[i]][col] = v
			} else {
				out[idxs[i]][col] = sql.Null
			}
		}
		return nil
	}
	// Aggregates and first/last/nth_value over a frame.
	for i := range idxs {
		lo, hi := frameBounds(c, i, n, peer, len(c.Order) > 0)
		switch c.Func {
		case "first_value", "last_value", "nth_value":
			k := lo
			if c.Func == "last_value" {
				k = hi - 1
			}
			if c.Func == "nth_value" {
				nv, err := arg(1, i)
				if err != nil {
					return err
				}
				k = lo + int(nv.Int()) - 1
			}
			if k < lo || k >= hi {
				out[idxs[i]][col] = sql.Null
				continue
			}
			v, err := arg(0, k)
			if err != nil {
				return err
			}
			out[idxs[i]][col] = v
			continue
		}
		acc, err := newAccumulator(planner.AggCall{Func: c.Agg, Args: c.Args, Type: c.Type}, w.rt)
		if err != nil {
			return err
		}
		for k := lo; k < hi; k++ {
			vals := make([]sql.Value, len(args))
			for a := range args {
				if vals[a], err = arg(a, k); err != nil {
					return err
				}
			}
			if err := acc.add(vals, rows[idxs[k]], 1); err != nil {
				return err
			}
		}
		v, err := acc.result()
		if err != nil {
			return err
		}
		out[idxs[i]][col] = v
	}
	return nil
}

// frameBounds returns the [lo, hi) positions of row i's frame.
func frameBounds(c planner.WindowCall, i, n int, peer func(a, b int) bool, ordered bool) (int, int) {
	f := c.Frame
	if f == nil {
		if !ordered {
			return 0, n
		}
		hi := i + 1
		for hi < n && peer(i, hi) {
			hi++
		}
		return 0, hi
	}
	bound := func(k planner.BoundKind, off int64, start bool) int {
		switch k {
		case planner.UnboundedPreceding:
			return 0
		case planner.UnboundedFollowing:
			return n
		case planner.Preceding:
			p := i - int(off)
			if !start {
				p++
			}
			return max(p, 0)
		case planner.Following:
			p := i + int(off)
			if !start {
				p++
			}
			return min(p, n)
		}
		// CURRENT ROW: in RANGE mode it includes the peers.
		if f.Rows {
			if start {
				return i
			}
			return i + 1
		}
		if start {
			s := i
			for s > 0 && peer(s-1, i) {
				s--
			}
			return s
		}
		e := i + 1
		for e < n && peer(i, e) {
			e++
		}
		return e
	}
	lo, hi := bound(f.StartKind, f.StartN, true), bound(f.EndKind, f.EndN, false)
	if hi < lo {
		hi = lo
	}
	return lo, hi
}
