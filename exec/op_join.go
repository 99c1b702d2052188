package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// joinOp is a hash join (nested loop when there are no equality keys): it
// builds the right input, then streams the left through it. Outer joins pad
// unmatched rows with NULLs; a right or full join tracks which build rows
// found a partner.
type joinOp struct {
	rt         *runtime
	kind       planner.JoinKind
	l, r       Operator
	lkeys      []evalFn
	rkeys      []evalFn
	on         evalFn
	lw, rw     int
	built      bool
	table      *keyMap[[]int] // right key -> right row indexes
	rrows      []sql.Row
	rdiffs     []int64
	matched    []bool
	emittedPad bool
	b          Batch

	// Where probing stopped: the left batch, the row in it, and the next
	// candidate build row (cands: the key's rows; nil: all of them).
	lb      *Batch
	li      int
	started bool
	found   bool
	pos     int
	cands   []int
}

func (rt *runtime) buildJoin(n *planner.Join) (Operator, error) {
	if n.Asof {
		return rt.buildAsofJoin(n)
	}
	l, err := rt.build(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := rt.build(n.Right)
	if err != nil {
		return nil, err
	}
	op := &joinOp{rt: rt, kind: n.Kind, l: l, r: r, lw: len(n.Left.Columns()), rw: len(n.Right.Columns())}
	if op.lkeys, err = rt.compileAll(n.LeftKeys); err != nil {
		return nil, err
	}
	if op.rkeys, err = rt.compileAll(n.RightKeys); err != nil {
		return nil, err
	}
	if n.On != nil {
		if op.on, err = rt.compileQual(n.On); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// pushJoinFilters moves join conditions over one input below the join in a
// batch query's plan (planner.PushJoinFilters), then lets the optimizer turn
// the moved filters into index scans.
func pushJoinFilters(n planner.Node) planner.Node {
	if m, ok := planner.PushJoinFilters(n); ok {
		n, _ = planner.Optimize(m)
	}
	return n
}

func evalKey(fs []evalFn, r sql.Row) (sql.Row, bool, error) {
	key := make(sql.Row, len(fs))
	for i, f := range fs {
		v, err := f(r)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() {
			return nil, false, nil
		}
		key[i] = v
	}
	return key, true, nil
}

func (j *joinOp) build(ctx context.Context) error {
	j.table = newKeyMap[[]int]()
	err := drain(ctx, j.r, func(r sql.Row, d int64) error {
		if err := j.rt.keep(r); err != nil {
			return err
		}
		idx := len(j.rrows)
		j.rrows = append(j.rrows, r)
		j.rdiffs = append(j.rdiffs, d)
		if len(j.rkeys) == 0 {
			return nil
		}
		key, ok, err := evalKey(j.rkeys, r)
		if err != nil || !ok {
			return err
		}
		i, _ := j.table.upsert(key, func() []int { return nil })
		j.table.vals[i] = append(j.table.vals[i], idx)
		return nil
	})
	j.matched = make([]bool, len(j.rrows))
	j.built = true
	return err
}

func (j *joinOp) concat(l, r sql.Row) sql.Row {
	out := make(sql.Row, j.lw+j.rw)
	if l != nil {
		copy(out, l)
	}
	if r != nil {
		copy(out[j.lw:], r)
	}
	return out
}

func (j *joinOp) Next(ctx context.Context) (*Batch, error) {
	if !j.built {
		if err := j.build(ctx); err != nil {
			return nil, err
		}
	}
	j.b.reset()
	for {
		if j.lb == nil || j.li >= len(j.lb.Rows) {
			if j.b.Len() > 0 {
				// Hand over what this left batch produced before asking the
				// left input for its next one, which may reuse its rows.
				return &j.b, nil
			}
			b, err := j.l.Next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil {
				j.lb = nil
				return j.padRight()
			}
			j.lb, j.li, j.started = b, 0, false
		}
		if err := j.probe(); err != nil {
			return nil, err
		}
		if j.b.Len() >= batchSize {
			return &j.b, nil
		}
	}
}

// probe matches the current left row (j.lb.Rows[j.li]) against the build
// side, resuming where the previous call stopped: a cross product emits at
// most batchSize rows per batch, so a chain of nested loops never holds the
// product of its inputs at once.
func (j *joinOp) probe() error {
	l, d := j.lb.Rows[j.li], j.lb.Diffs[j.li]
	if !j.started {
		j.started, j.found, j.pos = true, false, 0
		j.cands = nil
		if len(j.lkeys) > 0 {
			key, ok, err := evalKey(j.lkeys, l)
			if err != nil {
				return err
			}
			j.cands = []int{}
			if ok {
				if ti := j.table.find(key); ti >= 0 {
					j.cands = j.table.vals[ti]
				}
			}
		}
	}
	n := len(j.rrows)
	if j.cands != nil {
		n = len(j.cands)
	}
	for ; j.pos < n; j.pos++ {
		if j.b.Len() >= batchSize {
			return nil
		}
		ri := j.pos
		if j.cands != nil {
			ri = j.cands[j.pos]
		}
		row := j.concat(l, j.rrows[ri])
		if j.on != nil {
			v, err := j.on(row)
			if err != nil {
				return err
			}
			if v.IsNull() || !v.Bool() {
				continue
			}
		}
		j.found = true
		j.matched[ri] = true
		switch j.kind {
		case planner.JoinSemi, planner.JoinAnti:
			// One partner decides the row; the rest cannot change it.
			j.pos = n
		default:
			j.b.Add(row, d*j.rdiffs[ri])
		}
	}
	switch j.kind {
	case planner.JoinLeft, planner.JoinFull:
		if !j.found {
			j.b.Add(j.concat(l, nil), d)
		}
	case planner.JoinSemi:
		if j.found {
			j.b.Add(l, d)
		}
	case planner.JoinAnti:
		if !j.found {
			j.b.Add(l, d)
		}
	}
	j.li++
	j.started = false
	return nil
}

// padRight emits the build rows that never matched, for RIGHT and FULL joins.
func (j *joinOp) padRight() (*Batch, error) {
	if j.emittedPad || (j.kind != planner.JoinRight && j.kind != planner.JoinFull) {
		return nil, nil
	}
	j.emittedPad = true
	j.b.reset()
	for i, r := range j.rrows {
		if !j.matched[i] {
			j.b.Add(j.concat(nil, r), j.rdiffs[i])
		}
	}
	if j.b.Len() == 0 {
		return nil, nil
	}
	return &j.b, nil
}
