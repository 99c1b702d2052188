package exec

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// viewFlow returns a view's dataflow.
func viewFlow(t *testing.T, e *Engine, view string) *dataflow {
	t.Helper()
	rel := e.cat.Lookup("", view)
	if rel == nil {
		t.Fatalf("no view %s", view)
	}
	_ = e.flows.mu.rlock(context.Background())
	defer e.flows.mu.runlock()
	return e.flows.byOID[rel.OID]
}

// checkViews fails unless each view (name -> its query) holds what its
// query answers in batch.
func checkViews(t *testing.T, s *Session, step string, views map[string]string) {
	t.Helper()
	for name, q := range views {
		got := rowsText(query(t, s, "SELECT * FROM "+name))
		want := rowsText(query(t, s, q))
		if !slices.Equal(got, want) {
			t.Fatalf("after %s: view %s differs from its query\n got: %q\nwant: %q", step, name, got, want)
		}
	}
}

// viewOps lists the stateful operators of a view's dataflow, outermost
// first, by kind: "agg", "join", "keyed".
func viewOps(t *testing.T, e *Engine, view string) []string {
	t.Helper()
	f := viewFlow(t, e, view)
	var out []string
	var walk func(op Operator)
	walk = func(op Operator) {
		switch op := op.(type) {
		case *projectOp:
			walk(op.in)
		case *filterOp:
			walk(op.in)
		case *limitOp:
			walk(op.in)
		case *concatOp:
			for _, in := range op.ins {
				walk(in)
			}
		case *aggOp:
			out = append(out, "agg")
			walk(op.in)
		case *joinFlowOp:
			out = append(out, "join")
			walk(op.ins[0])
			walk(op.ins[1])
		case *topNOp:
			out = append(out, "topn")
			walk(op.in)
		case *keyedOp:
			out = append(out, "keyed")
			for _, in := range op.ins {
				walk(in)
			}
		}
	}
	walk(f.root)
	return out
}

// rowsText renders rows exactly (each value's encoding, so 1.0 and 1.00
// differ) in a canonical order.
func rowsText(rows []sql.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		var sb strings.Builder
		for j, v := range r {
			if j > 0 {
				sb.WriteString(" | ")
			}
			if v.IsNull() {
				sb.WriteString("NULL")
			} else {
				sb.WriteString(sql.FormatText(v, sql.Unknown, nil))
				fmt.Fprintf(&sb, "[%x]", sql.AppendRow(nil, sql.Row{v}))
			}
		}
		out[i] = sb.String()
	}
	slices.Sort(out)
	return out
}

// checkView asserts that a view holds exactly what its query returns.
func checkView(t *testing.T, s *Session, view, q string) {
	t.Helper()
	got := rowsText(query(t, s, "SELECT * FROM "+view))
	want := rowsText(query(t, s, q))
	if !slices.Equal(got, want) {
		t.Fatalf("view %s differs from its query\n got: %q\nwant: %q", view, got, want)
	}
}

func execAll(t *testing.T, s *Session, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		query(t, s, q)
	}
}

