package planner

// reorderJoins rewrites each tree of inner joins so that relations
// connected by a condition are joined before unconnected ones. Without
// statistics eddy keeps the written order where it can, but a query such as
// FROM a, b, c WHERE a.x = c.x AND b.y = c.y no longer forms the cross
// product a × b before c arrives: that ordering is what turns catalog
// queries over nine relations from millions of rows into hundreds.
func reorderJoins(n Node) (Node, bool) {
	changed := false
	n = withChildren(n, func(c Node) Node {
		c2, ch := reorderJoins(c)
		changed = changed || ch
		return c2
	})
	var pred Expr
	root := n
	if f, ok := n.(*Filter); ok {
		pred, root = f.Pred, f.Input
	}
	j, ok := root.(*Join)
	if !ok || j.Kind != JoinInner || j.Temporal || j.Asof {
		return n, changed
	}
	var leaves []Node
	var conds []Expr
	flattenInner(j, 0, &leaves, &conds)
	conds = append(conds, conjuncts(pred)...)
	if len(leaves) < 3 {
		return n, changed
	}
	offsets := make([]int, len(leaves)+1)
	for i, l := range leaves {
		offsets[i+1] = offsets[i] + len(l.Columns())
	}
	leafOf := func(col int) int {
		for i := range leaves {
			if col < offsets[i+1] {
				return i
			}
		}
		return len(leaves) - 1
	}
	// Which leaves each condition reads; conditions that cannot be moved
	// (subqueries read the row by position) stay above, in written order.
	var movable []Expr
	var movLeaves [][]bool
	var fixed []Expr
	for _, c := range conds {
		if exprSide(c, 0) == sideBoth && hasSubqueryOrOuter(c) {
			fixed = append(fixed, c)
			continue
		}
		uses := make([]bool, len(leaves))
		walkExpr(c, func(x Expr) bool {
			if r, ok := x.(*ColRef); ok {
				uses[leafOf(r.Idx)] = true
			}
			return true
		})
		movable = append(movable, c)
		movLeaves = append(movLeaves, uses)
	}
	// Greedy order: start with the first relation, then repeatedly take the
	// first one a condition connects to those already joined.
	order := []int{0}
	in := make([]bool, len(leaves))
	in[0] = true
	for len(order) < len(leaves) {
		next := -1
		for cand := range leaves {
			if in[cand] {
				continue
			}
			for k, uses := range movLeaves {
				_ = movable[k]
				if !uses[cand] {
					continue
				}
				connects, ok := false, true
				for l, u := range uses {
					if u && l != cand {
						if in[l] {
							connects = true
						} else {
							ok = false
						}
					}
				}
				if connects && ok {
					next = cand
					break
				}
			}
			if next >= 0 {
				break
			}
		}
		if next < 0 {
			for cand := range leaves {
				if !in[cand] {
					next = cand
					break
				}
			}
		}
		order = append(order, next)
		in[next] = true
	}
	same := true
	for i, o := range order {
		same = same && i == o
	}
	if same {
		return n, changed
	}
	// Map original column positions to the new concatenation.
	newPos := make([]int, offsets[len(leaves)])
	pos := 0
	for _, li := range order {
		for c := offsets[li]; c < offsets[li+1]; c++ {
			newPos[c] = pos
			pos++
		}
	}
	remap := func(e Expr) Expr {
		return mapExpr(e, func(x Expr) Expr {
			if r, ok := x.(*ColRef); ok {
				return &ColRef{Idx: newPos[r.Idx], Typ: r.Typ}
			}
			return x
		})
	}
	placed := make([]bool, len(movable))
	joined := map[int]bool{order[0]: true}
	var cur Node = leaves[order[0]]
	var cols []Column
	cols = append(cols, leaves[order[0]].Columns()...)
	for _, li := range order[1:] {
		joined[li] = true
		cols = append(append([]Column(nil), cols...), leaves[li].Columns()...)
		var here []Expr
		for k, c := range movable {
			if placed[k] {
				continue
			}
			all := true
			for l, u := range movLeaves[k] {
				if u && !joined[l] {
					all = false
				}
			}
			if all {
				here = append(here, remap(c))
				placed[k] = true
			}
		}
		cur = newJoin(JoinInner, cur, leaves[li], conjoin(here), cols)
	}
	for k, c := range movable {
		if !placed[k] { // reads no column: a constant condition
			cur = &Filter{Input: cur, Pred: remap(c)}
		}
	}
	// Restore the written column order for everything above.
	orig := j.Columns()
	exprs := make([]Expr, len(orig))
	for i, c := range orig {
		exprs[i] = &ColRef{Idx: newPos[i], Typ: c.Type}
	}
	var out Node = &Project{Input: cur, Exprs: exprs, Cols: orig}
	if len(fixed) > 0 {
		out = &Filter{Input: out, Pred: conjoin(fixed)}
	}
	return out, true
}

// flattenInner collects the inputs of nested inner joins and their
// conditions, shifted to the concatenated row.
func flattenInner(n Node, offset int, leaves *[]Node, conds *[]Expr) {
	j, ok := n.(*Join)
	if !ok || j.Kind != JoinInner || j.Temporal || j.Asof {
		*leaves = append(*leaves, n)
		return
	}
	nl := len(j.Left.Columns())
	flattenInner(j.Left, offset, leaves, conds)
	flattenInner(j.Right, offset+nl, leaves, conds)
	for i := range j.LeftKeys {
		*conds = append(*conds, shiftCols(&BinOp{Op: OpEq, L: j.LeftKeys[i], R: shiftCols(j.RightKeys[i], nl), Typ: boolType}, offset))
	}
	if j.On != nil {
		*conds = append(*conds, conjuncts(shiftCols(j.On, offset))...)
	}
}

func hasSubqueryOrOuter(e Expr) bool {
	found := false
	walkExpr(e, func(x Expr) bool {
		switch x.(type) {
		case *Subquery, *OuterRef:
			found = true
		}
		return !found
	})
	return found
}
