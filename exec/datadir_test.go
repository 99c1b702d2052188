package exec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
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
