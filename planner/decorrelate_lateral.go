package planner

import (
	"errors"
	"sort"

	"github.com/eddysql/eddy/sql"
)

// lateral rewrites [LEFT] JOIN LATERAL (subquery) into joins, which a view
// can maintain, since exec can only re-run the subquery per left row.
//
// A subquery that hoist can take apart (filters, projections, joins and
// GROUP BY over equalities) becomes a join on the conjuncts that read the
// left row: an inner or left join with those conjuncts in its condition
// is the lateral join, padding included.
//
// A subquery over an aggregate without GROUP BY has exactly one row per
// left row even when no input row matches, and its aggregates and filters
// may read the left row anywhere (sum(x) FILTER (WHERE t.a <= o.b)). That
// is Neumann and Kemper's domain rewrite: the distinct values D of the
// left columns the subquery reads are joined to the subquery's input on
// its correlated conjuncts, aggregated per value of D, and left-joined
// back to the left input on those columns. A left row that no group
// matches reads each aggregate's value over no rows: NULL, or 0 for count.
func (d *decorrelator) lateral(lj *LateralJoin) (Node, error) {
	if planReaches(lj.Right, 1) {
		return nil, errNotInView("a LATERAL subquery that reads a query outside its FROM clause")
	}
	if n, ok, err := d.lateralAggregate(lj); ok || err != nil {
		return n, err
	}
	if n, ok, err := d.lateralSelect(lj); ok || err != nil {
		return n, err
	}
	p, cs, err := d.hoistFrom(lj.Left, lj.Right, false)
	if err != nil {
		return nil, lateralErr(err)
	}
	nl := len(lj.Left.Columns())
	kind := JoinInner
	if lj.Outer {
		kind = JoinLeft
	}
	cond := toJoinRow(cs, nl)
	if lj.On != nil {
		cond = append(cond, lj.On)
	}
	j := newJoin(kind, lj.Left, p, conjoin(cond), concatColumns(lj.Left, p))
	return keepColumns(j, lj.Cols), nil
}

// lateralSelect rewrites a LATERAL subquery whose select list reads the
// left row (SELECT t.x + l.y ...): the rows under the select list are
// joined, and the list is evaluated over the joined row. Under LEFT JOIN a
// padded row must read NULL in every column of the subquery, so a column
// that is not one of the joined row's own is read only where the row
// matched, which a constant column appended to the subquery's rows tells.
// ok is false when the select list does not read the left row.
func (d *decorrelator) lateralSelect(lj *LateralJoin) (Node, bool, error) {
	vals, body := peelProjects(lj.Right)
	if body == lj.Right || !anyReaches(vals) {
		return nil, false, nil
	}
	p, cs, err := d.hoistFrom(lj.Left, body, false)
	if err != nil {
		return nil, true, lateralErr(err)
	}
	nl, np := len(lj.Left.Columns()), len(p.Columns())
	pexprs := make([]Expr, np+1)
	pcols := append([]Column(nil), p.Columns()...)
	for i, c := range pcols {
		pexprs[i] = &ColRef{Idx: i, Typ: c.Type}
	}
	pexprs[np] = &Const{Val: sql.NewBool(true), Typ: sql.Bool}
	pcols = append(pcols, Column{Name: "matched", Type: sql.Bool, Hidden: true})
	marked := &Project{Input: p, Exprs: pexprs, Cols: pcols}
	matched := &IsNull{Input: &ColRef{Idx: nl + np, Typ: sql.Bool}, Not: true}
	row := toJoinRow(vals, nl)
	for i, v := range row {
		if _, own := v.(*ColRef); lj.Outer && !own {
			row[i] = &Case{Whens: []When{{Cond: matched, Result: v}}, Typ: v.Type()}
		}
	}
	cond := toJoinRow(cs, nl)
	if lj.On != nil {
		cond = append(cond, mapExpr(lj.On, func(x Expr) Expr {
			if c, ok := x.(*ColRef); ok && c.Idx >= nl {
				return toJoinRow([]Expr{vals[c.Idx-nl]}, nl)[0]
			}
			return x
		}))
	}
	kind := JoinInner
	if lj.Outer {
		kind = JoinLeft
	}
	j := newJoin(kind, lj.Left, marked, conjoin(cond), concatColumns(lj.Left, marked))
	exprs := make([]Expr, 0, len(lj.Cols))
	for i, c := range lj.Left.Columns() {
		exprs = append(exprs, &ColRef{Idx: i, Typ: c.Type})
	}
	return &Project{Input: j, Exprs: append(exprs, row...), Cols: lj.Cols}, true, nil
}

