package exec

import (
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestStateStoreHandOff: an epoch handed off is read by the next one, by
// key while its commit may be in flight, and by range (scan, first,
// descend) once it has landed; deletions handed off hide committed keys;
// a key written by two epochs in a row ends with the later value; the
// writes are in Badger once landed.
func TestStateStoreHandOff(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("p/gone"), []byte("old")) }); err != nil {
		t.Fatal(err)
	}
	s := newStateStore(db)
	const n = 2000 // more than one WriteBatch transaction at times
	for epoch := range 3 {
		s.begin()
		for i := range n {
			k := fmt.Appendf(nil, "p/%05d", i)
			if epoch > 0 {
				// The epoch before's value, through the overlay or the
				// snapshot.
				v, ok, err := s.get(k)
				if want := fmt.Sprintf("v%d-%d", epoch-1, i); err != nil || !ok || string(v) != want {
					t.Fatalf("epoch %d: get %s = %q, %v, %v; want %q", epoch, k, v, ok, err, want)
				}
			}
			s.put(k, fmt.Appendf(nil, "v%d-%d", epoch, i))
		}
		if epoch == 0 {
			s.del([]byte("p/gone"))
		} else {
			if _, ok, err := s.get([]byte("p/gone")); ok || err != nil {
				t.Fatalf("epoch %d: deleted key read: %v, %v", epoch, ok, err)
			}
		}
		if epoch == 1 {
			// A range read waits for the commit in flight.
			seen := 0
			err := s.scan([]byte("p/"), func(k, v []byte) error {
				seen++
				if string(k) == "p/gone" {
					t.Fatalf("scan read a deleted key")
				}
				return nil
			})
			if err != nil || seen != n {
				t.Fatalf("scan: %d keys, %v", seen, err)
			}
			if s.ahead.carried != nil {
				t.Fatal("scan left the commit in flight")
			}
			k, v, ok, err := s.first([]byte("p/"))
			if err != nil || !ok || string(k) != "p/00000" || string(v) != "v1-0" {
				t.Fatalf("first = %q, %q, %v, %v", k, v, ok, err)
			}
		}
		if !s.mayHandOff() {
			t.Fatal("no new keys, yet no hand-off")
		}
		if err := s.handOff(); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.size(); n != 0 {
			t.Fatalf("%d writes pending after the hand-off", n)
		}
		s.end()
	}
	if err := s.landFlight(); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(txn *badger.Txn) error {
		for i := range n {
			item, err := txn.Get(fmt.Appendf(nil, "p/%05d", i))
			if err != nil {
				return err
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("v2-%d", i); string(v) != want {
				return fmt.Errorf("key %d = %q, want %q", i, v, want)
			}
		}
		if _, err := txn.Get([]byte("p/gone")); err != badger.ErrKeyNotFound {
			return fmt.Errorf("deleted key: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.begin()
	defer s.end()
	s.putNew([]byte("q/new"), []byte("x"))
	if s.mayHandOff() {
		t.Fatal("an epoch with new keys may not be handed off")
	}
}
