package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestMatViewRandomQueries builds materialized views from randomly nested
// queries over the differential test's tables, then checks them against
// their batch queries after every step of random changes, with a restart
// in the middle. Every query yields two integer columns, k and x, so that
// any query can be the input of any other, and is deterministic: an ORDER
// BY under LIMIT or row_number() orders by every column it outputs.
func TestMatViewRandomQueries(t *testing.T) {
	views, steps := 40, 100
	if testing.Short() {
		views, steps = 12, 25
	}
	h := newDiffHarness(t)
	g := &queryGen{r: rand.New(rand.NewPCG(h.seed, 7))}
	h.views = nil
	skipped := 0
	for len(h.views) < views {
		v := diffView{name: fmt.Sprintf("rq%d", len(h.views)), query: g.relation(4)}
		h.history = append(h.history, "CREATE MATERIALIZED VIEW "+v.name+" AS "+v.query)
		_, err := h.exec("CREATE MATERIALIZED VIEW "+v.name+" AS "+v.query, false)
		if pe, ok := err.(*pgconn.PgError); ok && pe.Code == "0A000" {
			skipped++ // not maintainable (yet)
			t.Logf("skipped: %s: %v", v.query, err)
			continue
		} else if err != nil {
			h.fatalf("CREATE MATERIALIZED VIEW %s AS %s: %v", v.name, v.query, err)
		}
		h.views = append(h.views, v)
	}
	t.Logf("%d views, %d queries skipped", len(h.views), skipped)
	h.checkAll("after CREATE MATERIALIZED VIEW")
	for i := 0; i < steps; i++ {
		if i == steps/2 {
			h.stop()
			h.start()
			h.history = append(h.history, "-- restart")
			h.checkAll("after the restart")
		}
		h.step()
		h.checkAll(fmt.Sprintf("after step %d", i+1))
	}
}

// queryGen writes random queries whose rows are (k, x).
type queryGen struct {
	r *rand.Rand
}

