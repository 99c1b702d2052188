package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

var diffSeed = flag.Uint64("seed", 0, "seed of the materialized view tests' random changes (0: $EDDY_DIFF_SEED, or else the clock)")

// diffTables are the tables every view reads. Keys collide, ints and texts
// are often NULL, and numerics come in several scales of one value.
var diffTables = []string{
	`CREATE TABLE t1 (k INT, a INT, b TEXT, n NUMERIC)`,
	`CREATE TABLE t2 (k INT, c INT, s TEXT)`,
	`CREATE TABLE t3 (id INT PRIMARY KEY, k INT, v INT)`,
	`INSERT INTO t1 VALUES (1, 1, 'x', 1.0), (1, 2, NULL, 1.00), (1, 2, NULL, 1.00), (2, NULL, 'y', 2.5),
		(3, 3, '', NULL), (4, -1, 'ab', 10), (NULL, 0, 'x', 1)`,
	`INSERT INTO t3 VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5), (4, 2, NULL), (5, 3, 5)`,
	// Deleting from t3 deletes t4's rows that reference it, or clears them.
	`CREATE TABLE t4 (id INT PRIMARY KEY, ref INT REFERENCES t3 ON DELETE CASCADE, opt INT REFERENCES t3 ON DELETE SET NULL, w INT)`,
	`INSERT INTO t4 VALUES (1, 1, 2, 7), (2, 1, NULL, 8), (3, 3, 3, NULL)`,
	// t2 starts empty: views over it load from nothing.
	`CREATE VIEW pv1 AS SELECT k, a, b FROM t1 WHERE a IS NOT NULL`,
	`CREATE VIEW pv2 AS SELECT k, count(*) AS c FROM pv1 GROUP BY k`,
}

// diffView is a materialized view under test. loose views may pick either
// of two equal numerics of different scales (min(n) over 1.0 and 1.00, as
// PostgreSQL may too), so their numeric columns are compared by value.
type diffView struct {
	name, query string
	loose       bool
}