// TestViewAggregate maintains aggregates through changes chosen to hit
// each kind of running state, comparing the view with its query after
// every statement.
func TestViewAggregate(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE t (id INT PRIMARY KEY, g INT, i INT, b BIGINT, n NUMERIC, f FLOAT8, iv INTERVAL, ok BOOL, s TEXT)",
		"INSERT INTO t VALUES (1, 1, 10, 9000000000000000000, 1.5, 0.5, '1 day', true, 'a')",
	)
	views := map[string]string{
		"v_minmax": "SELECT g, min(i) a1, max(i) a2, min(s) a3, max(s) a4, min(n) a5, max(n) a6, min(f) a7, max(f) a8, count(*) a9, count(i) a10 FROM t GROUP BY g",
		"v_sums":   "SELECT g, sum(i) a1, sum(b) a2, sum(n) a3, sum(f) a4, sum(iv) a5, avg(i) a6, avg(b) a7, avg(n) a8, avg(f) a9, avg(iv) a10 FROM t GROUP BY g",
		"v_total":  "SELECT count(*), sum(b), max(i), min(n), avg(n), bool_and(ok), bool_or(ok), every(ok) FROM t",
		"v_dist":   "SELECT g, count(DISTINCT i) a1, sum(DISTINCT i) a2, avg(DISTINCT n) a3, count(DISTINCT s) a4 FROM t GROUP BY g",
		"v_filter": "SELECT g, count(*) FILTER (WHERE ok) a1, sum(i) FILTER (WHERE i > 10) a2, max(i) FILTER (WHERE NOT ok) a3, count(*) a4 FROM t GROUP BY g",
		"v_having": "SELECT g, sum(i) AS si FROM t GROUP BY g HAVING count(*) > 1",
		"v_expr":   "SELECT i % 3 AS k, s, count(*), max(f) FROM t GROUP BY i % 3, s",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if ops := viewOps(t, e, name); !slices.Equal(ops, []string{"agg"}) {
			t.Fatalf("%s is maintained by %v, want [agg]", name, ops)
		}
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
	steps := []string{
		"INSERT INTO t VALUES (2, 1, 20, 9000000000000000000, 2.25, 1e20, '1 mon', false, 'b')",
		"INSERT INTO t VALUES (3, 1, 5, -3, 3.125, 1, '30 days', NULL, NULL)",
		"INSERT INTO t VALUES (4, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
		// The extremes leave.
		"DELETE FROM t WHERE id = 2",
		"DELETE FROM t WHERE id = 3",
		"INSERT INTO t VALUES (5, 1, 10, 1, 4.50, 'Infinity', '2 hours', true, 'a'), (6, 1, 10, 2, 7, 'NaN', '-1 day', false, 'c')",
		"UPDATE t SET f = 2 WHERE id = 6",
		"UPDATE t SET f = 3 WHERE id = 5",
		// sum(bigint) overflows int64 and comes back.
		"UPDATE t SET b = 9223372036854775807 WHERE id = 5",
		"UPDATE t SET b = 1 WHERE id = 5",
		// Numeric scale falls back when the widest value leaves.
		"UPDATE t SET n = 'NaN' WHERE id = 1",
		"UPDATE t SET n = 'NaN' WHERE id = 6",
		"UPDATE t SET n = 1.5 WHERE id = 1",
		"UPDATE t SET n = 2 WHERE id = 6",
		// A group empties, and the ungrouped row stays.
		"DELETE FROM t WHERE g = 2",
		"UPDATE t SET g = 3 WHERE id = 6",
		"DELETE FROM t",
		"INSERT INTO t VALUES (7, 1, 1, 1, 0.1, 0.1, '1 sec', true, 'z')",
		"BEGIN; INSERT INTO t VALUES (8, 1, 1, 1, 0.2, 0.2, '1 sec', false, 'z'); DELETE FROM t WHERE id = 7; UPDATE t SET i = 3 WHERE id = 8; COMMIT",
		"BEGIN; INSERT INTO t VALUES (9, 4, 1, 1, 1, 1, '1 sec', true, 'y'); ROLLBACK",
		// A group and an extreme that come and go within one transaction.
		"BEGIN; INSERT INTO t VALUES (10, 5, 100, 1, 1, 1, '1 sec', true, 'y'), (11, 1, 100, 1, 9.5, 1, '1 sec', true, 'zz'); DELETE FROM t WHERE id IN (10, 11); COMMIT",
		"BEGIN; DELETE FROM t WHERE id = 8; INSERT INTO t VALUES (8, 1, 3, 1, 0.2, 0.2, '1 sec', false, 'z'); COMMIT",
	}
	check("create")
	for _, q := range steps {
		execAll(t, s, q)
		check(q)
	}
}

