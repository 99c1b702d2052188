package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// joinViews are joins of every kind over tables with duplicate rows (no
// primary key), NULL keys and residual conditions.
var joinViews = map[string]string{
	"j_inner": "SELECT a.x, a.y, b.y AS by, b.z FROM a JOIN b ON a.x = b.x",
	"j_on":    "SELECT a.x, a.y, b.z FROM a JOIN b ON a.x = b.x AND a.y < b.y",
	"j_two":   "SELECT a.x, b.z FROM a JOIN b ON a.x = b.x AND a.y = b.y",
	"j_left":  "SELECT a.x, a.y, b.z FROM a LEFT JOIN b ON a.x = b.x AND b.z <> 'z1'",
	"j_right": "SELECT a.y, b.x, b.z FROM a RIGHT JOIN b ON a.x = b.x AND a.y > 1",
	"j_full":  "SELECT a.x, a.y, b.x AS bx, b.z FROM a FULL JOIN b ON a.x = b.x AND a.y <> b.y",
	"j_num":   "SELECT a.x, b.n FROM a JOIN b ON a.x = b.n",
	"j_cross": "SELECT a.x, b.z FROM a JOIN b ON a.y < b.y",
	"j_agg":   "SELECT b.z, count(*) AS c, sum(a.y) AS s, max(a.x) AS m FROM a JOIN b ON a.x = b.x GROUP BY b.z",
	"j_self":  "SELECT a1.x, a2.y FROM a a1 JOIN a a2 ON a1.x = a2.y",
}

// TestViewJoinRandom runs random transactions on both sides of every kind
// of join and compares each view with its query, across a restart.
func TestViewJoinRandom(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE a (x INT, y INT)",
		"CREATE TABLE b (x INT, y INT, z TEXT, n NUMERIC)",
		"INSERT INTO a VALUES (1, 1), (1, 1), (2, 2), (NULL, 3)",
		"INSERT INTO b VALUES (1, 5, 'z1', 1), (2, 0, 'z2', 2.0), (NULL, 1, 'z3', NULL)",
	)
	for name, q := range joinViews {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		ops := viewOps(t, e, name)
		if !slices.Contains(ops, "join") || slices.Contains(ops, "keyed") {
			t.Fatalf("%s is maintained by %v, want a join and no keyed operator", name, ops)
		}
	}
	checkAll := func(step string) {
		t.Helper()
		checkViews(t, s, step, joinViews)
	}
	checkAll("create")
	rng := rand.New(rand.NewPCG(3, 4))
	val := func(n int) string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	for step := 0; step < 250; step++ {
		if step == 120 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		var stmts []string
		for k := rng.IntN(3) + 1; k > 0; k-- {
			switch rng.IntN(6) {
			case 0:
				stmts = append(stmts, fmt.Sprintf("INSERT INTO a VALUES (%s, %s), (%s, %s)", val(4), val(4), val(4), val(4)))
			case 1:
				stmts = append(stmts, fmt.Sprintf("INSERT INTO b VALUES (%s, %s, 'z%d', %s)", val(4), val(4), rng.IntN(3), val(4)))
			case 2:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM a WHERE x = %d", rng.IntN(4)))
			case 3:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM b WHERE y = %d", rng.IntN(4)))
			case 4:
				stmts = append(stmts, fmt.Sprintf("UPDATE a SET y = %s WHERE x = %d", val(4), rng.IntN(4)))
			default:
				stmts = append(stmts, fmt.Sprintf("UPDATE b SET x = %s, z = 'z%d' WHERE y = %d", val(4), rng.IntN(3), rng.IntN(4)))
			}
		}
		q := strings.Join(stmts, "; ")
		if len(stmts) > 1 {
			q = "BEGIN; " + q + "; COMMIT"
		}
		execAll(t, s, q)
		checkAll(q)
	}
	s.Close()
	e.Close()
}

