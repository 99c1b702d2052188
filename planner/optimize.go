package planner

// A rule rewrites one node (its inputs are already optimized) and reports
// whether it changed anything, so tests can assert that it fired.
type rule struct {
	name  string
	apply func(Node) (Node, bool)
}

// rules run bottom-up over the plan, repeatedly, until none fires.
var rules = []rule{
	{"merge_filters", mergeFilters},
	{"push_filter_into_join", pushFilterIntoJoin},
	{"point_lookup", pointLookup},
	{"index_scan", indexScan},
	{"order_quals", orderQuals},
}

// mergeFilters joins stacked filters into one, so the other rules see every
// conjunct at once.
func mergeFilters(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return nil, false
	}
	inner, ok := f.Input.(*Filter)
	if !ok {
		return nil, false
	}
	return &Filter{Input: inner.Input, Pred: conjoin(append(conjuncts(inner.Pred), conjuncts(f.Pred)...))}, true
}

// pushFilterIntoJoin moves WHERE conjuncts to where they belong: those over
// one input of an inner join below it, those over both into the join's
// condition (where equalities become hash keys: FROM a, b WHERE a.x = b.y is
// a hash join). Outer joins take only what cannot change which rows are
// padded with NULLs: conjuncts over their preserved side.
func pushFilterIntoJoin(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return nil, false
	}
	j, ok := f.Input.(*Join)
	if !ok {
		return nil, false
	}
	nl := len(j.Left.Columns())
	var left, right, both, keep []Expr
	for _, c := range conjuncts(f.Pred) {
		side := exprSide(c, nl)
		switch {
		case side == sideLeft && (j.Kind == JoinInner || j.Kind == JoinLeft || j.Kind == JoinSemi || j.Kind == JoinAnti):
			left = append(left, c)
		case side == sideRight && (j.Kind == JoinInner || j.Kind == JoinRight):
			right = append(right, shiftCols(c, -nl))
		case side == sideLeft|sideRight && j.Kind == JoinInner:
			both = append(both, c)
		default:
			keep = append(keep, c)
		}
	}
	if len(left)+len(right)+len(both) == 0 {
		return nil, false
	}
	l, r := j.Left, j.Right
	if len(left) > 0 {
		l = &Filter{Input: l, Pred: conjoin(left)}
	}
	if len(right) > 0 {
		r = &Filter{Input: r, Pred: conjoin(right)}
	}
	cond := both
	for i := range j.LeftKeys {
		cond = append(cond, &BinOp{Op: OpEq, L: j.LeftKeys[i], R: shiftCols(j.RightKeys[i], nl), Typ: boolType})
	}
	if j.On != nil {
		cond = append(cond, conjuncts(j.On)...)
	}
	var out Node = newJoin(j.Kind, l, r, conjoin(cond), j.Cols)
	if len(keep) > 0 {
		out = &Filter{Input: out, Pred: conjoin(keep)}
	}
	return out, true
}

// Optimize rewrites a plan with the rules and returns the names of the
// rules that fired.
func Optimize(n Node) (Node, []string) {
	var fired []string
	if m, ok := reorderJoins(n); ok {
		n, fired = m, append(fired, "reorder_joins")
	}
	for iter := 0; iter < 10; iter++ {
		var changed bool
		n, changed = optimizeNode(n, &fired)
		if !changed {
			break
		}
	}
	return n, fired
}

func optimizeNode(n Node, fired *[]string) (Node, bool) {
	changed := false
	n = withChildren(n, func(c Node) Node {
		c2, ch := optimizeNode(c, fired)
		changed = changed || ch
		return c2
	})
	for _, r := range rules {
		if m, ok := r.apply(n); ok {
			*fired = append(*fired, r.name)
			n, changed = m, true
		}
	}
	return n, changed
}

// withChildren returns n with each child replaced by f(child); n itself is
// copied only when a child changed.
func withChildren(n Node, f func(Node) Node) Node {
	switch x := n.(type) {
	case *Filter:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *Project:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *Aggregate:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *Sort:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *Limit:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *Distinct:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *Window:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *ProjectSet:
		if in := f(x.Input); in != x.Input {
			c := *x
			c.Input = in
			return &c
		}
	case *FuncJoin:
		if in := f(x.Left); in != x.Left {
			c := *x
			c.Left = in
			return &c
		}
	case *LateralJoin:
		// Right runs once per Left row with that row as its outer row;
		// rewriting it is fine, it keeps its own column positions.
		l, r := f(x.Left), f(x.Right)
		if l != x.Left || r != x.Right {
			c := *x
			c.Left, c.Right = l, r
			return &c
		}
	case *Join:
		l, r := f(x.Left), f(x.Right)
		if l != x.Left || r != x.Right {
			c := *x
			c.Left, c.Right = l, r
			return &c
		}
	case *SetOp:
		l, r := f(x.Left), f(x.Right)
		if l != x.Left || r != x.Right {
			c := *x
			c.Left, c.Right = l, r
			return &c
		}
	}
	return n
}

// pointLookup turns Filter(pk = const AND ...) over a Scan of a table with a
// primary key into a keyed Scan: a Badger get instead of a scan. The filter
// stays for the remaining conjuncts.
func pointLookup(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return nil, false
	}
	s, ok := f.Input.(*Scan)
	if !ok || s.Key != nil || len(s.Rel.PrimaryKey) == 0 {
		return nil, false
	}
	conj := conjuncts(f.Pred)
	keys := make([]Expr, len(s.Rel.PrimaryKey))
	used := make([]bool, len(conj))
	for ki, col := range s.Rel.PrimaryKey {
		for ci, c := range conj {
			if used[ci] {
				continue
			}
			if v, ok := keyEquality(c, col); ok {
				keys[ki], used[ci] = v, true
				break
			}
		}
		if keys[ki] == nil {
			return nil, false
		}
	}
	var rest []Expr
	for ci, c := range conj {
		if !used[ci] {
			rest = append(rest, c)
		}
	}
	scan := *s
	scan.Key = keys
	if len(rest) == 0 {
		return &scan, true
	}
	return &Filter{Input: &scan, Pred: conjoin(rest)}, true
}

// keyEquality matches col = v (either way round, through integer widening
// casts) where v does not depend on the row.
func keyEquality(e Expr, col int) (Expr, bool) {
	b, ok := e.(*BinOp)
	if !ok || b.Op != OpEq {
		return nil, false
	}
	for _, pair := range [2][2]Expr{{b.L, b.R}, {b.R, b.L}} {
		if isColumn(pair[0], col) && rowIndependent(pair[1]) {
			return pair[1], true
		}
	}
	return nil, false
}

func isColumn(e Expr, col int) bool {
	if c, ok := e.(*Cast); ok && c.Input.Type().Kind() == c.Typ.Kind() {
		e = c.Input
	}
	r, ok := e.(*ColRef)
	return ok && r.Idx == col
}

// rowIndependent: constants, parameters and outer references, possibly
// cast. Nothing that can fail: the key is computed before the rest of the
// WHERE clause, which might have made the failing part unreachable.
func rowIndependent(e Expr) bool {
	switch x := e.(type) {
	case *Const, *Param, *OuterRef:
		return true
	case *Cast:
		return rowIndependent(x.Input)
	}
	return false
}
