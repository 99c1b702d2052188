package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/sql"
)

// findAgg returns the outermost aggOp of a view.
func findAgg(t *testing.T, e *Engine, view string) *aggOp {
	t.Helper()
	f := viewFlow(t, e, view)
	var find func(op Operator) *aggOp
	find = func(op Operator) *aggOp {
		switch op := op.(type) {
		case *aggOp:
			return op
		case *projectOp:
			return find(op.in)
		case *filterOp:
			return find(op.in)
		}
		return nil
	}
	a := find(f.root)
	if a == nil {
		t.Fatalf("%s: no aggregate", view)
	}
	return a
}

// TestAggCacheStamp: the cache survives epochs that took effect and
// forgets everything after one that did not, whether its transaction was
// dropped or its writes were restored to a save point.
func TestAggCacheStamp(t *testing.T) {
	c := newAggCache(MinStateCache)
	st, commit, begin := stampEpochs(t, c.begin)
	c.complete = true
	k1 := c.memberKey("g", 0, sql.NewInt(1))
	st.begin()
	begin()
	c.addMember(k1, 1)
	c.putGroup(&aggGroup{key: "g", rows: 1})
	commit()

	st.begin()
	begin()
	if c.member(k1) != 1 || c.group("g") == nil || !c.complete {
		t.Fatal("a committed epoch's entries were dropped")
	}
	c.addMember(c.memberKey("g", 0, sql.NewInt(2)), 1)
	st.end() // the epoch fails: its writes are dropped

	st.begin()
	begin()
	if len(c.present) != 0 || len(c.groups) != 0 || c.bytes != 0 {
		t.Fatalf("entries of a failed epoch survived: %d members, %d groups, %d bytes", len(c.present), len(c.groups), c.bytes)
	}
	if c.complete {
		t.Fatal("a cache that forgot groups still claims to hold them all")
	}
	c.addMember(c.memberKey("g", 0, sql.NewInt(3)), 1)
	commit()

	// Epochs within one transaction; the second fails and the
	// transaction goes on from the save point.
	st.begin()
	begin()
	if len(c.present) != 1 {
		t.Fatal("a committed epoch's entries were dropped")
	}
	saved := st.save()
	begin()
	c.addMember(c.memberKey("g", 0, sql.NewInt(4)), 1)
	st.restore(saved)
	begin()
	if len(c.present) != 0 {
		t.Fatal("entries of an epoch rolled back to a save point survived")
	}
	st.end()
}

// TestAggCacheEvict: past its limit the cache drops entries and keeps its
// count of bytes.
func TestAggCacheEvict(t *testing.T) {
	c := newAggCache(MinStateCache)
	c.limit = 10_000
	c.complete = true
	for i := range 1000 {
		c.addMember(c.memberKey("g", 0, sql.NewInt(int64(i))), 1)
		c.putGroup(&aggGroup{key: fmt.Sprint(i), rows: 1, vals: sql.Row{sql.NewInt(int64(i))}})
	}
	if c.bytes > c.limit {
		t.Fatalf("%d bytes over a limit of %d", c.bytes, c.limit)
	}
	if c.complete {
		t.Fatal("a cache that evicted groups still claims to hold them all")
	}
	var n int64
	for k := range c.present {
		n += int64(len(k)) + aggCacheEntryCost
	}
	for _, g := range c.groups {
		n += g.cached
	}
	if n != c.bytes {
		t.Fatalf("counted %d bytes, holds %d", c.bytes, n)
	}
}

