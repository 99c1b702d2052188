package planner

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// decorPlanner has cust (id primary key), orders (oid primary key) and
// tags (no key, so duplicates).
func decorPlanner(t *testing.T) *Planner {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := catalog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string, typ sql.Type) catalog.Column { return catalog.Column{Name: name, Type: typ} }
	for i, rel := range []*catalog.Relation{
		{Name: "cust", Columns: []catalog.Column{col("id", sql.Int8), col("name", sql.Text), col("city", sql.Text)}, PrimaryKey: []int{0}},
		{Name: "orders", Columns: []catalog.Column{col("oid", sql.Int8), col("cust_id", sql.Int8), col("amount", sql.Int8)}, PrimaryKey: []int{0}},
		{Name: "tags", Columns: []catalog.Column{col("k", sql.Int8), col("v", sql.Int8)}},
	} {
		rel.OID, rel.Schema, rel.Kind = catalog.FirstUserOID+uint32(i), "public", catalog.KindTable
		if err := cat.Put(rel); err != nil {
			t.Fatal(err)
		}
	}
	return &Planner{Cat: cat}
}

func planSQL(t *testing.T, p *Planner, query string) Node {
	t.Helper()
	stmts, err := sql.Parse(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	q, err := p.PlanQuery(stmts[0].AST, nil)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return q.Plan
}

// TestDecorrelateGolden decorrelates each query of testdata/decorrelate.txt
// and compares the plan, or the error, with the golden text below it (go
// test -rewrite regenerates it). Every plan must have lost its subqueries
// and every error must be SQLSTATE 0A000.
func TestDecorrelateGolden(t *testing.T) {
	p := decorPlanner(t)
	const path = "testdata/decorrelate.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, entry := range strings.Split(strings.TrimSpace(string(data)), "\n\n") {
		query, want, _ := strings.Cut(entry+"\n", "\n----\n")
		query = strings.TrimSpace(query)
		plan := planSQL(t, p, query)
		if !HasSubquery(plan) || !holdsSubquery(reflect.ValueOf(plan), map[uintptr]bool{}) {
			t.Errorf("%s: no subquery found before decorrelation", query)
		}
		var got string
		n, err := Decorrelate(plan)
		if err != nil {
			var se *sql.Error
			if !errors.As(err, &se) || se.Code != sql.CodeFeatureNotSupported {
				t.Errorf("%s: error %v is not SQLSTATE 0A000", query, err)
			}
			got = "error: " + err.Error() + "\n"
		} else {
			if HasSubquery(n) || holdsSubquery(reflect.ValueOf(n), map[uintptr]bool{}) {
				t.Errorf("%s: a subquery is left:\n%s", query, Explain(n))
			}
			got = Explain(n)
		}
		if !*rewrite && strings.TrimSpace(want) != strings.TrimSpace(got) {
			t.Errorf("%s\n--- got\n%s--- want\n%s", query, got, want)
		}
		out.WriteString(query + "\n----\n" + got + "\n")
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSpace(out.String())+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// holdsSubquery looks for a *Subquery anywhere in a value, by reflection,
// so that it does not share HasSubquery's idea of where expressions are.
func holdsSubquery(v reflect.Value, seen map[uintptr]bool) bool {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return false
		}
		seen[v.Pointer()] = true
		if _, ok := v.Interface().(*Subquery); ok {
			return true
		}
		return holdsSubquery(v.Elem(), seen)
	case reflect.Interface:
		return !v.IsNil() && holdsSubquery(v.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if holdsSubquery(v.Field(i), seen) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if holdsSubquery(v.Index(i), seen) {
				return true
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if holdsSubquery(v.MapIndex(k), seen) {
				return true
			}
		}
	}
	return false
}

// TestDecorrelateKeepsInput checks that the input plan is not changed: a
// second plan of the same query still equals it afterwards.
func TestDecorrelateKeepsInput(t *testing.T) {
	p := decorPlanner(t)
	for _, q := range []string{
		"SELECT name FROM cust c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.cust_id = c.id) AND id NOT IN (SELECT k FROM tags)",
		"SELECT name, (SELECT count(*) FROM orders o WHERE o.cust_id = c.id), (SELECT o.amount FROM orders o WHERE o.oid = c.id) FROM cust c",
		"SELECT c.name FROM cust c JOIN orders o ON o.cust_id = c.id WHERE o.amount IN (SELECT v FROM tags t WHERE t.k = c.id)",
	} {
		a, b := planSQL(t, p, q), planSQL(t, p, q)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: two plans of one query differ", q)
		}
		if _, err := Decorrelate(a); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: Decorrelate changed its input", q)
		}
	}
}

