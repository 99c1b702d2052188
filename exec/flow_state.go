package exec

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/google/btree"

	"github.com/eddysql/eddy/sql"
)

// stateStore is how a dataflow reads and writes its durable state (operator
// arrangements, the view's rows, source offsets) during one epoch. Reads see
// the last committed epoch, from a Badger snapshot taken when the epoch
// begins, overlaid with the epoch's own writes; the writes stay pending
// until the caller flushes them into the transaction that commits the
// epoch, so that an epoch's state changes, its output and its input
// positions become durable in one atomic commit. The dataflow's lock keeps
// every other writer of these keys out between begin and end, so the
// snapshot is the latest state.
type stateStore struct {
	db      *badger.DB
	snap    *badger.Txn
	pending *btree.BTreeG[stateEntry]
	// gen counts the transactions begun: an operator that holds output
	// computed under an earlier one holds what a failed epoch left.
	gen uint64
	// bytes is the size of the pending writes' keys and values.
	bytes int
	// fresh are pending writes of keys that no epoch wrote before (putNew):
	// kept apart from pending, in a slice, because nothing reads them
	// back before the commit and ordering them would only cost.
	fresh []stateEntry
	// slab is where alloc carves the epoch's keys and values from, so that
	// a row stored costs no allocation of its own; scratch encodes a row.
	slab    []byte
	scratch []byte
	// ahead is the commit of an earlier epoch in flight (flow_commit_ahead.go).
	ahead commitAhead
}

// slabSize is the size of the blocks alloc carves from. A block is never
// reused: Badger may hold the slices until the commit, and the GC frees a
// block when the last is gone.
const slabSize = 64 << 10

type stateEntry struct {
	key []byte
	val []byte // nil: deleted
}

func stateLess(a, b stateEntry) bool { return bytes.Compare(a.key, b.key) < 0 }

func newStateStore(db *badger.DB) *stateStore {
	return &stateStore{db: db, pending: btree.NewG(32, stateLess)}
}

// begin starts an epoch: reads see everything committed so far.
func (s *stateStore) begin() {
	s.snap = s.db.NewTransaction(false)
	s.gen++
}

// end finishes an epoch, committed or not: pending writes are dropped
// (after a commit they are in Badger; after a failure they never happened).
func (s *stateStore) end() {
	if s.snap != nil {
		s.snap.Discard()
		s.snap = nil
	}
	s.endAhead()
	s.pending.Clear(false)
	clear(s.fresh)
	s.fresh = s.fresh[:0]
	s.bytes = 0
}

func (s *stateStore) put(key, val []byte) {
	if val == nil {
		val = []byte{}
	}
	s.write(stateEntry{key: key, val: val})
}

// putNew writes a key that is known not to exist, neither committed nor
// pending in this epoch; get and scan do not see it before the commit.
func (s *stateStore) putNew(key, val []byte) {
	s.fresh = append(s.fresh, stateEntry{key: key, val: val})
	s.bytes += len(key) + len(val)
}

// stateSave is the pending writes at one moment (save), to go back to
// when an epoch that runs on top of them fails (restore).
type stateSave struct {
	pending *btree.BTreeG[stateEntry]
	bytes   int
	fresh   int
}

func (s *stateStore) save() stateSave {
	return stateSave{pending: s.pending.Clone(), bytes: s.bytes, fresh: len(s.fresh)}
}

func (s *stateStore) restore(v stateSave) {
	s.pending, s.bytes = v.pending, v.bytes
	clear(s.fresh[v.fresh:])
	s.fresh = s.fresh[:v.fresh]
}

// dropFresh forgets the new keys written so far, once they are in a
// transaction of their own; the rest stays pending.
func (s *stateStore) dropFresh() {
	for _, e := range s.fresh {
		s.bytes -= len(e.key) + len(e.val)
	}
	clear(s.fresh)
	s.fresh = s.fresh[:0]
}

// alloc returns n bytes valid until the epoch's commit.
func (s *stateStore) alloc(n int) []byte {
	if n > slabSize/4 {
		return make([]byte, n)
	}
	if len(s.slab)+n > cap(s.slab) {
		s.slab = make([]byte, 0, slabSize)
	}
	s.slab = s.slab[:len(s.slab)+n]
	return s.slab[len(s.slab)-n : len(s.slab) : len(s.slab)]
}

// encodeRow returns r's stored form, in alloc's memory.
func (s *stateStore) encodeRow(r sql.Row) []byte {
	s.scratch = sql.AppendRow(s.scratch[:0], r)
	out := s.alloc(len(s.scratch))
	copy(out, s.scratch)
	return out
}

func (s *stateStore) del(key []byte) {
	s.write(stateEntry{key: key})
}

func (s *stateStore) write(e stateEntry) {
	if old, ok := s.pending.ReplaceOrInsert(e); ok {
		s.bytes -= len(old.key) + len(old.val)
	}
	s.bytes += len(e.key) + len(e.val)
}

