package exec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// TestBlockCodec: rows written to blocks read back in order, by walk and
// by slot, whatever their size; blocks close at their bounds, and damage
// is an error rather than wrong rows.
func TestBlockCodec(t *testing.T) {
	var rows []sql.Row
	for i := range 3000 {
		r := sql.Row{sql.NewInt(int64(i)), sql.NewText(strings.Repeat("x", i%97)), sql.Null}
		if i == 1500 {
			// Larger than a block: it gets one of its own.
			r[1] = sql.NewText(strings.Repeat("y", blockTargetBytes*2))
		}
		rows = append(rows, r)
	}
	var blocks [][]byte
	var firsts []uint64
	var w blockWriter
	open := false
	for i, r := range rows {
		enc := sql.AppendRow(nil, r)
		if open && !w.fits(len(enc)) {
			blocks = append(blocks, w.finish())
			open = false
		}
		if !open {
			w.start(uint64(i), 100)
			firsts = append(firsts, uint64(i))
			open = true
		}
		if slot := w.add(enc); uint64(i) != w.first+uint64(slot) {
			t.Fatalf("row %d in slot %d of the block at %d", i, slot, w.first)
		}
	}
	blocks = append(blocks, w.finish())
	if len(blocks) < 4 {
		t.Fatalf("%d blocks for 3000 rows, want at least 4", len(blocks))
	}
	var b Batch
	for k, v := range blocks {
		n, err := blockRowCount(v)
		if err != nil || n == 0 || n > blockMaxRows {
			t.Fatalf("block %d: %d rows, %v", k, n, err)
		}
		if n > 1 && len(v) > blockTargetBytes {
			t.Fatalf("block %d: %d bytes in %d rows, over the target", k, len(v), n)
		}
		if err := addBlockRows(&b, v, 4); err != nil {
			t.Fatal(err)
		}
		for slot := range n {
			enc, err := blockRow(v, slot)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sql.DecodeRow(enc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := rows[firsts[k]+uint64(slot)]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("block %d slot %d: %v, want %v", k, slot, got, want)
			}
		}
		if _, err := blockRow(v, n); err == nil {
			t.Fatalf("block %d: slot %d of %d read", k, n, n)
		}
	}
	if b.Len() != len(rows) {
		t.Fatalf("%d rows decoded, want %d", b.Len(), len(rows))
	}
	for i, r := range b.Rows {
		if len(r) != 4 || !r[3].IsNull() || fmt.Sprint(r[:3]) != fmt.Sprint(rows[i]) {
			t.Fatalf("row %d: %v, want %v padded", i, r, rows[i])
		}
	}
	key := blockRowKey(nil, blockKey(nil, []byte{2, 0, 0, 0, 9}, 77), 5)
	if block, slot, ok := splitBlockRowKey(key); !ok || slot != 5 || string(block) != string(blockKey(nil, []byte{2, 0, 0, 0, 9}, 77)) {
		t.Fatalf("split %x: %x %d %v", key, block, slot, ok)
	}
	var se *sql.Error
	for _, bad := range [][]byte{nil, {9, 0, 1, 1, 0}, blocks[0][:len(blocks[0])-1], append(append([]byte(nil), blocks[0]...), 0)} {
		if err := eachBlockRow(bad, func(int, []byte) error { return nil }); !errors.As(err, &se) || se.Code != sql.CodeDataCorrupted {
			t.Fatalf("block %x: %v, want data corrupted", bad, err)
		}
	}
}

