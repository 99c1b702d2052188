package exec

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestStateStoreNewKeysAndSave: keys written with putNew are flushed with
// the rest and counted in size; restore goes back to a saved moment (an
// epoch that failed on top of others), and dropFresh forgets only the new
// keys already handed to a commit.
func TestStateStoreNewKeysAndSave(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := newStateStore(db)
	s.begin()
	defer s.end()
	s.put([]byte("seq"), []byte{1})
	s.putNew([]byte("row1"), []byte("a"))
	saved := s.save()
	s.put([]byte("seq"), []byte{2})
	s.putNew([]byte("row2"), []byte("b"))
	if n, bytes := s.size(); n != 3 || bytes != 3+1+4+1+4+1 {
		t.Fatalf("size = %d, %d", n, bytes)
	}
	s.restore(saved)
	if v, _, _ := s.get([]byte("seq")); string(v) != "\x01" {
		t.Fatalf("seq after restore = %q", v)
	}
	flushed := func() map[string]string {
		out := map[string]string{}
		if err := s.flush(func(k, v []byte) error { out[string(k)] = string(v); return nil },
			func(k []byte) error { t.Fatalf("delete %q", k); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := flushed(); len(got) != 2 || got["row1"] != "a" || got["seq"] != "\x01" {
		t.Fatalf("flush after restore = %q", got)
	}
	s.dropFresh()
	if got := flushed(); len(got) != 1 || got["seq"] != "\x01" {
		t.Fatalf("flush after dropFresh = %q", got)
	}
	if n, bytes := s.size(); n != 1 || bytes != 4 {
		t.Fatalf("size after dropFresh = %d, %d", n, bytes)
	}
}

// TestStateStoreFlushTo: flushTo hands every pending write, new key and
// deletion to a transaction, and to a write batch that has to split them
// over several transactions (its entries are allocated together, so each
// must stay its own); values read with get are the committed ones.
func TestStateStoreFlushTo(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil).WithMemTableSize(1 << 20).WithValueThreshold(1 << 10))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := newStateStore(db)
	key := func(i int) []byte { return fmt.Appendf(nil, "k%05d", i) }
	val := func(i, gen int) []byte { return bytes.Repeat([]byte{byte(i + gen)}, 100) }
	// n keys are 0.5 MiB, more than one transaction of a 1 MiB memtable
	// holds; the second epoch changes the first m.
	const n, m = 5000, 600
	s.begin()
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			s.put(key(i), val(i, 0))
		} else {
			s.putNew(key(i), val(i, 0))
		}
	}
	wb := db.NewWriteBatch()
	if err := s.flushTo(wb); err != nil {
		t.Fatal(err)
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	s.end()

	s.begin()
	for i := 0; i < n; i++ {
		v, ok, err := s.get(key(i))
		if err != nil || !ok || !bytes.Equal(v, val(i, 0)) {
			t.Fatalf("get %s after the batch = %v, %v, %v", key(i), v[:min(len(v), 4)], ok, err)
		}
		switch {
		case i >= m:
		case i%3 == 0:
			s.del(key(i))
		case i%3 == 1:
			s.put(key(i), val(i, 1))
		}
	}
	txn := db.NewTransaction(true)
	if err := s.flushTo(txn); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(); err != nil {
		t.Fatal(err)
	}
	s.end()

	s.begin()
	defer s.end()
	for i := 0; i < n; i++ {
		v, ok, err := s.get(key(i))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i >= m && (!ok || !bytes.Equal(v, val(i, 0))):
			t.Fatalf("%s not written, read %v, %v", key(i), v, ok)
		case i >= m:
		case i%3 == 0 && ok:
			t.Fatalf("%s deleted, read %v", key(i), v[:4])
		case i%3 == 1 && (!ok || !bytes.Equal(v, val(i, 1))):
			t.Fatalf("%s rewritten, read %v, %v", key(i), v, ok)
		case i%3 == 2 && (!ok || !bytes.Equal(v, val(i, 0))):
			t.Fatalf("%s kept, read %v, %v", key(i), v, ok)
		}
	}
}
