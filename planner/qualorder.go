package planner

import "slices"

// orderQuals sorts a filter's conjuncts by their estimated cost, cheapest
// first and otherwise in the order written, as PostgreSQL's planner does
// (order_qual_clauses). SQL leaves the order unspecified, but it is
// observable: WHERE 1 / x = 0 AND x BETWEEN 3 AND 8 never divides by a zero x
// in PostgreSQL, because the two cheap comparisons run first and reject the
// row. Cheap first is also the faster order.
func orderQuals(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return nil, false
	}
	cs := conjuncts(f.Pred)
	if len(cs) < 2 {
		return nil, false
	}
	costs := make([]float64, len(cs))
	for i, c := range cs {
		costs[i] = qualCost(c)
		if !readsRow(c) {
			// PostgreSQL evaluates a conjunct that reads no row once, as a
			// gate in front of the scan (a "one-time filter"), so it
			// precedes every other.
			costs[i] = -1
		}
	}
	if slices.IsSorted(costs) {
		return nil, false
	}
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case costs[a] < costs[b]:
			return -1
		case costs[a] > costs[b]:
			return 1
		}
		return 0
	})
	sorted := make([]Expr, len(cs))
	for i, j := range idx {
		sorted[i] = cs[j]
	}
	return &Filter{Input: f.Input, Pred: conjoin(sorted)}, true
}

// subqueryCost stands for running a correlated subquery per row: far above
// any expression, as in PostgreSQL, where a subplan costs at least its plan.
// An uncorrelated one runs once, and then costs a row nothing more.
const subqueryCost = 1000

// qualCost estimates an expression's evaluation cost in operator calls,
// after PostgreSQL's cost_qual_eval: each operator, function and cast is
// one, an IN list about half its length (it stops at the first match), a
// subquery very many, and everything else only what its operands cost.
func qualCost(e Expr) float64 {
	var own float64
	switch x := e.(type) {
	case *BinOp, *Call, *Cast, *Neg, *BitNot, *Like, *ArrayCmp, *MinMax:
		own = 1
	case *InList:
		own = 0.5 * float64(len(x.List))
	case *Subquery:
		if x.Correlated {
			own = subqueryCost
		}
	}
	for _, c := range exprChildren(e) {
		own += qualCost(c)
	}
	return own
}

// readsRow reports whether e depends on the row it is evaluated for: it
// reads a column or runs a correlated subquery.
func readsRow(e Expr) bool {
	reads := false
	walkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef:
			reads = true
		case *Subquery:
			reads = reads || x.Correlated
		}
		return !reads
	})
	return reads
}

// literalsFirst moves the operands of an AND or OR that are computed from
// literals alone in front of the others, keeping each group's order.
// PostgreSQL folds such an operand at plan time, so x / 0 > 1 OR 1 = 1 is
// true without dividing (and a failing one, 1 / 0 = 1 OR x, fails even
// before any row); evaluating them first gives the same answers. Function
// calls are left in place: one may be volatile, and moving it would change
// how often it runs.
func literalsFirst(args []Expr) []Expr {
	lit := func(e Expr) bool {
		only := true
		walkExpr(e, func(x Expr) bool {
			switch x.(type) {
			case *ColRef, *OuterRef, *Param, *Subquery, *Call:
				only = false
			}
			return only
		})
		return only
	}
	var first, rest []Expr
	for _, a := range args {
		if lit(a) {
			first = append(first, a)
		} else {
			rest = append(rest, a)
		}
	}
	if len(first) == 0 || len(rest) == 0 {
		return args
	}
	return append(first, rest...)
}
