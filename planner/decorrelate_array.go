package planner

import "github.com/eddysql/eddy/sql"

// arrayAsAggregate turns ARRAY(subquery) into the scalar subquery
// (SELECT coalesce(array_agg(y ORDER BY ...), '{}') FROM ...), which
// decorrelates as an aggregate does: ARRAY() over no rows is an empty
// array, never NULL, and it keeps the subquery's ORDER BY.
func arrayAsAggregate(s *Subquery) Node {
	body := s.Plan
	y := Expr(&ColRef{Idx: 0, Typ: body.Columns()[0].Type})
	var order []SortKey
	switch n := body.(type) {
	case *Sort:
		body, order = n.Input, n.Keys
	case *Project:
		if srt, ok := n.Input.(*Sort); ok {
			body, y, order = srt.Input, n.Exprs[0], srt.Keys
		}
	}
	t := s.Typ
	agg := &Aggregate{Input: body, Cols: []Column{{Name: "array_agg", Type: t}},
		Aggs: []AggCall{{Func: &AggFunc{Name: "array_agg"}, Args: []Expr{y}, Order: order, Type: t}}}
	empty := &Const{Val: sql.NewArray([]sql.Value{}), Typ: t}
	return &Project{Input: agg, Cols: []Column{{Name: "array", Type: t}},
		Exprs: []Expr{&Coalesce{Args: []Expr{&ColRef{Idx: 0, Typ: t}, empty}, Typ: t}}}
}