// size is how many writes are pending, and their bytes.
func (s *stateStore) size() (int, int) { return s.pending.Len() + len(s.fresh), s.bytes }

// get returns the value of key; the slice must not be kept past the epoch.
func (s *stateStore) get(key []byte) ([]byte, bool, error) {
	if e, ok := s.pending.Get(stateEntry{key: key}); ok {
		return e.val, e.val != nil, nil
	}
	if e, ok := s.carriedGet(key); ok {
		return e.val, e.val != nil, nil
	}
	item, err := s.snap.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read state: %w", err)
	}
	// Copied into the epoch's slab rather than a buffer of its own: a
	// keyed operator reads most keys it writes, and the copy then costs
	// no allocation.
	var v []byte
	err = item.Value(func(b []byte) error {
		v = s.alloc(len(b))
		copy(v, b)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read state: %w", err)
	}
	return v, true, nil
}

// scan calls f for every key with the prefix, in key order, with the
// epoch's pending writes merged in. Keys and values are valid during f only.
func (s *stateStore) scan(prefix []byte, f func(k, v []byte) error) error {
	if err := s.land(); err != nil {
		return err
	}
	var over []stateEntry
	s.pending.AscendGreaterOrEqual(stateEntry{key: prefix}, func(e stateEntry) bool {
		if !bytes.HasPrefix(e.key, prefix) {
			return false
		}
		over = append(over, e)
		return true
	})
	it := s.snap.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	it.Seek(prefix)
	i := 0
	for it.Valid() || i < len(over) {
		var k []byte
		if it.Valid() {
			k = it.Item().Key()
		}
		if i < len(over) && (k == nil || bytes.Compare(over[i].key, k) <= 0) {
			e := over[i]
			i++
			if k != nil && bytes.Equal(e.key, k) {
				it.Next()
			}
			if e.val == nil {
				continue
			}
			if err := f(e.key, e.val); err != nil {
				return err
			}
			continue
		}
		err := it.Item().Value(func(v []byte) error { return f(k, v) })
		if err != nil {
			return err
		}
		it.Next()
	}
	return nil
}

// flush hands the epoch's writes to the committing transaction: pending
// in key order, then the new keys in the order they were written.
func (s *stateStore) flush(set func(k, v []byte) error, del func(k []byte) error) error {
	var err error
	s.pending.Ascend(func(e stateEntry) bool {
		if e.val == nil {
			err = del(e.key)
		} else {
			err = set(e.key, e.val)
		}
		return err == nil
	})
	for _, e := range s.fresh {
		if err != nil {
			break
		}
		err = set(e.key, e.val)
	}
	return err
}

// stateWriter is what an epoch's writes are flushed into: a *badger.Txn
// or a *badger.WriteBatch.
type stateWriter interface {
	SetEntry(e *badger.Entry) error
	Delete(key []byte) error
}

// flushTo is flush into w, with the entries of the epoch's writes
// allocated together instead of one by one (badger.Txn.Set allocates each
// entry it keeps until the commit).
func (s *stateStore) flushTo(w stateWriter) error {
	ents := make([]badger.Entry, s.pending.Len()+len(s.fresh))
	i := 0
	set := func(k, v []byte) error {
		e := &ents[i]
		i++
		e.Key, e.Value = k, v
		return w.SetEntry(e)
	}
	return s.flush(set, w.Delete)
}

// first returns the smallest key with the prefix and its value, with the
// epoch's pending writes merged in, or ok false when there is none. The
// slices are copies. An ordered multiset kept under a prefix reads its
// least member this way without scanning the rest.
func (s *stateStore) first(prefix []byte) (key, val []byte, ok bool, err error) {
	if err := s.land(); err != nil {
		return nil, nil, false, err
	}
	// The pending writes under the prefix, in order, until the first that
	// is not a deletion: those before it may hide committed keys.
	var over []stateEntry
	s.pending.AscendGreaterOrEqual(stateEntry{key: prefix}, func(e stateEntry) bool {
		if !bytes.HasPrefix(e.key, prefix) {
			return false
		}
		over = append(over, e)
		return e.val == nil
	})
	it := s.snap.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchSize: 1})
	defer it.Close()
	for it.Seek(prefix); it.Valid(); it.Next() {
		k := it.Item().Key()
		for len(over) > 0 && bytes.Compare(over[0].key, k) < 0 {
			if over[0].val != nil {
				return over[0].key, over[0].val, true, nil
			}
			over = over[1:]
		}
		if len(over) > 0 && bytes.Equal(over[0].key, k) {
			if over[0].val != nil {
				return over[0].key, over[0].val, true, nil
			}
			over = over[1:]
			continue // deleted in this epoch
		}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, nil, false, fmt.Errorf("read state: %w", err)
		}
		return it.Item().KeyCopy(nil), v, true, nil
	}
	for _, e := range over {
		if e.val != nil {
			return e.key, e.val, true, nil
		}
	}
	return nil, nil, false, nil
}
