package exec

import (
	"reflect"

	"github.com/eddysql/eddy/planner"
)

// A join of rows with their group's max (or min) over the same rows,
// Nexmark q5's shape:
//
//	SELECT ... FROM x JOIN (SELECT max(c) AS m, g FROM x GROUP BY g) y
//	  ON x.g = y.g AND x.c >= y.m
//
// keeps the rows of each group whose c is the extreme. Built as written
// it computes x twice, aggregates one copy and joins every change of the
// other against it. maxJoinShape recognizes it (x the same plan on both
// sides, up to a projection), and topNOp in ties mode maintains it from
// one copy of x: partitioned by g, ordered by c, keeping the rows tied
// with the first, each followed by the join's right columns, which are
// its own g and c.

// maxJoin is what maxJoinShape finds: the left columns of the groups and
// of the aggregated value, and the left column each right column equals.
type maxJoin struct {
	part  []int
	arg   int
	max   bool
	extra []int
}

// maxJoinShape reports whether n joins rows with their group's extreme.
func maxJoinShape(n *planner.Join) (maxJoin, bool) {
	var m maxJoin
	if n.Kind != planner.JoinInner {
		return m, false
	}
	rp, ok := n.Right.(*planner.Project)
	if !ok {
		return m, false
	}
	agg, ok := rp.Input.(*planner.Aggregate)
	if !ok || agg.GroupingSets != nil || len(agg.Aggs) != 1 || len(agg.Group) == 0 {
		return m, false
	}
	a := agg.Aggs[0]
	if (a.Func.Name != "max" && a.Func.Name != "min") || len(a.Args) != 1 || a.Filter != nil || len(a.Order) != 0 {
		return m, false
	}
	m.max = a.Func.Name == "max"
	// Exact values only: the join shows the aggregate's own value and
	// group, which for equal values of other forms (1.0, 1.00) could be
	// another row's.
	if t := a.Args[0].Type(); !keyOrdered(t) || !keyExact(t) {
		return m, false
	}
	toLeft := projectedFrom(n.Left, agg.Input)
	if toLeft == nil {
		return m, false
	}
	if m.arg, ok = toLeft(a.Args[0]); !ok {
		return m, false
	}
	for _, g := range agg.Group {
		c, ok := toLeft(g)
		if !ok || !keyExact(g.Type()) {
			return m, false
		}
		m.part = append(m.part, c)
	}
	// The right columns: groups or the aggregate.
	for _, e := range rp.Exprs {
		c, ok := e.(*planner.ColRef)
		switch {
		case !ok || c.Idx > len(agg.Group):
			return m, false
		case c.Idx == len(agg.Group):
			m.extra = append(m.extra, m.arg)
		default:
			m.extra = append(m.extra, m.part[c.Idx])
		}
	}
	// The equi-join pairs each left row with its own group, and may hold
	// the condition on the extreme (x.c = y.m) too.
	covered, reached := make([]bool, len(agg.Group)), false
	for i := range n.LeftKeys {
		l, ok1 := n.LeftKeys[i].(*planner.ColRef)
		r, ok2 := n.RightKeys[i].(*planner.ColRef)
		if !ok1 || !ok2 {
			return m, false
		}
		g, ok := rp.Exprs[r.Idx].(*planner.ColRef)
		switch {
		case !ok:
			return m, false
		case g.Idx == len(agg.Group) && l.Idx == m.arg:
			reached = true
		case g.Idx >= len(agg.Group) || m.part[g.Idx] != l.Idx:
			return m, false
		default:
			covered[g.Idx] = true
		}
	}
	for _, c := range covered {
		if !c {
			return m, false
		}
	}
	if reached && n.On == nil {
		return m, true
	}
	if reached || n.On == nil {
		return m, false
	}
	// Else ON holds it: the row's value reaches the extreme.
	b, ok := n.On.(*planner.BinOp)
	if !ok {
		return m, false
	}
	op, l, r := b.Op, b.L, b.R
	lw := len(n.Left.Columns())
	if c, ok := l.(*planner.ColRef); ok && c.Idx >= lw {
		op, l, r = op.Commute(), r, l
	}
	lc, ok1 := l.(*planner.ColRef)
	rc, ok2 := r.(*planner.ColRef)
	if !ok1 || !ok2 || lc.Idx != m.arg || rc.Idx < lw || rc.Idx-lw >= len(rp.Exprs) {
		return m, false
	}
	if g, ok := rp.Exprs[rc.Idx-lw].(*planner.ColRef); !ok || g.Idx != len(agg.Group) {
		return m, false
	}
	switch {
	case op == planner.OpEq, m.max && op == planner.OpGe, !m.max && op == planner.OpLe:
	default:
		return m, false
	}
	return m, true
}

