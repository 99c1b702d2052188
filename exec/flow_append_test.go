package exec

import (
	"testing"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// TestAppendOnly: which plans only ever insert rows, and so may store a
// view's rows by number.
func TestAppendOnly(t *testing.T) {
	src := &planner.Scan{Rel: &catalog.Relation{OID: 1, Kind: catalog.KindSource}}
	table := &planner.Scan{Rel: &catalog.Relation{OID: 2, Kind: catalog.KindTable}}
	appendTable := &planner.Scan{Rel: &catalog.Relation{OID: 5, Kind: catalog.KindTable, AppendOnly: true}}
	appendView := &planner.Scan{Rel: &catalog.Relation{OID: 3, Kind: catalog.KindMatView}}
	aggView := &planner.Scan{Rel: &catalog.Relation{OID: 4, Kind: catalog.KindMatView}}
	views := func(oid uint32) bool { return oid == 3 }
	col := &planner.ColRef{Idx: 0, Typ: sql.Int8}
	pred := &planner.BinOp{Op: planner.OpGt, L: col, R: &planner.Const{Val: sql.NewInt(1), Typ: sql.Int8}}
	sub := &planner.Subquery{Kind: planner.SubqueryExists, Plan: table}
	for _, c := range []struct {
		name string
		plan planner.Node
		want bool
	}{
		{"source", src, true},
		{"table", table, false},
		{"append-only view", appendView, true},
		{"other view", aggView, false},
		{"filter", &planner.Filter{Input: src, Pred: pred}, true},
		{"project", &planner.Project{Input: src, Exprs: []planner.Expr{col}}, true},
		{"filter with a subquery", &planner.Filter{Input: src, Pred: sub}, false},
		{"project with a subquery", &planner.Project{Input: src, Exprs: []planner.Expr{sub}}, false},
		{"union all", &planner.SetOp{Kind: planner.Union, All: true, Left: src, Right: appendView}, true},
		{"union all with a table", &planner.SetOp{Kind: planner.Union, All: true, Left: src, Right: table}, false},
		{"union", &planner.SetOp{Kind: planner.Union, Left: src, Right: src}, false},
		{"aggregate", &planner.Aggregate{Input: src}, false},
		{"distinct", &planner.Distinct{Input: src}, false},
		{"limit", &planner.Limit{Input: src}, false},
		{"inner join", &planner.Join{Kind: planner.JoinInner, Left: src, Right: appendView}, true},
		{"inner join with a table", &planner.Join{Kind: planner.JoinInner, Left: src, Right: table}, false},
		{"left join", &planner.Join{Kind: planner.JoinLeft, Left: src, Right: src}, false},
		{"append-only table", appendTable, true},
		{"values", &planner.Values{}, true},
	} {
		if got := appendOnly(c.plan, views); got != c.want {
			t.Errorf("%s: appendOnly = %v, want %v", c.name, got, c.want)
		}
	}
}