// TestViewAggregateFloatSum: a float sum is the exact sum of the values
// present, so it does not keep the rounding of values that left.
func TestViewAggregateFloatSum(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE t (id INT PRIMARY KEY, f FLOAT8)",
		"CREATE MATERIALIZED VIEW v AS SELECT sum(f), avg(f) FROM t",
		"INSERT INTO t VALUES (1, 1e20), (2, 1)",
		"DELETE FROM t WHERE id = 1",
	)
	checkView(t, s, "v", "SELECT sum(f), avg(f) FROM t")
	execAll(t, s, "INSERT INTO t VALUES (3, 'Infinity')", "DELETE FROM t WHERE id = 3")
	checkView(t, s, "v", "SELECT sum(f), avg(f) FROM t")
	if got := query(t, s, "SELECT * FROM v")[0][0].Float(); got != 1 {
		t.Fatalf("sum = %v, want 1", got)
	}
	// Numeric infinities and NaN leave no trace either.
	execAll(t, s,
		"CREATE TABLE u (id INT PRIMARY KEY, n NUMERIC)",
		"CREATE MATERIALIZED VIEW w AS SELECT sum(n), max(n), min(n) FROM u",
		"INSERT INTO u VALUES (1, 'Infinity'), (2, '-Infinity'), (3, 1.25)",
	)
	checkView(t, s, "w", "SELECT sum(n), max(n), min(n) FROM u")
	execAll(t, s, "DELETE FROM u WHERE id = 2", "INSERT INTO u VALUES (4, 'NaN')")
	checkView(t, s, "w", "SELECT sum(n), max(n), min(n) FROM u")
	execAll(t, s, "DELETE FROM u WHERE id IN (1, 4)")
	checkView(t, s, "w", "SELECT sum(n), max(n), min(n) FROM u")
}

// TestViewAggregateRandom runs random transactions over grouped and
// ungrouped views and compares each with its query, across a restart.
func TestViewAggregateRandom(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE t (id INT PRIMARY KEY, g INT, v INT, n NUMERIC(8,2), s TEXT)")
	views := map[string]string{
		"v1": "SELECT g, count(*) a1, sum(v) a2, min(v) a3, max(v) a4, avg(n) a5, max(s) a6, count(DISTINCT v) a7 FROM t GROUP BY g",
		"v2": "SELECT count(v), sum(n) a1, min(s), max(n), sum(DISTINCT v) a2 FROM t",
		"v3": "SELECT s, g, min(n), max(n) FROM t WHERE v > 3 GROUP BY s, g",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	val := func(n int) string {
		if rng.IntN(8) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	for step := 0; step < 300; step++ {
		if step == 150 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		var stmts []string
		for k := rng.IntN(4) + 1; k > 0; k-- {
			id := rng.IntN(40)
			switch rng.IntN(3) {
			case 0:
				n := "NULL"
				if rng.IntN(8) > 0 {
					n = fmt.Sprintf("%d.%02d", rng.IntN(100), rng.IntN(100))
				}
				stmts = append(stmts, fmt.Sprintf("INSERT INTO t VALUES (%d, %s, %s, %s, 's%s') ON CONFLICT (id) DO NOTHING",
					id, val(4), val(10), n, val(5)))
			case 1:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM t WHERE id %% 7 = %d AND g = %d", id%7, rng.IntN(4)))
			default:
				stmts = append(stmts, fmt.Sprintf("UPDATE t SET v = %s, n = n + 1 WHERE id = %d", val(10), id))
			}
		}
		q := strings.Join(stmts, "; ")
		if len(stmts) > 1 {
			q = "BEGIN; " + q + "; COMMIT"
		}
		execAll(t, s, q)
		for name, vq := range views {
			checkView(t, s, name, vq)
		}
	}
	s.Close()
	e.Close()
}

// TestViewAggregateLoad: a view over a table larger than one load chunk,
// with groups spread over every chunk.
func TestViewAggregateLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 150k rows")
	}
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE t (id INT PRIMARY KEY, g INT, v INT)",
		"INSERT INTO t SELECT i, i % 1000, i % 77 FROM generate_series(1, 150000) AS i",
		"CREATE MATERIALIZED VIEW v AS SELECT g, count(*), sum(v), max(v), min(v) FROM t GROUP BY g",
		"DELETE FROM t WHERE v = 76",
	)
	checkView(t, s, "v", "SELECT g, count(*), sum(v), max(v), min(v) FROM t GROUP BY g")
}