// projectedFrom returns, when the rows of in are those of left up to a
// projection, how an expression over in that is a column reads a column
// of left; nil otherwise. Either side may be a projection of the other
// (column pruning narrows a join's left side, not an aggregate's input),
// or both projections of one plan.
func projectedFrom(left, in planner.Node) func(planner.Expr) (int, bool) {
	col := func(e planner.Expr) (int, bool) {
		c, ok := e.(*planner.ColRef)
		if !ok {
			return 0, false
		}
		return c.Idx, true
	}
	if samePlan(left, in) {
		return col
	}
	lp, ok1 := left.(*planner.Project)
	ip, ok2 := in.(*planner.Project)
	switch {
	case ok1 && ok2 && samePlan(lp.Input, ip.Input):
		return func(e planner.Expr) (int, bool) {
			i, ok := col(e)
			if !ok {
				return 0, false
			}
			return findExpr(lp.Exprs, ip.Exprs[i])
		}
	case ok1 && samePlan(lp.Input, in):
		return func(e planner.Expr) (int, bool) {
			if _, ok := col(e); !ok {
				return 0, false
			}
			return findExpr(lp.Exprs, e)
		}
	case ok2 && samePlan(left, ip.Input):
		return func(e planner.Expr) (int, bool) {
			i, ok := col(e)
			if !ok {
				return 0, false
			}
			return col(ip.Exprs[i])
		}
	}
	return nil
}

// findExpr returns the position of the first of exprs that is x.
func findExpr(exprs []planner.Expr, x planner.Expr) (int, bool) {
	for j, e := range exprs {
		if samePlan(e, x) {
			return j, true
		}
	}
	return 0, false
}

// maxJoinOp builds topNOp in ties mode for a join that maxJoinShape
// recognized.
func (f *dataflow) maxJoinOp(rt *runtime, n *planner.Join, m maxJoin) (Operator, error) {
	t := &topNOp{rt: rt, ties: true, extra: m.extra, prefix: f.opPrefix(), appendOnly: appendOnly(n.Left, noViews)}
	t.grow = f.rel.Options[topNTiesOption] == topNTiesGrow && !t.appendOnly && growingMax(n.Left, m)
	var err error
	if t.in, err = rt.build(n.Left); err != nil {
		return nil, err
	}
	cols := n.Left.Columns()
	part := make([]planner.Expr, len(m.part))
	for i, c := range m.part {
		part[i] = &planner.ColRef{Idx: c, Typ: cols[c].Type}
	}
	if t.part, err = rt.compileAll(part); err != nil {
		return nil, err
	}
	arg, err := rt.compile(&planner.ColRef{Idx: m.arg, Typ: cols[m.arg].Type})
	if err != nil {
		return nil, err
	}
	// NULLs last: the first row's value is NULL only when all are.
	t.order = []compiledKey{{eval: arg, desc: m.max}}
	f.closing(t.prefix, [][]byte{{0x00}, {0x01}}, []planner.Node{n.Left}, [][]planner.Expr{part})
	return t, nil
}

// samePlan reports whether two plans (or expressions) compute the same
// rows: equal but for the names and aliases of their columns.
func samePlan(a, b any) bool {
	return sameValue(reflect.ValueOf(a), reflect.ValueOf(b), map[[2]uintptr]bool{})
}

var columnType = reflect.TypeOf(planner.Column{})

func sameValue(a, b reflect.Value, seen map[[2]uintptr]bool) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		pair := [2]uintptr{a.Pointer(), b.Pointer()}
		if pair[0] == pair[1] || seen[pair] {
			return true
		}
		seen[pair] = true
		return sameValue(a.Elem(), b.Elem(), seen)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem(), seen)
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameValue(a.Index(i), b.Index(i), seen) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type() == columnType {
				if n := a.Type().Field(i).Name; n == "Name" || n == "Table" {
					continue
				}
			}
			if !sameValue(a.Field(i), b.Field(i), seen) {
				return false
			}
		}
		return true
	case reflect.Map, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		// None in plans but their caches; only absent ones compare.
		return a.IsNil() && b.IsNil()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	case reflect.String:
		return a.String() == b.String()
	}
	return false
}
