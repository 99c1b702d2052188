package exec

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// The lookups of eval_switch.go against the general evaluation: the same
// CASE or IN, with each WHEN condition (IN element) hidden in a one-armed
// AND (COALESCE) so that the general path compiles it, over many rows.

func switchRuntime(t *testing.T) *runtime {
	e, s := openSession(t, t.TempDir())
	t.Cleanup(func() { e.Close() })
	return s.newRuntime(context.Background(), nil, nil)
}

func textConst(s string) planner.Expr { return &planner.Const{Val: sql.NewText(s), Typ: sql.Text} }

var nullText = &planner.Const{Val: sql.Null, Typ: sql.Text}

func evalBoth(t *testing.T, rt *runtime, fast, slow planner.Expr, rows []sql.Row) {
	t.Helper()
	ff, err := rt.compile(fast)
	if err != nil {
		t.Fatal(err)
	}
	sf, err := rt.compile(slow)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		a, aerr := ff(r)
		b, berr := sf(r)
		if fmt.Sprint(aerr) != fmt.Sprint(berr) || a.Kind() != b.Kind() || sql.Compare(a, b) != 0 {
			t.Fatalf("row %v: fast %v (%v), general %v (%v)", r, a, aerr, b, berr)
		}
	}
}

func TestCaseSwitchMatchesGeneral(t *testing.T) {
	rt := switchRuntime(t)
	words := []string{"apple", "google", "Apple", "APPLE", "facebook", "baidu", "", "é", "É", "apple ", "x"}
	var rows []sql.Row
	for i, w := range words {
		rows = append(rows, sql.Row{sql.NewText(w), sql.NewInt(int64(i - 3))})
	}
	rows = append(rows, sql.Row{sql.Null, sql.Null})
	x := func() planner.Expr { return &planner.ColRef{Idx: 0, Typ: sql.Text} }
	n := func() planner.Expr { return &planner.ColRef{Idx: 1, Typ: sql.Int8} }
	type arm struct {
		l, r planner.Expr
		res  string
	}
	cases := map[string]struct {
		arms []arm
		els  planner.Expr
	}{
		"text": {arms: []arm{{x(), textConst("apple"), "0"}, {textConst("google"), x(), "1"},
			{x(), textConst("é"), "2"}, {x(), textConst("apple"), "dup"}, {x(), nullText, "null"}, {x(), textConst(""), "empty"}},
			els: x()},
		"text no else": {arms: []arm{{x(), textConst("apple"), "0"}, {x(), textConst("APPLE"), "1"}}},
		"int": {arms: []arm{{n(), i8c(0), "zero"}, {n(), i8c(-3), "m3"}, {i8c(5), n(), "five"},
			{n(), &planner.Const{Val: sql.Null, Typ: sql.Int8}, "null"}}, els: textConst("other")},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			fast := &planner.Case{Typ: sql.Text, Else: c.els}
			slow := &planner.Case{Typ: sql.Text, Else: c.els}
			for _, a := range c.arms {
				cond := cmpExpr(planner.OpEq, a.l, a.r)
				fast.Whens = append(fast.Whens, planner.When{Cond: cond, Result: textConst(a.res)})
				slow.Whens = append(slow.Whens, planner.When{Cond: &planner.And{Args: []planner.Expr{cond}}, Result: textConst(a.res)})
			}
			if _, ok, _ := rt.compileCaseSwitch(fast); !ok {
				t.Fatal("the switch does not apply")
			}
			evalBoth(t, rt, fast, slow, rows)
		})
	}
	// Two different compared expressions: the general path.
	mixed := &planner.Case{Typ: sql.Text, Whens: []planner.When{
		{Cond: cmpExpr(planner.OpEq, x(), textConst("a")), Result: textConst("1")},
		{Cond: cmpExpr(planner.OpEq, &planner.ColRef{Idx: 2, Typ: sql.Text}, textConst("a")), Result: textConst("2")},
	}}
	if _, ok, _ := rt.compileCaseSwitch(mixed); ok {
		t.Error("switch over two expressions")
	}
}

