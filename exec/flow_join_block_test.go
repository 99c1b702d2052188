package exec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// viewJoin returns a view's join (the first one down its operators).
func viewJoin(t *testing.T, e *Engine, view string) *joinFlowOp {
	t.Helper()
	var find func(op Operator) *joinFlowOp
	find = func(op Operator) *joinFlowOp {
		switch op := op.(type) {
		case *joinFlowOp:
			return op
		case *projectOp:
			return find(op.in)
		case *filterOp:
			return find(op.in)
		case *aggOp:
			return find(op.in)
		case *topNOp:
			return find(op.in)
		}
		return nil
	}
	j := find(viewFlow(t, e, view).root)
	if j == nil {
		t.Fatalf("%s has no join", view)
	}
	return j
}

// TestViewJoinBlocks: a view created with joinBlocksOption keeps an
// append-only side's rows in blocks, one entry per join key and epoch (more
// past joinBlockMax), while a view created before the option (the same
// query, the option taken out before its first row) keeps one entry per
// row; both equal their query through epochs of many rows per key, wide
// rows that fill several blocks, NULL keys, a residual condition and
// restarts.
func TestViewJoinBlocks(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE a (x INT, y INT, pad TEXT) APPEND ONLY",
		"CREATE TABLE b (x INT, z TEXT) APPEND ONLY",
	)
	const q = "SELECT a.x, a.y, a.pad, b.z FROM a JOIN b ON a.x = b.x AND a.y % 5 <> length(b.z) % 5"
	views := map[string]string{"jb_new": q, "jb_old": q}
	for name := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	rel := *e.cat.Lookup("", "jb_old")
	if rel.Options[joinBlocksOption] != joinBlocksVersion {
		t.Fatalf("a new view's options %v lack %s", rel.Options, joinBlocksOption)
	}
	rel.Options = maps.Clone(rel.Options)
	delete(rel.Options, joinBlocksOption)
	if err := e.cat.Put(&rel); err != nil {
		t.Fatal(err)
	}
	restart := func() {
		t.Helper()
		s.Close()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		e, s = openSession(t, dir)
	}
	restart()
	if !viewJoin(t, e, "jb_new").blocks || viewJoin(t, e, "jb_old").blocks {
		t.Fatal("jb_new should keep blocks and jb_old one row per entry")
	}
	if got := viewJoin(t, e, "jb_new").appendOnly; got != [2]bool{true, true} {
		t.Fatalf("jb_new's append-only sides: %v", got)
	}
	for step := 0; step < 6; step++ {
		if step == 3 {
			restart()
		}
		// Key 7 gets about 120 KiB of rows in one epoch: several blocks.
		execAll(t, s,
			fmt.Sprintf(`INSERT INTO a SELECT CASE WHEN i %% 23 = 0 THEN NULL WHEN i %% 4 = 0 THEN 7 ELSE (i + %d) %% 40 END,
				i %% 9, repeat(chr(97 + i %% 26), CASE WHEN i %% 4 = 0 THEN 1000 ELSE 10 + i %% 30 END)
				FROM generate_series(1, 480) i, generate_series(1, 1 + %d %% 2)`, step, step),
			fmt.Sprintf("INSERT INTO b SELECT (i * 3 + %d) %% 45, 'z' || repeat('q', i %% 7) FROM generate_series(1, 20) i", step))
		if step%2 == 1 {
			// Rows of a alone, then of b alone: a side that changes
			// with nothing on the other.
			execAll(t, s, fmt.Sprintf("INSERT INTO a VALUES (%d, 1, 'solo'), (%d, 2, 'solo')", step, step))
			execAll(t, s, fmt.Sprintf("INSERT INTO b VALUES (%d, 'zz')", step+1))
		}
		checkViews(t, s, fmt.Sprint("step ", step), views)
	}
	rows := query(t, s, "SELECT count(*) FROM a WHERE x IS NOT NULL")[0][0].Int()
	entries := map[string]int{}
	for name := range views {
		j := viewJoin(t, e, name)
		entries[name] = countPrefix(t, e.db, append(slices.Clip(j.prefix), 0))
	}
	if int64(entries["jb_old"]) != rows {
		t.Fatalf("jb_old holds %d entries for a's %d rows, want one each", entries["jb_old"], rows)
	}
	// At most a block per key (40 and 7) and epoch (12 inserting into a),
	// and key 7's rows of the six big epochs take at least 4 blocks each.
	if n := entries["jb_new"]; n > 41*12+6*4 || n < 6*4 {
		t.Fatalf("jb_new holds %d entries for a's %d rows", n, rows)
	}
	s.Close()
	e.Close()
}

// TestViewJoinSweep: epochs that change many keys on one side read the
// other whole when it is small (joinSweep) and key by key when it is not;
// outer and inner joins over sides that retract and sides that only grow
// equal their queries either way.
func TestViewJoinSweep(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s,
		"CREATE TABLE f (k INT, v INT) APPEND ONLY",
		"CREATE TABLE d (k INT, name TEXT)",
		"INSERT INTO d SELECT i, 'd' || i FROM generate_series(0, 5) i",
	)
	views := map[string]string{
		"sw_inner": "SELECT f.k, f.v, d.name FROM f JOIN d ON f.k = d.k",
		"sw_left":  "SELECT f.k, f.v, d.name FROM f LEFT JOIN d ON f.k = d.k AND f.v % 3 <> length(d.name) % 3",
		"sw_full":  "SELECT f.k, f.v, d.name FROM f FULL JOIN d ON f.k = d.k",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	for step := 0; step < 8; step++ {
		// 40 keys of f against the few of d (swept), then, once d is
		// large, 30 keys of d against f's many (read per key) or few.
		execAll(t, s, fmt.Sprintf("INSERT INTO f SELECT (i * 7 + %d) %% 60, i FROM generate_series(1, 40) i", step))
		switch step % 3 {
		case 0:
			execAll(t, s, fmt.Sprintf("INSERT INTO d SELECT (i * 5 + %d) %% 70, 'n' || i FROM generate_series(1, 30) i", step))
		case 1:
			execAll(t, s, fmt.Sprintf("UPDATE d SET name = name || 'x' WHERE k %% 3 = %d", step%3))
		default:
			execAll(t, s, fmt.Sprintf("DELETE FROM d WHERE k %% 4 = %d", step%4))
		}
		checkViews(t, s, fmt.Sprint("step ", step), views)
	}
}

// TestJoinSweepEach: a sweep finds a key's entries, and no entry of a key
// that the key's encoding only begins.
func TestJoinSweepEach(t *testing.T) {
	s := &joinSweep{}
	for _, k := range []string{"a1", "a2", "ab1", "b1", "b2", "b3", "c"} {
		s.keys = append(s.keys, s.copy([]byte(k)))
		s.vals = append(s.vals, s.copy([]byte("v"+k)))
	}
	for key, want := range map[string]string{"a": "1,2,b1", "ab": "1", "b": "1,2,3", "c": "", "0": "", "d": ""} {
		var got []string
		err := s.each([]byte(key), func(enc, v []byte) error {
			if string(v) != "v"+key+string(enc) {
				t.Fatalf("%s: %q has value %q", key, enc, v)
			}
			got = append(got, string(enc))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if g := strings.Join(got, ","); g != want {
			t.Fatalf("%s: got %q, want %q", key, g, want)
		}
	}
}
