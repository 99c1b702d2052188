package planner

import (
	"reflect"
)

// walkExpr calls f on e and, while f returns true, on its operands. It does
// not descend into subquery plans.
func walkExpr(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	for _, c := range exprChildren(e) {
		walkExpr(c, f)
	}
}

func exprChildren(e Expr) []Expr {
	switch e := e.(type) {
	case *Cast:
		return []Expr{e.Input}
	case *Call:
		return e.Args
	case *BinOp:
		return []Expr{e.L, e.R}
	case *Neg:
		return []Expr{e.Input}
	case *BitNot:
		return []Expr{e.Input}
	case *And:
		return e.Args
	case *Or:
		return e.Args
	case *Not:
		return []Expr{e.Input}
	case *IsNull:
		return []Expr{e.Input}
	case *IsBool:
		return []Expr{e.Input}
	case *Case:
		var out []Expr
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *Coalesce:
		return e.Args
	case *MinMax:
		return e.Args
	case *InList:
		return append([]Expr{e.Input}, e.List...)
	case *Like:
		out := []Expr{e.Input, e.Pattern}
		if e.Escape != nil {
			out = append(out, e.Escape)
		}
		return out
	case *Subquery:
		if e.Left != nil {
			return []Expr{e.Left}
		}
	case *ArrayCmp:
		return []Expr{e.Left, e.Array}
	case *ArrayLit:
		return e.Elems
	case *RowLit:
		return e.Elems
	case *FieldSelect:
		return []Expr{e.Input}
	}
	return nil
}

// mapExpr rebuilds e bottom-up, replacing each node by f(node) after its
// operands were mapped. Nodes are copied, never mutated.
func mapExpr(e Expr, f func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	ms := func(es []Expr) []Expr {
		out := make([]Expr, len(es))
		for i, x := range es {
			out[i] = mapExpr(x, f)
		}
		return out
	}
	switch x := e.(type) {
	case *Cast:
		c := *x
		c.Input = mapExpr(x.Input, f)
		e = &c
	case *Call:
		c := *x
		c.Args = ms(x.Args)
		e = &c
	case *BinOp:
		c := *x
		c.L, c.R = mapExpr(x.L, f), mapExpr(x.R, f)
		e = &c
	case *Neg:
		e = &Neg{Input: mapExpr(x.Input, f)}
	case *BitNot:
		e = &BitNot{Input: mapExpr(x.Input, f)}
	case *And:
		e = &And{Args: ms(x.Args)}
	case *Or:
		e = &Or{Args: ms(x.Args)}
	case *Not:
		e = &Not{Input: mapExpr(x.Input, f)}
	case *IsNull:
		e = &IsNull{Input: mapExpr(x.Input, f), Not: x.Not}
	case *IsBool:
		c := *x
		c.Input = mapExpr(x.Input, f)
		e = &c
	case *Case:
		c := *x
		c.Whens = make([]When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = When{Cond: mapExpr(w.Cond, f), Result: mapExpr(w.Result, f)}
		}
		c.Else = mapExpr(x.Else, f)
		e = &c
	case *Coalesce:
		c := *x
		c.Args = ms(x.Args)
		e = &c
	case *MinMax:
		c := *x
		c.Args = ms(x.Args)
		e = &c
	case *InList:
		c := *x
		c.Input, c.List = mapExpr(x.Input, f), ms(x.List)
		e = &c
	case *Like:
		c := *x
		c.Input, c.Pattern, c.Escape = mapExpr(x.Input, f), mapExpr(x.Pattern, f), mapExpr(x.Escape, f)
		e = &c
	case *Subquery:
		c := *x
		c.Left = mapExpr(x.Left, f)
		e = &c
	case *ArrayCmp:
		c := *x
		c.Left, c.Array = mapExpr(x.Left, f), mapExpr(x.Array, f)
		e = &c
	case *ArrayLit:
		c := *x
		c.Elems = ms(x.Elems)
		e = &c
	case *RowLit:
		e = &RowLit{Elems: ms(x.Elems)}
	case *FieldSelect:
		c := *x
		c.Input = mapExpr(x.Input, f)
		e = &c
	}
	return f(e)
}

// shiftCols moves every column reference by delta.
func shiftCols(e Expr, delta int) Expr {
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			return &ColRef{Idx: c.Idx + delta, Typ: c.Typ}
		}
		return x
	})
}

// exprEqual compares two bound expressions structurally.
func exprEqual(a, b Expr) bool { return reflect.DeepEqual(a, b) }