// diffViews cover every shape the dataflows maintain. Each query's answer
// is a deterministic multiset (ORDER BYs under LIMIT and row_number() are
// total), so a view must equal its query run in batch, row for row.
var diffViews = []diffView{
	// Stateless.
	{name: "f_filter", query: `SELECT k, a, b, n FROM t1 WHERE a > 1 OR b IS NULL`},
	{name: "f_proj", query: `SELECT k + 1 AS k1, coalesce(a, -1) * 2 AS a2, upper(b) AS ub, b || '!' AS bx, n * 2 AS n2,
		CASE WHEN a > 2 THEN 'big' WHEN a IS NULL THEN 'none' ELSE 'small' END AS sz FROM t1`},
	{name: "f_point", query: `SELECT id, v FROM t3 WHERE id = 3`},
	{name: "f_pk", query: `SELECT * FROM t3 WHERE v IS NOT NULL`},
	{name: "x_srf", query: `SELECT k, generate_series(1, a) AS g FROM t1 WHERE a BETWEEN 0 AND 3`},
	{name: "x_unnest", query: `SELECT k, unnest(ARRAY[a, k]) AS u FROM t1`},
	{name: "x_funcjoin", query: `SELECT t1.k, g FROM t1, generate_series(1, 2) g WHERE t1.a > 0`},
	{name: "x_const", query: `SELECT 1 AS one, 'x' AS s`},
	// Aggregates.
	{name: "a_basic", query: `SELECT k, count(*) AS c, count(a) AS ca, sum(a) AS sa, avg(a) AS aa, min(a) AS mina, max(a) AS maxa,
		sum(n) AS sn, avg(n) AS an, min(b) AS minb, max(b) AS maxb FROM t1 GROUP BY k`},
	{name: "a_num_minmax", query: `SELECT k, min(n) AS mn, max(n) AS mx FROM t1 GROUP BY k`, loose: true},
	{name: "a_distinct", query: `SELECT k, count(DISTINCT a) AS cd, sum(DISTINCT a) AS sd, count(DISTINCT b) AS cb FROM t1 GROUP BY k`},
	{name: "a_ordered", query: `SELECT k, string_agg(b, ',' ORDER BY b) AS sb, string_agg(DISTINCT b, '|' ORDER BY b) AS db,
		array_agg(a ORDER BY a) AS aa FROM t1 GROUP BY k`},
	{name: "a_bool", query: `SELECT k, bool_and(c > 0) AS ba, bool_or(s IS NULL) AS bo, every(c < 5) AS ev FROM t2 GROUP BY k`},
	{name: "a_having", query: `SELECT k, count(*) AS c, sum(a) AS s FROM t1 GROUP BY k HAVING count(*) > 1 AND sum(a) IS NOT NULL`},
	{name: "a_global", query: `SELECT count(*) AS c, sum(a) AS s, min(a) AS mi, max(b) AS mb, avg(n) AS an FROM t1`},
	{name: "a_global_none", query: `SELECT count(*) AS c, sum(c) AS s, max(s) AS m, bool_and(c > 0) AS b FROM t2 WHERE c > 100`},
	{name: "a_global_t2", query: `SELECT count(*) AS c, sum(c) AS s, string_agg(s, ',' ORDER BY s) AS ss FROM t2`},
	{name: "a_filter", query: `SELECT k, count(*) FILTER (WHERE a > 1) AS c1, sum(a) FILTER (WHERE b IS NOT NULL) AS s1 FROM t1 GROUP BY k`},
	{name: "a_expr_group", query: `SELECT a % 2 AS par, count(*) AS c, sum(k) AS sk FROM t1 GROUP BY a % 2`},
	{name: "a_group_numeric", query: `SELECT n, count(*) AS c, sum(a) AS s FROM t1 GROUP BY n`, loose: true},
	{name: "a_t4", query: `SELECT ref, opt, count(*) AS c, sum(w) AS sw FROM t4 GROUP BY ref, opt`},
	{name: "a_t3", query: `SELECT k, min(v) AS mi, max(v) AS ma, count(*) AS c, count(v) AS cv FROM t3 GROUP BY k`},
	// Joins.
	{name: "j_inner", query: `SELECT t1.k, t1.a, t2.c, t2.s FROM t1 JOIN t2 ON t1.k = t2.k`},
	{name: "j_left", query: `SELECT t1.k, t1.a, t2.c FROM t1 LEFT JOIN t2 ON t1.k = t2.k`},
	{name: "j_right", query: `SELECT t1.a, t2.k, t2.c FROM t1 RIGHT JOIN t2 ON t1.k = t2.k AND t1.a < t2.c`},
	{name: "j_full", query: `SELECT t1.k AS k1, t1.b, t2.k AS k2, t2.s FROM t1 FULL JOIN t2 ON t1.k = t2.k`},
	{name: "j_full_nullable", query: `SELECT t1.k AS k1, t1.a, t2.c, t2.s FROM t1 FULL JOIN t2 ON t1.a = t2.c`},
	{name: "j_nonequi", query: `SELECT t1.k, t1.a, t2.c FROM t1 JOIN t2 ON t1.a < t2.c`},
	{name: "j_left_nonequi", query: `SELECT t1.k, t1.a, t2.c FROM t1 LEFT JOIN t2 ON t1.a >= t2.c`},
	{name: "j_3way", query: `SELECT t1.k, t1.a, t2.c, t3.id, t3.v FROM t1 JOIN t2 ON t1.k = t2.k JOIN t3 ON t2.c = t3.v`},
	{name: "j_3left", query: `SELECT t3.id, t1.a, t2.s FROM t3 LEFT JOIN t1 ON t3.k = t1.k LEFT JOIN t2 ON t1.a = t2.c`},
	{name: "j_not_distinct", query: `SELECT t1.a, t2.c FROM t1 JOIN t2 ON t1.a IS NOT DISTINCT FROM t2.c`},
	{name: "j_numeric", query: `SELECT x.n AS n1, y.n AS n2, x.k AS k1, y.k AS k2 FROM t1 x JOIN t1 y ON x.n = y.n AND x.k < y.k`},
	{name: "j_fk", query: `SELECT t3.k, count(t4.id) AS c, max(t4.w) AS mw FROM t3 LEFT JOIN t4 ON t3.id = t4.ref GROUP BY t3.k`},
	{name: "j_agg", query: `SELECT t1.k, count(*) AS c, sum(t2.c) AS s FROM t1 JOIN t2 ON t1.k = t2.k GROUP BY t1.k`},
	{name: "j_comma", query: `SELECT t1.k, t3.id FROM t1, t3 WHERE t1.a = t3.v`},
	{name: "j_values", query: `SELECT t1.k, v.name FROM t1 JOIN (VALUES (1, 'one'), (2, 'two'), (2, 'deux')) v(x, name) ON t1.k = v.x`},
	// DISTINCT.
	{name: "d_distinct", query: `SELECT DISTINCT k, b FROM t1`},
	{name: "d_numeric", query: `SELECT DISTINCT n FROM t1`, loose: true},
	{name: "d_on", query: `SELECT DISTINCT ON (k) k, id, v FROM t3 ORDER BY k, v DESC NULLS LAST, id`},
	{name: "d_on_t1", query: `SELECT DISTINCT ON (k) k, a, b FROM t1 ORDER BY k, a NULLS FIRST, b`},
	// Set operations.
	{name: "s_union", query: `SELECT k, a FROM t1 UNION SELECT k, c FROM t2`},
	{name: "s_union_all", query: `SELECT k, b FROM t1 UNION ALL SELECT k, s FROM t2`},
	{name: "s_intersect", query: `SELECT k FROM t1 INTERSECT SELECT k FROM t2`},
	{name: "s_intersect_all", query: `SELECT k, a FROM t1 INTERSECT ALL SELECT k, c FROM t2`},
	{name: "s_except", query: `SELECT k FROM t1 EXCEPT SELECT k FROM t3`},
	{name: "s_except_all", query: `SELECT k, a FROM t1 EXCEPT ALL SELECT k, c FROM t2`},
	{name: "s_numeric", query: `SELECT n FROM t1 UNION SELECT v FROM t3`, loose: true},
	// TopN.
	{name: "l_top", query: `SELECT id, k, v FROM t3 ORDER BY v DESC NULLS LAST, id LIMIT 3`},
	{name: "l_offset", query: `SELECT id, v FROM t3 ORDER BY id LIMIT 2 OFFSET 1`},
	{name: "l_t1", query: `SELECT k, a, b FROM t1 ORDER BY a NULLS FIRST, k, b LIMIT 4`},
	{name: "l_agg", query: `SELECT k, count(*) AS c FROM t1 GROUP BY k ORDER BY count(*) DESC, k NULLS LAST LIMIT 2`},
	{name: "l_fetch", query: `SELECT id FROM t3 ORDER BY id DESC FETCH FIRST 2 ROWS ONLY`},
	// Windows.
	{name: "w_group_top", query: `SELECT * FROM (SELECT id, k, v, row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id) AS rn FROM t3) s WHERE rn <= 2`},
	{name: "w_dedup", query: `SELECT id, k, v FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS FIRST, id DESC) AS rn FROM t3) s WHERE rn = 1`},
	{name: "w_join_top", query: `SELECT * FROM (SELECT t1.k, t1.a, t2.c, row_number() OVER (PARTITION BY t1.k ORDER BY t2.c DESC NULLS LAST, t1.a NULLS FIRST) AS rn
		FROM t1 JOIN t2 ON t1.k = t2.k) s WHERE rn <= 2 AND rn < 5`},
	{name: "w_top_dups", query: `SELECT k, a, rn FROM (SELECT k, a, row_number() OVER (PARTITION BY a % 2 ORDER BY k, a) AS rn FROM t1) s WHERE rn <= 3`},
	{name: "w_argmax", query: `SELECT x.k, x.a, x.b, y.m FROM t1 x JOIN (SELECT k, max(a) AS m FROM t1 GROUP BY k) y ON x.k = y.k AND x.a >= y.m`},
	{name: "w_argmax_counts", query: `SELECT ab.k, ab.c, ab.s FROM (SELECT k, s, count(*) AS c FROM t2 GROUP BY k, s) ab
		JOIN (SELECT max(cb.c) AS mc, cb.s FROM (SELECT k, s, count(*) AS c FROM t2 GROUP BY k, s) cb GROUP BY cb.s) mb ON ab.s = mb.s AND ab.c >= mb.mc`},
	{name: "w_agg", query: `SELECT id, k, v, sum(v) OVER (PARTITION BY k) AS sv, count(*) OVER (PARTITION BY k ORDER BY id) AS rc,
		rank() OVER (PARTITION BY k ORDER BY v) AS rk FROM t3`},
	{name: "w_global", query: `SELECT id, v, row_number() OVER (ORDER BY id) AS rn, lag(v) OVER (ORDER BY id) AS pv FROM t3`},
	{name: "w_t1", query: `SELECT k, a, dense_rank() OVER (PARTITION BY k ORDER BY a) AS dr, max(a) OVER (PARTITION BY k) AS mx FROM t1`},
	{name: "w_mixed", query: `SELECT id, sum(v) OVER (PARTITION BY k) AS a, count(*) OVER () AS b FROM t3`},
	// Windows over one ordered partitioning, maintained from the changed
	// position on (flow_window.go).
	{name: "w_running", query: `SELECT id, k, v, sum(v) OVER w AS rs, avg(v) OVER w AS ra, count(v) OVER w AS rc, count(*) OVER w AS rcs,
		min(v) OVER w AS mi, max(v) OVER w AS ma, rank() OVER w AS rk, dense_rank() OVER w AS dr
		FROM t3 WINDOW w AS (PARTITION BY k ORDER BY v NULLS FIRST)`},
	{name: "w_rows", query: `SELECT id, k, v, sum(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s,
		row_number() OVER (PARTITION BY k ORDER BY id) AS rn, lag(v, 2, -1) OVER (PARTITION BY k ORDER BY id) AS l2,
		lead(v) OVER (PARTITION BY k ORDER BY id) AS l1, lead(id, 2) OVER (PARTITION BY k ORDER BY id) AS ld2,
		count(*) FILTER (WHERE v > 5) OVER (PARTITION BY k ORDER BY id) AS cf FROM t3`},
	{name: "w_desc_dups", query: `SELECT k, a, b, count(*) OVER w AS c, sum(n) OVER w AS sn, max(b) OVER w AS mb,
		rank() OVER w AS rk FROM t1 WINDOW w AS (PARTITION BY k ORDER BY a DESC NULLS LAST)`, loose: true},
	{name: "w_dups_lag", query: `SELECT k, a, b, n, lag(a) OVER w AS la, lead(b, 1, '-') OVER w AS lb, row_number() OVER w AS rn
		FROM t1 WINDOW w AS (PARTITION BY k ORDER BY a DESC NULLS LAST, b NULLS FIRST, n)`, loose: true},
	{name: "w_sessions", query: `SELECT k, s, count(*) AS c, min(id) AS lo, max(id) AS hi FROM (
		SELECT k, id, sum(ns) OVER (PARTITION BY k ORDER BY id) AS s FROM (
		SELECT k, id, CASE WHEN lag(v) OVER (PARTITION BY k ORDER BY id) >= v - 5 THEN 0 ELSE 1 END AS ns FROM t3) a) b GROUP BY k, s`},
	// CTEs, derived tables, views.
	{name: "c_cte", query: `WITH g AS (SELECT k, sum(a) AS s FROM t1 GROUP BY k) SELECT g.k, g.s, t2.c FROM g JOIN t2 ON g.k = t2.k`},
	{name: "c_cte_twice", query: `WITH x AS (SELECT k, a FROM t1 WHERE a IS NOT NULL) SELECT p.k, q.a FROM x p JOIN x q ON p.k = q.k AND p.a < q.a`},
	{name: "c_derived", query: `SELECT s.k, s.c FROM (SELECT k, count(*) AS c FROM t1 GROUP BY k) s WHERE s.c > 1`},
	{name: "v_over_views", query: `SELECT pv2.k, pv2.c, t2.c AS c2 FROM pv2 LEFT JOIN t2 ON pv2.k = t2.k`},
	// Sorted subqueries: a batch query consumes their order, and so must a view.
	{name: "o_string_agg", query: `SELECT k, string_agg(b, ',') AS s, array_agg(a) AS aa FROM (SELECT k, a, b FROM t1 ORDER BY a DESC NULLS LAST, b) x GROUP BY k`},
	{name: "o_limit", query: `SELECT * FROM (SELECT k, a FROM t1 ORDER BY a DESC NULLS LAST, k) x LIMIT 3`},
	{name: "o_distinct_on", query: `SELECT DISTINCT ON (k) k, a FROM (SELECT k, a FROM t1 WHERE a IS NOT NULL ORDER BY k, a DESC) x`},
	{name: "o_limit_agg", query: `SELECT string_agg(b, ',') AS s, count(*) AS c FROM (SELECT b FROM t1 ORDER BY a NULLS FIRST, b, k LIMIT 3) x`},
	{name: "o_limit_group", query: `SELECT k, string_agg(b, ',') AS s FROM (SELECT k, b FROM t1 ORDER BY a DESC NULLS LAST, b, k LIMIT 5) x GROUP BY k`},
	{name: "o_distinct_on_limit", query: `SELECT DISTINCT ON (k) k, id, v FROM t3 ORDER BY k DESC, v NULLS FIRST, id LIMIT 2`},
	{name: "o_distinct_on_agg", query: `SELECT string_agg(id::text, ',') AS ids FROM (SELECT DISTINCT ON (k) k, id FROM t3 ORDER BY k DESC, v, id) s`},
	{name: "o_window_top", query: `SELECT * FROM (SELECT k, a, row_number() OVER (PARTITION BY k) AS rn FROM (SELECT k, a FROM t1 ORDER BY a NULLS FIRST, b) x) y WHERE rn <= 1`},
	{name: "o_window", query: `SELECT k, a, row_number() OVER (PARTITION BY k) AS rn FROM (SELECT k, a FROM t1 ORDER BY a NULLS FIRST, b) x`},
	// Grouping sets.
	{name: "g_rollup", query: `SELECT k, a, count(*) AS c, sum(n) AS sn, grouping(k, a) AS g FROM t1 GROUP BY ROLLUP (k, a)`},
	{name: "g_sets", query: `SELECT k, b, count(*) AS c FROM t1 GROUP BY GROUPING SETS ((k), (b), ())`},
	{name: "g_cube", query: `SELECT k, a % 2 AS p, count(*) AS c FROM t1 GROUP BY CUBE (k, a % 2)`},
	// Subqueries, decorrelated into joins. A LEFT JOIN whose ON reads the
	// outer row joins the outer values it reads to its left input: keyed
	// by a correlation equality (q_exists_left), or not (the others).
	{name: "q_exists", query: `SELECT k, a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k AND t2.c > t1.a)`},
	{name: "q_not_in", query: `SELECT k, a FROM t1 WHERE a NOT IN (SELECT c FROM t2 WHERE t2.k = t1.k)`},
	{name: "q_exists_left", query: `SELECT k, a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 LEFT JOIN t3 ON t2.c = t3.v AND t1.a = t3.k WHERE t2.k = t1.k AND t3.id IS NULL)`},
	{name: "q_exists_left_nokey", query: `SELECT k, b FROM t1 WHERE EXISTS (SELECT 1 FROM t3 LEFT JOIN t2 ON t2.k = t3.k AND t2.c = t1.a WHERE t2.s IS NULL AND t3.v > t1.k)`},
	{name: "q_not_exists_left", query: `SELECT k, a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t3 LEFT JOIN t2 ON t2.k = t3.k AND t2.c IS NOT DISTINCT FROM t1.a WHERE t3.k = t1.k AND t2.k IS NOT NULL)`},
	{name: "q_in_left", query: `SELECT k, a FROM t1 WHERE a IN (SELECT t3.v FROM t3 LEFT JOIN t2 ON t2.k = t3.k AND t2.c = t1.k WHERE t2.s IS NULL)`},
	// Materialized views over materialized views.
	{name: "m_filter", query: `SELECT k, c, sa FROM a_basic WHERE c > 1`},
	{name: "m_point", query: `SELECT * FROM a_basic WHERE k = 1`},
	{name: "m_global", query: `SELECT count(*) AS groups, sum(c) AS total FROM a_basic`},
	{name: "m_join", query: `SELECT a_basic.k, a_basic.c, j_agg.s FROM a_basic JOIN j_agg ON a_basic.k = j_agg.k`},
	{name: "m_window", query: `SELECT k, sum(rn) AS x, count(*) AS c FROM w_group_top GROUP BY k`},
}

