package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestKnownKeys: a complete set vouches for the absence of keys never
// added, and past its limit vouches for nothing.
func TestKnownKeys(t *testing.T) {
	if k := newKnownKeys(false, 1<<20); k != nil || k.absent([]byte("a")) {
		t.Fatal("an operator over existing state knows its keys")
	}
	k := newKnownKeys(true, 0)
	k.limit = 100
	if !k.absent([]byte("a")) || !k.absentString("a") {
		t.Fatal("a new operator's key is not absent")
	}
	for i := range 100 {
		k.add(fmt.Appendf(nil, "k%d", i))
	}
	k.addString("k5") // already there: no growth past the limit
	for i := range 100 {
		if k.absent(fmt.Appendf(nil, "k%d", i)) || k.absentString(fmt.Sprintf("k%d", i)) {
			t.Fatalf("k%d was added but is absent", i)
		}
	}
	if !k.absent([]byte("k100")) {
		t.Fatal("k100 was never added")
	}
	k.add([]byte("k100"))
	if k.complete || k.absent([]byte("k101")) {
		t.Fatal("a set past its limit still vouches for absences")
	}
}

// TestViewKnownKeys: joins and TopN windows of new views, most of whose
// keys are new when they come, equal their queries through inserts,
// deletes, rolled back transactions and failed commits (the sets keep
// what a failed epoch added, which only costs reads), and after a restart,
// whose operators know nothing.
func TestViewKnownKeys(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE a (x INT, y INT)",
		"CREATE TABLE b (x INT, y INT)",
		"CREATE TABLE f (x INT, y INT) APPEND ONLY",
		"CREATE TABLE z (x INT)",
	)
	views := map[string]string{
		"k_inner": "SELECT a.x, a.y, b.y AS by FROM a JOIN b ON a.x = b.x",
		"k_left":  "SELECT a.x, a.y, b.y AS by FROM a LEFT JOIN b ON a.x = b.x",
		"k_app":   "SELECT f.x, f.y, b.y AS by FROM f JOIN b ON f.x = b.x",
		"k_top":   "SELECT * FROM (SELECT x, y, row_number() OVER (PARTITION BY x ORDER BY y DESC) AS rn FROM f) w WHERE rn <= 2",
		"k_first": "SELECT x, y FROM (SELECT *, row_number() OVER (PARTITION BY x ORDER BY y) AS rn FROM a) w WHERE rn = 1",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	// Fails its epoch, hence the commit, after the others ran theirs.
	execAll(t, s, "CREATE MATERIALIZED VIEW k_zdiv AS SELECT 1 / x AS d FROM z")
	known := func() (n int) {
		for _, name := range []string{"k_inner", "k_left", "k_app"} {
			for _, k := range viewJoin(t, e, name).known {
				if k != nil && k.complete {
					n++
				}
			}
		}
		for _, name := range []string{"k_top", "k_first"} {
			if k := findTopN(t, e, name)[0].known; k != nil && k.complete {
				n++
			}
		}
		return n
	}
	if n := known(); n != 8 {
		t.Fatalf("%d complete key sets in new views, want 8", n)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	failed := 0
	run := func(steps int) {
		t.Helper()
		for step := 0; step < steps; step++ {
			var stmts []string
			for n := 1 + rng.IntN(3); n > 0; n-- {
				x := rng.IntN(400)
				switch rng.IntN(6) {
				case 0:
					stmts = append(stmts, fmt.Sprintf("INSERT INTO a VALUES (%d, %d)", x, rng.IntN(4)))
				case 1:
					stmts = append(stmts, fmt.Sprintf("INSERT INTO b VALUES (%d, %d)", x, rng.IntN(4)))
				case 2:
					stmts = append(stmts, fmt.Sprintf("INSERT INTO f VALUES (%d, %d), (%d, %d)", x, rng.IntN(9), rng.IntN(400), rng.IntN(9)))
				case 3:
					stmts = append(stmts, fmt.Sprintf("DELETE FROM a WHERE x = %d", rng.IntN(400)))
				case 4:
					stmts = append(stmts, fmt.Sprintf("DELETE FROM b WHERE x = %d", rng.IntN(400)))
				default:
					stmts = append(stmts, "INSERT INTO z VALUES (0)")
				}
			}
			execAll(t, s, "BEGIN")
			execAll(t, s, stmts...)
			if rng.IntN(6) == 0 {
				execAll(t, s, "ROLLBACK")
			} else if _, err := execErr(s, "COMMIT"); err != nil {
				failed++
			}
			checkViews(t, s, fmt.Sprintf("step %d (%q)", step, stmts), views)
		}
	}
	run(300)
	if failed == 0 {
		t.Fatal("no commit failed")
	}
	if n := known(); n != 8 {
		t.Fatalf("%d complete key sets after the steps, want 8", n)
	}
	e.Close()
	e, s = openSession(t, dir)
	defer e.Close()
	if n := known(); n != 0 {
		t.Fatalf("%d key sets vouch for absences after a restart", n)
	}
	checkViews(t, s, "restart", views)
	run(50)
}

// TestViewJoinSweepGiveUp: a sweep that gave up on an append-only side is
// not tried again until an epoch probes more keys than the side had
// entries then; the view equals its query throughout.
func TestViewJoinSweepGiveUp(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE l (x INT, y INT) APPEND ONLY",
		"CREATE TABLE r (x INT, y INT) APPEND ONLY",
		"CREATE MATERIALIZED VIEW sw AS SELECT l.x, l.y, r.y AS ry FROM l JOIN r ON l.x = r.x",
		"INSERT INTO r SELECT g, g * 2 FROM generate_series(1, 200) g",
	)
	q := "SELECT l.x, l.y, r.y AS ry FROM l JOIN r ON l.x = r.x"
	j := viewJoin(t, e, "sw")
	// 20 keys probe r: a sweep reads up to 80 of its 200 entries.
	execAll(t, s, "INSERT INTO l SELECT g, 1 FROM generate_series(1, 20) g")
	checkView(t, s, "sw", q)
	if j.sweepTooBig[1] != 4*20 {
		t.Fatalf("sweep of r gave up at %d entries, want 80", j.sweepTooBig[1])
	}
	// As many keys again: no sweep is tried (one would read r's first 80
	// entries again, and give up, recording 80).
	j.sweepTooBig[1] = 100
	execAll(t, s, "INSERT INTO l SELECT g, 2 FROM generate_series(21, 40) g")
	checkView(t, s, "sw", q)
	if j.sweepTooBig[1] != 100 {
		t.Fatalf("a sweep was tried with 20 keys past one that gave up at 100 entries: %d", j.sweepTooBig[1])
	}
	// Under 80, it is.
	j.sweepTooBig[1] = 79
	execAll(t, s, "INSERT INTO l SELECT g, 3 FROM generate_series(41, 60) g")
	checkView(t, s, "sw", q)
	if j.sweepTooBig[1] != 80 {
		t.Fatalf("no sweep was tried with 20 keys past one that gave up at 79 entries: %d", j.sweepTooBig[1])
	}
	// 100 keys may read 400 entries: the sweep reads r whole.
	execAll(t, s, "INSERT INTO l SELECT g, 4 FROM generate_series(1, 100) g")
	checkView(t, s, "sw", q)
	if j.sweepTooBig[1] != 80 {
		t.Fatalf("the sweep of all r gave up: %d", j.sweepTooBig[1])
	}
}
