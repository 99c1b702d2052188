package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// cseFixture builds plans over VALUES (0), (1), ... (n-1) with one int
// column, and a function f(x) = 100/x that counts its calls and fails on
// 0, as division does.
type cseFixture struct {
	t     *testing.T
	rt    *runtime
	n     int
	calls int
	f     *builtin.Func
}

func newCSEFixture(t *testing.T, n int) *cseFixture {
	e, s := openSession(t, t.TempDir())
	t.Cleanup(func() { e.Close() })
	fx := &cseFixture{t: t, rt: s.newRuntime(context.Background(), nil, nil), n: n}
	fx.f = &builtin.Func{Name: "f", Args: []sql.Type{sql.Int8}, Ret: sql.Int8,
		Eval: func(_ *builtin.Context, a []sql.Value) (sql.Value, error) {
			fx.calls++
			if a[0].Int() == 0 {
				return sql.Null, sql.Errorf(sql.CodeDivisionByZero, "division by zero")
			}
			return sql.NewInt(100 / a[0].Int()), nil
		}}
	return fx
}

func (fx *cseFixture) values() planner.Node {
	rows := make([][]planner.Expr, fx.n)
	for i := range rows {
		rows[i] = []planner.Expr{&planner.Const{Val: sql.NewInt(int64(i)), Typ: sql.Int8}}
	}
	return &planner.Values{Rows: rows, Cols: []planner.Column{{Name: "x", Type: sql.Int8}}}
}

func col() planner.Expr { return &planner.ColRef{Idx: 0, Typ: sql.Int8} }
func i8c(v int64) planner.Expr {
	return &planner.Const{Val: sql.NewInt(v), Typ: sql.Int8}
}
func (fx *cseFixture) call(arg planner.Expr) planner.Expr {
	return &planner.Call{Fn: fx.f, Args: []planner.Expr{arg}, Typ: sql.Int8}
}
func cmpExpr(op planner.Op, l, r planner.Expr) planner.Expr {
	return &planner.BinOp{Op: op, L: l, R: r, Typ: sql.Bool}
}

// run builds and drains n, returning its rows as text and the calls of f.
func (fx *cseFixture) run(n planner.Node) (string, int, error) {
	fx.calls = 0
	op, err := fx.rt.build(n)
	if err != nil {
		fx.t.Fatal(err)
	}
	var out []string
	for {
		b, err := op.Next(context.Background())
		if err != nil {
			return "", fx.calls, err
		}
		if b == nil {
			break
		}
		for _, r := range b.Rows {
			out = append(out, fmt.Sprint(r))
		}
	}
	return strings.Join(out, " "), fx.calls, nil
}

// plain runs n with the memo off, for the answer without sharing.
func (fx *cseFixture) plain(n planner.Node) (string, int, error) {
	var op Operator
	var err error
	switch n := n.(type) {
	case *planner.Project:
		var in Operator
		var pred evalFn
		if f, ok := n.Input.(*planner.Filter); ok {
			in, _ = fx.rt.build(f.Input)
			pred, err = fx.rt.compileQual(f.Pred)
			in = &filterOp{in: in, pred: pred}
		} else {
			in, _ = fx.rt.build(n.Input)
		}
		fs, err2 := fx.rt.compileAll(n.Exprs)
		if err != nil || err2 != nil {
			fx.t.Fatal(err, err2)
		}
		op = &projectOp{in: in, exprs: fs}
	case *planner.Filter:
		in, _ := fx.rt.build(n.Input)
		pred, err := fx.rt.compileQual(n.Pred)
		if err != nil {
			fx.t.Fatal(err)
		}
		op = &filterOp{in: in, pred: pred}
	}
	fx.calls = 0
	var out []string
	for {
		b, err := op.Next(context.Background())
		if err != nil {
			return "", fx.calls, err
		}
		if b == nil {
			break
		}
		for _, r := range b.Rows {
			out = append(out, fmt.Sprint(r))
		}
	}
	return strings.Join(out, " "), fx.calls, nil
}

func TestCSEFilterAndProjectShare(t *testing.T) {
	fx := newCSEFixture(t, 6)
	// WHERE x > 0 AND f(x) > 20 ... SELECT f(x), CASE WHEN f(x) > 30 THEN f(x) END
	q := &planner.Project{
		Input: &planner.Filter{Input: fx.values(), Pred: &planner.And{Args: []planner.Expr{
			cmpExpr(planner.OpGt, col(), i8c(0)), cmpExpr(planner.OpGt, fx.call(col()), i8c(20))}}},
		Exprs: []planner.Expr{fx.call(col()), &planner.Case{
			Whens: []planner.When{{Cond: cmpExpr(planner.OpGt, fx.call(col()), i8c(30)), Result: fx.call(col())}}, Typ: sql.Int8}},
	}
	got, calls, err := fx.run(q)
	if err != nil {
		t.Fatal(err)
	}
	want, plainCalls, _ := fx.plain(q)
	if got != want {
		t.Errorf("shared: %s, plain: %s", got, want)
	}
	// f runs once per row that reaches it: rows 1..5, never row 0, which
	// the first conjunct stops before f would divide by zero.
	if calls != 5 {
		t.Errorf("f ran %d times, want 5 (plain: %d)", calls, plainCalls)
	}
	if _, ok := mustBuild(t, fx.rt, q).(*projectOp); !ok {
		t.Errorf("the fused operator is not a projectOp")
	}
}

