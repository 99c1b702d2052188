package exec

import (
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestStepJournalUndo journals two steps of a statement that overwrite,
// add and delete keys (one key in both steps), commits them, and checks
// that undoing the journal puts every key back as it was before the
// first step, and that a journal with its done marker is only deleted.
func TestStepJournalUndo(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	set := func(txn *badger.Txn, k, v string) {
		if err := txn.Set([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(func(txn *badger.Txn) error {
		set(txn, "a", "a0")
		set(txn, "b", "b0")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	before := dumpKeys(t, db)
	step := func(j *stepJournal, writes func(txn *badger.Txn, note func(string))) {
		txn := db.NewTransaction(true)
		defer txn.Discard()
		writes(txn, func(k string) { j.note([]byte(k)) })
		if err := j.write(db); err != nil {
			t.Fatal(err)
		}
		if err := txn.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	run := func(j *stepJournal) {
		step(j, func(txn *badger.Txn, note func(string)) {
			set(txn, "a", "a1")
			set(txn, "c", "c1")
			note("a")
			note("c")
		})
		step(j, func(txn *badger.Txn, note func(string)) {
			set(txn, "a", "a2")
			if err := txn.Delete([]byte("b")); err != nil {
				t.Fatal(err)
			}
			set(txn, "d", "d2")
			note("a")
			note("b")
			note("d")
		})
	}
	j := newStepJournal()
	run(j)
	if got := dumpKeys(t, db); got["a"] != "a2" || got["c"] != "c1" || got["b"] != "" {
		t.Fatalf("after the steps: %v", got)
	}
	n, err := undoJournals(db, journalPrefix)
	if err != nil || n != 1 {
		t.Fatalf("undo: %d statements, %v", n, err)
	}
	if got := dumpKeys(t, db); !mapsEqualStr(got, before) {
		t.Fatalf("after undo: %v, want %v", got, before)
	}

	// With its done marker the journal goes and the steps stay.
	j = newStepJournal()
	run(j)
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set(journalDoneKey(j.id), nil) }); err != nil {
		t.Fatal(err)
	}
	after := dumpKeys(t, db)
	if n, err := undoJournals(db, journalPrefix); err != nil || n != 0 {
		t.Fatalf("undo of a done journal: %d statements, %v", n, err)
	}
	if got := dumpKeys(t, db); !mapsEqualStr(got, after) {
		t.Fatalf("a done journal changed the data: %v, want %v", got, after)
	}
	if err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: journalPrefix})
		defer it.Close()
		if it.Rewind(); it.Valid() {
			t.Errorf("journal key %x left", it.Item().Key())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// dumpKeys returns the database's keys and values, journals left out.
func dumpKeys(t *testing.T, db *badger.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			if len(k) >= len(journalPrefix) && k[:len(journalPrefix)] == string(journalPrefix) {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[k] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mapsEqualStr(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
