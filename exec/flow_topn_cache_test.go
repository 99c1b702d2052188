package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// findTopN returns the topNOps of a view's dataflow.
func findTopN(t *testing.T, e *Engine, view string) []*topNOp {
	t.Helper()
	var out []*topNOp
	var walk func(op Operator)
	walk = func(op Operator) {
		switch op := op.(type) {
		case *topNOp:
			out = append(out, op)
			walk(op.in)
		case *projectOp:
			walk(op.in)
		case *filterOp:
			walk(op.in)
		case *limitOp:
			walk(op.in)
		}
	}
	walk(viewFlow(t, e, view).root)
	return out
}

// TestTopNCacheStamp: the cache survives epochs that took effect and
// forgets everything after one that did not, whether its transaction was
// dropped or its writes were restored to a save point.
func TestTopNCacheStamp(t *testing.T) {
	c := newTopNCache(MinStateCache)
	st, commit, begin := stampEpochs(t, c.begin)
	entry := func(k string) []*topEntry { return []*topEntry{{key: []byte(k), count: 1}} }
	st.begin()
	begin()
	c.put("p", 1, entry("a"))
	commit()

	st.begin()
	begin()
	if _, top, ok := c.get("p"); !ok || string(top[0].key) != "a" || !top[0].owned {
		t.Fatal("a committed epoch's partition was dropped")
	}
	c.put("q", 1, entry("b"))
	st.end() // the epoch fails: its writes are dropped

	st.begin()
	begin()
	if len(c.parts) != 0 || c.bytes != 0 {
		t.Fatalf("partitions of a failed epoch survived: %d, %d bytes", len(c.parts), c.bytes)
	}
	c.put("p", 1, entry("c"))
	commit()

	st.begin()
	begin()
	if len(c.parts) != 1 {
		t.Fatal("a committed epoch's partition was dropped")
	}
	saved := st.save()
	begin()
	c.put("q", 2, entry("d"))
	st.restore(saved)
	begin()
	if len(c.parts) != 0 {
		t.Fatal("partitions of an epoch rolled back to a save point survived")
	}
	st.end()
}

// TestTopNCacheEvict: past its limit the cache drops partitions and keeps
// its count of bytes; a partition that empties leaves.
func TestTopNCacheEvict(t *testing.T) {
	c := newTopNCache(MinStateCache)
	c.limit = 10_000
	for i := range 1000 {
		c.put(fmt.Sprint(i), 2, []*topEntry{{key: []byte(fmt.Sprint("k", i)), count: 2}})
	}
	c.put("999", 0, nil)
	if _, _, ok := c.get("999"); ok {
		t.Fatal("an empty partition stayed")
	}
	if c.bytes > c.limit {
		t.Fatalf("%d bytes over a limit of %d", c.bytes, c.limit)
	}
	var n int64
	for _, p := range c.parts {
		n += p.cost
	}
	if n != c.bytes {
		t.Fatalf("counted %d bytes, holds %d", c.bytes, n)
	}
}

// TestViewTopNCache: TopN views with their caches, one too small to hold
// their partitions, equal their queries through random transactions,
// rolled back ones, and failed epochs.
func TestViewTopNCache(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE a (p INT, x INT, s TEXT)",
		"CREATE TABLE ao (p INT, x INT, s TEXT) APPEND ONLY",
	)
	views := map[string]string{
		"c_top3":   "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x DESC, s) AS rn FROM a) w WHERE rn <= 3",
		"c_first":  "SELECT p, x, s FROM (SELECT *, row_number() OVER (PARTITION BY p ORDER BY x, s) AS rn FROM a) w WHERE rn = 1",
		"c_limit":  "SELECT p, x, s FROM a ORDER BY x DESC, p, s LIMIT 4",
		"ca_top2":  "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x DESC, s) AS rn FROM ao) w WHERE rn <= 2",
		"ca_small": "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p % 7 ORDER BY x, s) AS rn FROM ao) w WHERE rn <= 2",
		// Its tops are in the view's rows (flow_topn_view.go), read back
		// as its cache lets them go.
		"ca_view": "SELECT s, rn, x, p FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x, s DESC) AS rn FROM ao) w WHERE rn <= 3",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		ops := findTopN(t, e, name)
		if len(ops) != 1 || ops[0].cache == nil {
			t.Fatalf("%s: topn operators %v, want one with a cache", name, ops)
		}
	}
	// Created last, so that it runs after the others: a row with x = 0
	// fails its epoch, and the commit, after theirs ran.
	execAll(t, s, "CREATE MATERIALIZED VIEW c_zdiv AS SELECT p, 100 / x AS d FROM a")
	// Room for a few partitions only.
	findTopN(t, e, "ca_small")[0].cache.limit = 600
	if v := findTopN(t, e, "ca_view")[0]; v.view == nil {
		t.Fatal("ca_view keeps records, want its tops in the view's rows")
	} else {
		v.cache.limit = 600
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for step := 0; step < 300; step++ {
		var stmts []string
		for n := 1 + rng.IntN(3); n > 0; n-- {
			switch rng.IntN(5) {
			case 0, 1:
				stmts = append(stmts, fmt.Sprintf("INSERT INTO %s VALUES (%d, %d, '%c'), (%d, %d, '%c')",
					[]string{"a", "ao"}[rng.IntN(2)], rng.IntN(20), rng.IntN(50), 'a'+rng.IntN(3), rng.IntN(20), rng.IntN(50), 'a'+rng.IntN(3)))
			case 2:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM a WHERE p = %d AND x >= %d", rng.IntN(20), rng.IntN(50)))
			case 3:
				stmts = append(stmts, fmt.Sprintf("UPDATE a SET x = %d WHERE p = %d", rng.IntN(50), rng.IntN(20)))
			default:
				// Fails at commit, after the TopN views ran their epoch.
				stmts = append(stmts, fmt.Sprintf("INSERT INTO a VALUES (%d, 0, 'z')", rng.IntN(20)),
					fmt.Sprintf("INSERT INTO ao VALUES (%d, %d, 'z')", rng.IntN(20), rng.IntN(50)))
			}
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		failed := false
		if rng.IntN(5) == 0 {
			execAll(t, s, "ROLLBACK")
		} else {
			_, err := execErr(s, "COMMIT")
			failed = err != nil
		}
		checkViews(t, s, fmt.Sprintf("step %d (%q, failed %v)", step, stmts, failed), views)
	}
}
