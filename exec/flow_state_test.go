package exec

import (
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