// TestDecorrelateOuterLevels checks the remapping of outer references when
// a subquery's plan moves under a join: level 1 becomes a column of the
// join's left input, deeper levels come one nearer.
func TestDecorrelateOuterLevels(t *testing.T) {
	p := decorPlanner(t)
	// The IN subquery reads o (level 1) and c (level 2).
	plan := planSQL(t, p, "SELECT name FROM cust c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.amount IN (SELECT t.v FROM tags t WHERE t.k = o.oid AND t.v > c.id))")
	var exists *Subquery
	walkExpr(plan.(*Project).Input.(*Filter).Pred, func(e Expr) bool {
		if s, ok := e.(*Subquery); ok {
			exists = s
		}
		return exists == nil
	})
	if exists == nil {
		t.Fatalf("no EXISTS in\n%s", Explain(plan))
	}
	// Decorrelated on its own, the EXISTS subquery's plan is a semi join
	// of orders and tags, keyed by o.oid = t.k (o was the outer row of
	// level 1) and o.amount = t.v, whose condition reads c as the outer
	// row of level 1 (it was 2).
	n, err := Decorrelate(exists.Plan)
	if err != nil {
		t.Fatal(err)
	}
	var semi *Join
	var find func(Node)
	find = func(n Node) {
		if j, ok := n.(*Join); ok && j.Kind == JoinSemi {
			semi = j
		}
		for _, c := range n.Children() {
			find(c)
		}
	}
	find(n)
	if semi == nil {
		t.Fatalf("no semi join in\n%s", Explain(n))
	}
	oid, amount := &ColRef{Idx: 0, Typ: sql.Int8}, &ColRef{Idx: 2, Typ: sql.Int8}
	if !reflect.DeepEqual(semi.LeftKeys, []Expr{oid, amount}) {
		t.Errorf("left keys %s, want o.oid, o.amount", formatList(semi.LeftKeys, semi.Left.Columns()))
	}
	var levels []int
	walkExpr(semi.On, func(e Expr) bool {
		if r, ok := e.(*OuterRef); ok {
			levels = append(levels, r.Level)
		}
		return true
	})
	if !reflect.DeepEqual(levels, []int{1}) {
		t.Errorf("outer references of levels %v in %s, want [1]", levels, FormatExpr(semi.On, nil))
	}
	// The whole query cannot be rewritten: c is read under the semi join.
	if _, err := Decorrelate(plan); err == nil || !strings.Contains(err.Error(), "not supported in a materialized view") {
		t.Errorf("whole query: got %v, want a refusal", err)
	}
}

// TestDecorrelateLeftJoinDomain checks the rewrite of a LEFT JOIN whose
// condition reads the outer row: the outer relation's distinct values join
// the left input, on a correlation equality when there is one (a hash
// join, not a cross product), and the semi join compares them with the
// outer row by IS NOT DISTINCT FROM, so that an outer NULL still matches.
func TestDecorrelateLeftJoinDomain(t *testing.T) {
	p := decorPlanner(t)
	for _, tc := range []struct {
		query string
		keyed bool // the domain joins the left input on a key
	}{
		{"SELECT name FROM cust c WHERE EXISTS (SELECT 1 FROM orders o LEFT JOIN tags t ON t.k = o.oid AND t.v = c.id WHERE o.cust_id = c.id)", true},
		{"SELECT name FROM cust c WHERE EXISTS (SELECT 1 FROM orders o LEFT JOIN tags t ON t.k = o.oid AND t.v = c.id WHERE t.v IS NULL)", false},
	} {
		n, err := Decorrelate(planSQL(t, p, tc.query))
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		var domain, semi *Join
		var walk func(Node)
		walk = func(n Node) {
			if j, ok := n.(*Join); ok {
				if _, ok := j.Right.(*Distinct); ok && j.Kind == JoinInner {
					domain = j
				}
				if j.Kind == JoinSemi {
					semi = j
				}
			}
			for _, c := range n.Children() {
				walk(c)
			}
		}
		walk(n)
		if domain == nil || semi == nil {
			t.Fatalf("%s: no domain join or no semi join in\n%s", tc.query, Explain(n))
		}
		if got := len(domain.LeftKeys) > 0; got != tc.keyed {
			t.Errorf("%s: domain join keyed %v, want %v:\n%s", tc.query, got, tc.keyed, Explain(n))
		}
		nullSafe := false
		walkExpr(semi.On, func(e Expr) bool {
			if b, ok := e.(*BinOp); ok && b.Op == OpNullSafeEq {
				nullSafe = true
			}
			return true
		})
		if !nullSafe || planReaches(semi.Right, 0) {
			t.Errorf("%s: the semi join's right side must not read the outer row, and its condition must compare by IS NOT DISTINCT FROM:\n%s", tc.query, Explain(n))
		}
	}
	// A LEFT JOIN's inner side that reads the outer row is still refused.
	_, err := Decorrelate(planSQL(t, p, "SELECT name FROM cust c WHERE EXISTS (SELECT 1 FROM orders o LEFT JOIN (SELECT k FROM tags WHERE v = c.id) t ON t.k = o.oid)"))
	if err == nil || !strings.Contains(err.Error(), "inner side of a LEFT JOIN") {
		t.Errorf("correlated inner side: %v", err)
	}
}
