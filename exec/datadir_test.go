package exec

import (
	"context"
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
