package planner

import (
	"strings"

	"github.com/eddysql/eddy/sql"
)

// hoist pulls the conjuncts that read the outer row out of a subquery's
// plan n. It returns a plan that does not read the outer row, whose columns
// are n's followed by any the conjuncts need, and the conjuncts over that
// plan's row (ColRef) and the outer rows (OuterRef): for every outer row,
// n's rows are the returned plan's rows that satisfy all the conjuncts,
// projected to n's columns.
//
// set says only which rows exist matters, not how often (under a semi or
// anti join), so a DISTINCT may keep the columns the conjuncts read.
func (d *decorrelator) hoist(n Node, set bool) (Node, []Expr, error) {
	hints := d.hints
	d.hints = nil // they are over n's row only
	if !planReaches(n, 0) {
		return n, nil, nil
	}
	switch x := n.(type) {
	case *Filter:
		d.hints = conjuncts(x.Pred)
		in, cs, err := d.hoist(x.Input, set)
		if err != nil {
			return nil, nil, err
		}
		var keep []Expr
		for _, c := range conjuncts(x.Pred) {
			if exprReaches(c, 0) {
				cs = append(cs, c)
			} else {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			in = &Filter{Input: in, Pred: conjoin(keep)}
		}
		return in, cs, nil
	case *Scan:
		// A point lookup by an outer value (the optimizer made it from
		// WHERE pk = outer.x) turns back into its equalities.
		s := *x
		s.Key = nil
		var keep, cs []Expr
		for i, k := range x.Key {
			col := x.Rel.PrimaryKey[i]
			eq := &BinOp{Op: OpEq, L: coerce(&ColRef{Idx: col, Typ: x.Cols[col].Type}, k.Type()), R: k, Typ: sql.Bool}
			if exprReaches(k, 0) {
				cs = append(cs, eq)
			} else {
				keep = append(keep, eq)
			}
		}
		if len(keep) > 0 {
			return &Filter{Input: &s, Pred: conjoin(keep)}, cs, nil
		}
		return &s, cs, nil
	case *Project:
		return d.hoistProject(x, set)
	case *Sort:
		if anyReaches(nodeExprs(x)) {
			return nil, nil, errNotInView("an outer reference in ORDER BY of a subquery")
		}
		in, cs, err := d.hoist(x.Input, set)
		if err != nil {
			return nil, nil, err
		}
		return &Sort{Input: in, Keys: x.Keys}, cs, nil
	case *Distinct:
		if !set || x.On != nil {
			return nil, nil, errNotInView("DISTINCT in a correlated subquery")
		}
		in, cs, err := d.hoist(x.Input, set)
		if err != nil {
			return nil, nil, err
		}
		return &Distinct{Input: in}, cs, nil
	case *Join:
		return d.hoistJoin(x, set, hints)
	case *Aggregate:
		return d.hoistAggregate(x)
	}
	return nil, nil, errNotInView("a correlated subquery with %s", nodeConstruct(n))
}

// hoistFrom hoists n, a subquery's plan whose outer row of level 1 is a
// row of outer.
func (d *decorrelator) hoistFrom(outer, n Node, set bool) (Node, []Expr, error) {
	prev := d.outer
	d.outer, d.hints = outer, nil
	defer func() { d.outer = prev }()
	return d.hoist(n, set)
}

// nodeConstruct names, for an error, the SQL that made a node.
func nodeConstruct(n Node) string {
	switch x := n.(type) {
	case *Limit:
		return "LIMIT or OFFSET"
	case *Window:
		return "window functions"
	case *SetOp:
		return "UNION, INTERSECT or EXCEPT"
	case *Values:
		return "VALUES"
	case *LateralJoin:
		return "LATERAL"
	case *TableFunc, *ProjectSet, *FuncJoin:
		return "set-returning functions"
	case *Join:
		return x.Kind.String() + " JOIN"
	}
	return "this plan"
}

func anyReaches(es []Expr) bool {
	for _, e := range es {
		if exprReaches(e, 0) {
			return true
		}
	}
	return false
}

// hoistProject hoists through a select list, which must not read the outer
// row itself; the columns the conjuncts read are passed through, appended
// to the list when it does not have them.
func (d *decorrelator) hoistProject(p *Project, set bool) (Node, []Expr, error) {
	if anyReaches(p.Exprs) {
		return nil, nil, errNotInView("an outer reference in the select list of a subquery")
	}
	in, cs, err := d.hoist(p.Input, set)
	if err != nil {
		return nil, nil, err
	}
	exprs := append([]Expr(nil), p.Exprs...)
	cols := append([]Column(nil), p.Cols...)
	inCols := in.Columns()
	out := make([]Expr, len(cs))
	for i, c := range cs {
		out[i] = mapExpr(c, func(x Expr) Expr {
			r, ok := x.(*ColRef)
			if !ok {
				return x
			}
			for j, e := range exprs {
				if o, ok := e.(*ColRef); ok && o.Idx == r.Idx {
					return &ColRef{Idx: j, Typ: r.Typ}
				}
			}
			exprs = append(exprs, r)
			col := inCols[r.Idx]
			col.Hidden = true
			cols = append(cols, col)
			return &ColRef{Idx: len(exprs) - 1, Typ: r.Typ}
		})
	}
	return &Project{Input: in, Exprs: exprs, Cols: cols}, out, nil
}

// hoistJoin hoists through a join: from both inputs of an inner join and
// out of its condition, from the preserved input of a left, semi or anti
// join (filtering its rows before or after the join is the same). A left
// join's condition that reads the outer row reads it from a domain joined
// to the left input instead (hoistDomain). hints are the correlated
// conjuncts of a Filter right above the join.
func (d *decorrelator) hoistJoin(j *Join, set bool, hints []Expr) (Node, []Expr, error) {
	var l, r Node = j.Left, j.Right
	var lcs, rcs []Expr
	var err error
	switch j.Kind {
	case JoinInner:
		if l, lcs, err = d.hoist(j.Left, set); err != nil {
			return nil, nil, err
		}
		if r, rcs, err = d.hoist(j.Right, set); err != nil {
			return nil, nil, err
		}
	case JoinLeft, JoinSemi, JoinAnti:
		if planReaches(j.Right, 0) {
			return nil, nil, errCorrelatedInner(j.Kind)
		}
		if l, lcs, err = d.hoist(j.Left, set); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, errNotInView("an outer reference under a %s JOIN in a correlated subquery", strings.ToUpper(j.Kind.String()))
	}
	if anyReaches(append(append([]Expr(nil), j.LeftKeys...), j.RightKeys...)) {
		// Only a nested subquery's join gets keys that read the row
		// outside (the optimizer leaves such equalities in On).
		return nil, nil, errNestedOuter()
	}
	fromDomain := func(e Expr) Expr { return e }
	if j.Kind == JoinLeft && exprReaches(j.On, 0) {
		var dcs []Expr
		if l, fromDomain, dcs, err = d.hoistDomain(j, l, lcs, hints); err != nil {
			return nil, nil, err
		}
		lcs = append(lcs, dcs...)
	}
	nl, nl2 := len(j.Left.Columns()), len(l.Columns())
	nr, nr2 := len(j.Right.Columns()), len(r.Columns())
	// The condition reads the right input after the left's new columns.
	onRow := func(e Expr) Expr {
		return mapExpr(e, func(x Expr) Expr {
			if c, ok := x.(*ColRef); ok && c.Idx >= nl {
				return &ColRef{Idx: c.Idx + nl2 - nl, Typ: c.Typ}
			}
			return x
		})
	}
	var keep, cs []Expr
	cs = append(cs, lcs...)
	for _, c := range rcs {
		cs = append(cs, shiftCols(c, nl2))
	}
	for _, c := range conjuncts(j.On) {
		c = fromDomain(onRow(c))
		if !exprReaches(c, 0) {
			keep = append(keep, c)
		} else if j.Kind == JoinInner {
			cs = append(cs, c)
		} else {
			return nil, nil, errCorrelatedInner(j.Kind)
		}
	}
	out := *j
	out.Left, out.Right, out.On = l, r, conjoin(keep)
	if j.Kind != JoinInner && j.Kind != JoinLeft {
		out.Cols = l.Columns()
		return &out, cs, nil
	}
	out.Cols = concatColumns(l, r)
	if nl2 == nl && nr2 == nr {
		return &out, cs, nil
	}
	// Put the join's own columns first again: left, right, then the
	// columns the inputs added for the conjuncts.
	pos := make([]int, 0, nl2+nr2) // join row position -> output position
	for i := 0; i < nl2; i++ {
		if i < nl {
			pos = append(pos, i)
		} else {
			pos = append(pos, nl+nr+i-nl)
		}
	}
	for i := 0; i < nr2; i++ {
		if i < nr {
			pos = append(pos, nl+i)
		} else {
			pos = append(pos, nl2+nr+i-nr)
		}
	}
	exprs := make([]Expr, len(pos))
	cols := make([]Column, len(pos))
	for from, to := range pos {
		exprs[to] = &ColRef{Idx: from, Typ: out.Cols[from].Type}
		cols[to] = out.Cols[from]
	}
	for i, c := range cs {
		cs[i] = mapExpr(c, func(x Expr) Expr {
			if r, ok := x.(*ColRef); ok {
				return &ColRef{Idx: pos[r.Idx], Typ: r.Typ}
			}
			return x
		})
	}
	return &Project{Input: &out, Exprs: exprs, Cols: cols}, cs, nil
}

// errCorrelatedInner refuses an outer reference that only the inner side of
// a join reads. Semi and anti joins there come from nested subqueries that
// read a query further out than their parent; a left join may also be the
// user's.
func errCorrelatedInner(k JoinKind) error {
	if k == JoinLeft {
		return errNotInView("an outer reference on the inner side of a LEFT JOIN, or in a nested subquery, inside a correlated subquery")
	}
	return errNestedOuter()
}

// errNestedOuter refuses a subquery that reads a query further out than the
// one around it: its join would have to be made per row of that query.
func errNestedOuter() error {
	return errNotInView("a subquery that reads a query other than the one immediately around it")
}

// hoistAggregate hoists through GROUP BY when the correlation is equalities:
// grouping also by their inner sides keeps each outer row's groups apart.
// Without GROUP BY the aggregate has a row even for an outer row with no
// input rows, which grouping would lose; the scalar subquery of that shape
// is rewritten whole instead (scalarAggregate).
func (d *decorrelator) hoistAggregate(a *Aggregate) (Node, []Expr, error) {
	if anyReaches(nodeExprs(a)) {
		return nil, nil, errNotInView("an outer reference in an aggregate or GROUP BY of a subquery")
	}
	if a.GroupingSets != nil {
		return nil, nil, errNotInView("GROUPING SETS, ROLLUP or CUBE in a correlated subquery")
	}
	if len(a.Group) == 0 {
		return nil, nil, errNotInView("an aggregate without GROUP BY in a correlated subquery used other than as a scalar")
	}
	in, cs, err := d.hoist(a.Input, false)
	if err != nil {
		return nil, nil, err
	}
	inner, outer, ok := splitEqualities(cs)
	if !ok {
		return nil, nil, errNotInView("a correlated subquery with GROUP BY whose correlation is not equalities")
	}
	// A correlation key that is already a group key needs no new column.
	var out []Expr
	var newInner, newOuter []Expr
	for i, e := range inner {
		found := false
		for j, ge := range a.Group {
			if exprEqual(e, ge) {
				out = append(out, &BinOp{Op: OpEq, L: &ColRef{Idx: j, Typ: e.Type()}, R: outer[i], Typ: sql.Bool})
				found = true
				break
			}
		}
		if !found {
			newInner, newOuter = append(newInner, e), append(newOuter, outer[i])
		}
	}
	inner, outer = newInner, newOuter
	if len(inner) == 0 {
		return &Aggregate{Input: in, Group: a.Group, Aggs: a.Aggs, Cols: a.Cols}, out, nil
	}
	g, k, na := len(a.Group), len(inner), len(a.Aggs)
	cols := make([]Column, 0, g+k+na)
	cols = append(cols, a.Cols[:g]...)
	keyCols := make([]Column, k)
	for i, e := range inner {
		keyCols[i] = Column{Name: "key", Type: e.Type(), Hidden: true}
	}
	cols = append(append(cols, keyCols...), a.Cols[g:]...)
	grouped := &Aggregate{Input: in, Group: append(append([]Expr(nil), a.Group...), inner...), Aggs: a.Aggs, Cols: cols}
	// Back to the aggregate's own layout, the keys last.
	exprs := make([]Expr, 0, g+na+k)
	for i := 0; i < g; i++ {
		exprs = append(exprs, &ColRef{Idx: i, Typ: cols[i].Type})
	}
	for i := g + k; i < g+k+na; i++ {
		exprs = append(exprs, &ColRef{Idx: i, Typ: cols[i].Type})
	}
	for i := 0; i < k; i++ {
		exprs = append(exprs, &ColRef{Idx: g + i, Typ: cols[g+i].Type})
		out = append(out, &BinOp{Op: OpEq, L: &ColRef{Idx: g + na + i, Typ: inner[i].Type()}, R: outer[i], Typ: sql.Bool})
	}
	pcols := append(append([]Column(nil), a.Cols...), keyCols...)
	return &Project{Input: grouped, Exprs: exprs, Cols: pcols}, out, nil
}

// atMostOneRow reports whether n never has more than one row.
func atMostOneRow(n Node) bool {
	for _, k := range uniqueKeys(n) {
		if len(k) == 0 {
			return true
		}
	}
	return false
}

// uniquelyBound reports whether, for any outer row, at most one row of n
// satisfies the conjuncts cs: they bind every column of a unique key of n
// to an outer value by equality.
func uniquelyBound(n Node, cs []Expr) bool {
	bound := boundColumns(cs, func(e Expr) bool { return readsOnly(e, true) })
	for _, k := range uniqueKeys(n) {
		all := true
		for _, c := range k {
			all = all && bound[c]
		}
		if all {
			return true
		}
	}
	return false
}

// boundColumns lists the columns that conjuncts equate to a value that
// satisfies fixed: all rows that pass share that value.
func boundColumns(conj []Expr, fixed func(Expr) bool) map[int]bool {
	bound := map[int]bool{}
	for _, c := range conj {
		b, ok := c.(*BinOp)
		if !ok || b.Op != OpEq {
			continue
		}
		for _, pair := range [2][2]Expr{{b.L, b.R}, {b.R, b.L}} {
			if col, ok := identityColumn(pair[0]); ok && fixed(pair[1]) {
				bound[col] = true
			}
		}
	}
	return bound
}

// identityColumn matches a column, possibly widened to a larger integer
// type: casts that never make two values equal.
func identityColumn(e Expr) (int, bool) {
	if c, ok := e.(*Cast); ok {
		from, to := c.Input.Type().OID, c.Typ.OID
		if (from != sql.OIDInt2 && from != sql.OIDInt4) || (to != sql.OIDInt4 && to != sql.OIDInt8) {
			return 0, false
		}
		e = c.Input
	}
	if r, ok := e.(*ColRef); ok {
		return r.Idx, true
	}
	return 0, false
}

// uniqueKeys lists sets of n's columns on which no two of its rows are
// equal; an empty set means n has at most one row.
func uniqueKeys(n Node) [][]int {
	switch x := n.(type) {
	case *Scan:
		if x.Key != nil {
			return [][]int{{}}
		}
		var out [][]int
		if pk := x.Rel.PrimaryKey; len(pk) > 0 && identityTypes(x.Cols, pk) {
			out = append(out, pk)
		}
		for _, c := range x.Rel.Constraints {
			if c.Type == 'u' && identityTypes(x.Cols, c.Columns) {
				out = append(out, c.Columns)
			}
		}
		return out
	case *Filter:
		// WHERE k = 1 leaves at most one row of a table keyed by k.
		bound := boundColumns(conjuncts(x.Pred), rowIndependent)
		var out [][]int
		for _, k := range uniqueKeys(x.Input) {
			var rest []int
			for _, c := range k {
				if !bound[c] {
					rest = append(rest, c)
				}
			}
			out = append(out, rest)
		}
		return out
	case *Sort:
		return uniqueKeys(x.Input)
	case *Limit:
		if c, ok := x.Count.(*Const); ok && !c.Val.IsNull() && c.Val.Kind() == sql.KindInt && c.Val.Int() <= 1 {
			return [][]int{{}}
		}
		return uniqueKeys(x.Input)
	case *Project:
		var out [][]int
		for _, k := range uniqueKeys(x.Input) {
			mapped := make([]int, 0, len(k))
			for _, c := range k {
				for j, e := range x.Exprs {
					if r, ok := e.(*ColRef); ok && r.Idx == c {
						mapped = append(mapped, j)
						break
					}
				}
			}
			if len(mapped) == len(k) {
				out = append(out, mapped)
			}
		}
		return out
	case *Aggregate:
		if x.GroupingSets != nil {
			return nil
		}
		k := make([]int, len(x.Group))
		for i := range k {
			k[i] = i
		}
		return [][]int{k}
	case *Distinct:
		if x.On != nil {
			return nil
		}
		k := make([]int, len(x.Columns()))
		for i := range k {
			k[i] = i
		}
		return [][]int{k}
	case *Values:
		if len(x.Rows) <= 1 {
			return [][]int{{}}
		}
	}
	return nil
}

// identityTypes reports whether the columns' types have equality that is
// identity, so that a stored key's uniqueness also holds under "=" (unlike
// numeric, where 1.0 = 1.00, or floats, where 0 = -0).
func identityTypes(cols []Column, idx []int) bool {
	for _, i := range idx {
		if i >= len(cols) {
			return false
		}
		switch cols[i].Type.OID {
		case sql.OIDInt2, sql.OIDInt4, sql.OIDInt8, sql.OIDText, sql.OIDVarchar, sql.OIDName, sql.OIDBool,
			sql.OIDDate, sql.OIDTimestamp, sql.OIDTimestampTZ, sql.OIDUUID, sql.OIDBytea, sql.OIDOid:
		default:
			return false
		}
	}
	return true
}