// TestViewAggregateRepresentations: values that compare equal but print
// differently; the view shows one that is present.
func TestViewAggregateRepresentations(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE t (id INT PRIMARY KEY, n NUMERIC, v NUMERIC)",
		"CREATE MATERIALIZED VIEW v AS SELECT n, max(v), sum(DISTINCT v), count(*) FROM t GROUP BY n",
		"INSERT INTO t VALUES (1, 1.0, 2.0), (2, 1.00, 2.00)",
		"DELETE FROM t WHERE id = 1",
	)
	checkView(t, s, "v", "SELECT n, max(v), sum(DISTINCT v), count(*) FROM t GROUP BY n")
	execAll(t, s, "INSERT INTO t VALUES (3, 1.000, 2)", "DELETE FROM t WHERE id = 2")
	checkView(t, s, "v", "SELECT n, max(v), sum(DISTINCT v), count(*) FROM t GROUP BY n")
}

// TestViewAggregateFallback: what aggOp does not handle stays with keyedOp.
func TestViewAggregateFallback(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE t (id INT PRIMARY KEY, g INT, s TEXT)",
		"INSERT INTO t VALUES (1, 1, 'a'), (2, 1, 'b')",
		"CREATE MATERIALIZED VIEW v AS SELECT g, string_agg(s, ',' ORDER BY s), count(*) FROM t GROUP BY g",
		"CREATE MATERIALIZED VIEW w AS SELECT g, count(*) FROM t GROUP BY ROLLUP (g)",
		"INSERT INTO t VALUES (3, 2, 'c')",
	)
	for _, v := range []string{"v", "w"} {
		if ops := viewOps(t, e, v); !slices.Equal(ops, []string{"keyed"}) {
			t.Fatalf("%s is maintained by %v, want [keyed]", v, ops)
		}
	}
	checkView(t, s, "v", "SELECT g, string_agg(s, ',' ORDER BY s), count(*) FROM t GROUP BY g")
	checkView(t, s, "w", "SELECT g, count(*) FROM t GROUP BY ROLLUP (g)")
}

// TestStateFirst: the first key under a prefix, with pending writes and
// deletions merged over the committed state.
func TestStateFirst(t *testing.T) {
	e, _ := openSession(t, "")
	defer e.Close()
	st := newStateStore(e.db)
	st.begin()
	for _, k := range []string{"p1", "p3", "p5", "q0"} {
		st.put([]byte(k), []byte("v"+k))
	}
	wb := e.db.NewWriteBatch()
	if err := st.flush(wb.Set, wb.Delete); err != nil {
		t.Fatal(err)
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	st.end()
	st.begin()
	defer st.end()
	first := func() string {
		k, v, ok, err := st.first([]byte("p"))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return ""
		}
		if !bytes.Equal(v, []byte("v"+string(k))) {
			t.Fatalf("value %q for key %q", v, k)
		}
		return string(k)
	}
	steps := []struct {
		op   func()
		want string
	}{
		{func() {}, "p1"},
		{func() { st.put([]byte("p0"), []byte("vp0")) }, "p0"},
		{func() { st.del([]byte("p0")) }, "p1"},
		{func() { st.del([]byte("p1")) }, "p3"},
		{func() { st.put([]byte("p4"), []byte("vp4")); st.del([]byte("p3")) }, "p4"},
		{func() { st.del([]byte("p4")); st.del([]byte("p5")) }, ""},
		{func() { st.put([]byte("p9"), []byte("vp9")) }, "p9"},
	}
	for i, s := range steps {
		s.op()
		if got := first(); got != s.want {
			t.Fatalf("step %d: first = %q, want %q", i, got, s.want)
		}
	}
}

