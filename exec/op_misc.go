package exec

import (
	"context"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// buildTableFunc evaluates a set-returning function in FROM.
func (rt *runtime) buildTableFunc(n *planner.TableFunc) (Operator, error) {
	args, err := rt.compileAll(n.Args)
	if err != nil {
		return nil, err
	}
	vals := make([]sql.Value, len(args))
	for i, f := range args {
		if vals[i], err = f(nil); err != nil {
			return nil, err
		}
	}
	if n.Name == "generate_series" && n.Cols[0].Type.Kind() == sql.KindInt && !anyNull(vals) {
		step := int64(1)
		if len(vals) == 3 {
			step = vals[2].Int()
		}
		if step == 0 {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "step size cannot equal zero")
		}
		return &seriesOp{next: vals[0].Int(), stop: vals[1].Int(), step: step, ordinality: n.Ordinality}, nil
	}
	rows, err := rt.srfRows(n.Name, vals, n.Args, n.Cols)
	if err != nil {
		return nil, err
	}
	if n.Ordinality {
		for i, r := range rows {
			rows[i] = append(r, sql.NewInt(int64(i+1)))
		}
	}
	return newSliceOp(rows), nil
}

func anyNull(vals []sql.Value) bool {
	for _, v := range vals {
		if v.IsNull() {
			return true
		}
	}
	return false
}

func addValues(a, b sql.Value, t sql.Type) (sql.Value, error) {
	switch t.Kind() {
	case sql.KindFloat:
		return floatOp(planner.OpAdd, a.Float(), b.Float(), t)
	case sql.KindNumeric:
		return numericOp(planner.OpAdd, a.Numeric(), b.Numeric())
	}
	return intOp(planner.OpAdd, a.Int(), b.Int(), t)
}

// buildCTERef computes a CTE once per statement and replays its rows.
func (rt *runtime) buildCTERef(n *planner.CTERef) (Operator, error) {
	rows, ok := rt.ctes[n.CTE]
	if !ok {
		var err error
		if rows, err = rt.evalCTE(n.CTE); err != nil {
			return nil, err
		}
		rt.ctes[n.CTE] = rows
	}
	return newSliceOp(rows), nil
}

// evalCTE runs a CTE; a recursive one iterates its step over the rows the
// previous iteration added until none are new.
func (rt *runtime) evalCTE(c *planner.CTE) ([]sql.Row, error) {
	rows, err := rt.collect(rt.ctx, c.Plan, -1)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := rt.keep(r); err != nil {
			return nil, err
		}
	}
	if c.Recursive == nil {
		return rows, nil
	}
	var seen *keyMap[struct{}]
	if !c.UnionAll {
		seen = newKeyMap[struct{}]()
		uniq := rows[:0:0]
		for _, r := range rows {
			if _, added := seen.upsert(r, func() struct{} { return struct{}{} }); added {
				uniq = append(uniq, r)
			}
		}
		rows = uniq
	}
	all := append([]sql.Row(nil), rows...)
	work := rows
	for iter := 0; len(work) > 0; iter++ {
		if err := rt.ctx.Err(); err != nil {
			return nil, err
		}
		// The step's reference to the CTE reads the previous iteration.
		rt.ctes[c] = work
		next, err := rt.collect(rt.ctx, c.Recursive, -1)
		if err != nil {
			return nil, err
		}
		if seen != nil {
			uniq := next[:0:0]
			for _, r := range next {
				if _, added := seen.upsert(r, func() struct{} { return struct{}{} }); added {
					uniq = append(uniq, r)
				}
			}
			next = uniq
		}
		for _, r := range next {
			if err := rt.keep(r); err != nil {
				return nil, err
			}
		}
		all = append(all, next...)
		work = next
	}
	delete(rt.ctes, c)
	return all, nil
}

// seriesOp streams an integer generate_series, so a long series costs no
// memory and stops promptly when the statement is cancelled.
type seriesOp struct {
	next, stop, step int64
	ordinality       bool
	pos              int64
	done             bool
	b                Batch
}

func (s *seriesOp) Next(ctx context.Context) (*Batch, error) {
	if s.done {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.b.reset()
	width := 1
	if s.ordinality {
		width = 2
	}
	vals := make([]sql.Value, 0, batchSize*width)
	for s.b.Len() < batchSize {
		if (s.step > 0 && s.next > s.stop) || (s.step < 0 && s.next < s.stop) {
			s.done = true
			break
		}
		s.pos++
		vals = append(vals, sql.NewInt(s.next))
		if s.ordinality {
			vals = append(vals, sql.NewInt(s.pos))
		}
		s.b.Add(vals[len(vals)-width:len(vals):len(vals)], 1)
		n := s.next + s.step
		if (n > s.next) != (s.step > 0) { // overflow ends the series
			s.done = true
			break
		}
		s.next = n
	}
	if s.b.Len() == 0 {
		return nil, nil
	}
	return &s.b, nil
}
