package planner

// PullUpSublinks rewrites what PostgreSQL's planner pulls up for a batch
// query: a WHERE conjunct that is a correlated [NOT] EXISTS, or x IN / op
// ANY (subquery), becomes a semi or anti join, so that a hash join answers
// it once instead of re-running the subquery for every outer row (which is
// quadratic: seconds at ten thousand rows). Every other subquery stays
// evaluated per row, where its errors and its "more than one row" check
// happen exactly where PostgreSQL has them. A conjunct whose subquery
// holds subqueries of its own, or that the decorrelator cannot rewrite
// exactly, is left as it is. n is not changed.
func PullUpSublinks(n Node) Node {
	if !HasSubquery(n) {
		return n
	}
	return pullUp(n)
}

func pullUp(n Node) Node {
	n = withChildren(n, pullUp)
	switch x := n.(type) {
	case *Filter:
		if out, ok := pullUpFilter(x.Input, conjuncts(x.Pred), x.Input.Columns()); ok {
			return out
		}
	case *Join:
		if j, sub := splitJoinSubqueries(x); j != nil {
			if out, ok := pullUpFilter(j, sub, j.Columns()); ok {
				return out
			}
		}
	}
	return n
}

// pullUpFilter joins cur with the conjuncts it can pull up and filters by
// the rest, keeping cols (the filter's columns) as the output; ok is false
// when it pulled up none.
func pullUpFilter(cur Node, conj []Expr, cols []Column) (Node, bool) {
	var rest []Expr
	pulled := false
	for _, c := range conj {
		if j, ok := pullUpConjunct(cur, c); ok {
			cur, pulled = j, true
			continue
		}
		rest = append(rest, c)
	}
	if !pulled {
		return nil, false
	}
	var out Node = cur
	if len(rest) > 0 {
		out = &Filter{Input: cur, Pred: conjoin(rest)}
	}
	return keepColumns(out, cols), true
}

func pullUpConjunct(cur Node, c Expr) (Node, bool) {
	e := c
	if n, ok := e.(*Not); ok {
		e = n.Input
		if s, ok := e.(*Subquery); !ok || s.Kind != SubqueryExists {
			return nil, false // NOT (x IN ...) keeps its NULL rules per row
		}
	}
	s, ok := e.(*Subquery)
	if !ok || !s.Correlated || HasSubquery(s.Plan) {
		return nil, false
	}
	switch s.Kind {
	case SubqueryExists:
	case SubqueryAny:
		if exprHasSubquery(s.Left) {
			return nil, false
		}
	default:
		return nil, false
	}
	d := &decorrelator{ctes: map[*CTE]*CTE{}}
	j, ok, err := d.predicate(cur, c)
	if err != nil || !ok {
		return nil, false
	}
	return j, true
}