// TestViewFailedEpoch: an epoch that fails after an operator handed out
// part of its output (here an error above it) leaves nothing behind for
// the next transaction's epoch.
func TestViewFailedEpoch(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	views := map[string]string{
		"va": "SELECT g, 10 / (count(*) - 2) AS x FROM t GROUP BY g",
		"vj": "SELECT t.id, 10 / (u.n - 2) AS x FROM t JOIN u ON t.g = u.g",
	}
	execAll(t, s,
		"CREATE TABLE t (id INT PRIMARY KEY, g INT)",
		"CREATE TABLE u (g INT, n INT)",
		"INSERT INTO t VALUES (1, 1)",
		"INSERT INTO u VALUES (1, 1), (2, 1)",
	)
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	for _, q := range []string{"INSERT INTO t VALUES (2, 1)", "UPDATE u SET n = 2 WHERE g = 1"} {
		sts, err := s.Parse(context.Background(), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sts[0].Execute(context.Background(), nil); err == nil {
			t.Fatalf("%s: no division by zero", q)
		}
	}
	execAll(t, s, "INSERT INTO t VALUES (3, 2)")
	for name, q := range views {
		checkView(t, s, name, q)
	}
}

// TestViewAggregateAppendOnly: over an append-only input min and max keep
// only their extreme; the views equal their queries through inserts that
// tie, beat and trail the extremes, NULLs, and a restart.
func TestViewAggregateAppendOnly(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE t (g INT, i INT, s TEXT, ts TIMESTAMP) APPEND ONLY",
		"CREATE TABLE u (g INT, w INT) APPEND ONLY",
	)
	views := map[string]string{
		"ao_minmax": "SELECT g, min(i) AS a1, max(i) AS a2, min(s) AS a3, max(s) AS a4, max(ts) AS a5, count(*) AS n FROM t GROUP BY g",
		"ao_filter": "SELECT g, max(i) FILTER (WHERE s <> 'b') AS a1, min(ts) FILTER (WHERE i > 2) AS a2 FROM t GROUP BY g",
		"ao_global": "SELECT min(i) AS a1, max(s) AS a2 FROM t",
		"ao_join":   "SELECT t.g, max(u.w) AS m, min(t.i) AS n FROM t JOIN u ON t.g = u.g GROUP BY t.g",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		rel := e.cat.Lookup("", name)
		_ = e.flows.mu.rlock(context.Background())
		f := e.flows.byOID[rel.OID]
		e.flows.mu.runlock()
		var find func(op Operator) *aggOp
		find = func(op Operator) *aggOp {
			switch op := op.(type) {
			case *aggOp:
				return op
			case *projectOp:
				return find(op.in)
			}
			return nil
		}
		if a := find(f.root); a == nil || !a.appendOnly {
			t.Fatalf("%s: no append-only aggregate", name)
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	val := func(n int) string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	for step := 0; step < 120; step++ {
		if step == 60 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		execAll(t, s, "BEGIN")
		for k := 1 + rng.IntN(3); k > 0; k-- {
			execAll(t, s,
				fmt.Sprintf("INSERT INTO t VALUES (%s, %s, %s, '2024-01-01'::timestamp + %d * INTERVAL '1 hour')", val(3), val(10),
					[]string{"'a'", "'b'", "'c'", "NULL"}[rng.IntN(4)], rng.IntN(50)),
				fmt.Sprintf("INSERT INTO u VALUES (%s, %s)", val(3), val(10)))
		}
		execAll(t, s, "COMMIT")
		for name, q := range views {
			checkView(t, s, name, q)
		}
	}
	e.Close()
}
