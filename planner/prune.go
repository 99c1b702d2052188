package planner

// Column pruning: operators carry only the columns some ancestor reads.
// A continuous query's stateful operators (joins, windows, TopN) store
// their input rows, and HOP copies each row once per window, so columns
// nobody reads cost memory, state and CPU there. Prune walks the plan top
// down with the set of columns each node's parent needs: Projects and
// Aggregates drop what is not needed, and the inputs of the operators that
// store or multiply rows are narrowed by a Project when they carry more.
//
// The output of the whole plan does not change. What needs every column
// of its input keeps it: DISTINCT, set operations, the reads of a CTE
// (shared by its references). Plans that still hold subqueries or outer
// references (batch plans with correlated subqueries) are left alone: an
// outer reference names a position in its outer row.

// Prune returns n with the columns no ancestor reads removed below its
// root, and whether it changed anything.
func Prune(n Node) (Node, bool) {
	if hasCorrelation(n) {
		return n, false
	}
	p := &pruner{ctes: map[*CTE]*CTE{}}
	out, _ := p.node(n, allNeeded(len(n.Columns())))
	return out, p.changed
}

type pruner struct {
	ctes    map[*CTE]*CTE
	changed bool
}

// hasCorrelation reports whether any expression of the plan is, or holds,
// a subquery or an outer reference.
func hasCorrelation(n Node) bool {
	found := false
	walkPlan(n, func(n Node) bool {
		for _, e := range NodeExprs(n) {
			walkExpr(e, func(e Expr) bool {
				switch e.(type) {
				case *Subquery, *OuterRef:
					found = true
				}
				return !found
			})
		}
		if _, ok := n.(*LateralJoin); ok {
			found = true
		}
		return !found
	})
	return found
}

func allNeeded(n int) []bool {
	need := make([]bool, n)
	for i := range need {
		need[i] = true
	}
	return need
}

// use marks the input columns e reads.
func use(need []bool, e Expr) {
	walkExpr(e, func(e Expr) bool {
		if c, ok := e.(*ColRef); ok && c.Idx < len(need) {
			need[c.Idx] = true
		}
		return true
	})
}

func useKeys(need []bool, keys []SortKey) {
	for _, k := range keys {
		use(need, k.Expr)
	}
}

// remap rewrites e's column references through m (old position to new).
func remap(e Expr, m []int) Expr {
	if e == nil {
		return nil
	}
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			return &ColRef{Idx: m[c.Idx], Typ: c.Typ}
		}
		return x
	})
}

func remapAll(es []Expr, m []int) []Expr {
	if es == nil {
		return nil
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = remap(e, m)
	}
	return out
}