// TestViewJoinNetZero: a row added and removed in one transaction while
// the rows it would match change is no change at all.
func TestViewJoinNetZero(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	queries := map[string]string{
		"l": "SELECT a.x, a.y, b.y AS by FROM a LEFT JOIN b ON a.x = b.x",
		"r": "SELECT a.x, a.y, b.y AS by FROM a RIGHT JOIN b ON a.x = b.x",
		"f": "SELECT a.x, a.y, b.y AS by FROM a FULL JOIN b ON a.x = b.x",
	}
	execAll(t, s,
		"CREATE TABLE a (x INT, y INT)",
		"CREATE TABLE b (x INT, y INT)",
		"INSERT INTO a VALUES (1, 1), (2, 2)",
		"INSERT INTO b VALUES (1, 10), (1, 11), (2, 20)",
	)
	for name, q := range queries {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	for _, q := range []string{
		"BEGIN; INSERT INTO a VALUES (1, 9); DELETE FROM b WHERE y = 10; DELETE FROM a WHERE y = 9; COMMIT",
		"BEGIN; INSERT INTO b VALUES (2, 99); DELETE FROM a WHERE x = 2; DELETE FROM b WHERE y = 99; COMMIT",
		"BEGIN; INSERT INTO a VALUES (1, 8); DELETE FROM b WHERE x = 1; INSERT INTO b VALUES (1, 12); DELETE FROM a WHERE y = 8; COMMIT",
	} {
		execAll(t, s, q)
		for name, vq := range queries {
			checkView(t, s, name, vq)
		}
	}
}

// TestViewJoinDimension: a fact table joined with a dimension table, the
// benchmark's shape: changes on either side.
func TestViewJoinDimension(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	const q = "SELECT t.id, t.val, d.name FROM t JOIN dim d ON t.grp = d.id"
	execAll(t, s,
		"CREATE TABLE dim (id INT PRIMARY KEY, name TEXT)",
		"CREATE TABLE t (id INT PRIMARY KEY, grp INT, val INT)",
		"INSERT INTO dim SELECT i, 'd' || i FROM generate_series(0, 9) AS i",
		"INSERT INTO t SELECT i, i % 10, i * 3 FROM generate_series(1, 200) AS i",
		"CREATE MATERIALIZED VIEW v AS "+q,
		"UPDATE t SET val = val + 1 WHERE id = 17",
		"UPDATE t SET grp = 3 WHERE id = 18",
		"UPDATE dim SET name = 'renamed' WHERE id = 3",
		"DELETE FROM dim WHERE id = 4",
		"INSERT INTO dim VALUES (10, 'ten')",
		"UPDATE t SET grp = 10 WHERE id < 50",
	)
	checkView(t, s, "v", q)
}

// createViewFromPlan creates a materialized view as CREATE MATERIALIZED
// VIEW does, from the plan of q changed by edit: a way to test plan shapes
// that the planner does not make yet.
func createViewFromPlan(t *testing.T, e *Engine, name, q string, edit func(planner.Node)) {
	t.Helper()
	stmts, err := sql.Parse("CREATE MATERIALIZED VIEW " + name + " AS " + q)
	if err != nil {
		t.Fatal(err)
	}
	cv := stmts[0].Own.(*sql.CreateView)
	plan, err := e.planner.PlanQuery(cv.Query.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	edit(plan.Plan)
	rel := &catalog.Relation{Schema: "public", Name: name, Kind: catalog.KindMatView, Owner: "eddy", SQL: q,
		Options: map[string]string{viewOperatorsOption: viewOperatorsIncremental}}
	for _, c := range plan.Plan.Columns() {
		rel.Columns = append(rel.Columns, catalog.Column{Name: c.Name, Type: c.Type})
	}
	rel.DependsOn = planDependencies(plan.Plan)
	_ = e.flows.mu.lock(context.Background())
	defer e.flows.mu.unlock()
	if rel.OID, err = e.cat.AllocOIDs(1); err != nil {
		t.Fatal(err)
	}
	f, err := e.newDataflow(rel, plan.Plan, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.Put(rel); err != nil {
		t.Fatal(err)
	}
	e.flows.register(f)
}

// findJoin returns the first join of a plan.
func findJoin(n planner.Node) *planner.Join {
	if j, ok := n.(*planner.Join); ok {
		return j
	}
	for _, c := range n.Children() {
		if j := findJoin(c); j != nil {
			return j
		}
	}
	return nil
}

// TestViewSemiAntiJoin maintains semi and anti joins (which the planner
// makes of EXISTS once it decorrelates it), checked against the EXISTS
// queries run in batch.
func TestViewSemiAntiJoin(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE a (x INT, y INT)",
		"CREATE TABLE b (x INT, y INT)",
		"INSERT INTO a VALUES (1, 1), (1, 1), (2, 2), (NULL, 3), (3, 0)",
		"INSERT INTO b VALUES (1, 5), (1, 0), (2, 0), (NULL, 1)",
	)
	const joinQ = "SELECT a.x, a.y FROM a JOIN b ON a.x = b.x AND b.y > a.y"
	kinds := map[string]struct {
		kind  planner.JoinKind
		batch string
	}{
		"semi": {planner.JoinSemi, "SELECT x, y FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x AND b.y > a.y)"},
		"anti": {planner.JoinAnti, "SELECT x, y FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.x = a.x AND b.y > a.y)"},
	}
	for name, k := range kinds {
		createViewFromPlan(t, e, name, joinQ, func(n planner.Node) {
			j := findJoin(n)
			j.Kind = k.kind
			j.Cols = j.Left.Columns()
		})
		if ops := viewOps(t, e, name); !slices.Equal(ops, []string{"join"}) {
			t.Fatalf("%s is maintained by %v", name, ops)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for step := 0; step < 200; step++ {
		var q string
		switch rng.IntN(4) {
		case 0:
			q = fmt.Sprintf("INSERT INTO a VALUES (%d, %d)", rng.IntN(4), rng.IntN(5))
		case 1:
			q = fmt.Sprintf("INSERT INTO b VALUES (%d, %d)", rng.IntN(4), rng.IntN(5))
		case 2:
			q = fmt.Sprintf("DELETE FROM a WHERE x = %d AND y = %d", rng.IntN(4), rng.IntN(5))
		default:
			q = fmt.Sprintf("UPDATE b SET y = %d WHERE x = %d", rng.IntN(5), rng.IntN(4))
		}
		execAll(t, s, q)
		for name, k := range kinds {
			checkView(t, s, name, k.batch)
		}
	}
}

// TestViewJoinAppendOnly: an inner join's append-only sides keep each row
// under a key of its own and read nothing to add one; the views equal
// their queries across inserts of duplicate rows and NULL keys, and a
// restart (which must resume the sequence numbers).
func TestViewJoinAppendOnly(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE a (x INT, y INT) APPEND ONLY",
		"CREATE TABLE b (x INT, y INT, z TEXT) APPEND ONLY",
		"CREATE TABLE c (x INT, y INT)",
		"INSERT INTO a VALUES (1, 1), (1, 1), (2, 2), (NULL, 3)",
		"INSERT INTO b VALUES (1, 5, 'z1'), (2, 0, 'z2'), (NULL, 1, 'z3')",
		"INSERT INTO c VALUES (1, 1)",
	)
	views := map[string]string{
		"ja_inner": "SELECT a.x, a.y, b.y AS by, b.z FROM a JOIN b ON a.x = b.x",
		"ja_on":    "SELECT a.x, a.y, b.z FROM a JOIN b ON a.x = b.x AND a.y < b.y",
		"ja_self":  "SELECT a1.x, a2.y FROM a a1 JOIN a a2 ON a1.x = a2.y",
		"ja_mixed": "SELECT a.x, c.y FROM a JOIN c ON a.x = c.x",
		"ja_agg":   "SELECT b.z, count(*) AS n, sum(a.y) AS s FROM a JOIN b ON a.x = b.x GROUP BY b.z",
	}
	appendOnlySides := func(name string) [2]bool {
		rel := e.cat.Lookup("", name)
		_ = e.flows.mu.rlock(context.Background())
		f := e.flows.byOID[rel.OID]
		e.flows.mu.runlock()
		var find func(op Operator) *joinFlowOp
		find = func(op Operator) *joinFlowOp {
			switch op := op.(type) {
			case *joinFlowOp:
				return op
			case *projectOp:
				return find(op.in)
			case *aggOp:
				return find(op.in)
			}
			return nil
		}
		j := find(f.root)
		if j == nil {
			t.Fatalf("%s has no join", name)
		}
		return j.appendOnly
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		want := [2]bool{true, name != "ja_mixed"}
		if got := appendOnlySides(name); got != want {
			t.Fatalf("%s: append-only sides %v, want %v", name, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	val := func() string {
		if rng.IntN(5) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(4))
	}
	for step := 0; step < 120; step++ {
		if step == 60 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		switch rng.IntN(4) {
		case 0:
			execAll(t, s, fmt.Sprintf("INSERT INTO a VALUES (%s, %s), (%s, %s)", val(), val(), val(), val()))
		case 1:
			execAll(t, s, fmt.Sprintf("INSERT INTO b VALUES (%s, %s, 'z%d')", val(), val(), rng.IntN(3)))
		case 2:
			execAll(t, s, fmt.Sprintf("UPDATE c SET y = %s WHERE x = %d", val(), rng.IntN(4)),
				fmt.Sprintf("INSERT INTO c VALUES (%s, %s)", val(), val()))
		default:
			execAll(t, s, "BEGIN", fmt.Sprintf("INSERT INTO a VALUES (%s, %s)", val(), val()),
				fmt.Sprintf("INSERT INTO b VALUES (%s, %s, 'z0')", val(), val()), "COMMIT")
		}
		for name, q := range views {
			checkView(t, s, name, q)
		}
	}
	e.Close()
}
