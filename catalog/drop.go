package catalog

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// DeletePrefixes deletes every key under the prefixes, in write batches.
//
// Badger's own DropPrefix blocks every write to the database while it
// runs: a commit of another view, a sink or a user's transaction that
// lands meanwhile fails with ErrBlockedWrites. Dropped objects' keys are
// unreachable once their descriptor is gone (or was never stored), so
// nothing writes under them any more and deleting them key by key, next
// to the live traffic, is safe; a crash halfway leaves orphans, which the
// engine deletes when it opens (DropOrphans).
func DeletePrefixes(db *badger.DB, prefixes ...[]byte) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	err := db.View(func(txn *badger.Txn) error {
		for _, p := range prefixes {
			opts := badger.DefaultIteratorOptions
			opts.PrefetchValues = false
			opts.Prefix = p
			it := txn.NewIterator(opts)
			for it.Rewind(); it.Valid(); it.Next() {
				if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
					it.Close()
					return err
				}
			}
			it.Close()
		}
		return nil
	})
	if err == nil {
		err = wb.Flush()
	}
	if err != nil {
		return fmt.Errorf("delete data: %w", err)
	}
	return nil
}
