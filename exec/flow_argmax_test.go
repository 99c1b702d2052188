package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestViewMaxJoin: joins of rows with their group's max or min over the
// same rows are maintained by one topNOp in ties mode, and equal their
// queries through random changes (ties, NULL values and groups, extremes
// that leave) and a restart; near misses keep the join.
func TestViewMaxJoin(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE t (id INT, g INT, h TEXT, c INT)",
		"CREATE TABLE n (g INT, v NUMERIC)",
		"INSERT INTO t VALUES (1, 1, 'a', 5), (2, 1, 'a', 5), (3, 1, 'b', NULL), (4, NULL, 'a', 7), (5, 2, NULL, 1)",
	)
	views := map[string]string{
		"m_max": "SELECT x.g, x.c, x.id, y.m FROM t x JOIN (SELECT max(c) AS m, g FROM t GROUP BY g) y ON x.g = y.g AND x.c >= y.m",
		"m_min": "SELECT x.*, y.m, y.h AS yh FROM t x JOIN (SELECT g, h, min(c) AS m FROM t GROUP BY g, h) y ON x.h = y.h AND x.g = y.g AND y.m = x.c",
		"m_counts": `SELECT ab.g, ab.n, mb.h FROM (SELECT g, h, count(*) AS n FROM t GROUP BY g, h) ab
			JOIN (SELECT max(cb.n) AS mx, cb.h FROM (SELECT g, h, count(*) AS n FROM t GROUP BY g, h) cb GROUP BY cb.h) mb
			ON ab.h = mb.h AND ab.n >= mb.mx`,
	}
	joins := map[string]string{
		"j_gt":      "SELECT x.g, x.c FROM t x JOIN (SELECT max(c) AS m, g FROM t GROUP BY g) y ON x.g = y.g AND x.c > y.m",
		"j_filter":  "SELECT x.g, x.c FROM t x JOIN (SELECT max(c) AS m, g FROM t WHERE id > 1 GROUP BY g) y ON x.g = y.g AND x.c >= y.m",
		"j_key":     "SELECT x.g, x.c FROM t x JOIN (SELECT max(c) AS m, g FROM t GROUP BY g) y ON x.id = y.g AND x.c >= y.m",
		"j_partial": "SELECT x.g, x.c FROM t x JOIN (SELECT max(c) AS m, g, h FROM t GROUP BY g, h) y ON x.g = y.g AND x.c >= y.m",
		"j_minge":   "SELECT x.g, x.c FROM t x JOIN (SELECT min(c) AS m, g FROM t GROUP BY g) y ON x.g = y.g AND x.c >= y.m",
		"j_numeric": "SELECT x.g, x.v FROM n x JOIN (SELECT max(v) AS m, g FROM n GROUP BY g) y ON x.g = y.g AND x.v >= y.m",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if ops := viewOps(t, e, name); !slices.Contains(ops, "topn") || slices.Contains(ops, "join") {
			t.Fatalf("%s is maintained by %v, want a topn and no join", name, ops)
		}
	}
	for name, q := range joins {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if ops := viewOps(t, e, name); slices.Contains(ops, "topn") || !slices.Contains(ops, "join") {
			t.Fatalf("%s is maintained by %v, want a join", name, ops)
		}
		views[name] = q
	}
	check := func(step string) {
		t.Helper()
		for name, q := range views {
			got := rowsText(query(t, s, "SELECT * FROM "+name))
			want := rowsText(query(t, s, q))
			if !slices.Equal(got, want) {
				t.Fatalf("after %s: view %s differs from its query\n got: %q\nwant: %q", step, name, got, want)
			}
		}
	}
	check("create")
	rng := rand.New(rand.NewPCG(11, 12))
	val := func(n int) string {
		if rng.IntN(7) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	id := 10
	for step := 0; step < 200; step++ {
		if step == 100 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			check("restart")
		}
		var stmts []string
		for k := 1 + rng.IntN(3); k > 0; k-- {
			switch rng.IntN(6) {
			case 0, 1:
				id++
				stmts = append(stmts, fmt.Sprintf("INSERT INTO t VALUES (%d, %s, %s, %s)", id, val(3),
					[]string{"'a'", "'b'", "NULL"}[rng.IntN(3)], val(6)))
			case 2:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM t WHERE c = (SELECT max(c) FROM t WHERE g = %d)", rng.IntN(3)))
			case 3:
				stmts = append(stmts, fmt.Sprintf("UPDATE t SET c = %s WHERE id %% 4 = %d", val(6), rng.IntN(4)))
			case 4:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM t WHERE id = %d", rng.IntN(id+1)))
			default:
				stmts = append(stmts, fmt.Sprintf("INSERT INTO n VALUES (%s, %d.%s)", val(3), rng.IntN(3), []string{"0", "00", "5"}[rng.IntN(3)]))
			}
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		execAll(t, s, "COMMIT")
		check(fmt.Sprintf("step %d (%q)", step, stmts))
	}
	e.Close()
}
