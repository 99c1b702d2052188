package exec

import (
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// firstLastAcc is RisingWave's first_value and last_value as aggregates:
// the argument of the group's first (last) row in the call's ORDER BY,
// NULL or not. It keeps each distinct (argument, sort key) with its count,
// so a retraction undoes exactly what an addition did. Rows that tie on the
// sort key are told apart by the argument's own order, so that the answer
// does not depend on the order in which rows arrived.
type firstLastAcc struct {
	last  bool
	keys  []compiledKey
	items []firstLastItem
}

type firstLastItem struct {
	arg  sql.Value
	sort sql.Row
	n    int64
}

func newFirstLastAcc(c planner.AggCall, rt *runtime) (*firstLastAcc, error) {
	keys, err := rt.compileSortKeys(c.Order)
	if err != nil {
		return nil, err
	}
	return &firstLastAcc{last: c.Func.Name == "last_value", keys: keys}, nil
}

func (a *firstLastAcc) add(args []sql.Value, r sql.Row, d int64) error {
	sort := make(sql.Row, len(a.keys))
	for i, k := range a.keys {
		v, err := k.eval(r)
		if err != nil {
			return err
		}
		sort[i] = v
	}
	arg := args[0]
	for i := range a.items {
		it := &a.items[i]
		if compareKeys(a.keys, it.sort, sort) == 0 && compareArg(it.arg, arg) == 0 {
			it.n += d
			if it.n == 0 {
				a.items[i] = a.items[len(a.items)-1]
				a.items = a.items[:len(a.items)-1]
			}
			return nil
		}
	}
	if d > 0 {
		a.items = append(a.items, firstLastItem{arg: arg, sort: sort, n: d})
	}
	return nil
}

func (a *firstLastAcc) result() (sql.Value, error) {
	best := -1
	for i := range a.items {
		if a.items[i].n <= 0 {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		c := compareKeys(a.keys, a.items[i].sort, a.items[best].sort)
		if c == 0 {
			c = compareArg(a.items[i].arg, a.items[best].arg)
		}
		if (c < 0) != a.last && c != 0 {
			best = i
		}
	}
	if best < 0 {
		return sql.Null, nil
	}
	return a.items[best].arg, nil
}

// compareArg orders two argument values, NULL last.
func compareArg(x, y sql.Value) int {
	switch {
	case x.IsNull() && y.IsNull():
		return 0
	case x.IsNull():
		return 1
	case y.IsNull():
		return -1
	}
	return sql.Compare(x, y)
}
