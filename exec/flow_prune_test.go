package exec

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

const pruneQuery = "SELECT t.id, d.name FROM t JOIN dim d ON t.grp = d.id WHERE t.val > 10"

// joinWidths returns the widths of the inputs of a view's join.
func joinWidths(t *testing.T, e *Engine, view string) [2]int {
	t.Helper()
	rel := e.cat.Lookup("", view)
	f := e.flows.byOID[rel.OID]
	j := findJoin(f.plan)
	return [2]int{len(j.Left.Columns()), len(j.Right.Columns())}
}

// TestViewPrunedRestart: a new view's join stores only the columns the
// view reads, and keeps that plan across a restart; a view created before
// pruning (its operators marker says so) keeps its unpruned plan, whose
// state layout its stored state has.
func TestViewPrunedRestart(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE dim (id INT PRIMARY KEY, name TEXT, note TEXT)",
		"CREATE TABLE t (id INT PRIMARY KEY, grp INT, val INT, pad TEXT)",
		"INSERT INTO dim SELECT i, 'd' || i, 'n' FROM generate_series(0, 9) AS i",
		"INSERT INTO t SELECT i, i % 10, i, 'p' FROM generate_series(1, 200) AS i",
		"CREATE MATERIALIZED VIEW v AS "+pruneQuery,
	)
	createOldView(t, e, "v_old", pruneQuery)
	if got, want := joinWidths(t, e, "v"), [2]int{2, 2}; got != want {
		t.Errorf("pruned join inputs have widths %v, want %v", got, want)
	}
	if got, want := joinWidths(t, e, "v_old"), [2]int{4, 3}; got != want {
		t.Errorf("old view's join inputs have widths %v, want %v", got, want)
	}
	execAll(t, s, "UPDATE t SET grp = 3 WHERE id < 20", "DELETE FROM dim WHERE id = 4")
	checkView(t, s, "v", pruneQuery)
	checkView(t, s, "v_old", pruneQuery)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e, s = openSession(t, dir)
	defer e.Close()
	if got, want := joinWidths(t, e, "v"), [2]int{2, 2}; got != want {
		t.Errorf("after a restart, pruned join inputs have widths %v, want %v", got, want)
	}
	if got, want := joinWidths(t, e, "v_old"), [2]int{4, 3}; got != want {
		t.Errorf("after a restart, the old view's join inputs have widths %v, want %v", got, want)
	}
	execAll(t, s, "UPDATE t SET val = 5 WHERE id % 3 = 0", "UPDATE dim SET name = 'x' WHERE id = 3", "INSERT INTO dim VALUES (4, 'four', 'n')")
	checkView(t, s, "v", pruneQuery)
	checkView(t, s, "v_old", pruneQuery)
}

// createOldView creates a view as CREATE MATERIALIZED VIEW did before
// plans were pruned: unpruned, marked viewOperatorsTopN.
func createOldView(t *testing.T, e *Engine, name, q string) {
	t.Helper()
	stmts, err := sql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.planner.PlanQuery(stmts[0].AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Plan, err = planner.Continuous(plan.Plan); err != nil {
		t.Fatal(err)
	}
	rel := &catalog.Relation{Schema: "public", Name: name, Kind: catalog.KindMatView, Owner: "eddy", SQL: q,
		Options: map[string]string{viewOperatorsOption: viewOperatorsTopN}}
	for _, c := range plan.Plan.Columns() {
		rel.Columns = append(rel.Columns, catalog.Column{Name: c.Name, Type: c.Type})
	}
	rel.DependsOn = planDependencies(plan.Plan)
	rel.PrimaryKey = planner.UniqueKey(plan.Plan)
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
