package planner

import (
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

func TestOrderQualsRule(t *testing.T) {
	p := testPlanner(t)
	for _, tc := range []struct {
		query string
		fires bool
		first string // the conjunct that must run first, as formatted
	}{
		{"SELECT v FROM kv WHERE 1 / id = 0 AND id > 3", true, "(#0 > 3)"},
		{"SELECT v FROM kv WHERE EXISTS (SELECT 1 FROM bid WHERE bid.auction = kv.id) AND v = 'x'", true, "(#1 = 'x')"},
		{"SELECT v FROM kv WHERE id IN (SELECT price FROM bid) AND v = 'x'", false, ""},
		{"SELECT v FROM kv WHERE v = 'x' AND NOT EXISTS (SELECT 1 FROM bid)", true, "EXISTS"},
		{"SELECT v FROM kv WHERE v = 'x' AND 1 / id = 0", false, ""},
		{"SELECT v FROM kv WHERE id > 3 AND v = 'x'", false, ""},
	} {
		stmts, err := sql.Parse(tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		n, err := p.newBinder(nil).bindQuery(stmts[0].AST, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		out, fired := Optimize(n)
		if got := slices.Contains(fired, "order_quals"); got != tc.fires {
			t.Errorf("%s: order_quals fired = %v, want %v (fired %v)", tc.query, got, tc.fires, fired)
		}
		if tc.first == "" {
			continue
		}
		var pred Expr
		walkPlan(out, func(n Node) bool {
			if f, ok := n.(*Filter); ok && pred == nil {
				pred = f.Pred
			}
			return true
		})
		if pred == nil {
			t.Fatalf("%s: no filter in %s", tc.query, Explain(out))
		}
		if got := FormatExpr(conjuncts(pred)[0], nil); !strings.Contains(got, tc.first) {
			t.Errorf("%s: first conjunct %q, want %q", tc.query, got, tc.first)
		}
	}
}

func TestQualCost(t *testing.T) {
	col := &ColRef{Idx: 0, Typ: sql.Int4}
	one := &Const{Val: sql.NewInt(1), Typ: sql.Int4}
	cmp := &BinOp{Op: OpGt, L: col, R: one, Typ: sql.Bool}
	div := &BinOp{Op: OpEq, L: &BinOp{Op: OpDiv, L: one, R: col, Typ: sql.Int4}, R: one, Typ: sql.Bool}
	if qualCost(cmp) >= qualCost(div) {
		t.Errorf("a comparison (%v) should cost less than a division and a comparison (%v)", qualCost(cmp), qualCost(div))
	}
	if in := (&InList{Input: col, List: []Expr{one, one, one, one}}); qualCost(in) != 2 {
		t.Errorf("IN over 4 values costs %v, want 2 (half the list)", qualCost(in))
	}
	if qualCost(&Subquery{Correlated: true}) < subqueryCost {
		t.Errorf("a correlated subquery must cost at least %d", subqueryCost)
	}
	if c := qualCost(&Subquery{}); c != 0 {
		t.Errorf("an uncorrelated subquery runs once, but costs %v per row", c)
	}
}