// peelProjects reads n's columns through the projections at its top: the
// expressions over the first node under them, which it returns.
func peelProjects(n Node) ([]Expr, Node) {
	vals := make([]Expr, len(n.Columns()))
	for i, c := range n.Columns() {
		vals[i] = &ColRef{Idx: i, Typ: c.Type}
	}
	for {
		pr, ok := n.(*Project)
		if !ok {
			return vals, n
		}
		for i := range vals {
			vals[i] = substitute(vals[i], pr.Exprs)
		}
		n = pr.Input
	}
}

// lateralErr says which construct a refusal from hoist was found in.
func lateralErr(err error) error {
	var e *sql.Error
	if errors.As(err, &e) {
		return sql.Errorf(e.Code, "%s (in a LATERAL subquery)", e.Message)
	}
	return err
}

// lateralAggregate is the domain rewrite of a LATERAL subquery that is an
// aggregate without GROUP BY, under projections and a HAVING. ok is false
// for other shapes.
func (d *decorrelator) lateralAggregate(lj *LateralJoin) (Node, bool, error) {
	right := lj.Right
	vals, n := peelProjects(right)
	var having Expr
	if f, ok := n.(*Filter); ok {
		having, n = f.Pred, f.Input
	}
	agg, ok := n.(*Aggregate)
	if !ok || len(agg.Group) > 0 || agg.GroupingSets != nil || !planReaches(right, 0) {
		return nil, false, nil
	}
	in, cs, err := d.hoistFrom(lj.Left, agg.Input, false)
	if err != nil {
		return nil, true, lateralErr(err)
	}
	// The left columns the subquery reads: its correlated conjuncts, its
	// aggregates' arguments, filters and orderings, HAVING and select list.
	idx := map[int]bool{}
	collect := func(es ...Expr) {
		for _, e := range es {
			walkExpr(e, func(x Expr) bool {
				if r, ok := x.(*OuterRef); ok && r.Level == 1 {
					idx[r.Idx] = true
				}
				return true
			})
		}
	}
	collect(cs...)
	collect(nodeExprs(agg)...)
	order := make([]int, 0, len(idx))
	for i := range idx {
		order = append(order, i)
	}
	sort.Ints(order)
	lcols := lj.Left.Columns()
	at := map[int]int{} // left column -> domain column
	var dexprs []Expr   // over the left row
	var dcols []Column
	var dsrc []int // the left column each domain column comes from
	for _, o := range order {
		at[o] = len(dexprs)
		c := lcols[o]
		c.Hidden = true
		dexprs, dcols, dsrc = append(dexprs, &ColRef{Idx: o, Typ: c.Type}), append(dcols, c), append(dsrc, o)
		if !identityTypes(lcols, []int{o}) {
			// Equal values that differ (1.0 and 1.00, 0 and -0) are
			// different domain values, so that each left row's
			// aggregates read its own value.
			c.Type = sql.Text
			dexprs, dcols, dsrc = append(dexprs, &Cast{Input: &ColRef{Idx: o, Typ: lcols[o].Type}, Typ: sql.Text}), append(dcols, c), append(dsrc, o)
		}
	}
	k := len(dexprs)
	domain := &Distinct{Input: &Project{Input: lj.Left, Exprs: dexprs, Cols: dcols}}
	// Over the row of domain joined to in: the domain's columns, then in's.
	onDomain := func(e Expr) Expr {
		return mapExpr(e, func(x Expr) Expr {
			switch x := x.(type) {
			case *ColRef:
				return &ColRef{Idx: x.Idx + k, Typ: x.Typ}
			case *OuterRef:
				if x.Level == 1 {
					return &ColRef{Idx: at[x.Idx], Typ: x.Typ}
				}
			}
			return x
		})
	}
	dcs := make([]Expr, len(cs))
	for i, c := range cs {
		dcs[i] = onDomain(c)
	}
	joined := newJoin(JoinInner, domain, in, conjoin(dcs), concatColumns(domain, in))
	aggs := make([]AggCall, len(agg.Aggs))
	for i, c := range agg.Aggs {
		c.Args = append([]Expr(nil), c.Args...)
		for j := range c.Args {
			c.Args[j] = onDomain(c.Args[j])
		}
		c.Filter = onDomain(c.Filter)
		c.Order = append([]SortKey(nil), c.Order...)
		for j := range c.Order {
			c.Order[j].Expr = onDomain(c.Order[j].Expr)
		}
		aggs[i] = c
	}
	group := make([]Expr, k)
	for i := range group {
		group[i] = &ColRef{Idx: i, Typ: dcols[i].Type}
	}
	grouped := &Aggregate{Input: joined, Group: group, Aggs: aggs, Cols: append(append([]Column(nil), dcols...), agg.Cols...)}
	// Back to the left rows on the domain's columns. A left NULL matches
	// a group only through IS NOT DISTINCT FROM, unless a correlated
	// comparison of that column rejects NULL: then no group has it and
	// plain equality (a hash key) gives the same answer.
	strict := strictOuterColumns(cs)
	nl := len(lcols)
	var keys []Expr
	for i, o := range dsrc {
		op := OpNullSafeEq
		if strict[o] {
			op = OpEq
		}
		keys = append(keys, &BinOp{Op: op, L: dexprs[i], R: &ColRef{Idx: nl + i, Typ: dcols[i].Type}, Typ: sql.Bool})
	}
	back := newJoin(JoinLeft, lj.Left, grouped, conjoin(keys), concatColumns(lj.Left, grouped))
	// The subquery's row over back's row: a group that is missing is
	// the aggregates over no rows.
	read := func(e Expr) Expr {
		return mapExpr(e, func(x Expr) Expr {
			switch x := x.(type) {
			case *ColRef:
				c := &ColRef{Idx: nl + k + x.Idx, Typ: x.Typ}
				if name := agg.Aggs[x.Idx].Func.Name; name == "count" || name == "regr_count" {
					return &Coalesce{Args: []Expr{c, &Const{Val: sql.NewInt(0), Typ: x.Typ}}, Typ: x.Typ}
				}
				return c
			case *OuterRef:
				return fromOuter(x)
			}
			return x
		})
	}
	row := make([]Expr, len(vals))
	for i, v := range vals {
		row[i] = read(v)
	}
	// The subquery has its row when HAVING holds; the join keeps it when
	// ON holds too.
	var conds []Expr
	if having != nil {
		conds = append(conds, read(having))
	}
	if lj.On != nil {
		conds = append(conds, mapExpr(lj.On, func(x Expr) Expr {
			if c, ok := x.(*ColRef); ok && c.Idx >= nl {
				return row[c.Idx-nl]
			}
			return x
		}))
	}
	if isTrue(conjoin(conds)) {
		conds = nil
	}
	var src Node = back
	if len(conds) > 0 && !lj.Outer {
		src = &Filter{Input: back, Pred: conjoin(conds)}
	}
	exprs := make([]Expr, 0, len(lj.Cols))
	for i := 0; i < nl; i++ {
		exprs = append(exprs, &ColRef{Idx: i, Typ: lcols[i].Type})
	}
	for _, v := range row {
		if len(conds) > 0 && lj.Outer {
			v = &Case{Whens: []When{{Cond: conjoin(conds), Result: v}}, Typ: v.Type()}
		}
		exprs = append(exprs, v)
	}
	return &Project{Input: src, Exprs: exprs, Cols: lj.Cols}, true, nil
}

// strictOuterColumns lists the outer columns (level 1) that a correlated
// conjunct compares directly with = < <= > >= or <>: a NULL there makes
// the conjunct unknown, so no row passes.
func strictOuterColumns(cs []Expr) map[int]bool {
	out := map[int]bool{}
	for _, c := range cs {
		b, ok := c.(*BinOp)
		if !ok || !b.Op.IsComparison() || b.Op == OpNullSafeEq {
			continue
		}
		for _, s := range []Expr{b.L, b.R} {
			if r, ok := s.(*OuterRef); ok && r.Level == 1 {
				out[r.Idx] = true
			}
		}
	}
	return out
}

func isTrue(e Expr) bool {
	c, ok := e.(*Const)
	return ok && !c.Val.IsNull() && c.Val.Kind() == sql.KindBool && c.Val.Bool()
}

// hasLateral reports whether n or a CTE it reads has a LATERAL subquery.
func hasLateral(n Node) bool {
	found := false
	walkPlan(n, func(x Node) bool {
		if _, ok := x.(*LateralJoin); ok {
			found = true
		}
		return !found
	})
	return found
}
