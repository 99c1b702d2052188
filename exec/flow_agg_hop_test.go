package exec

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestAggHopCounts: counts over HOP windows are counted by slide
// (aggOp.hop) where every aggregate is a count(*) and the groups are
// input columns and window bounds, and equal their queries through
// inserts, deletes, updates (rows moving between slides and groups),
// NULL times and keys, rolled back transactions and a restart; other
// aggregates over HOP keep one row per window.
func TestAggHopCounts(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE ev (id INT, tm timestamp, tz timestamptz, k INT, x INT)")
	hop := map[string]string{
		"h_q5": `SELECT k, count(*) AS n, window_start, window_end
			FROM HOP(ev, tm, INTERVAL '2 seconds', INTERVAL '10 seconds') GROUP BY k, window_start, window_end`,
		"h_end": `SELECT window_end, count(*) AS n, count(*) AS n2
			FROM HOP(ev, tm, INTERVAL '3 seconds', INTERVAL '9 seconds') GROUP BY window_end`,
		"h_tz": `SELECT x, k, window_start, count(*) AS n
			FROM HOP(ev, tz, INTERVAL '5 seconds', INTERVAL '10 seconds') GROUP BY window_start, x, k`,
		"h_one": `SELECT k, window_start, count(*) FROM HOP(ev, tm, INTERVAL '4 seconds', INTERVAL '4 seconds') GROUP BY k, window_start`,
	}
	rows := map[string]string{
		"r_cnt_x": `SELECT k, count(x) AS n, window_start FROM HOP(ev, tm, INTERVAL '2 seconds', INTERVAL '10 seconds') GROUP BY k, window_start`,
		"r_sum":   `SELECT k, sum(x) AS n, window_start FROM HOP(ev, tm, INTERVAL '2 seconds', INTERVAL '10 seconds') GROUP BY k, window_start`,
		"r_expr":  `SELECT k + 1, count(*) AS n, window_start FROM HOP(ev, tm, INTERVAL '2 seconds', INTERVAL '10 seconds') GROUP BY k + 1, window_start`,
	}
	views := map[string]string{}
	for name, q := range hop {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		views[name] = q
	}
	for name, q := range rows {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		views[name] = q
	}
	checkModes := func() {
		t.Helper()
		for name := range hop {
			if findAgg(t, e, name).hop == nil {
				t.Fatalf("%s: not counted by slide", name)
			}
		}
		for name := range rows {
			if findAgg(t, e, name).hop != nil {
				t.Fatalf("%s: counted by slide", name)
			}
		}
	}
	checkModes()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	id := 0
	for step := 0; step < 60; step++ {
		if step == 30 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			checkModes()
		}
		var stmts []string
		var values []string
		for range 1 + rng.IntN(10) {
			id++
			tm := fmt.Sprintf("'%s'", base.Add(time.Duration(step*700+rng.IntN(3000))*time.Millisecond).Format("2006-01-02 15:04:05.000"))
			if rng.IntN(12) == 0 {
				tm = "NULL"
			}
			k := fmt.Sprint(rng.IntN(3))
			if rng.IntN(10) == 0 {
				k = "NULL"
			}
			values = append(values, fmt.Sprintf("(%d, %s, %s, %s, %d)", id, tm, tm, k, rng.IntN(3)))
		}
		stmts = append(stmts, "INSERT INTO ev VALUES "+strings.Join(values, ", "))
		switch rng.IntN(4) {
		case 0:
			stmts = append(stmts, fmt.Sprintf("DELETE FROM ev WHERE id %% 7 = %d", rng.IntN(7)))
		case 1:
			stmts = append(stmts, fmt.Sprintf("UPDATE ev SET tm = tm + INTERVAL '1 second', tz = tz - INTERVAL '3 seconds', k = %d WHERE id %% 5 = %d",
				rng.IntN(3), rng.IntN(5)))
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		if rng.IntN(6) == 0 {
			execAll(t, s, "ROLLBACK")
		} else {
			execAll(t, s, "COMMIT")
		}
		for name, q := range views {
			checkView(t, s, name, q)
		}
	}
	s.Close()
	e.Close()
}
