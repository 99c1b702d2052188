package planner

// PushJoinFilters moves the conjuncts of a join's condition that read only
// one input below the join, as filters on that input, and reports whether
// it moved any. Left in the condition they are tested on every pair: the
// join reordering (reorderJoins) attaches each WHERE conjunct to the join
// where its last relation arrives, so FROM t1, t2, t3 WHERE t1.a = t3.b AND
// t2.c < 5 tested t2.c < 5 on each row of t1 ⋈ t3 times each row of t2.
//
// Only batch queries use it: a materialized view's state is laid out by
// its plan, which must not change under views created before.
func PushJoinFilters(n Node) (Node, bool) {
	changed := false
	n = withChildren(n, func(c Node) Node {
		c2, ch := PushJoinFilters(c)
		changed = changed || ch
		return c2
	})
	j, ok := n.(*Join)
	if !ok || j.On == nil {
		return n, changed
	}
	// Which inputs a conjunct may move to without changing which rows an
	// outer join pads, or which rows a semi or anti join keeps.
	var toLeft, toRight bool
	switch j.Kind {
	case JoinInner:
		toLeft, toRight = true, true
	case JoinLeft, JoinSemi, JoinAnti:
		toRight = true
	case JoinRight:
		toLeft = true
	}
	nl := len(j.Left.Columns())
	var left, right, keep []Expr
	for _, c := range conjuncts(j.On) {
		switch side := exprSide(c, nl); {
		case side == sideLeft && toLeft:
			left = append(left, c)
		case side == sideRight && toRight:
			right = append(right, shiftCols(c, -nl))
		default:
			keep = append(keep, c)
		}
	}
	if len(left)+len(right) == 0 {
		return n, changed
	}
	c := *j
	if len(left) > 0 {
		c.Left = &Filter{Input: c.Left, Pred: conjoin(left)}
	}
	if len(right) > 0 {
		c.Right = &Filter{Input: c.Right, Pred: conjoin(right)}
	}
	c.On = nil
	if len(keep) > 0 {
		c.On = conjoin(keep)
	}
	return &c, true
}