func remapKeys(ks []SortKey, m []int) []SortKey {
	if ks == nil {
		return nil
	}
	out := make([]SortKey, len(ks))
	for i, k := range ks {
		out[i] = k
		out[i].Expr = remap(k.Expr, m)
	}
	return out
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// node prunes n given the columns its parent needs. It returns the new
// node and where each of n's columns went (-1: dropped); the new node may
// keep columns that are not needed.
func (p *pruner) node(n Node, need []bool) (Node, []int) {
	switch x := n.(type) {
	case *Filter:
		cn := append([]bool(nil), need...)
		use(cn, x.Pred)
		in, m := p.node(x.Input, cn)
		if in == x.Input {
			return x, m
		}
		return &Filter{Input: in, Pred: remap(x.Pred, m)}, m
	case *Project:
		return p.project(x, need)
	case *Aggregate:
		return p.aggregate(x, need)
	case *Join:
		return p.join(x, need)
	case *FuncJoin:
		return p.funcJoin(x, need)
	case *Window:
		return p.window(x, need)
	case *ProjectSet:
		nin := len(x.Input.Columns())
		cn := append([]bool(nil), need[:nin]...)
		for _, c := range x.Calls {
			for _, a := range c.Args {
				use(cn, a)
			}
		}
		in, m := p.node(x.Input, cn)
		if in == x.Input {
			return x, identity(len(need))
		}
		c := *x
		c.Input = in
		c.Calls = make([]SRFCall, len(x.Calls))
		for i, call := range x.Calls {
			c.Calls[i] = call
			c.Calls[i].Args = remapAll(call.Args, m)
		}
		c.Cols, m = appendCalls(in, x.Cols[nin:], m)
		return &c, m
	case *Sort:
		cn := append([]bool(nil), need...)
		useKeys(cn, x.Keys)
		in, m := p.narrowed(x.Input, cn)
		if in == x.Input {
			return x, m
		}
		return &Sort{Input: in, Keys: remapKeys(x.Keys, m)}, m
	case *Limit:
		in, m := p.node(x.Input, need)
		if in == x.Input {
			return x, m
		}
		c := *x
		c.Input = in
		return &c, m
	case *Distinct:
		// Every column takes part in DISTINCT; DISTINCT ON keeps the first
		// row's columns, which a narrowing could not tell apart from others.
		in, _ := p.node(x.Input, allNeeded(len(need)))
		if in == x.Input {
			return x, identity(len(need))
		}
		c := *x
		c.Input = in
		return &c, identity(len(need))
	case *SetOp:
		l, _ := p.node(x.Left, allNeeded(len(x.Left.Columns())))
		r, _ := p.node(x.Right, allNeeded(len(x.Right.Columns())))
		if l == x.Left && r == x.Right {
			return x, identity(len(need))
		}
		c := *x
		c.Left, c.Right = l, r
		return &c, identity(len(need))
	case *CTERef:
		if x.CTE.Recursive != nil {
			return x, identity(len(need))
		}
		cte, ok := p.ctes[x.CTE]
		if !ok {
			plan, _ := p.node(x.CTE.Plan, allNeeded(len(x.CTE.Plan.Columns())))
			cte = x.CTE
			if plan != x.CTE.Plan {
				c := *x.CTE
				c.Plan = plan
				cte = &c
			}
			p.ctes[x.CTE] = cte
		}
		if cte == x.CTE {
			return x, identity(len(need))
		}
		return &CTERef{CTE: cte, Cols: x.Cols}, identity(len(need))
	}
	// Leaves (scans, VALUES, table functions) produce what they produce;
	// the operator above narrows them where that pays.
	return n, identity(len(need))
}

// narrowed prunes n and, when the result still carries columns that are
// not needed, puts a Project of the needed ones on it: for the inputs of
// operators that store or copy their input rows.
func (p *pruner) narrowed(n Node, need []bool) (Node, []int) {
	in, m := p.node(n, need)
	cols := in.Columns()
	var keep []int
	for old, ok := range need {
		if ok {
			keep = append(keep, m[old])
		}
	}
	if len(keep) == len(cols) {
		return in, m
	}
	if len(keep) == 0 {
		// A row of no columns: keep one, so every row still has a width.
		keep = []int{0}
	}
	pos := make([]int, len(cols))
	for i := range pos {
		pos[i] = -1
	}
	exprs := make([]Expr, len(keep))
	out := make([]Column, len(keep))
	for i, c := range keep {
		exprs[i] = &ColRef{Idx: c, Typ: cols[c].Type}
		out[i] = cols[c]
		pos[c] = i
	}
	for old, cur := range m {
		if cur >= 0 {
			m[old] = pos[cur]
		}
	}
	p.changed = true
	return &Project{Input: in, Exprs: exprs, Cols: out}, m
}

func (p *pruner) project(x *Project, need []bool) (Node, []int) {
	keep := make([]int, 0, len(x.Exprs))
	for i := range x.Exprs {
		if need[i] {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		keep = append(keep, 0)
	}
	cn := make([]bool, len(x.Input.Columns()))
	for _, i := range keep {
		use(cn, x.Exprs[i])
	}
	in, m := p.node(x.Input, cn)
	if in == x.Input && len(keep) == len(x.Exprs) {
		return x, identity(len(need))
	}
	out := &Project{Input: in, Exprs: make([]Expr, len(keep)), Cols: make([]Column, len(keep))}
	pos := make([]int, len(x.Exprs))
	for i := range pos {
		pos[i] = -1
	}
	for j, i := range keep {
		out.Exprs[j] = remap(x.Exprs[i], m)
		out.Cols[j] = x.Cols[i]
		pos[i] = j
	}
	if len(keep) < len(x.Exprs) {
		p.changed = true
	}
	return out, pos
}

// aggregate drops the aggregates nobody reads; the groups stay, since
// they decide the rows.
func (p *pruner) aggregate(x *Aggregate, need []bool) (Node, []int) {
	ng := len(x.Group)
	if x.GroupingSets != nil {
		ng++
	}
	var aggs []int
	for i := range x.Aggs {
		if need[ng+i] {
			aggs = append(aggs, i)
		}
	}
	if len(aggs) == 0 && len(x.Group) == 0 && len(x.Aggs) > 0 {
		aggs = []int{0} // a row of no columns: keep one
	}
	cn := make([]bool, len(x.Input.Columns()))
	for _, g := range x.Group {
		use(cn, g)
	}
	for _, i := range aggs {
		a := x.Aggs[i]
		for _, e := range a.Args {
			use(cn, e)
		}
		if a.Filter != nil {
			use(cn, a.Filter)
		}
		useKeys(cn, a.Order)
	}
	in, m := p.node(x.Input, cn)
	if in == x.Input && len(aggs) == len(x.Aggs) {
		return x, identity(len(need))
	}
	c := *x
	c.Input = in
	c.Group = remapAll(x.Group, m)
	c.Aggs = make([]AggCall, len(aggs))
	c.Cols = append([]Column(nil), x.Cols[:ng]...)
	pos := identity(len(need))
	for i := range x.Aggs {
		pos[ng+i] = -1
	}
	for j, i := range aggs {
		a := x.Aggs[i]
		a.Args = remapAll(a.Args, m)
		a.Filter = remap(a.Filter, m)
		a.Order = remapKeys(a.Order, m)
		c.Aggs[j] = a
		c.Cols = append(c.Cols, x.Cols[ng+i])
		pos[ng+i] = ng + j
	}
	if len(aggs) < len(x.Aggs) {
		p.changed = true
	}
	return &c, pos
}

func (p *pruner) join(x *Join, need []bool) (Node, []int) {
	nl, nr := len(x.Left.Columns()), len(x.Right.Columns())
	ln, rn := make([]bool, nl), make([]bool, nr)
	copy(ln, need)
	if len(need) > nl {
		copy(rn, need[nl:])
	}
	for _, k := range x.LeftKeys {
		use(ln, k)
	}
	for _, k := range x.RightKeys {
		use(rn, k)
	}
	if x.On != nil {
		both := make([]bool, nl+nr)
		use(both, x.On)
		for i, ok := range both {
			if ok && i < nl {
				ln[i] = true
			} else if ok {
				rn[i-nl] = true
			}
		}
	}
	l, lm := p.narrowed(x.Left, ln)
	r, rm := p.narrowed(x.Right, rn)
	if l == x.Left && r == x.Right {
		return x, identity(len(need))
	}
	wl := len(l.Columns())
	m := make([]int, nl+nr)
	for i, v := range lm {
		m[i] = v
	}
	for i, v := range rm {
		m[nl+i] = v
		if v >= 0 {
			m[nl+i] = wl + v
		}
	}
	c := *x
	c.Left, c.Right = l, r
	c.LeftKeys = remapAll(x.LeftKeys, lm)
	c.RightKeys = remapAll(x.RightKeys, rm)
	c.On = remap(x.On, m)
	w := wl
	if len(x.Cols) > nl { // a semi or anti join outputs its left side only
		w += len(r.Columns())
	}
	c.Cols = keptColumns(x.Cols, m[:len(x.Cols)], w)
	return &c, m[:len(x.Cols)]
}

// keptColumns lays out the columns of old that m keeps at their new
// positions, in a row of width w.
func keptColumns(old []Column, m []int, w int) []Column {
	out := make([]Column, w)
	for i, v := range m {
		if v >= 0 && v < w {
			out[v] = old[i]
		}
	}
	return out
}

func (p *pruner) funcJoin(x *FuncJoin, need []bool) (Node, []int) {
	nl := len(x.Left.Columns())
	ln := make([]bool, nl)
	copy(ln, need)
	for _, a := range x.Call.Args {
		use(ln, a)
	}
	if x.On != nil {
		both := make([]bool, len(need))
		use(both, x.On)
		for i := 0; i < nl; i++ {
			ln[i] = ln[i] || both[i]
		}
	}
	l, lm := p.narrowed(x.Left, ln)
	if l == x.Left {
		return x, identity(len(need))
	}
	c := *x
	c.Left = l
	c.Call.Args = remapAll(x.Call.Args, lm)
	var m []int
	c.Cols, m = appendCalls(l, x.Cols[nl:], lm)
	c.On = remap(x.On, m)
	return &c, m
}

// appendCalls lays out a node whose row is its (pruned) input's followed by
// columns of its own: the columns and the map of old positions to new.
func appendCalls(in Node, own []Column, m []int) ([]Column, []int) {
	cols := append(append([]Column(nil), in.Columns()...), own...)
	w := len(in.Columns())
	out := append([]int(nil), m...)
	for i := range own {
		out = append(out, w+i)
	}
	return cols, out
}

func (p *pruner) window(x *Window, need []bool) (Node, []int) {
	nin := len(x.Input.Columns())
	cn := append([]bool(nil), need[:nin]...)
	for _, c := range x.Calls {
		for _, a := range c.Args {
			use(cn, a)
		}
		for _, e := range c.Partition {
			use(cn, e)
		}
		useKeys(cn, c.Order)
		if c.Filter != nil {
			use(cn, c.Filter)
		}
		if f := c.Frame; f != nil {
			for _, e := range []Expr{f.StartOff, f.EndOff, f.StartVal, f.EndVal, f.RangeKey} {
				if e != nil {
					use(cn, e)
				}
			}
		}
	}
	in, m := p.narrowed(x.Input, cn)
	if in == x.Input {
		return x, identity(len(need))
	}
	c := *x
	c.Input = in
	c.Calls = make([]WindowCall, len(x.Calls))
	for i, call := range x.Calls {
		call.Args = remapAll(call.Args, m)
		call.Partition = remapAll(call.Partition, m)
		call.Order = remapKeys(call.Order, m)
		call.Filter = remap(call.Filter, m)
		if f := call.Frame; f != nil {
			fc := *f
			fc.StartOff, fc.EndOff = remap(f.StartOff, m), remap(f.EndOff, m)
			fc.StartVal, fc.EndVal, fc.RangeKey = remap(f.StartVal, m), remap(f.EndVal, m), remap(f.RangeKey, m)
			call.Frame = &fc
		}
		c.Calls[i] = call
	}
	var out []int
	c.Cols, out = appendCalls(in, x.Cols[nin:], m)
	return &c, out
}