// TestMatViewDifferential checks that every materialized view equals its
// query run in batch after each step of a random sequence of INSERT,
// UPDATE, DELETE and TRUNCATE, some inside transactions that commit, roll
// back, or roll back to savepoints, with a restart of eddy in the middle.
// A failure prints the seed; replay it with -seed N or EDDY_DIFF_SEED=N.
func TestMatViewDifferential(t *testing.T) {
	steps := 200
	if testing.Short() {
		steps = 60
	}
	h := newDiffHarness(t)
	for i := 0; i < steps; i++ {
		switch i {
		case steps / 3:
			if !testing.Short() {
				h.bigTransaction()
				h.checkAll("after a transaction fed to the views in chunks")
			}
		case steps / 2:
			h.stop()
			h.start()
			h.history = append(h.history, "-- restart")
			h.checkAll("after the restart")
		case steps * 3 / 4:
			h.lateViews()
			h.checkAll("after views created late")
		}
		h.step()
		h.checkAll(fmt.Sprintf("after step %d", i+1))
	}
}

// newDiffHarness starts eddy in process and creates the tables and views.
func newDiffHarness(t *testing.T) *diffHarness {
	h := newHarness(t)
	h.start()
	h.create()
	return h
}

// newHarness is a harness with its seed and no server yet.
func newHarness(t *testing.T) *diffHarness {
	seed := *diffSeed
	if seed == 0 {
		if s := os.Getenv("EDDY_DIFF_SEED"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("EDDY_DIFF_SEED: %v", err)
			}
			seed = v
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test ./cmd/eddy -run %s -seed %d", t.Name(), seed)
		}
	})
	return &diffHarness{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed, dir: t.TempDir(),
		views: slices.Clone(diffViews)}
}

