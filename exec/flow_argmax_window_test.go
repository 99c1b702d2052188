package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// windowMaxOps reports whether a view's operators hold a windowMaxOp and
// whether they hold a join.
func windowMaxOps(t *testing.T, e *Engine, view string) (win, join bool) {
	t.Helper()
	var walk func(op Operator)
	walk = func(op Operator) {
		switch op := op.(type) {
		case *projectOp:
			walk(op.in)
		case *filterOp:
			walk(op.in)
		case *windowMaxOp:
			win = true
			walk(op.in)
		case *joinFlowOp:
			join = true
			walk(op.ins[0])
			walk(op.ins[1])
		}
	}
	walk(viewFlow(t, e, view).root)
	return win, join
}

// TestViewWindowMax: joins of rows with their TUMBLE window's max or min
// by value and a time range (Nexmark q7's shape) run on windowMaxOp over
// append-only inputs and equal their queries through random inserts (ties,
// NULL times and values, rows exactly on window bounds, which BETWEEN
// gives to two windows), an epoch at a time and across a restart; near
// misses and inputs with deletes keep the join.
func TestViewWindowMax(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE b (id INT, price BIGINT, dt TIMESTAMP, tz TIMESTAMPTZ) APPEND ONLY",
		"CREATE TABLE d (id INT, price BIGINT, dt TIMESTAMP)",
		"INSERT INTO b VALUES (1, 5, '2024-01-01 00:00:00', '2024-01-01 00:00:00+00'), (2, 5, '2024-01-01 00:00:10', NULL), (3, NULL, '2024-01-01 00:00:03', NULL), (4, 7, NULL, NULL)",
	)
	q7 := func(from, agg, cond string) string {
		return fmt.Sprintf(`SELECT x.id, x.price, x.dt, w.m, w.e FROM %[1]s x JOIN (
			SELECT %[2]s(price) AS m, window_end AS e FROM TUMBLE(%[1]s, dt, INTERVAL '10 seconds') GROUP BY window_start, window_end
		) w ON x.price = w.m WHERE %[3]s`, from, agg, cond)
	}
	views := map[string]string{
		"w_q7":   q7("b", "max", "x.dt BETWEEN w.e - INTERVAL '10 seconds' AND w.e"),
		"w_min":  q7("b", "min", "x.dt BETWEEN w.e - INTERVAL '10 seconds' AND w.e"),
		"w_open": q7("b", "max", "x.dt > w.e - INTERVAL '10 seconds' AND x.dt < w.e"),
		"w_wide": q7("b", "max", "x.dt >= w.e - INTERVAL '25 seconds' AND w.e + INTERVAL '3 seconds' > x.dt"),
		"w_prev": q7("b", "max", "x.dt BETWEEN w.e AND w.e + INTERVAL '10 seconds'"),
		"w_start": `SELECT x.*, w.ws, w.m FROM b x JOIN (
			SELECT window_start AS ws, max(price) AS m FROM TUMBLE(b, tz, INTERVAL '4 seconds', INTERVAL '1 second') GROUP BY window_start
		) w ON w.m = x.price WHERE x.tz >= w.ws AND x.tz <= w.ws + INTERVAL '4 seconds'`,
	}
	joins := map[string]string{
		"j_del":   q7("d", "max", "x.dt BETWEEN w.e - INTERVAL '10 seconds' AND w.e"),
		"j_open":  q7("b", "max", "x.dt >= w.e - INTERVAL '10 seconds'"),
		"j_day":   q7("b", "max", "x.dt BETWEEN w.e - INTERVAL '1 day' AND w.e"),
		"j_other": q7("b", "max", "x.dt BETWEEN w.e - INTERVAL '10 seconds' AND w.e AND x.id > 2"),
		"j_span":  q7("b", "max", "x.dt BETWEEN w.e - INTERVAL '1000 seconds' AND w.e"),
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if win, join := windowMaxOps(t, e, name); !win || join {
			t.Fatalf("%s: windowMaxOp %v, join %v; want the former only", name, win, join)
		}
	}
	for name, q := range joins {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if win, join := windowMaxOps(t, e, name); win || !join {
			t.Fatalf("%s: windowMaxOp %v, join %v; want a join", name, win, join)
		}
		views[name] = q
	}
	checkViews(t, s, "create", views)
	rng := rand.New(rand.NewPCG(7, 8))
	id := 10
	row := func() string {
		id++
		price := "NULL"
		if rng.IntN(9) > 0 {
			price = fmt.Sprint(rng.IntN(8))
		}
		// Times in whole seconds, often on a window's bound.
		sec := rng.IntN(60)
		dt := fmt.Sprintf("'2024-01-01 00:00:%02d'", sec)
		if rng.IntN(3) == 0 {
			dt = fmt.Sprintf("'2024-01-01 00:00:%02d'", (sec/10)*10)
		}
		if rng.IntN(12) == 0 {
			dt = "NULL"
		}
		tz := "NULL"
		if dt != "NULL" {
			tz = dt[:len(dt)-1] + "+00'"
		}
		return fmt.Sprintf("(%d, %s, %s, %s)", id, price, dt, tz)
	}
	for step := 0; step < 120; step++ {
		if step == 60 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			checkViews(t, s, "restart", views)
		}
		var stmts []string
		for k := 1 + rng.IntN(3); k > 0; k-- {
			r := row()
			stmts = append(stmts, "INSERT INTO b VALUES "+r)
			if rng.IntN(3) == 0 {
				stmts = append(stmts, "INSERT INTO b VALUES "+r) // an equal row
			}
			if rng.IntN(4) == 0 {
				stmts = append(stmts, fmt.Sprintf("INSERT INTO d VALUES (%d, %d, '2024-01-01 00:00:%02d')", id, rng.IntN(5), rng.IntN(30)))
			}
			if rng.IntN(10) == 0 {
				stmts = append(stmts, fmt.Sprintf("DELETE FROM d WHERE id %% 3 = %d", rng.IntN(3)))
			}
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		execAll(t, s, "COMMIT")
		checkViews(t, s, fmt.Sprintf("step %d (%q)", step, stmts), views)
	}
	e.Close()
}