func TestInSetMatchesGeneral(t *testing.T) {
	rt := switchRuntime(t)
	rows := []sql.Row{{sql.Null, sql.Null}}
	for i, w := range []string{"apple", "google", "APPLE", "facebook", "baidu", "", "é", "apple ", "x"} {
		rows = append(rows, sql.Row{sql.NewText(w), sql.NewInt(int64(i - 3))})
	}
	x := &planner.ColRef{Idx: 0, Typ: sql.Text}
	n := &planner.ColRef{Idx: 1, Typ: sql.Int8}
	lists := map[string]struct {
		in   planner.Expr
		list []planner.Expr
	}{
		"text":      {x, []planner.Expr{textConst("apple"), textConst("google"), textConst("é"), textConst("")}},
		"text null": {x, []planner.Expr{textConst("apple"), nullText, textConst("baidu")}},
		"int":       {n, []planner.Expr{i8c(0), i8c(-3), i8c(5), i8c(0)}},
		"int null":  {n, []planner.Expr{i8c(1), &planner.Const{Val: sql.Null, Typ: sql.Int8}}},
	}
	for name, l := range lists {
		for _, not := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s not=%t", name, not), func(t *testing.T) {
				fast := &planner.InList{Input: l.in, List: l.list, Not: not}
				var hidden []planner.Expr
				for _, c := range l.list {
					hidden = append(hidden, &planner.Coalesce{Args: []planner.Expr{c}, Typ: c.Type()})
				}
				if _, ok, _ := rt.compileInSet(fast); !ok {
					t.Fatal("the set does not apply")
				}
				evalBoth(t, rt, fast, &planner.InList{Input: l.in, List: hidden, Not: not}, rows)
			})
		}
	}
}

// TestConstTableFind checks the table against sql.Compare's equality for
// values of every kind the table meets, those it has no map for included.
func TestConstTableFind(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pick := func() sql.Value {
		switch rng.Intn(6) {
		case 0:
			return sql.Null
		case 1, 2:
			return sql.NewText(fmt.Sprint(rng.Intn(5)))
		case 3, 4:
			return sql.NewInt(int64(rng.Intn(5)))
		}
		return sql.NewFloat(float64(rng.Intn(5)))
	}
	for range 2000 {
		consts := make([]sql.Value, 1+rng.Intn(5))
		for i := range consts {
			consts[i] = pick()
		}
		table := newConstTable(consts)
		for range 10 {
			v := pick()
			if v.IsNull() {
				continue
			}
			want := -1
			for i, c := range consts {
				if !c.IsNull() && sql.Compare(v, c) == 0 {
					want = i
					break
				}
			}
			if got := table.find(v); got != want {
				t.Fatalf("find(%v) in %v = %d, want %d", v, consts, got, want)
			}
		}
	}
}

// BenchmarkQ21Channel is q21's CASE and IN over a channel column, by the
// lookups and by the general path.
func BenchmarkQ21Channel(b *testing.B) {
	rt := &runtime{}
	x := &planner.ColRef{Idx: 0, Typ: sql.Text}
	names := []string{"apple", "google", "facebook", "baidu"}
	rows := make([]sql.Row, 64)
	for i := range rows {
		rows[i] = sql.Row{sql.NewText([]string{"apple", "google", "facebook", "baidu", "channel-1234", "channel-99"}[i%6])}
	}
	for _, general := range []bool{false, true} {
		c := &planner.Case{Typ: sql.Text, Else: x}
		in := &planner.InList{Input: x}
		for i, nm := range names {
			var cond planner.Expr = cmpExpr(planner.OpEq, x, textConst(nm))
			var elem planner.Expr = textConst(nm)
			if general {
				cond = &planner.And{Args: []planner.Expr{cond}}
				elem = &planner.Coalesce{Args: []planner.Expr{elem}, Typ: sql.Text}
			}
			c.Whens = append(c.Whens, planner.When{Cond: cond, Result: textConst(fmt.Sprint(i))})
			in.List = append(in.List, elem)
		}
		cf, err := rt.compile(c)
		if err != nil {
			b.Fatal(err)
		}
		inf, err := rt.compile(in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("general=%t", general), func(b *testing.B) {
			for i := range b.N {
				r := rows[i%len(rows)]
				if _, err := cf(r); err != nil {
					b.Fatal(err)
				}
				if _, err := inf(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