// create creates the tables and the views, and checks the views.
func (h *diffHarness) create() {
	for _, q := range diffTables {
		h.mustExec(q)
	}
	for _, v := range diffViews {
		h.mustExec(fmt.Sprintf("CREATE MATERIALIZED VIEW %s AS %s", v.name, v.query))
	}
	h.checkAll("after CREATE MATERIALIZED VIEW")
}

// connect points the harness at the server at url.
func (h *diffHarness) connect(url string) {
	c, err := pgconn.Connect(context.Background(), url)
	if err != nil {
		h.t.Fatal(err)
	}
	h.conn, h.url = c, url
}

// TestMatViewKill9 kills eddy with SIGKILL while sessions change the
// tables, and checks after the restart that every view equals its query
// and is still maintained: a view's state commits with the rows it follows.
func TestMatViewKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	h := newHarness(t)
	bin := buildEddy(t)
	cmd, url := startBinary(t, bin, h.dir)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	h.connect(url)
	h.create()
	var killed atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for w := 0; w < 3; w++ {
		c, err := pgconn.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		wh := &diffHarness{rng: rand.New(rand.NewPCG(h.seed, uint64(w)+100))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close(context.Background())
			for !killed.Load() {
				var err error
				exec := func(q, data string) {
					if err != nil {
						return
					}
					if data != "" {
						_, err = c.CopyFrom(context.Background(), strings.NewReader(data), q)
					} else {
						_, err = c.Exec(context.Background(), q).ReadAll()
					}
				}
				if wh.rng.IntN(3) == 0 {
					exec("BEGIN", "")
					for n := 1 + wh.rng.IntN(3); n > 0; n-- {
						exec(wh.randomChange(false))
					}
					exec("COMMIT", "")
				} else {
					exec(wh.randomChange(true))
				}
				if err == nil {
					continue
				}
				if killed.Load() {
					return
				}
				if pe, ok := err.(*pgconn.PgError); ok && (pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "23503") {
					c.Exec(context.Background(), "ROLLBACK").ReadAll()
					continue
				}
				errs <- err
				return
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	killed.Store(true)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("seed %d: before the kill: %v", h.seed, err)
	}
	h.conn.Close(context.Background())
	h.history = append(h.history, "-- kill -9 and restart")
	cmd, url = startBinary(t, bin, h.dir)
	h.connect(url)
	h.checkAll("after kill -9 and a restart")
	for i := 0; i < 20; i++ {
		h.step()
		h.checkAll(fmt.Sprintf("after step %d after the restart", i+1))
	}
}

// TestMatViewConcurrent runs random changes from several sessions at once,
// while another creates and drops a view and another reads views and
// tables in transactions, which must agree; then every view must equal its
// query. A serialization failure (40001), the deadlock error of views
// locked out of order (40P01) or a foreign key check that meets another
// session's change (23503) rolls a transaction back and is allowed. The
// seed gives the statements, not their interleaving.
func TestMatViewConcurrent(t *testing.T) {
	const workers = 4
	per := 40
	if testing.Short() {
		per = 15
	}
	h := newDiffHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	connect := func() *pgconn.PgConn {
		c, err := pgconn.Connect(ctx, h.url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	retryable := func(err error) bool {
		// A foreign key check may also fail on a row another session
		// changed meanwhile.
		pe, ok := err.(*pgconn.PgError)
		return ok && (pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "23503")
	}
	run := func(c *pgconn.PgConn, q, data string) error {
		if data != "" {
			_, err := c.CopyFrom(ctx, strings.NewReader(data), q)
			return err
		}
		_, err := c.Exec(ctx, q).ReadAll()
		return err
	}
	errs := make(chan error, workers+2)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := connect()
		wh := &diffHarness{rng: rand.New(rand.NewPCG(h.seed, uint64(w)+1))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				var err error
				if wh.rng.IntN(3) == 0 {
					err = run(c, "BEGIN", "")
					for n := 1 + wh.rng.IntN(3); n > 0 && err == nil; n-- {
						q, data := wh.randomChange(false)
						err = run(c, q, data)
					}
					if err == nil {
						err = run(c, "COMMIT", "")
					}
					if err != nil {
						run(c, "ROLLBACK", "")
					}
				} else {
					q, data := wh.randomChange(true)
					err = run(c, q, data)
				}
				if err != nil && !retryable(err) {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	var side sync.WaitGroup
	side.Add(2)
	go func() {
		// A view comes and goes while the tables change.
		defer side.Done()
		c := connect()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			q := "CREATE MATERIALIZED VIEW churn AS SELECT k, count(*) AS c, max(a) AS m FROM t1 GROUP BY k"
			if i%2 == 1 {
				q = "DROP MATERIALIZED VIEW churn"
			}
			if err := run(c, q, ""); err != nil {
				errs <- fmt.Errorf("%s: %w", q, err)
				return
			}
		}
	}()
	go func() {
		// A transaction sees the views as of the commit it sees the tables at.
		defer side.Done()
		c := connect()
		for {
			select {
			case <-done:
				return
			default:
			}
			q := `BEGIN; SELECT (SELECT count(*) FROM t1), (SELECT c FROM a_global), (SELECT total FROM m_global),
				(SELECT count(*) FROM t3), (SELECT coalesce(sum(c), 0) FROM a_t3); COMMIT`
			res, err := c.Exec(ctx, q).ReadAll()
			if err == nil {
				for _, r := range res {
					err = cmp.Or(err, r.Err)
				}
			}
			if err != nil {
				if retryable(err) {
					run(c, "ROLLBACK", "")
					continue
				}
				errs <- err
				return
			}
			row := res[1].Rows[0]
			total := string(row[2])
			if row[2] == nil {
				total = "0"
			}
			if string(row[0]) != string(row[1]) || string(row[0]) != total || string(row[3]) != string(row[4]) {
				errs <- fmt.Errorf("a transaction saw views and tables at different commits: count(t1) %s, a_global %s, m_global %s; count(t3) %s, a_t3 %s",
					row[0], row[1], total, row[3], row[4])
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	side.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("seed %d: %v", h.seed, err)
	}
	h.checkAll("after the concurrent changes")
}

// lateViews drops and recreates a view, and creates copies of others over
// the tables as they now are.
func (h *diffHarness) lateViews() {
	h.mustExec("DROP MATERIALIZED VIEW m_window")
	for _, v := range diffViews {
		if v.name == "m_window" {
			h.mustExec(fmt.Sprintf("CREATE MATERIALIZED VIEW %s AS %s", v.name, v.query))
		}
	}
	for _, name := range []string{"a_basic", "a_global_t2", "j_full", "l_top", "w_group_top", "s_except_all", "g_rollup", "o_string_agg"} {
		for _, v := range diffViews {
			if v.name == name {
				late := diffView{name: "late_" + v.name, query: v.query, loose: v.loose}
				h.mustExec(fmt.Sprintf("CREATE MATERIALIZED VIEW %s AS %s", late.name, late.query))
				h.views = append(h.views, late)
			}
		}
	}
}

// bigTransaction changes more rows than a transaction logs before it
// feeds them to the views (feedChunk), then rolls part of it back to a
// savepoint.
func (h *diffHarness) bigTransaction() {
	h.mustExec("BEGIN")
	h.mustExec("INSERT INTO t2 SELECT 100 + g % 7, g % 500, 'big' FROM generate_series(1, 1500) g")
	h.mustExec("UPDATE t1 SET a = a + 1 WHERE k = 1")
	h.mustExec("SAVEPOINT big")
	h.mustExec("DELETE FROM t2 WHERE k >= 100")
	h.mustExec("ROLLBACK TO SAVEPOINT big")
	h.mustExec("DELETE FROM t2 WHERE k >= 100 AND c > 3")
	h.history = append(h.history, "COMMIT")
	if _, err := h.exec("COMMIT", false); err != nil {
		// With many views over t2 the transaction's writes (its rows and
		// every view's state) can exceed what one Badger transaction
		// holds (README, State memory): then it must be refused whole,
		// which the check after this step verifies.
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "54000" {
			h.fatalf("COMMIT: %v", err)
		}
		h.t.Logf("seed %d: the big transaction was refused as too large (54000)", h.seed)
	}
}

type diffHarness struct {
	t       *testing.T
	rng     *rand.Rand
	seed    uint64
	dir     string
	stopFn  func()
	url     string
	conn    *pgconn.PgConn
	views   []diffView // the views to check
	history []string   // statements run, for the failure report
}

func (h *diffHarness) start() {
	ep, stop := runEddy(h.t, config{dataDir: h.dir, listen: "127.0.0.1:0"})
	h.stopFn = stop
	h.url = fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", ep.SQL)
	h.connect(h.url)
}

func (h *diffHarness) stop() {
	h.conn.Close(context.Background())
	h.stopFn()
}

// exec runs one statement and returns its rows as text, numerics of loose
// views compared by value.
func (h *diffHarness) exec(q string, loose bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := h.conn.Exec(ctx, q).ReadAll()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range res {
		if r.Err != nil {
			return nil, r.Err
		}
		for _, row := range r.Rows {
			vals := make([]string, len(row))
			for i, v := range row {
				switch {
				case v == nil:
					vals[i] = "NULL"
				case loose && r.FieldDescriptions[i].DataTypeOID == 1700:
					vals[i] = trimScale(string(v))
				default:
					vals[i] = strconv.Quote(string(v))
				}
			}
			out = append(out, strings.Join(vals, " "))
		}
	}
	return out, nil
}

// trimScale writes a numeric without trailing fractional zeros.
func trimScale(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func (h *diffHarness) mustExec(q string) {
	h.history = append(h.history, q)
	if _, err := h.exec(q, false); err != nil {
		h.fatalf("%s: %v", q, err)
	}
}

func (h *diffHarness) fatalf(format string, args ...any) {
	h.t.Helper()
	recent := h.history[max(0, len(h.history)-25):]
	h.t.Fatalf("seed %d: %s\nlast statements:\n  %s", h.seed, fmt.Sprintf(format, args...), strings.Join(recent, "\n  "))
}

// checkAll compares every view with its query, as multisets of rows.
func (h *diffHarness) checkAll(when string) {
	h.t.Helper()
	for _, v := range h.views {
		got, err := h.exec("SELECT * FROM "+v.name, v.loose)
		if err != nil {
			h.fatalf("%s: read %s: %v", when, v.name, err)
		}
		want, err := h.exec(v.query, v.loose)
		if err != nil {
			h.fatalf("%s: batch query of %s: %v", when, v.name, err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			missing, extra := multisetDiff(want, got)
			h.fatalf("%s: view %s differs from its query\n  %s\nmissing from the view:\n  %s\nextra in the view:\n  %s",
				when, v.name, v.query, strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
		}
	}
}

// multisetDiff returns what is in a and not b, and in b and not a; both
// are sorted.
func multisetDiff(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

// step runs one random change: a statement on its own, or a transaction
// of several that commits or rolls back, perhaps to a savepoint.
func (h *diffHarness) step() {
	r := h.rng
	if r.IntN(4) > 0 {
		h.change(true)
		return
	}
	h.mustExec("BEGIN")
	for n := 1 + r.IntN(3); n > 0; n-- {
		h.change(false)
	}
	failed := false
	if r.IntN(2) == 0 {
		h.mustExec("SAVEPOINT sp")
		for n := 1 + r.IntN(3); n > 0; n-- {
			h.change(false)
		}
		if r.IntN(4) == 0 {
			// A statement that fails after writing its first row.
			h.expectError(`INSERT INTO t3 VALUES (1000, 1, 1), (1000, 2, 2)`, "23505")
			failed = true
		}
		if failed || r.IntN(2) == 0 {
			h.mustExec("ROLLBACK TO SAVEPOINT sp")
			failed = false
			h.change(false)
		} else {
			h.mustExec("RELEASE SAVEPOINT sp")
		}
	} else if r.IntN(6) == 0 {
		h.expectError(`INSERT INTO t3 VALUES (1000, 1, 1), (1000, 2, 2)`, "23505")
		failed = true
	}
	if failed || r.IntN(4) == 0 {
		h.mustExec("ROLLBACK")
	} else {
		h.mustExec("COMMIT")
	}
}

func (h *diffHarness) expectError(q, code string) {
	h.history = append(h.history, q)
	_, err := h.exec(q, false)
	if pe, ok := err.(*pgconn.PgError); !ok || pe.Code != code {
		h.fatalf("%s: got %v, want an error %s", q, err, code)
	}
}

// change runs one random change.
func (h *diffHarness) change(auto bool) {
	q, data := h.randomChange(auto)
	if data != "" {
		h.copyIn(q, data)
		return
	}
	h.mustExec(q)
}

// randomChange returns one random INSERT, UPDATE, DELETE, COPY (with its
// data) or, in autocommit, TRUNCATE or several statements at once.
func (h *diffHarness) randomChange(auto bool) (q, copyData string) {
	r := h.rng
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	k := func() string {
		if r.IntN(10) == 0 {
			return "NULL"
		}
		return strconv.Itoa(r.IntN(6))
	}
	i := func() string {
		if r.IntN(5) == 0 {
			return "NULL"
		}
		return strconv.Itoa(r.IntN(9) - 2)
	}
	txt := func() string { return pick("NULL", "''", "'x'", "'y'", "'z'", "'ab'", "'X'") }
	num := func() string { return pick("NULL", "1", "1.0", "1.00", "2.5", "-0.50", "10", "0") }
	rows := func(row func() string) string {
		out := make([]string, 1+r.IntN(3))
		for j := range out {
			out[j] = "(" + row() + ")"
		}
		return strings.Join(out, ", ")
	}
	t1row := func() string { return strings.Join([]string{k(), i(), txt(), num()}, ", ") }
	t2row := func() string { return strings.Join([]string{k(), i(), txt()}, ", ") }
	t3row := func() string {
		v := strconv.Itoa(r.IntN(30))
		if r.IntN(7) == 0 {
			v = "NULL"
		}
		return fmt.Sprintf("%d, %d, %s", r.IntN(15), r.IntN(5), v)
	}
	switch n := r.IntN(32); n {
	case 0, 1, 2:
		q = "INSERT INTO t1 VALUES " + rows(t1row)
	case 3, 4:
		q = "INSERT INTO t2 VALUES " + rows(t2row)
	case 5:
		q = "INSERT INTO t3 VALUES (" + t3row() + ") ON CONFLICT (id) DO NOTHING"
	case 6:
		q = "INSERT INTO t3 VALUES (" + t3row() + ") ON CONFLICT (id) DO UPDATE SET v = excluded.v, k = excluded.k"
	case 7:
		q = "INSERT INTO t2 SELECT k, a, b FROM t1 WHERE a IS NOT NULL AND k = " + k()
	case 8:
		q = "UPDATE t1 SET a = a + 1 WHERE k = " + k()
	case 9:
		q = fmt.Sprintf("UPDATE t1 SET n = round(n, %d) WHERE a = %s", r.IntN(3), i())
	case 10:
		q = fmt.Sprintf("UPDATE t1 SET k = %s, b = %s WHERE a = %s", k(), txt(), i())
	case 11:
		q = "UPDATE t1 SET a = a WHERE k = " + k() // changes nothing
	case 12:
		q = fmt.Sprintf("UPDATE t2 SET c = c - 1, s = %s WHERE k = %s", txt(), k())
	case 13:
		q = fmt.Sprintf("UPDATE t3 SET v = %d WHERE id = %d", r.IntN(30), r.IntN(15))
	case 14:
		q = fmt.Sprintf("UPDATE t3 SET k = %d WHERE id = %d", r.IntN(5), r.IntN(15))
	case 15:
		q = "UPDATE t3 SET v = v + 1"
	case 16:
		q = "DELETE FROM t1 WHERE k = " + k()
	case 17:
		q = "DELETE FROM t1 WHERE a = (SELECT " + pick("min", "max") + "(a) FROM t1)"
	case 18:
		q = "DELETE FROM t3 WHERE v = (SELECT " + pick("min", "max") + "(v) FROM t3)"
	case 19:
		q = "DELETE FROM t2 WHERE c = (SELECT " + pick("min", "max") + "(c) FROM t2)"
	case 20:
		q = fmt.Sprintf("DELETE FROM t3 WHERE id = %d", r.IntN(15))
	case 21:
		q = "DELETE FROM t2 WHERE s IS NULL OR k = " + k()
	case 22:
		q = "DELETE FROM " + pick("t1", "t2", "t3") + " WHERE " + pick("true", "false", "k > 2")
	case 23:
		if auto && r.IntN(3) == 0 {
			q = "TRUNCATE " + pick("t1", "t2", "t3, t4")
		} else {
			q = "DELETE FROM t2 WHERE k IS NULL"
		}
	case 24:
		q = fmt.Sprintf("INSERT INTO t4 SELECT id * 20 + %d, id, CASE WHEN v > 10 THEN id END, v FROM t3 WHERE k = %d ON CONFLICT (id) DO NOTHING", r.IntN(20), r.IntN(5))
	case 25:
		q = fmt.Sprintf("UPDATE t4 SET w = w + 1 WHERE ref = %d", r.IntN(15))
	case 26:
		q = fmt.Sprintf("DELETE FROM t4 WHERE id %% 3 = %d", r.IntN(3))
	case 27:
		var data strings.Builder
		for n := 1 + r.IntN(4); n > 0; n-- {
			vals := []string{k(), i(), txt(), num()}
			for j, v := range vals {
				switch {
				case v == "NULL":
					vals[j] = `\N`
				case strings.HasPrefix(v, "'"):
					vals[j] = strings.Trim(v, "'")
				}
			}
			data.WriteString(strings.Join(vals, "\t") + "\n")
		}
		return "COPY t1 FROM STDIN", data.String()
	case 28:
		if auto {
			// Several statements in one simple query: one implicit transaction.
			q = fmt.Sprintf("INSERT INTO t1 VALUES (%s); UPDATE t1 SET b = %s WHERE k = %s; DELETE FROM t2 WHERE c = %s", t1row(), txt(), k(), i())
		} else {
			q = "UPDATE t2 SET k = k + 1 WHERE c = " + i()
		}
	case 29:
		// A new primary key, where nothing has it or references the old one.
		q = fmt.Sprintf(`UPDATE t3 SET id = -id WHERE id = %d AND -id NOT IN (SELECT id FROM t3)
			AND id NOT IN (SELECT ref FROM t4 WHERE ref IS NOT NULL) AND id NOT IN (SELECT opt FROM t4 WHERE opt IS NOT NULL)`, r.IntN(15))
	default:
		q = "INSERT INTO t1 SELECT k, c, s, c * 0.5 FROM t2 WHERE c < " + i()
	}
	return q, ""
}

func (h *diffHarness) copyIn(q, data string) {
	h.history = append(h.history, q+"\n"+data+"\\.")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.conn.CopyFrom(ctx, strings.NewReader(data), q); err != nil {
		h.fatalf("%s: %v", q, err)
	}
}
