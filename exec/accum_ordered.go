package exec

import (
	"math"
	"sort"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// orderedSetAcc computes the ordered-set aggregates percentile_cont,
// percentile_disc and mode. It keeps a count per distinct value, so that
// retractions are as cheap as additions, and sorts the values only for a
// result. As in PostgreSQL, NULL values are ignored.
type orderedSetAcc struct {
	name string
	typ  sql.Type
	desc bool
	// frac is the fraction argument of the latest row (percentile_*): it is
	// a direct argument, the same for every row of a group.
	frac sql.Value
	vals *keyMap[int64]
}

func newOrderedSetAcc(c planner.AggCall) *orderedSetAcc {
	a := &orderedSetAcc{name: c.Func.Name, typ: c.Type, vals: newKeyMap[int64]()}
	if len(c.Order) > 0 {
		a.desc = c.Order[0].Desc
	}
	return a
}

func (a *orderedSetAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	v := args[len(args)-1]
	if len(args) > 1 {
		a.frac = args[0]
	}
	if v.IsNull() {
		return nil
	}
	i, _ := a.vals.upsert(sql.Row{v}, func() int64 { return 0 })
	a.vals.vals[i] += d
	return nil
}

// counted is one distinct value and how many rows hold it.
type counted struct {
	v sql.Value
	n int64
}

// sorted returns the values present, in the WITHIN GROUP order, and their
// total count.
func (a *orderedSetAcc) sorted() ([]counted, int64) {
	var out []counted
	var total int64
	for i, k := range a.vals.keys {
		if n := a.vals.vals[i]; n > 0 {
			out = append(out, counted{k[0], n})
			total += n
		}
	}
	sort.Slice(out, func(i, j int) bool {
		c := sql.Compare(out[i].v, out[j].v)
		if a.desc {
			return c > 0
		}
		return c < 0
	})
	return out, total
}

// nth returns the value of row i (0-based) of the sorted rows.
func nth(vs []counted, i int64) sql.Value {
	for _, c := range vs {
		if i < c.n {
			return c.v
		}
		i -= c.n
	}
	return sql.Null
}

func (a *orderedSetAcc) result() (sql.Value, error) {
	vs, total := a.sorted()
	if total == 0 {
		return sql.Null, nil
	}
	if a.name == "mode" {
		// The first of the most frequent values in sort order, as
		// PostgreSQL's scan of the sorted input keeps.
		best := vs[0]
		for _, c := range vs[1:] {
			if c.n > best.n {
				best = c
			}
		}
		return best.v, nil
	}
	if a.frac.IsNull() {
		return sql.Null, nil
	}
	if !a.typ.IsArray() {
		return a.percentile(vs, total, a.frac.Float())
	}
	fracs := a.frac.Array()
	out := make([]sql.Value, len(fracs))
	for i, f := range fracs {
		if f.IsNull() {
			out[i] = sql.Null
			continue
		}
		v, err := a.percentile(vs, total, f.Float())
		if err != nil {
			return sql.Null, err
		}
		out[i] = v
	}
	return sql.NewArray(out), nil
}

// percentile follows PostgreSQL's percentile_disc_final and
// percentile_cont_final (orderedsetaggs.c), including the interpolation
// lo + p * (hi - lo).
func (a *orderedSetAcc) percentile(vs []counted, total int64, p float64) (sql.Value, error) {
	if p < 0 || p > 1 || math.IsNaN(p) {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "percentile value %g is not between 0 and 1", p)
	}
	if a.name == "percentile_disc" {
		row := int64(math.Ceil(p * float64(total)))
		return nth(vs, max(row, 1)-1), nil
	}
	pos := p * float64(total-1)
	first, second := int64(math.Floor(pos)), int64(math.Ceil(pos))
	lo := nth(vs, first)
	if first == second {
		return lo, nil
	}
	hi := nth(vs, second)
	frac := pos - float64(first)
	if lo.Kind() == sql.KindInterval {
		l, h := lo.Interval(), hi.Interval()
		diff := sql.IntervalValue{Months: h.Months - l.Months, Days: h.Days - l.Days, Micros: h.Micros - l.Micros}
		s := scaleInterval(diff, frac)
		return sql.NewInterval(sql.IntervalValue{Months: l.Months + s.Months, Days: l.Days + s.Days, Micros: l.Micros + s.Micros}), nil
	}
	return sql.NewFloat(lo.Float() + frac*(hi.Float()-lo.Float())), nil
}