func mustBuild(t *testing.T, rt *runtime, n planner.Node) Operator {
	op, err := rt.build(n)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// TestCSEKeepsShortCircuits: an occurrence behind a CASE condition or an
// AND is evaluated only where the plain evaluation would, so f(0) is never
// called and raises nothing.
func TestCSEKeepsShortCircuits(t *testing.T) {
	fx := newCSEFixture(t, 4)
	guarded := func() planner.Expr {
		return &planner.Case{Whens: []planner.When{{Cond: cmpExpr(planner.OpNe, col(), i8c(0)), Result: fx.call(col())}}, Typ: sql.Int8}
	}
	for _, q := range []planner.Node{
		&planner.Project{Input: fx.values(), Exprs: []planner.Expr{guarded(), guarded()}},
		&planner.Project{
			Input: &planner.Filter{Input: fx.values(), Pred: &planner.Or{Args: []planner.Expr{
				cmpExpr(planner.OpEq, col(), i8c(0)), cmpExpr(planner.OpGt, fx.call(col()), i8c(40))}}},
			Exprs: []planner.Expr{guarded(), &planner.Coalesce{Args: []planner.Expr{col(), fx.call(col())}, Typ: sql.Int8}}},
		&planner.Filter{Input: fx.values(), Pred: &planner.And{Args: []planner.Expr{
			cmpExpr(planner.OpNe, col(), i8c(0)), cmpExpr(planner.OpGt, fx.call(col()), i8c(40)), cmpExpr(planner.OpLt, fx.call(col()), i8c(100))}}},
	} {
		got, calls, err := fx.run(q)
		if err != nil {
			t.Fatalf("%s: %v", planner.Explain(q), err)
		}
		want, plainCalls, err := fx.plain(q)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: shared %s, plain %s", planner.Explain(q), got, want)
		}
		if calls > plainCalls || calls > 3 {
			t.Errorf("%s: f ran %d times, plainly %d", planner.Explain(q), calls, plainCalls)
		}
	}
	// Where the plain evaluation fails, so does the shared one.
	q := &planner.Project{Input: fx.values(), Exprs: []planner.Expr{fx.call(col()), fx.call(col())}}
	if _, _, err := fx.run(q); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("f(0) evaluated to no error: %v", err)
	}
}

// TestCSESharesOnlyPureExpressions: a volatile function's calls are each
// evaluated, different arguments are different expressions, and each row
// gets its own value.
func TestCSESharesOnlyPureExpressions(t *testing.T) {
	fx := newCSEFixture(t, 5)
	vol := *fx.f
	vol.Volatile = true
	volCall := func() planner.Expr {
		return &planner.Call{Fn: &vol, Args: []planner.Expr{col()}, Typ: sql.Int8}
	}
	one := &planner.Filter{Input: fx.values(), Pred: cmpExpr(planner.OpGt, col(), i8c(0))}
	if _, calls, _ := fx.run(&planner.Project{Input: one, Exprs: []planner.Expr{volCall(), volCall()}}); calls != 8 {
		t.Errorf("volatile f ran %d times, want 8", calls)
	}
	if s := newCSEScope(fx.call(col()), fx.call(&planner.BinOp{Op: planner.OpAdd, L: col(), R: i8c(1), Typ: sql.Int8})); s != nil {
		t.Errorf("f(x) and f(x + 1) share a memo")
	}
	if s := newCSEScope(fx.call(i8c(2)), fx.call(i8c(2))); s != nil {
		t.Errorf("a constant expression got a memo")
	}
	if s := newCSEScope(&planner.Subquery{Kind: planner.SubqueryScalar, Plan: fx.values(), Typ: sql.Int8},
		&planner.Subquery{Kind: planner.SubqueryScalar, Plan: fx.values(), Typ: sql.Int8}); s != nil {
		t.Errorf("subqueries share a memo")
	}
	q := &planner.Project{Input: one, Exprs: []planner.Expr{fx.call(col()), fx.call(col()), col()}}
	got, calls, err := fx.run(q)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[100 100 1] [50 50 2] [33 33 3] [25 25 4]"; got != want || calls != 4 {
		t.Errorf("got %s with %d calls, want %s with 4", got, calls, want)
	}
}
