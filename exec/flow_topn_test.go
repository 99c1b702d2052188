package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// topNViews are TopN shapes over a table with duplicate rows (no primary
// key) and NULLs in the partition and order columns. Each orders by every
// column it outputs, so that its batch answer is one multiset.
var topNViews = map[string]string{
	"t_top2":   "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x DESC NULLS LAST, s, p) AS rn FROM a) w WHERE rn <= 2",
	"t_first":  "SELECT p, x, s FROM (SELECT *, row_number() OVER (PARTITION BY p ORDER BY x NULLS FIRST, s DESC) AS rn FROM a) w WHERE rn = 1",
	"t_lt":     "SELECT x, s, rn FROM (SELECT p, x, s, row_number() OVER (PARTITION BY s ORDER BY x, p) AS rn FROM a) w WHERE rn < 4 AND x IS DISTINCT FROM 3",
	"t_global": "SELECT * FROM (SELECT p, x, s, row_number() OVER (ORDER BY x DESC, s NULLS FIRST, p) AS rn FROM a) w WHERE 3 >= rn",
	"t_expr":   "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p % 2, s ORDER BY x + p DESC NULLS FIRST, x, p) AS rn FROM a) w WHERE rn <= 1",
	"t_none":   "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p ORDER BY x) AS rn FROM a) w WHERE rn <= 0",
	"t_join":   "SELECT * FROM (SELECT a.p, a.x, b.y, row_number() OVER (PARTITION BY a.p ORDER BY b.y DESC, a.x) AS rn FROM a JOIN b ON a.p = b.p AND b.y >= a.x) w WHERE rn <= 2",
	"t_limit":  "SELECT p, x, s FROM a ORDER BY x DESC NULLS LAST, p, s LIMIT 3",
	"t_offset": "SELECT p, x FROM a ORDER BY p NULLS FIRST, x LIMIT 2 OFFSET 2",
	// Over append-only inputs (only the record is kept).
	"ta_top2":  "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x DESC NULLS LAST, s, p) AS rn FROM ao) w WHERE rn <= 2",
	"ta_first": "SELECT p, x, s FROM (SELECT *, row_number() OVER (PARTITION BY p, s ORDER BY x NULLS FIRST) AS rn FROM ao) w WHERE rn = 1",
	"ta_join":  "SELECT * FROM (SELECT ao.p, ao.x, ao2.y, row_number() OVER (PARTITION BY ao.p ORDER BY ao2.y DESC, ao.x) AS rn FROM ao JOIN ao2 ON ao.p = ao2.p WHERE ao.x IS NOT NULL) w WHERE rn <= 3",
	"ta_limit": "SELECT p, x FROM (SELECT p, x FROM ao UNION ALL SELECT p, y FROM ao2) u ORDER BY x DESC, p LIMIT 4",
	// Tops kept in the view's rows (flow_topn_view.go), or not: columns
	// in another order; rn = 2 keeps one position of two; x left out.
	"ta_perm":   "SELECT rn, s, x, p FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x, s DESC NULLS FIRST) AS rn FROM ao) w WHERE rn <= 3",
	"ta_eq":     "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x, s) AS rn FROM ao) w WHERE rn = 2",
	"ta_part":   "SELECT p, s, rn FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x, s) AS rn FROM ao) w WHERE rn <= 2",
	"t_agg_top": "SELECT p, count(*) AS c FROM (SELECT *, row_number() OVER (PARTITION BY p ORDER BY x, s) AS rn FROM a) w WHERE rn <= 2 GROUP BY p",
}

// topNInView are the topNViews whose tops are in the view's rows.
var topNInView = map[string]bool{"ta_top2": true, "ta_first": true, "ta_join": true, "ta_perm": true}

