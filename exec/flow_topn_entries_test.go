package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/sql"
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

// TestViewTopNEntries: a new view's append-only TopN windows of more than
// one row keep entries (and say so in the view's options), one row per
// partition keeps records; both, and a view whose TopN keeps records
// though it could keep entries (one created before them), equal their
// queries through inserts and failed commits, and the first two through a
// restart, after which they read the layout they were created with.
func TestViewTopNEntries(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE ao (p INT, x INT, s TEXT) APPEND ONLY", "CREATE TABLE a (p INT, x INT)")
	views := map[string]string{
		"e_top3":  "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p ORDER BY x DESC, s) AS rn FROM ao) w WHERE rn <= 3",
		"e_first": "SELECT p, x, s FROM (SELECT *, row_number() OVER (PARTITION BY p ORDER BY x, s) AS rn FROM ao) w WHERE rn = 1",
		"e_old":   "SELECT * FROM (SELECT p, x, s, row_number() OVER (PARTITION BY p % 5 ORDER BY x, s, p) AS rn FROM ao) w WHERE rn <= 4",
	}
	wantEntries := map[string]bool{"e_top3": true, "e_first": false, "e_old": false}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	// e_old as a view from before entries: its state is empty, so its
	// operators may be built again without the option.
	old := viewFlow(t, e, "e_old")
	delete(old.rel.Options, topNEntriesOption)
	old.stale = true
	execAll(t, s, "INSERT INTO ao VALUES (1, 1, 'a')")
	checkLayout := func(restarted bool) {
		t.Helper()
		for name, want := range wantEntries {
			ops := findTopN(t, e, name)
			if len(ops) != 1 || ops[0].entries != want {
				t.Fatalf("%s: entries %v, want %v", name, len(ops) == 1 && ops[0].entries, want)
			}
			if _, ok := viewFlow(t, e, name).rel.Options[topNEntriesOption]; ok != want {
				t.Fatalf("%s: option recorded %v, want %v", name, ok, want)
			}
			if restarted && ops[0].known != nil {
				t.Fatalf("%s: an operator over existing state vouches for absent partitions", name)
			}
		}
	}
	checkLayout(false)
	if findTopN(t, e, "e_top3")[0].known == nil {
		t.Fatal("a new view's TopN does not know its partitions")
	}
	// Fails its epoch, hence the commit, after the TopN views ran theirs.
	execAll(t, s, "CREATE MATERIALIZED VIEW e_zdiv AS SELECT p, 100 / x AS d FROM a")
	rng := rand.New(rand.NewPCG(7, 8))
	run := func(steps int) {
		t.Helper()
		for step := 0; step < steps; step++ {
			var stmts []string
			for n := 1 + rng.IntN(3); n > 0; n-- {
				stmts = append(stmts, fmt.Sprintf("INSERT INTO ao VALUES (%d, %d, '%c'), (%d, %d, '%c')",
					rng.IntN(30), rng.IntN(40), 'a'+rng.IntN(3), rng.IntN(30), rng.IntN(40), 'a'+rng.IntN(3)))
			}
			if rng.IntN(4) == 0 {
				stmts = append(stmts, "INSERT INTO a VALUES (1, 0)")
			}
			execAll(t, s, "BEGIN")
			execAll(t, s, stmts...)
			_, err := execErr(s, "COMMIT")
			checkViews(t, s, fmt.Sprintf("step %d (%q, failed %v)", step, stmts, err != nil), views)
		}
	}
	run(150)
	// (The catalog still records e_old's option: a restart would read its
	// records as entries.)
	execAll(t, s, "DROP MATERIALIZED VIEW e_old")
	delete(views, "e_old")
	delete(wantEntries, "e_old")
	e.Close()
	e, s = openSession(t, dir)
	defer e.Close()
	checkLayout(true)
	checkViews(t, s, "restart", views)
	run(100)
	// A row pushed out of a top leaves the store: a partition's entries
	// are its top (the output would not show extra ones).
	op, f := findTopN(t, e, "e_top3")[0], viewFlow(t, e, "e_top3")
	f.state.begin()
	defer f.state.end()
	for _, r := range query(t, s, "SELECT p, count(*) FROM ao GROUP BY p") {
		size, top, err := op.loadEntries(string(sql.AppendKey(nil, r[0])))
		if err != nil {
			t.Fatal(err)
		}
		// Equal rows share an entry, so the last may reach past the top.
		if len(top) == 0 || size < min(r[1].Int(), 3) || size-top[len(top)-1].count >= 3 {
			t.Fatalf("partition %v of %v rows: %d entries of %d rows stored", r[0], r[1], len(top), size)
		}
	}
}
