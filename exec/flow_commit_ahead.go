package exec

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/google/btree"
)

// commitAhead lets a view's load commit an epoch's writes while it runs
// the next epoch. Committed in the epoch's goroutine, the writes kept it
// waiting for Badger's (its memtable inserts, a fifth of a stateful load's
// CPU, and Nexmark q16's group records grow to megabytes an epoch) with
// the other core idle: the commit now overlaps the next epoch's
// evaluation.
//
// The next epoch's snapshot may or may not hold the commit in flight, or
// part of it (a WriteBatch commits in several transactions); its reads
// see the handed-off writes over the snapshot (stateStore.get), so either
// way they read what the commit writes. Reads of ranges (scan, first,
// descend) do not merge them: they wait for the commit instead (land) and
// read from a snapshot taken after it. Commits stay one at a time and in
// order, so a key written by two epochs ends with the later value.
type commitAhead struct {
	// carried is the writes of the commit in flight; nil: none.
	carried *btree.BTreeG[stateEntry]
	flight  chan error
	// stale are the epoch's snapshots that land replaced, which the
	// epoch's operators may still read from (runtime.txn): discarded when
	// the epoch ends.
	stale []*badger.Txn
}

// mayHandOff reports whether the epoch's writes may commit in the
// background: new keys (putNew) are not kept where the next epoch's reads
// would see them, so an epoch that wrote any commits at once.
func (s *stateStore) mayHandOff() bool { return len(s.fresh) == 0 }

// handOff starts committing the epoch's pending writes, after the commit
// in flight (if any) has landed, and leaves none pending. The writes must
// not change after: as for a commit, keys and values are the state's.
func (s *stateStore) handOff() error {
	if err := s.landFlight(); err != nil {
		return err
	}
	if len(s.fresh) != 0 {
		return fmt.Errorf("exec: hand-off of an epoch with new keys")
	}
	tree := s.pending
	s.pending = btree.NewG(32, stateLess)
	s.bytes = 0
	flight := make(chan error, 1)
	s.ahead.carried, s.ahead.flight = tree, flight
	db := s.db
	go func() { flight <- commitTree(db, tree) }()
	return nil
}

// commitTree writes tree's entries to db. tree is only read meanwhile
// (btree reads may run concurrently).
func commitTree(db *badger.DB, tree *btree.BTreeG[stateEntry]) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	// As the load's synchronous commits: more transactions in flight
	// gained nothing but memory.
	wb.SetMaxPendingTxns(2)
	ents := make([]badger.Entry, tree.Len())
	i := 0
	var err error
	tree.Ascend(func(e stateEntry) bool {
		if e.val == nil {
			err = wb.Delete(e.key)
		} else {
			en := &ents[i]
			i++
			en.Key, en.Value = e.key, e.val
			err = wb.SetEntry(en)
		}
		return err == nil
	})
	if err != nil {
		return fmt.Errorf("commit state: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("commit state: %w", err)
	}
	return nil
}

// landFlight waits for the commit in flight, if any, and forgets its
// writes, which the snapshots taken from now on hold.
func (s *stateStore) landFlight() error {
	if s.ahead.flight == nil {
		return nil
	}
	err := <-s.ahead.flight
	s.ahead.carried, s.ahead.flight = nil, nil
	return err
}

// land waits for the commit in flight, if any, and renews the epoch's
// snapshot to hold it, under the epoch's pending writes: reads then need
// no overlay of the handed-off writes.
func (s *stateStore) land() error {
	if s.ahead.flight == nil {
		return nil
	}
	if err := s.landFlight(); err != nil {
		return err
	}
	if s.snap != nil {
		s.ahead.stale = append(s.ahead.stale, s.snap)
		s.snap = s.db.NewTransaction(false)
	}
	return nil
}

// carriedGet looks key up among the writes in flight.
func (s *stateStore) carriedGet(key []byte) (stateEntry, bool) {
	if s.ahead.carried == nil {
		return stateEntry{}, false
	}
	return s.ahead.carried.Get(stateEntry{key: key})
}

// endAhead discards the snapshots that land replaced in the epoch.
func (s *stateStore) endAhead() {
	for _, t := range s.ahead.stale {
		t.Discard()
	}
	clear(s.ahead.stale)
	s.ahead.stale = s.ahead.stale[:0]
}