// TestViewAggregateDistinctAppendOnly: DISTINCT aggregates over an
// append-only input, in FILTERed variants that share a multiset, equal
// their queries through random transactions, rolled back ones, a cache
// too small to hold them and a restart.
func TestViewAggregateDistinctAppendOnly(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE t (g INT, x INT, y TEXT, p INT) APPEND ONLY")
	views := map[string]string{
		"d_filter": "SELECT g, count(*) AS n, count(DISTINCT x) AS a1, count(DISTINCT x) FILTER (WHERE p < 3) AS a2, " +
			"count(DISTINCT x) FILTER (WHERE p >= 3 AND p < 6) AS a3, count(DISTINCT x) FILTER (WHERE p >= 6) AS a4, " +
			"count(DISTINCT y) AS a5, count(DISTINCT y) FILTER (WHERE p < 5) AS a6, sum(DISTINCT x) FILTER (WHERE p > 1) AS a7, " +
			"avg(DISTINCT x) AS a8, count(*) FILTER (WHERE p < 3) AS a9, sum(p) FILTER (WHERE p >= 6) AS a10 FROM t GROUP BY g",
		"d_global": "SELECT count(DISTINCT x) AS a1, count(DISTINCT x) FILTER (WHERE p = 1) AS a2, max(y) AS a3 FROM t",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	check := func() {
		t.Helper()
		a := findAgg(t, e, "d_filter")
		if !a.sharedDistinct || a.aggs[2].set != 1 || a.aggs[6].set != 5 || a.aggs[7].set != 1 || !a.aggs[8].presence ||
			a.aggs[9].sameFilter != 2 || a.aggs[10].sameFilter != 4 || a.aggs[4].sameFilter != -1 {
			t.Fatalf("d_filter does not share its DISTINCT multisets and FILTERs")
		}
		// A cache far too small still gives the right answer.
		a.cache.limit = 2000
		for name, q := range views {
			checkView(t, s, name, q)
		}
	}
	check()
	rng := rand.New(rand.NewPCG(21, 22))
	val := func(n int) string {
		if rng.IntN(7) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	for step := 0; step < 80; step++ {
		if step == 40 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		execAll(t, s, "BEGIN")
		for k := 1 + rng.IntN(8); k > 0; k-- {
			execAll(t, s, fmt.Sprintf("INSERT INTO t VALUES (%s, %s, 'y%s', %s)", val(4), val(100), val(12), val(9)))
		}
		if rng.IntN(5) == 0 {
			execAll(t, s, "ROLLBACK")
		} else {
			execAll(t, s, "COMMIT")
		}
		check()
	}
	s.Close()
	e.Close()
}

// TestViewAggregateCacheRetract: a cached aggregate over a table that
// updates and deletes, with epochs that fail after the aggregate changed
// its groups, equals its query throughout.
func TestViewAggregateCacheRetract(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s, "CREATE TABLE t (id INT PRIMARY KEY, g INT, v INT, n NUMERIC)")
	views := map[string]string{
		"c1": "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS lo, max(n) AS hi, count(DISTINCT v) AS d, avg(n) AS a FROM t GROUP BY g",
		// Fails once a group holds exactly two rows.
		"c2": "SELECT g, 10 / (count(*) - 2) AS x, max(v) AS m FROM t GROUP BY g",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	failed := 0
	for step := 0; step < 150; step++ {
		id := rng.IntN(20)
		var q string
		switch rng.IntN(3) {
		case 0:
			q = fmt.Sprintf("INSERT INTO t VALUES (%d, %d, %d, %d.5) ON CONFLICT (id) DO NOTHING", id, rng.IntN(4), rng.IntN(10), rng.IntN(10))
		case 1:
			q = fmt.Sprintf("DELETE FROM t WHERE id = %d", id)
		default:
			q = fmt.Sprintf("UPDATE t SET v = %d, g = %d WHERE id = %d", rng.IntN(10), rng.IntN(4), id)
		}
		sts, err := s.Parse(context.Background(), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sts[0].Execute(context.Background(), nil); err != nil {
			failed++
		}
		for name, vq := range views {
			if name == "c2" {
				vq = "SELECT g, 10 / (count(*) - 2) AS x, max(v) AS m FROM t GROUP BY g"
			}
			checkView(t, s, name, vq)
		}
	}
	if failed == 0 {
		t.Fatal("no epoch failed")
	}
}

// TestAggCacheClosingWindows: aggregates whose windows close keep a cache
// of the open windows only, and equal their queries throughout, across
// rolled back transactions and a restart.
func TestAggCacheClosingWindows(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE ev (tm timestamp, foo int, k int, WATERMARK FOR tm AS tm - INTERVAL '20 seconds') APPEND ONLY")
	views := map[string]string{
		"hop_n": `SELECT k, window_start, window_end, count(*) AS n, max(foo) AS m
			FROM HOP(ev, tm, INTERVAL '1 minute', INTERVAL '3 minutes') GROUP BY k, window_start, window_end`,
		"tumble_d": `SELECT window_end, k, count(DISTINCT foo) AS d, count(DISTINCT foo) FILTER (WHERE foo > 20) AS d2, sum(foo) AS s,
			min(foo) AS lo, max(foo::text) AS hi, min(tm) AS first
			FROM TUMBLE(ev, tm, INTERVAL '1 minute') GROUP BY window_end, k`,
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(7, 8))
	for minute := 0; minute < 40; minute++ {
		if minute == 20 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		for part := 0; part < 3; part++ {
			var values []string
			for range 6 {
				tm := base.Add(time.Duration(minute)*time.Minute + time.Duration(part*20+rng.IntN(20))*time.Second)
				values = append(values, fmt.Sprintf("('%s', %d, %d)", tm.Format("2006-01-02 15:04:05"), rng.IntN(40), rng.IntN(4)))
			}
			rollback := rng.IntN(6) == 0
			execAll(t, s, "BEGIN")
			execAll(t, s, "INSERT INTO ev VALUES "+strings.Join(values, ", "))
			if rollback {
				execAll(t, s, "ROLLBACK")
			} else {
				execAll(t, s, "COMMIT")
			}
		}
		for name, q := range views {
			checkView(t, s, name, q)
			a := findAgg(t, e, name)
			if a.cache == nil || a.cache.closer == nil {
				t.Fatalf("%s: no cache over closing groups", name)
			}
			// Four keys in at most four windows (three for HOP's
			// size, one the watermark has not closed yet) stay open.
			if n := len(a.cache.groups); n > 16 {
				t.Fatalf("minute %d: %s caches %d groups: closed windows stay", minute, name, n)
			}
			if minute >= 2 && minute != 20 && len(a.cache.groups) == 0 {
				t.Fatalf("minute %d: %s caches nothing", minute, name)
			}
		}
		if n := len(findAgg(t, e, "tumble_d").cache.present); n > 4*2*40 {
			t.Fatalf("minute %d: %d distinct members cached: closed windows' stay", minute, n)
		}
	}
	s.Close()
	e.Close()
}

// TestAggCacheEvictWindows: where groups close, the cache evicts the
// windows that close first, whole, and stays complete for the others: a
// group of a later window that it does not hold is absent, one of an
// evicted window must be read.
func TestAggCacheEvictWindows(t *testing.T) {
	c := newAggCache(MinStateCache)
	c.limit = 20_000
	c.complete = true
	// Groups keyed (k, w), closing by w.
	c.closer = &groupCloser{pos: 1, types: [][]sql.Type{{sql.Int8, sql.Int8}}}
	key := func(k, w int) string {
		return string(sql.AppendKey(sql.AppendKey(nil, sql.NewInt(int64(k))), sql.NewInt(int64(w))))
	}
	for w := range 40 {
		for k := range 10 {
			gk := key(k, w)
			c.putGroup(&aggGroup{key: gk, rows: 1, vals: sql.Row{sql.NewInt(int64(k)), sql.NewInt(int64(w))}})
			c.addMember(c.memberKey(gk, 0, sql.NewInt(int64(w))), 1)
		}
	}
	if c.bytes > c.limit {
		t.Fatalf("%d bytes over a limit of %d", c.bytes, c.limit)
	}
	if !c.complete || !c.evicted {
		t.Fatalf("evicting whole windows lost completeness (complete %v, evicted to %v)", c.complete, c.evictedTo)
	}
	v, _, err := sql.DecodeKey([]byte(c.evictedTo), sql.Int8)
	if err != nil {
		t.Fatal(err)
	}
	to := int(v.Int())
	if to < 1 || to >= 39 {
		t.Fatalf("evicted up to window %d", to)
	}
	var n int64
	for k, g := range c.groups {
		n += g.cached
		if v, _ := c.closingValue(k); v.Int() <= int64(to) {
			t.Fatalf("group of window %d kept, evicted up to %d", v.Int(), to)
		}
	}
	for k := range c.present {
		n += int64(len(k)) + aggCacheEntryCost
	}
	if n != c.bytes {
		t.Fatalf("counted %d bytes, holds %d", c.bytes, n)
	}
	if !c.knows(key(99, 39)) || c.knows(key(0, to)) || c.knows(key(0, 0)) {
		t.Fatalf("knows: later window %v, evicted %v, %v", c.knows(key(99, 39)), c.knows(key(0, to)), c.knows(key(0, 0)))
	}
	// Groups that never close (a NULL window) leave nothing to evict
	// whole: the cache gives up completeness.
	for k := range 1000 {
		c.putGroup(&aggGroup{key: string(sql.AppendKey(sql.AppendKey(nil, sql.NewInt(int64(k))), sql.Null)), rows: 1})
	}
	if c.complete || c.knows(key(99, 39)) {
		t.Fatal("a cache that evicted groups at random still claims to hold them all")
	}
}
