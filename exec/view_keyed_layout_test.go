package exec

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// TestApplyKeyedRandomOrder: an epoch's consolidated changes, in any
// order, leave the keyed rows and their index entries equal to those
// written from scratch for the epoch's result.
func TestApplyKeyedRandomOrder(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rel := &catalog.Relation{OID: 900, Name: "kv", Kind: catalog.KindMatView,
		Columns: []catalog.Column{{Name: "k", Type: sql.Int8}, {Name: "rn", Type: sql.Int8}, {Name: "v", Type: sql.Int8}}}
	ix := &catalog.Relation{OID: 901, Name: "kv_v", IndexColumns: []int{2}}
	sink := newViewSink(rel)
	sink.keyCols = []int{0, 1}
	sink.idx = &viewIndexes{view: rel, loaded: true, list: []secondaryIndex{newSecondaryIndex(rel, ix)}}
	st := newStateStore(db)
	commit := func() {
		t.Helper()
		txn := db.NewTransaction(true)
		defer txn.Discard()
		if err := st.flush(txn.Set, txn.Delete); err != nil {
			t.Fatal(err)
		}
		if err := txn.Commit(); err != nil {
			t.Fatal(err)
		}
		st.end()
	}
	// stored reads every key under the view's rows and index prefixes.
	stored := func() map[string]string {
		out := map[string]string{}
		_ = db.View(func(txn *badger.Txn) error {
			for _, p := range [][]byte{sink.rows, catalog.ObjectPrefix(catalog.PrefixIndex, ix.OID)} {
				it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
				for it.Rewind(); it.Valid(); it.Next() {
					v, _ := it.Item().ValueCopy(nil)
					out[string(it.Item().KeyCopy(nil))] = string(v)
				}
				it.Close()
			}
			return nil
		})
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// A view state: per key (k, rn), one row or none.
	state := map[[2]int64]int64{}
	for epoch := 0; epoch < 300; epoch++ {
		next := maps2(state)
		for n := rng.IntN(8); n > 0; n-- {
			k := [2]int64{int64(rng.IntN(4)), int64(rng.IntN(3))}
			if rng.IntN(3) == 0 {
				delete(next, k)
			} else {
				next[k] = int64(rng.IntN(3))
			}
		}
		var rows []sql.Row
		var diffs []int64
		row := func(k [2]int64, v int64) sql.Row {
			return sql.Row{sql.NewInt(k[0]), sql.NewInt(k[1]), sql.NewInt(v)}
		}
		for k, v := range state {
			if w, ok := next[k]; !ok || w != v {
				rows, diffs = append(rows, row(k, v)), append(diffs, -1)
			}
		}
		for k, v := range next {
			if w, ok := state[k]; !ok || w != v {
				rows, diffs = append(rows, row(k, v)), append(diffs, 1)
			}
		}
		perm := rng.Perm(len(rows))
		prows, pdiffs := make([]sql.Row, len(rows)), make([]int64, len(rows))
		for i, j := range perm {
			prows[i], pdiffs[i] = rows[j], diffs[j]
		}
		st.begin()
		if err := sink.applyKeyed(st, prows, pdiffs); err != nil {
			t.Fatal(err)
		}
		commit()
		state = next
		// Recompute: what writing the state from scratch stores.
		want := map[string]string{}
		for k, v := range state {
			r := row(k, v)
			key := slices.Clone(sink.rows)
			key = sql.AppendKey(sql.AppendKey(key, r[0]), r[1])
			want[string(key)] = string(sql.AppendRow(nil, r))
			ek, ev := sink.idx.list[0].entry(key, r)
			want[string(ek)] = string(ev)
		}
		got := stored()
		if len(got) != len(want) {
			t.Fatalf("epoch %d: %d keys stored, want %d", epoch, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("epoch %d: key %x = %x, want %x", epoch, k, got[k], v)
			}
		}
	}
	st.begin()
	defer st.end()
	if err := sink.applyKeyed(st, []sql.Row{{sql.NewInt(1), sql.NewInt(1), sql.NewInt(1)}}, []int64{2}); err == nil {
		t.Fatal("a key added twice at once was accepted")
	}
}

func maps2(m map[[2]int64]int64) map[[2]int64]int64 {
	out := make(map[[2]int64]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestViewKeyedLayout: new TopN views store their rows by the key their
// query derives, views without the option keep the copy-count layout, and
// both (with indexes over them) stay equal to their queries through random
// transactions and restarts.
func TestViewKeyedLayout(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE a (p INT, x INT, s TEXT)",
		"CREATE TABLE b (p INT, y INT)",
	)
	wantKey := map[string]string{
		"t_top2":   "0,3",
		"t_first":  "0",
		"t_lt":     "1,2",
		"t_global": "3",
		"t_expr":   "",
		"t_none":   "0",
		"t_join":   "0,3",
		"t_limit":  "",
	}
	views := map[string]string{}
	for name := range wantKey {
		views[name] = topNViews[name]
		// The same query, created on empty tables and then stripped of
		// its option: a view of the code before the keyed layout.
		views["old_"+name] = topNViews[name]
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	for name := range wantKey {
		rel := *e.cat.Lookup("", "old_"+name)
		rel.Options = maps.Clone(rel.Options)
		delete(rel.Options, keyedRowsOption)
		if err := e.cat.Put(&rel); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, s = openSession(t, dir)
	execAll(t, s,
		"INSERT INTO a VALUES (1, 1, 'a'), (1, 1, 'a'), (1, 2, 'b'), (2, NULL, 'c'), (NULL, 3, NULL)",
		"INSERT INTO b VALUES (1, 5), (2, 0), (1, 1)",
		"CREATE INDEX t_top2_x ON t_top2 (x)",
		"CREATE INDEX old_t_top2_x ON old_t_top2 (x)",
	)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, s = openSession(t, dir)
	for name, key := range wantKey {
		if got := e.cat.Lookup("", name).Options[keyedRowsOption]; got != key {
			t.Errorf("%s: key %q, want %q", name, got, key)
		}
		if got := viewFlow(t, e, name).sink.keyCols; (got != nil) != (key != "") {
			t.Errorf("%s: sink keyed by %v, want %q", name, got, key)
		}
		if got := viewFlow(t, e, "old_"+name).sink.keyCols; got != nil {
			t.Errorf("old_%s: sink keyed by %v", name, got)
		}
	}
	indexed := map[string]string{
		"t_top2 by x":     "SELECT * FROM t_top2 WHERE x = 1",
		"old_t_top2 by x": "SELECT * FROM old_t_top2 WHERE x = 1",
	}
	checkAll := func(step string) {
		t.Helper()
		checkViews(t, s, step, views)
		want := rowsText(query(t, s, "SELECT * FROM ("+topNViews["t_top2"]+") w WHERE x = 1"))
		for what, q := range indexed {
			if got := rowsText(query(t, s, q)); !slices.Equal(got, want) {
				t.Fatalf("after %s: %s = %q, want %q", step, what, got, want)
			}
		}
	}
	checkAll("create")
	rng := rand.New(rand.NewPCG(3, 4))
	val := func(n int) string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	const steps = 200
	for step := 0; step < steps; step++ {
		if step == steps/2 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			checkAll("restart")
		}
		var stmts []string
		for n := 1 + rng.IntN(4); n > 0; n-- {
			var q string
			switch rng.IntN(6) {
			case 0, 1:
				q = fmt.Sprintf("INSERT INTO a VALUES (%s, %s, '%c'), (%s, %s, '%c')",
					val(3), val(5), 'a'+rng.IntN(3), val(3), val(5), 'a'+rng.IntN(3))
			case 2:
				q = fmt.Sprintf("DELETE FROM a WHERE p = %d AND x <= %d", rng.IntN(3), rng.IntN(5))
			case 3:
				q = fmt.Sprintf("UPDATE a SET x = %s WHERE p = %d AND x >= %d", val(5), rng.IntN(3), rng.IntN(5))
			case 4:
				q = fmt.Sprintf("INSERT INTO b VALUES (%s, %s)", val(3), val(6))
			default:
				q = fmt.Sprintf("DELETE FROM b WHERE p = %d AND y < %d", rng.IntN(3), rng.IntN(6))
			}
			stmts = append(stmts, q)
		}
		execAll(t, s, "BEGIN")
		execAll(t, s, stmts...)
		execAll(t, s, "COMMIT")
		checkAll(fmt.Sprintf("step %d (%q)", step, stmts))
	}
	e.Close()
}
