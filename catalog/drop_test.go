package catalog

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestDeletePrefixesBesideWrites: deleting a dropped object's keys leaves
// other objects' keys alone and never fails a commit that runs meanwhile
// (Badger's DropPrefix made them fail with ErrBlockedWrites).
func TestDeletePrefixesBesideWrites(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(kind byte, oid uint32, n int) {
		t.Helper()
		wb := db.NewWriteBatch()
		for i := range n {
			if err := wb.Set(append(ObjectPrefix(kind, oid), fmt.Sprint(i)...), []byte("v")); err != nil {
				t.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	put(PrefixRows, 7, 5000)
	put(PrefixState, 7, 5000)
	put(PrefixRows, 8, 100)
	put(PrefixRows, 70, 100) // shares no prefix with OID 7: the OID is 4 bytes

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failed error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := db.Update(func(txn *badger.Txn) error {
				return txn.Set(append(ObjectPrefix(PrefixRows, 9), fmt.Sprint(i)...), []byte("w"))
			})
			if err != nil && failed == nil {
				failed = err
			}
		}
	}()
	for range 5 {
		if err := DeletePrefixes(db, ObjectPrefix(PrefixRows, 7), ObjectPrefix(PrefixState, 7)); err != nil {
			t.Fatal(err)
		}
		put(PrefixRows, 7, 1000)
	}
	if err := DeletePrefixes(db, ObjectPrefix(PrefixRows, 7), ObjectPrefix(PrefixState, 7)); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if failed != nil {
		t.Fatalf("a commit beside the deletion failed: %v (blocked: %v)", failed, errors.Is(failed, badger.ErrBlockedWrites))
	}
	count := func(kind byte, oid uint32) int {
		n := 0
		_ = db.View(func(txn *badger.Txn) error {
			opts := badger.DefaultIteratorOptions
			opts.Prefix = ObjectPrefix(kind, oid)
			it := txn.NewIterator(opts)
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				n++
			}
			return nil
		})
		return n
	}
	if n := count(PrefixRows, 7) + count(PrefixState, 7); n != 0 {
		t.Fatalf("%d keys of the dropped object are left", n)
	}
	if a, b := count(PrefixRows, 8), count(PrefixRows, 70); a != 100 || b != 100 {
		t.Fatalf("other objects lost keys: %d and %d of 100", a, b)
	}
	if count(PrefixRows, 9) == 0 {
		t.Fatal("the concurrent writer wrote nothing")
	}
}
