package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// windowViews are shapes windowFlowOp maintains, over partitions long
// enough to span many blocks. Each is one multiset whatever the order of
// ties: row-wise values order by every column, peer-wise ones (RANGE
// frames, rank) order by t alone.
var windowViews = map[string]string{
	"w_lag": `SELECT p, t, x, s, lag(x) OVER w AS l1, lag(s, 3, '-') OVER w AS l3, lead(t) OVER w AS n1,
		lead(x, 2, -1) OVER w AS n2, row_number() OVER w AS rn
		FROM e WINDOW w AS (PARTITION BY p ORDER BY t, x NULLS FIRST, s)`,
	"w_range": `SELECT p, t, x, s, sum(x) OVER w AS sx, count(*) OVER w AS c, count(x) OVER w AS cx, avg(x) OVER w AS ax,
		min(s) OVER w AS mi, max(x) OVER w AS ma, rank() OVER w AS rk, dense_rank() OVER w AS dr
		FROM e WINDOW w AS (PARTITION BY p ORDER BY t DESC)`,
	"w_rows": `SELECT p, t, x, s, sum(x) OVER w AS sx, max(s) OVER w AS ms, count(*) FILTER (WHERE x > 3) OVER w AS cf
		FROM e WINDOW w AS (PARTITION BY p ORDER BY t NULLS FIRST, x, s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`,
	"w_global": `SELECT t, x, s, row_number() OVER (ORDER BY t, x, s, p) AS rn, lag(t) OVER (ORDER BY t, x, s, p) AS pt FROM e`,
	"w_sessions": `SELECT p, sess, count(*) AS c, min(t) AS lo, max(t) AS hi FROM (
		SELECT p, t, sum(ns) OVER (PARTITION BY p ORDER BY t) AS sess FROM (
		SELECT p, t, CASE WHEN lag(t) OVER (PARTITION BY p ORDER BY t) > t - 5 THEN 0 ELSE 1 END AS ns FROM e) a) b
		GROUP BY p, sess`,
}

// windowFlowOps counts the windowFlowOps of a view's dataflow.
func windowFlowOps(t *testing.T, e *Engine, view string) int {
	t.Helper()
	f := viewFlow(t, e, view)
	n := 0
	var walk func(op Operator)
	walk = func(op Operator) {
		switch op := op.(type) {
		case *projectOp:
			walk(op.in)
		case *filterOp:
			walk(op.in)
		case *aggOp:
			walk(op.in)
		case *windowFlowOp:
			n++
			walk(op.in)
		}
	}
	walk(f.root)
	return n
}

// TestViewWindowRandom runs random transactions (rows mostly appended in
// order, some out of order, deletes and updates anywhere) under windowFlowOp
// shapes and compares each view with its query, across a restart.
func TestViewWindowRandom(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE e (p INT, t INT, x INT, s TEXT)",
		"INSERT INTO e SELECT g % 3, g, g % 7, chr(97 + g % 5) FROM generate_series(1, 150) g")
	for name, q := range windowViews {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		want := 1
		if name == "w_sessions" {
			want = 2
		}
		if n := windowFlowOps(t, e, name); n != want {
			t.Fatalf("%s has %d windowFlowOps, want %d", name, n, want)
		}
	}
	checkAll := func(step string) {
		t.Helper()
		checkViews(t, s, step, windowViews)
	}
	checkAll("create")
	rng := rand.New(rand.NewPCG(3, 4))
	val := func(n int) string {
		if rng.IntN(8) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	now := 150
	const steps = 60
	for step := 0; step < steps; step++ {
		if step == steps/2 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			checkAll("restart")
		}
		var stmts []string
		for n := 1 + rng.IntN(3); n > 0; n-- {
			var q string
			switch rng.IntN(8) {
			case 0, 1, 2:
				// In order, as a source's rows mostly come.
				k := 1 + rng.IntN(40)
				q = fmt.Sprintf("INSERT INTO e SELECT (g * 7) %% 3, g + %d, g %% 7, chr(97 + g %% 5) FROM generate_series(1, %d) g", now, k)
				now += k
			case 3:
				q = fmt.Sprintf("INSERT INTO e VALUES (%s, %s, %s, 'z'), (%s, %d, %s, NULL)", val(3), val(now), val(9), val(3), now-rng.IntN(10), val(9))
			case 4:
				q = fmt.Sprintf("DELETE FROM e WHERE t %% %d = %d AND t > %d", 5+rng.IntN(20), rng.IntN(5), rng.IntN(now))
			case 5:
				q = fmt.Sprintf("UPDATE e SET x = %s WHERE p = %d AND t BETWEEN %d AND %d", val(9), rng.IntN(3), now-30, now-20)
			case 6:
				q = fmt.Sprintf("UPDATE e SET t = t + %d WHERE t = %d", rng.IntN(12)-6, rng.IntN(now))
			default:
				q = fmt.Sprintf("DELETE FROM e WHERE t = (SELECT max(t) FROM e WHERE p = %d)", rng.IntN(3))
			}
			stmts = append(stmts, q)
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		execAll(t, s, "COMMIT")
		checkAll(fmt.Sprintf("step %d (%q)", step, stmts))
	}
	e.Close()
}
