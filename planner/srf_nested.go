package planner

// Set-returning functions nested in a select list, as in
// unnest(regexp_matches(s, re, 'g')) or generate_series(1,
// generate_series(1, 3)). As PostgreSQL does, an SRF runs one level above
// the deepest SRF among its arguments, and the SRFs of one level run in
// lockstep: a ProjectSet per level, each reading the level below's output.

// srfLevels returns each select-list SRF's level (1 for one with no SRF in
// its arguments) and the deepest level.
func (w *winState) srfLevels() ([]int, int) {
	levels := make([]int, len(w.srfs))
	deepest := 0
	for j, c := range w.srfs {
		// An SRF's arguments are bound before it, so the SRFs they hold
		// come earlier in w.srfs.
		lvl := 0
		for _, a := range c.Args {
			walkExpr(a, func(e Expr) bool {
				if r, ok := e.(*srfRef); ok && r.j < j && levels[r.j] > lvl {
					lvl = levels[r.j]
				}
				return true
			})
		}
		levels[j] = lvl + 1
		deepest = max(deepest, levels[j])
	}
	return levels, deepest
}

// nestedProjectSet stacks one ProjectSet per level over input and resolves
// the SRF placeholders in exprs and in the upper levels' arguments.
func (w *winState) nestedProjectSet(input Node, exprs []Expr, levels []int, deepest int) Node {
	col := make([]int, len(w.srfs)) // each SRF's output column, once placed
	resolve := func(e Expr) Expr {
		return mapExpr(e, func(x Expr) Expr {
			if r, ok := x.(*srfRef); ok {
				return &ColRef{Idx: col[r.j], Typ: r.typ}
			}
			return x
		})
	}
	cur := input
	for lvl := 1; lvl <= deepest; lvl++ {
		cols := append([]Column(nil), cur.Columns()...)
		var calls []SRFCall
		for j, c := range w.srfs {
			if levels[j] != lvl {
				continue
			}
			args := make([]Expr, len(c.Args))
			for i, a := range c.Args {
				args[i] = resolve(a)
			}
			c.Args = args
			col[j] = len(cols)
			cols = append(cols, c.Cols[0])
			calls = append(calls, c)
		}
		cur = &ProjectSet{Input: cur, Calls: calls, Cols: cols}
	}
	for i := range exprs {
		exprs[i] = resolve(exprs[i])
	}
	return cur
}
