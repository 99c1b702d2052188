package exec

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
)

// TestForeignDataDir: eddy refuses a directory of other files, and a Badger
// database of another program, and opens its own again.
func TestForeignDataDir(t *testing.T) {
	junk := t.TempDir()
	os.WriteFile(filepath.Join(junk, "notes.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(junk, "000001.vlog"), []byte("not a value log"), 0o644)
	if _, err := Open(junk, nil); err == nil || !strings.Contains(err.Error(), "not an eddy data directory") {
		t.Errorf("directory of other files: %v", err)
	}

	other := t.TempDir()
	db, err := badger.Open(badger.DefaultOptions(other).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("user:1"), []byte("ann")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(other, nil); err == nil || !strings.Contains(err.Error(), "not eddy's") {
		t.Errorf("another program's Badger database: %v", err)
	}

	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "MANIFEST"), []byte("garbage garbage garbage"), 0o644)
	if _, err := Open(broken, nil); err == nil || !strings.Contains(err.Error(), "is it an eddy data directory") {
		t.Errorf("corrupt Badger database: %v", err)
	}

	mine := t.TempDir()
	for range 2 {
		e, err := Open(mine, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.Close()
	}
}

// TestDropViewDeletesState: dropping a materialized view deletes its rows
// and its operators' state.
func TestDropViewDeletesState(t *testing.T) {
	e, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE TABLE t (id INT PRIMARY KEY, g INT)`)
	query(t, s, `INSERT INTO t SELECT i, i % 7 FROM generate_series(1, 100) i`)
	query(t, s, `CREATE MATERIALIZED VIEW mv AS SELECT g, count(*) FROM t GROUP BY g`)
	oid := e.cat.Lookup("", "mv").OID
	count := func() int {
		n := 0
		txn := e.db.NewTransaction(false)
		defer txn.Discard()
		for _, p := range []byte{catalog.PrefixRows, catalog.PrefixState} {
			it := txn.NewIterator(badgerPrefix(catalog.ObjectPrefix(p, oid)))
			for it.Rewind(); it.Valid(); it.Next() {
				n++
			}
			it.Close()
		}
		return n
	}
	if count() == 0 {
		t.Fatal("the view stores nothing")
	}
	query(t, s, `DROP MATERIALIZED VIEW mv`)
	if n := count(); n != 0 {
		t.Errorf("%d keys of the dropped view are left", n)
	}
}

// TestCrashLeftoversDropped: data that a crash in the middle of DDL left
// without a descriptor (a view's first epochs before CREATE stored it, a
// dropped view's state after DROP deleted it) is deleted when eddy opens
// the data dir again, and nothing that an object owns is touched: a
// table's rows and the index of its UNIQUE constraint (which is not a
// relation of its own), a view's rows and state.
func TestCrashLeftoversDropped(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	query(t, s, `CREATE TABLE t (id INT PRIMARY KEY, u INT UNIQUE, g INT)`)
	query(t, s, `INSERT INTO t SELECT i, i, i % 7 FROM generate_series(1, 100) i`)
	query(t, s, `CREATE MATERIALIZED VIEW kept AS SELECT g, count(*) FROM t GROUP BY g`)
	query(t, s, `CREATE MATERIALIZED VIEW dropped AS SELECT g, sum(u) FROM t GROUP BY g`)
	dropped := e.cat.Lookup("", "dropped").OID
	building, err := e.cat.AllocOIDs(1)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()

	// The crash: DROP deleted the descriptor and not the data; CREATE wrote
	// rows and state and not the descriptor.
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(catalog.ObjectPrefix(catalog.PrefixCatalog, dropped)); err != nil {
			return err
		}
		for i := range 10 {
			for _, p := range []byte{catalog.PrefixRows, catalog.PrefixState} {
				if err := txn.Set(append(catalog.ObjectPrefix(p, building), byte(i)), []byte{1}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	e, s = openSession(t, dir)
	defer e.Close()
	if orphans, err := e.cat.Orphans(); err != nil || len(orphans) != 0 {
		t.Errorf("after the restart, orphaned prefixes %x (err %v)", orphans, err)
	}
	for _, oid := range []uint32{dropped, building} {
		if n := countKeys(t, e.db, oid); n != 0 {
			t.Errorf("OID %d: %d keys left", oid, n)
		}
	}
	if n := countKeys(t, e.db, e.cat.Lookup("", "kept").OID); n == 0 {
		t.Error("the view that was not dropped lost its data")
	}
	if got := query(t, s, `SELECT sum(count)::int8 FROM kept`); len(got) != 1 || got[0][0].Int() != 100 {
		t.Errorf("kept: %v", got)
	}
	if got := query(t, s, `SELECT count(*) FROM t`); len(got) != 1 || got[0][0].Int() != 100 {
		t.Errorf("t: %v", got)
	}
	if _, err := execErr(s, `INSERT INTO t VALUES (1000, 5, 0)`); err == nil || !strings.Contains(err.Error(), "duplicate key") {
		t.Errorf("the UNIQUE constraint's index did not survive: %v", err)
	}
}

// countKeys counts the keys stored under any data prefix of oid.
func countKeys(t *testing.T, db *badger.DB, oid uint32) int {
	t.Helper()
	n := 0
	txn := db.NewTransaction(false)
	defer txn.Discard()
	for _, p := range []byte{catalog.PrefixRows, catalog.PrefixSequence, catalog.PrefixIndex, catalog.PrefixState} {
		it := txn.NewIterator(badgerPrefix(catalog.ObjectPrefix(p, oid)))
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		it.Close()
	}
	return n
}

// execErr runs one statement to its end and returns its error.
func execErr(s *Session, q string) (int, error) {
	ctx := context.Background()
	sts, err := s.Parse(ctx, q, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range sts {
		res, err := st.Execute(ctx, nil)
		if err != nil {
			return n, err
		}
		for {
			_, ok, err := res.Next(ctx)
			if err != nil {
				res.Close()
				return n, err
			}
			if !ok {
				break
			}
			n++
		}
		res.Close()
	}
	return n, nil
}

// TestOpenAfterKillCreatingLogFile: a kill -9 between Badger's creating a
// memtable or value log file and its sizing leaves the file empty, and
// Badger then refuses to open the directory (dgraph-io/badger#2207);
// TestKill9Views met it. Open must get past such files, with what was
// committed intact.
func TestOpenAfterKillCreatingLogFile(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	query(t, si.(*Session), `CREATE TABLE t (id INT PRIMARY KEY)`)
	query(t, si.(*Session), `INSERT INTO t SELECT generate_series(1, 100)`)
	// As a later open would have named them, had the kill not come.
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// While a process has the directory open, its files are its own,
	// empty or not.
	if err := removeEmptyLogs(dir, slog.Default()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "00099.mem")); err != nil {
		t.Fatalf("removed a file of a directory in use: %v", err)
	}
	e.Close()
	e, err = Open(dir, nil)
	if err != nil {
		t.Fatalf("open after a kill left empty log files: %v", err)
	}
	defer e.Close()
	si, err = e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, si.(*Session), `SELECT count(*) FROM t`); fmt.Sprint(got) != "[[100]]" {
		t.Errorf("after the reopen: %v", got)
	}
}
