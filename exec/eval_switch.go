package exec

import (
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Equality against constants. Nexmark's q21 writes
//
//	CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' ...
//	... OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')
//
// which the general evaluation runs as a chain of comparisons, each a
// closure call returning a Value. Here a CASE whose every WHEN compares the
// same expression with a constant evaluates that expression once and looks
// its value up, and an IN over constants looks its input up in a set.
//
// The lookup is exact only where sql.Compare's equality is: two texts (or
// two ints) are equal when their bytes (their integers) are. So a table is
// built only for constants all of one such kind, and a value of another
// kind at run time (an int compared with a float) takes the comparisons
// over the constants, as the general path would, without evaluating the
// expression again.

// constTable maps the constants of one kind to the index of the first
// that equals a value.
type constTable struct {
	kind  sql.Kind // KindText or KindInt; KindNull when no table applies
	texts map[string]int
	ints  map[int64]int
	vals  []sql.Value // the constants in order, NULL ones included
}

func newConstTable(vals []sql.Value) *constTable {
	t := &constTable{vals: vals, kind: sql.KindNull}
	for _, v := range vals {
		switch {
		case v.IsNull():
		case t.kind == sql.KindNull && (v.Kind() == sql.KindText || v.Kind() == sql.KindInt):
			t.kind = v.Kind()
		case v.Kind() != t.kind:
			t.kind = sql.KindNull
			return t
		}
	}
	switch t.kind {
	case sql.KindText:
		t.texts = make(map[string]int, len(vals))
	case sql.KindInt:
		t.ints = make(map[int64]int, len(vals))
	}
	// Backwards, so that a repeated constant keeps its first index.
	for i := len(vals) - 1; i >= 0; i-- {
		v := vals[i]
		switch {
		case v.IsNull():
		case t.texts != nil:
			t.texts[v.Text()] = i
		case t.ints != nil:
			t.ints[v.Int()] = i
		}
	}
	return t
}

// find returns the index of the first constant equal to v (v not NULL),
// or -1.
func (t *constTable) find(v sql.Value) int {
	if v.Kind() == t.kind {
		var i int
		var ok bool
		if t.texts != nil {
			i, ok = t.texts[v.Text()]
		} else {
			i, ok = t.ints[v.Int()]
		}
		if !ok {
			return -1
		}
		return i
	}
	for i := range t.vals {
		if !t.vals[i].IsNull() && sql.Compare(v, t.vals[i]) == 0 {
			return i
		}
	}
	return -1
}

// eqConstKind reports whether a comparison between types a and b is
// sql.Compare's, which the table mirrors: text or int on both sides
// (numeric operands compare by compareNumeric).
func eqConstKind(a, b sql.Type) bool {
	ka, kb := a.Kind(), b.Kind()
	return ka == kb && (ka == sql.KindText || ka == sql.KindInt)
}

// switchKey is the structural key of a CASE's compared expression, and
// ok when it has no volatile part, so that evaluating it once per row
// rather than once per WHEN changes nothing but the cost.
func switchKey(e planner.Expr) (string, bool) {
	if _, isConst := e.(*planner.Const); isConst {
		return "", false
	}
	c := &cseScope{keys: map[planner.Expr]string{}}
	key, ok, _ := c.walk(e, map[string]int{})
	return key, ok
}

// compileCaseSwitch compiles a CASE whose WHENs are all `x = constant`
// (either side) over one expression x; ok is false for any other CASE.
func (rt *runtime) compileCaseSwitch(e *planner.Case) (f evalFn, ok bool, err error) {
	if len(e.Whens) < 2 {
		return nil, false, nil
	}
	var x planner.Expr
	var xkey string
	consts := make([]sql.Value, len(e.Whens))
	for i, w := range e.Whens {
		b, isBin := w.Cond.(*planner.BinOp)
		if !isBin || b.Op != planner.OpEq || !eqConstKind(b.L.Type(), b.R.Type()) {
			return nil, false, nil
		}
		side, k := b.L, b.R
		if _, isConst := k.(*planner.Const); !isConst {
			side, k = b.R, b.L
		}
		c, isConst := k.(*planner.Const)
		if !isConst {
			return nil, false, nil
		}
		key, shareable := switchKey(side)
		if !shareable || (x != nil && key != xkey) {
			return nil, false, nil
		}
		if x == nil {
			x, xkey = side, key
		}
		consts[i] = c.Val
	}
	xf, err := rt.compile(x)
	if err != nil {
		return nil, true, err
	}
	results := make([]evalFn, len(e.Whens))
	for i, w := range e.Whens {
		if results[i], err = rt.compile(w.Result); err != nil {
			return nil, true, err
		}
	}
	els := func(sql.Row) (sql.Value, error) { return sql.Null, nil }
	if e.Else != nil {
		if els, err = rt.compile(e.Else); err != nil {
			return nil, true, err
		}
	}
	table := newConstTable(consts)
	return func(row sql.Row) (sql.Value, error) {
		v, err := xf(row)
		if err != nil {
			return v, err
		}
		if v.IsNull() {
			return els(row)
		}
		if i := table.find(v); i >= 0 {
			return results[i](row)
		}
		return els(row)
	}, true, nil
}

// compileInSet compiles an IN whose list is all constants; ok is false
// otherwise.
func (rt *runtime) compileInSet(e *planner.InList) (f evalFn, ok bool, err error) {
	if len(e.List) < 2 {
		return nil, false, nil
	}
	consts := make([]sql.Value, len(e.List))
	sawNull := false
	for i, l := range e.List {
		c, isConst := l.(*planner.Const)
		if !isConst || !eqConstKind(e.Input.Type(), c.Type()) {
			return nil, false, nil
		}
		consts[i] = c.Val
		sawNull = sawNull || c.Val.IsNull()
	}
	in, err := rt.compile(e.Input)
	if err != nil {
		return nil, true, err
	}
	table := newConstTable(consts)
	found, missing := sql.NewBool(!e.Not), sql.NewBool(e.Not)
	if sawNull {
		missing = sql.Null
	}
	return func(row sql.Row) (sql.Value, error) {
		v, err := in(row)
		if err != nil || v.IsNull() {
			return sql.Null, err
		}
		if table.find(v) >= 0 {
			return found, nil
		}
		return missing, nil
	}, true, nil
}
