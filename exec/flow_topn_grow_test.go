package exec

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// oneTopN returns the one topNOp that maintains a view.
func oneTopN(t *testing.T, e *Engine, view string) *topNOp {
	t.Helper()
	ops := findTopN(t, e, view)
	if len(ops) != 1 {
		t.Fatalf("%s: %d topns, want 1", view, len(ops))
	}
	return ops[0]
}

// topNRows counts the rows (past the records) a topNOp keeps in its state.
func topNRows(t *testing.T, e *Engine, tn *topNOp) int {
	t.Helper()
	return countPrefix(t, e.db, tn.setPrefix(""))
}

// TestViewMaxJoinGrowing: joins of counts with their window's max, over
// an append-only input (Nexmark q5's shape), keep only the TopN's records
// and equal their queries through inserts, late rows, rolled back
// transactions and a restart; the same joins over a table with deletes
// and updates keep every row, and equal theirs too.
func TestViewMaxJoinGrowing(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE ev (tm timestamp, a int, x int, WATERMARK FOR tm AS tm - INTERVAL '20 seconds') APPEND ONLY",
		"CREATE TABLE dml (tm timestamp, a int, x int)",
		// The rows of ev that were in time: what the views over ev show.
		"CREATE TABLE ok (tm timestamp, a int, x int)",
	)
	q5 := func(from, agg, cols string) string {
		sub := fmt.Sprintf(`SELECT a, %s AS num, window_start, window_end
			FROM HOP(%s, tm, INTERVAL '1 minute', INTERVAL '3 minutes') GROUP BY a, window_start, window_end`, agg, from)
		return fmt.Sprintf(`SELECT %s FROM (%s) ab
			JOIN (SELECT max(cb.num) AS maxn, cb.window_start, cb.window_end FROM (%s) cb
			GROUP BY cb.window_start, cb.window_end) mb
			ON ab.window_start = mb.window_start AND ab.window_end = mb.window_end
			WHERE ab.num >= mb.maxn`, cols, sub, sub)
	}
	grow := map[string]string{
		"g_q5":    q5("{ev}", "count(*)", "ab.a, ab.num, ab.window_start, ab.window_end"),
		"g_cnt_x": q5("{ev}", "count(x)", "ab.a, ab.num, ab.window_start"),
		// Groups' rows that coincide: a multiset.
		"g_dup": q5("{ev}", "count(*) FILTER (WHERE x > 2)", "ab.num, ab.window_end"),
		"g_nowin": `SELECT ab.a, ab.x, ab.n FROM (SELECT a, x, count(*) AS n FROM {ev} GROUP BY a, x) ab
			JOIN (SELECT max(cb.n) AS m, cb.x FROM (SELECT a, x, count(*) AS n FROM {ev} GROUP BY a, x) cb GROUP BY cb.x) mb
			ON ab.x = mb.x AND ab.n >= mb.m`,
	}
	full := map[string]string{
		"f_q5": q5("dml", "count(*)", "ab.a, ab.num, ab.window_start, ab.window_end"),
		// Not a count: sums fall.
		"f_sum": q5("{ev}", "sum(x)", "ab.a, ab.num, ab.window_start"),
	}
	views := map[string]string{}
	for name, q := range grow {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+strings.ReplaceAll(q, "{ev}", "ev"))
		views[name] = q
	}
	for name, q := range full {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+strings.ReplaceAll(q, "{ev}", "ev"))
		views[name] = q
	}
	checkModes := func() {
		t.Helper()
		for name := range grow {
			if tn := oneTopN(t, e, name); !tn.grow {
				t.Fatalf("%s: topn not in grow mode", name)
			}
		}
		for name := range full {
			if tn := oneTopN(t, e, name); tn.grow {
				t.Fatalf("%s: topn in grow mode", name)
			}
		}
	}
	checkModes()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(5, 6))
	var wm time.Time // the greatest tm of ev's committed rows
	for step := 0; step < 60; step++ {
		if step == 30 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			checkModes()
		}
		var values, inTime []string
		var top time.Time
		for range 1 + rng.IntN(8) {
			// Mostly in time order, some late (behind the watermark).
			sec := step*15 + rng.IntN(30) - 5
			if rng.IntN(10) == 0 {
				sec -= 60
			}
			x := "NULL"
			if rng.IntN(4) > 0 {
				x = fmt.Sprint(rng.IntN(5))
			}
			tm := base.Add(time.Duration(sec) * time.Second)
			v := fmt.Sprintf("('%s', %d, %s)", tm.Format("2006-01-02 15:04:05"), rng.IntN(4), x)
			values = append(values, v)
			// Late: below the watermark as the epoch begins.
			if wm.IsZero() || !tm.Before(wm.Add(-20*time.Second)) {
				inTime = append(inTime, v)
			}
			if tm.After(top) {
				top = tm
			}
		}
		stmts := []string{"INSERT INTO ev VALUES " + strings.Join(values, ", "), "INSERT INTO dml VALUES " + strings.Join(values, ", ")}
		switch rng.IntN(5) {
		case 0:
			stmts = append(stmts, fmt.Sprintf("DELETE FROM dml WHERE a = %d", rng.IntN(4)))
		case 1:
			stmts = append(stmts, fmt.Sprintf("UPDATE dml SET a = %d WHERE x = %d", rng.IntN(4), rng.IntN(5)))
		}
		if len(inTime) > 0 {
			stmts = append(stmts, "INSERT INTO ok VALUES "+strings.Join(inTime, ", "))
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		if rng.IntN(6) == 0 {
			execAll(t, s, "ROLLBACK")
		} else {
			execAll(t, s, "COMMIT")
			if top.After(wm) {
				wm = top
			}
		}
		for name, q := range views {
			checkView(t, s, name, strings.ReplaceAll(q, "{ev}", "ok"))
		}
		for name := range grow {
			if n := topNRows(t, e, oneTopN(t, e, name)); n != 0 {
				t.Fatalf("step %d: %s keeps %d rows past its records", step, name, n)
			}
		}
		if n := topNRows(t, e, oneTopN(t, e, "f_q5")); step > 2 && n == 0 {
			t.Fatalf("step %d: f_q5 keeps no rows", step)
		}
	}
	s.Close()
	e.Close()
}
