package planner

import (
	"fmt"
	"sort"

	"github.com/eddysql/eddy/sql"
)

// hoistDomain lets a left join's condition stop reading the outer row.
// Filtering the rows of L LEFT JOIN R ON c(l, r, o) by a conjunct on o
// cannot move above the join: which left rows come out padded with NULLs
// depends on o. So the outer values the condition reads (the domain D, the
// distinct values of those columns of the outer relation) are joined to the
// left input instead: (L x D) LEFT JOIN R ON c(l, r, d) computes the left
// join once per left row and outer value, and the correlation becomes
// d IS NOT DISTINCT FROM o (an outer row with a NULL there still has its
// padded rows). This is the dependent join of Neumann and Kemper's
// "Unnesting Arbitrary Queries", with the outer relation pushed only where
// it is needed.
//
// L x D would pair every left row with every outer value. When a
// correlation conjunct equates a left column to an outer column (in l's
// own conjuncts lcs, or in hints, the correlated conjuncts of a Filter
// right above the join, over the join's row), only the outer values equal
// to that column can pass it, so L joins D on that column instead.
//
// l is j's hoisted left input; the result is l joined with D (l's columns,
// then D's), a function that moves a conjunct over the join's new row from
// the outer row to D, and the correlation conjuncts over the new left row.
func (d *decorrelator) hoistDomain(j *Join, l Node, lcs, hints []Expr) (Node, func(Expr) Expr, []Expr, error) {
	if d.outer == nil {
		return nil, nil, nil, errCorrelatedInner(j.Kind)
	}
	nl, nl2 := len(j.Left.Columns()), len(l.Columns())
	// The outer columns the condition reads.
	idx := map[int]bool{}
	nested := false
	walkExpr(j.On, func(x Expr) bool {
		if r, ok := x.(*OuterRef); ok {
			if r.Level == 1 {
				idx[r.Idx] = true
			} else {
				nested = true
			}
		}
		if _, ok := x.(*Subquery); ok {
			nested = true
		}
		return !nested
	})
	if nested {
		return nil, nil, nil, errNestedOuter()
	}
	// Left columns that must equal an outer column.
	type pair struct{ left, outer int }
	var pairs []pair
	addPairs := func(cs []Expr, width int) {
		for _, c := range cs {
			if lc, oc, ok := columnEqualsOuter(c); ok && lc < width {
				pairs = append(pairs, pair{lc, oc})
				idx[oc] = true
			}
		}
	}
	addPairs(lcs, nl2)
	addPairs(hints, nl)
	outerCols := d.outer.Columns()
	order := make([]int, 0, len(idx))
	for i := range idx {
		if i >= len(outerCols) {
			return nil, nil, nil, fmt.Errorf("decorrelate: outer reference $%d past the outer row's %d columns", i, len(outerCols))
		}
		order = append(order, i)
	}
	sort.Ints(order)
	at := map[int]int{} // outer column -> position in l's new row
	exprs := make([]Expr, len(order))
	cols := make([]Column, len(order))
	for i, o := range order {
		at[o] = nl2 + i
		exprs[i] = &ColRef{Idx: o, Typ: outerCols[o].Type}
		cols[i] = outerCols[o]
		cols[i].Hidden = true
	}
	domain := &Distinct{Input: &Project{Input: d.outer, Exprs: exprs, Cols: cols}}
	var keys []Expr
	for _, p := range pairs {
		keys = append(keys, &BinOp{Op: OpEq, L: &ColRef{Idx: p.left, Typ: outerCols[p.outer].Type},
			R: &ColRef{Idx: at[p.outer], Typ: outerCols[p.outer].Type}, Typ: sql.Bool})
	}
	left := newJoin(JoinInner, l, domain, conjoin(keys), concatColumns(l, domain))
	fromDomain := func(e Expr) Expr {
		return mapExpr(e, func(x Expr) Expr {
			if r, ok := x.(*OuterRef); ok && r.Level == 1 {
				return &ColRef{Idx: at[r.Idx], Typ: r.Typ}
			}
			return x
		})
	}
	cs := make([]Expr, len(order))
	for i, o := range order {
		t := outerCols[o].Type
		cs[i] = &BinOp{Op: OpNullSafeEq, L: &ColRef{Idx: at[o], Typ: t}, R: &OuterRef{Level: 1, Idx: o, Typ: t}, Typ: sql.Bool}
	}
	return left, fromDomain, cs, nil
}

// columnEqualsOuter matches col = outer (level 1) of one type, either way
// round.
func columnEqualsOuter(e Expr) (col, outer int, ok bool) {
	b, isOp := e.(*BinOp)
	if !isOp || b.Op != OpEq {
		return 0, 0, false
	}
	for _, p := range [2][2]Expr{{b.L, b.R}, {b.R, b.L}} {
		c, ok1 := p[0].(*ColRef)
		o, ok2 := p[1].(*OuterRef)
		if ok1 && ok2 && o.Level == 1 && c.Typ.OID == o.Typ.OID {
			return c.Idx, o.Idx, true
		}
	}
	return 0, 0, false
}