func (g *queryGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// relation returns a query of at most depth levels of nesting.
func (g *queryGen) relation(depth int) string {
	if depth == 0 || g.r.IntN(5) == 0 {
		return g.pick(
			`SELECT k, a AS x FROM t1`,
			`SELECT k, c AS x FROM t2`,
			`SELECT k, v AS x FROM t3`,
			`SELECT id AS k, w AS x FROM t4`,
			`SELECT k, a + k AS x FROM t1 WHERE b IS NOT NULL`,
		)
	}
	in := func() string { return "(" + g.relation(depth-1) + ")" }
	// Joins on inequalities grow fast; their inputs stay small, so that
	// no single change makes more view state than one transaction holds.
	base := func() string { return "(" + g.relation(0) + ")" }
	n := g.r.IntN(9) - 2
	switch g.r.IntN(18) {
	case 0:
		return fmt.Sprintf(`SELECT k, x FROM %s r WHERE %s`, in(), g.pick(
			fmt.Sprintf("x > %d", n), "k IS NOT NULL", "x % 2 = 0", fmt.Sprintf("x IS DISTINCT FROM %d", n), "k < x"))
	case 1:
		return fmt.Sprintf(`SELECT %s AS k, %s AS x FROM %s r`, g.pick("k", "x", "k % 3", "coalesce(k, -1)"),
			g.pick("x", "x + k", "-x", "coalesce(x, 0)", "CASE WHEN x > 2 THEN x END"), in())
	case 2:
		return fmt.Sprintf(`SELECT k, %s AS x FROM %s r GROUP BY k`,
			g.pick("sum(x)", "count(*)", "count(x)", "max(x)", "min(x)", "count(DISTINCT x)", "sum(DISTINCT x)"), in())
	case 3:
		return fmt.Sprintf(`SELECT k, %s AS x FROM %s r GROUP BY k HAVING count(*) > 1`, g.pick("sum(x)", "max(x)", "count(*)"), in())
	case 4:
		return fmt.Sprintf(`SELECT %s AS k, %s AS x FROM %s r`, g.pick("count(*)", "0", "count(x)"), g.pick("sum(x)", "max(x)", "min(x)"), in())
	case 5:
		return fmt.Sprintf(`SELECT a.k, b.x FROM %s a %s JOIN %s b ON a.k = b.k`, in(), g.pick("", "LEFT", "RIGHT"), in())
	case 6:
		return fmt.Sprintf(`SELECT coalesce(a.k, b.k) AS k, %s AS x FROM %s a FULL JOIN %s b ON a.k = b.k`,
			g.pick("a.x", "b.x", "coalesce(a.x, b.x)"), in(), in())
	case 7:
		return fmt.Sprintf(`SELECT a.k, b.x FROM %s a %s JOIN %s b ON a.x < b.x`, base(), g.pick("", "LEFT"), base())
	case 8:
		return fmt.Sprintf(`SELECT DISTINCT k, x FROM %s r`, in())
	case 9:
		return fmt.Sprintf(`SELECT DISTINCT ON (k) k, x FROM %s r ORDER BY k, x %s`, in(), g.pick("NULLS FIRST", "DESC NULLS LAST"))
	case 10:
		return fmt.Sprintf(`%s %s %s`, in(), g.pick("UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"), in())
	case 11:
		return fmt.Sprintf(`SELECT k, x FROM %s r ORDER BY x %s, k NULLS FIRST LIMIT %d`, in(), g.pick("NULLS FIRST", "DESC NULLS LAST"), 1+g.r.IntN(4))
	case 12:
		return fmt.Sprintf(`SELECT k, x FROM (SELECT k, x, row_number() OVER (PARTITION BY k ORDER BY x %s) AS rn FROM %s r) s WHERE rn <= %d`,
			g.pick("NULLS FIRST", "DESC NULLS LAST"), in(), 1+g.r.IntN(2))
	case 13:
		return fmt.Sprintf(`SELECT k, %s AS x FROM %s r`, g.pick(
			"rank() OVER (PARTITION BY k ORDER BY x)", "sum(x) OVER (PARTITION BY k)", "count(*) OVER ()",
			"dense_rank() OVER (ORDER BY x)", "max(x) OVER (PARTITION BY k ORDER BY x)"), in())
	case 14:
		return fmt.Sprintf(`WITH c AS %s SELECT p.k, q.x FROM c p JOIN c q ON p.k = q.k AND p.x %s q.x`, base(), g.pick("<", "=", "<>"))
	case 15:
		// The first and last x of each k through a sorted subquery.
		return fmt.Sprintf(`SELECT k, (array_agg(x))[%d] AS x FROM (SELECT k, x FROM %s r ORDER BY x %s) s GROUP BY k`,
			1+g.r.IntN(2), in(), g.pick("NULLS FIRST", "DESC NULLS LAST"))
	case 16:
		// A correlated subquery whose LEFT JOIN condition reads the
		// outer row, keyed to it or not.
		return fmt.Sprintf(`SELECT k, x FROM %s r WHERE %sEXISTS (SELECT 1 FROM %s a LEFT JOIN %s b ON a.k = b.k AND %s WHERE %s)`,
			in(), g.pick("", "NOT "), base(), base(), g.pick("b.x = r.x", "b.x > r.k", "b.x IS NOT DISTINCT FROM r.x"),
			g.pick("a.k = r.k AND b.k IS NULL", "a.x = r.x", "b.x IS NULL AND a.x < r.k"))
	default:
		return fmt.Sprintf(`SELECT k, x FROM %s r WHERE k IN (1, 2, 3) OR x IS NULL`, in())
	}
}

// A check that generated queries are what the generator means them to be:
// deterministic queries over (k, x).
func TestQueryGenShapes(t *testing.T) {
	g := &queryGen{r: rand.New(rand.NewPCG(1, 2))}
	var seen []string
	for i := 0; i < 200; i++ {
		q := g.relation(3)
		if !strings.Contains(q, "SELECT") {
			t.Fatalf("not a query: %s", q)
		}
		seen = append(seen, q)
	}
	slices.Sort(seen)
	if len(slices.Compact(seen)) < 100 {
		t.Fatalf("the generator repeats itself: %d distinct queries of 200", len(seen))
	}
}