// TestAppendBlockViews: a new append-only view stores its rows in blocks,
// many to an entry; scans, index lookups, CREATE INDEX, views over it and
// restarts read them, with duplicates kept, as the batch query's rows.
func TestAppendBlockViews(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	query(t, s, `CREATE TABLE t (a INT, b TEXT) APPEND ONLY`)
	// One epoch of 3000 rows (the load) and one of 2500 (maintenance):
	// several blocks each, the epoch's last one partly filled.
	query(t, s, `INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 3000) g`)
	query(t, s, `CREATE MATERIALIZED VIEW v AS SELECT a, b FROM t WHERE a % 10 <> 3`)
	query(t, s, `CREATE INDEX v_a ON v (a)`)
	query(t, s, `CREATE MATERIALIZED VIEW w AS SELECT a, b || '!' AS c FROM v WHERE a % 2 = 0`)
	query(t, s, `INSERT INTO t SELECT g, 'r' || g FROM generate_series(2001, 4500) g`)
	for i := range 5 {
		query(t, s, fmt.Sprintf(`INSERT INTO t VALUES (%d, 'one')`, 10000+i))
	}
	check := func() {
		t.Helper()
		for _, name := range []string{"v", "w"} {
			rel := e.cat.Lookup("", name)
			if !blockLayout(rel) {
				t.Fatalf("%s: not stored in blocks: %v", name, rel.Options)
			}
		}
		sameRows(t, "v", query(t, s, `SELECT * FROM v`), query(t, s, `SELECT a, b FROM t WHERE a % 10 <> 3`))
		sameRows(t, "w", query(t, s, `SELECT * FROM w`), query(t, s, `SELECT a, b || '!' FROM t WHERE a % 10 <> 3 AND a % 2 = 0`))
		// Index lookups, duplicates included, in rows of both epochs.
		for _, a := range []int{1, 1024, 2500, 2999, 4500, 10004, 13} {
			q := fmt.Sprintf(`SELECT a, b FROM v WHERE a = %d`, a)
			plan := query(t, s, `EXPLAIN `+q)
			if !strings.Contains(fmt.Sprint(plan), "Index Scan using v_a") {
				t.Fatalf("%s: not an index scan: %v", q, plan)
			}
			sameRows(t, q, query(t, s, q), query(t, s, fmt.Sprintf(`SELECT a, b FROM t WHERE a = %d AND a %% 10 <> 3`, a)))
		}
		q := `SELECT count(*), sum(a) FROM v WHERE a BETWEEN 1000 AND 3500`
		sameRows(t, q, query(t, s, q), query(t, s, `SELECT count(*), sum(a) FROM t WHERE a BETWEEN 1000 AND 3500 AND a % 10 <> 3`))
		// Far fewer entries than rows.
		rows := countPrefix(t, e.db, catalog.ObjectPrefix(catalog.PrefixRows, e.cat.Lookup("", "v").OID))
		if n := query(t, s, `SELECT count(*) FROM v`)[0][0].Int(); rows == 0 || int64(rows*100) > n {
			t.Fatalf("v: %d entries for %d rows", rows, n)
		}
	}
	check()
	// A view over it created after its rows are there loads them all.
	query(t, s, `CREATE MATERIALIZED VIEW x AS SELECT a FROM v WHERE a > 100`)
	sameRows(t, "x", query(t, s, `SELECT * FROM x`), query(t, s, `SELECT a FROM t WHERE a % 10 <> 3 AND a > 100`))
	s.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, s = openSession(t, dir)
	defer e.Close()
	check()
	query(t, s, `INSERT INTO t SELECT g, 'r' || g FROM generate_series(4000, 6000) g`)
	check()
	sameRows(t, "x", query(t, s, `SELECT * FROM x`), query(t, s, `SELECT a FROM t WHERE a % 10 <> 3 AND a > 100`))
	oid := e.cat.Lookup("", "v").OID
	query(t, s, `DROP MATERIALIZED VIEW v CASCADE`)
	if n := countPrefix(t, e.db, catalog.ObjectPrefix(catalog.PrefixRows, oid)); n != 0 {
		t.Fatalf("%d blocks left after DROP", n)
	}
}

func countPrefix(t *testing.T, db *badger.DB, prefix []byte) int {
	t.Helper()
	n := 0
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAppendViewOldLayout: an append-only view created before blocks
// (one row per entry under its number, no appendBlocksOption) keeps that
// layout after a restart: its rows read back, index lookups find them,
// and new rows are stored one per entry.
func TestAppendViewOldLayout(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	query(t, s, `CREATE TABLE t (a INT, b TEXT) APPEND ONLY`)
	query(t, s, `INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 1500) g`)
	query(t, s, `CREATE MATERIALIZED VIEW v AS SELECT a, b FROM t WHERE a % 10 <> 3`)
	// Lay the view out as the code before blocks did.
	rel := *e.cat.Lookup("", "v")
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
	var rows [][]byte
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				return eachBlockRow(v, func(_ int, enc []byte) error {
					rows = append(rows, append([]byte(nil), enc...))
					return nil
				})
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.DropPrefix(prefix); err != nil {
		t.Fatal(err)
	}
	wb := e.db.NewWriteBatch()
	for i, enc := range rows {
		if err := wb.Set(blockKey(nil, prefix, uint64(i)), enc); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	rel.Options = map[string]string{}
	for k, v := range e.cat.Lookup("", "v").Options {
		if k != appendBlocksOption {
			rel.Options[k] = v
		}
	}
	if err := e.cat.Put(&rel); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, s = openSession(t, dir)
	defer e.Close()
	query(t, s, `CREATE INDEX v_a ON v (a)`)
	query(t, s, `INSERT INTO t SELECT g, 'r' || g FROM generate_series(1000, 2000) g`)
	if blockLayout(e.cat.Lookup("", "v")) {
		t.Fatal("the old view was moved to blocks")
	}
	sameRows(t, "v", query(t, s, `SELECT * FROM v`), query(t, s, `SELECT a, b FROM t WHERE a % 10 <> 3`))
	for _, a := range []int{1, 1200, 1999} {
		q := fmt.Sprintf(`SELECT a, b FROM v WHERE a = %d`, a)
		sameRows(t, q, query(t, s, q), query(t, s, fmt.Sprintf(`SELECT a, b FROM t WHERE a = %d`, a)))
	}
	n := query(t, s, `SELECT count(*) FROM v`)[0][0].Int()
	if got := countPrefix(t, e.db, prefix); int64(got) != n {
		t.Fatalf("%d entries for %d rows, want one each", got, n)
	}
}
