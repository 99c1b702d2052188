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
}

func (rt *runtime) buildJoin(n *planner.Join) (Operator, error) {
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
	for {
		b, err := j.l.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			return j.padRight()
		}
		j.b.reset()
		for i, l := range b.Rows {
			d := b.Diffs[i]
			found := false
			visit := func(ri int) error {
				row := j.concat(l, j.rrows[ri])
				if j.on != nil {
					v, err := j.on(row)
					if err != nil {
						return err
					}
					if v.IsNull() || !v.Bool() {
						return nil
					}
				}
				found = true
				j.matched[ri] = true
				switch j.kind {
				case planner.JoinSemi, planner.JoinAnti:
				default:
					j.b.Add(row, d*j.rdiffs[ri])
				}
				return nil
			}
			if len(j.lkeys) == 0 {
				for ri := range j.rrows {
					if err := visit(ri); err != nil {
						return nil, err
					}
				}
			} else if key, ok, err := evalKey(j.lkeys, l); err != nil {
				return nil, err
			} else if ok {
				if ti := j.table.find(key); ti >= 0 {
					for _, ri := range j.table.vals[ti] {
						if err := visit(ri); err != nil {
							return nil, err
						}
					}
				}
			}
			switch j.kind {
			case planner.JoinLeft, planner.JoinFull:
				if !found {
					j.b.Add(j.concat(l, nil), d)
				}
			case planner.JoinSemi:
				if found {
					j.b.Add(l, d)
				}
			case planner.JoinAnti:
				if !found {
					j.b.Add(l, d)
				}
			}
		}
		if j.b.Len() > 0 {
			return &j.b, nil
		}
	}
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