// TestViewTopNRandom runs random transactions under every TopN shape and
// compares each view with its query after every one, across a restart.
func TestViewTopNRandom(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE a (p INT, x INT, s TEXT)",
		"CREATE TABLE b (p INT, y INT)",
		"INSERT INTO a VALUES (1, 1, 'a'), (1, 1, 'a'), (1, 2, 'b'), (2, NULL, 'c'), (NULL, 3, NULL)",
		"INSERT INTO b VALUES (1, 5), (2, 0), (1, 1)",
		"CREATE TABLE ao (p INT, x INT, s TEXT) APPEND ONLY",
		"CREATE TABLE ao2 (p INT, y INT) APPEND ONLY",
		"INSERT INTO ao SELECT * FROM a",
	)
	for name, q := range topNViews {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		ops := viewOps(t, e, name)
		if !slices.Contains(ops, "topn") || slices.Contains(ops, "keyed") {
			t.Fatalf("%s is maintained by %v, want a topn and no keyed operator", name, ops)
		}
		if ao := topNAppendOnly(t, e, name); ao != strings.HasPrefix(name, "ta_") {
			t.Fatalf("%s: topn append-only %v", name, ao)
		}
		v := false
		for _, tn := range findTopN(t, e, name) {
			v = v || tn.view != nil
		}
		if v != topNInView[name] {
			t.Fatalf("%s: tops in the view's rows %v", name, v)
		}
	}
	checkAll := func(step string) {
		t.Helper()
		checkViews(t, s, step, topNViews)
	}
	checkAll("create")
	rng := rand.New(rand.NewPCG(7, 8))
	val := func(n int) string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	str := func() string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return fmt.Sprintf("'%c'", 'a'+rng.IntN(4))
	}
	const steps = 300
	for step := 0; step < steps; step++ {
		if step == steps/2 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			// Its mark kept, the view reads its tops back from its rows.
			if tn := findTopN(t, e, "ta_top2"); len(tn) != 1 || tn[0].view == nil {
				t.Fatal("ta_top2 keeps records after a restart")
			}
			checkAll("restart")
		}
		var stmts []string
		for n := 1 + rng.IntN(3); n > 0; n-- {
			var q string
			switch rng.IntN(7) {
			case 0, 1:
				q = fmt.Sprintf("INSERT INTO %s VALUES (%s, %s, %s), (%s, %s, %s)", []string{"a", "ao"}[rng.IntN(2)],
					val(3), val(5), str(), val(3), val(5), str())
			case 2:
				q = fmt.Sprintf("DELETE FROM a WHERE p = %d AND x = %d", rng.IntN(3), rng.IntN(5))
			case 3:
				q = fmt.Sprintf("UPDATE a SET x = %s WHERE p = %d AND x >= %d", val(5), rng.IntN(3), rng.IntN(5))
			case 4:
				q = fmt.Sprintf("DELETE FROM a WHERE x = (SELECT min(x) FROM a WHERE p = %d)", rng.IntN(3))
			case 5:
				q = fmt.Sprintf("INSERT INTO b VALUES (%s, %s)", val(3), val(6))
				if rng.IntN(2) == 0 {
					q = fmt.Sprintf("INSERT INTO ao2 VALUES (%s, %s)", val(3), val(6))
				}
			default:
				q = fmt.Sprintf("DELETE FROM b WHERE p = %d AND y < %d", rng.IntN(3), rng.IntN(6))
			}
			stmts = append(stmts, q)
		}
		// Several changes in one transaction make one epoch.
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		execAll(t, s, "COMMIT")
		checkAll(fmt.Sprintf("step %d (%q)", step, stmts))
	}
	e.Close()
}

// TestTopNShapes: only a filter that bounds the row number makes a TopN.
func TestTopNShapes(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s, "CREATE TABLE a (p INT, x INT, s TEXT)")
	keyed := map[string]string{
		"k_rank":   "SELECT * FROM (SELECT p, x, rank() OVER (PARTITION BY p ORDER BY x) AS r FROM a) w WHERE r <= 2",
		"k_gt":     "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p ORDER BY x) AS rn FROM a) w WHERE rn > 2",
		"k_or":     "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p ORDER BY x) AS rn FROM a) w WHERE rn <= 2 OR x = 1",
		"k_two":    "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p ORDER BY x) AS rn, sum(x) OVER (PARTITION BY p) AS t FROM a) w WHERE rn <= 2",
		"k_other":  "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p ORDER BY x) AS rn FROM a) w WHERE x <= 2",
		"k_sorted": "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p) AS rn FROM (SELECT p, x FROM a ORDER BY x DESC, s) o) w WHERE rn <= 1",
		"k_big":    "SELECT * FROM (SELECT p, x, row_number() OVER (PARTITION BY p ORDER BY x) AS rn FROM a) w WHERE rn <= 100000",
	}
	for name, q := range keyed {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if ops := viewOps(t, e, name); slices.Contains(ops, "topn") {
			t.Errorf("%s is maintained by %v, want no topn", name, ops)
		}
	}
	execAll(t, s, "INSERT INTO a VALUES (1, 1, 'a'), (1, 2, 'b'), (1, 3, 'c'), (2, 1, 'd')", "DELETE FROM a WHERE x = 2")
	for name, q := range keyed {
		checkView(t, s, name, q)
	}
}

// topNAppendOnly reports whether a view's topNOp keeps only its records.
func topNAppendOnly(t *testing.T, e *Engine, view string) bool {
	t.Helper()
	f := viewFlow(t, e, view)
	var find func(op Operator) *topNOp
	find = func(op Operator) *topNOp {
		switch op := op.(type) {
		case *topNOp:
			return op
		case *projectOp:
			return find(op.in)
		case *filterOp:
			return find(op.in)
		case *aggOp:
			return find(op.in)
		}
		return nil
	}
	top := find(f.root)
	if top == nil {
		t.Fatalf("%s has no topn at its top", view)
	}
	return top.appendOnly
}
