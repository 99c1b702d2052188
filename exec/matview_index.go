package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Indexes on materialized views: their entries (index_entry.go) change
// in the same state writes as the view's rows (viewSink.apply), and CREATE
// INDEX builds them while holding the epochs off.

// viewIndexes maintains the indexes of one view during its epochs. It
// reloads them from the catalog when the catalog changes; CREATE and DROP
// INDEX change it only while no epoch runs (they hold flowSet.mu).
type viewIndexes struct {
	cat     *catalog.Catalog
	view    *catalog.Relation
	version uint64
	loaded  bool
	list    []secondaryIndex
}

func newViewIndexes(cat *catalog.Catalog, view *catalog.Relation) *viewIndexes {
	return &viewIndexes{cat: cat, view: view}
}

// sync picks up indexes created or dropped since the last epoch.
func (x *viewIndexes) sync() {
	if x == nil {
		return
	}
	v := x.cat.Version()
	if x.loaded && v == x.version {
		return
	}
	x.version, x.loaded, x.list = v, true, x.list[:0]
	for _, ix := range x.cat.Indexes(x.view.OID) {
		x.list = append(x.list, newSecondaryIndex(x.view, ix))
	}
}

// put adds the entries of a row stored under rowKey; del removes them.
func (x *viewIndexes) put(st *stateStore, rowKey []byte, row sql.Row) {
	if x == nil {
		return
	}
	for _, ix := range x.list {
		k, v := ix.entry(rowKey, row)
		st.put(k, v)
	}
}

func (x *viewIndexes) del(st *stateStore, rowKey []byte, row sql.Row) {
	if x == nil {
		return
	}
	for _, ix := range x.list {
		k, _ := ix.entry(rowKey, row)
		st.del(k)
	}
}

// createViewIndex builds an index over a materialized view's rows and
// registers it. It holds flowSet.mu throughout, as CREATE MATERIALIZED
// VIEW does, so that no epoch changes the rows between the build and the
// descriptor that makes later epochs maintain the index.
func (s *Session) createViewIndex(ctx context.Context, view, idx *catalog.Relation) error {
	if s.views.rlocked {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot create an index on a materialized view in a transaction that has fed materialized views: commit or roll back first")
	}
	if idx.Unique && !coversKey(idx.IndexColumns, view.PrimaryKey) {
		// Maintaining the view would have to fail each change that made
		// two rows collide, stopping a view fed by a source for good.
		return &sql.Error{Code: sql.CodeFeatureNotSupported,
			Message: fmt.Sprintf("a unique index on materialized view %q must include its key columns", view.Name),
			Hint:    uniqueIndexHint(view)}
	}
	e := s.e
	if err := e.flows.mu.lock(ctx); err != nil {
		return err
	}
	defer e.flows.mu.unlock()
	if e.cat.ByOID(view.OID) == nil {
		return sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", view.Name)
	}
	if err := e.buildViewIndex(ctx, view, idx); err != nil {
		_ = catalog.DeletePrefixes(e.db, catalog.ObjectPrefix(catalog.PrefixIndex, idx.OID))
		return err
	}
	if err := e.cat.Put(idx); err != nil {
		_ = catalog.DeletePrefixes(e.db, catalog.ObjectPrefix(catalog.PrefixIndex, idx.OID))
		return err
	}
	return nil
}

// buildViewIndex writes the entries of the view's committed rows, then the
// marker that says the index is complete.
func (e *Engine) buildViewIndex(ctx context.Context, view, idx *catalog.Relation) error {
	ix := newSecondaryIndex(view, idx)
	rows := catalog.ObjectPrefix(catalog.PrefixRows, view.OID)
	txn := e.db.NewTransaction(false)
	defer txn.Discard()
	wb := e.db.NewWriteBatch()
	defer wb.Cancel()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: rows, PrefetchValues: true})
	defer it.Close()
	width := len(view.Columns)
	n := 0
	blocks := blockLayout(view)
	for it.Rewind(); it.Valid(); it.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if blocks {
			if err := buildBlockIndexEntries(ix, it.Item(), width, wb.Set); err != nil {
				return fmt.Errorf("index %s: %w", idx.Name, err)
			}
			continue
		}
		var row sql.Row
		if err := it.Item().Value(func(v []byte) error {
			var err error
			row, err = sql.DecodeRow(v, make(sql.Row, 0, width))
			return err
		}); err != nil {
			return fmt.Errorf("index %s: %w", idx.Name, err)
		}
		k, v := ix.entry(it.Item().Key(), padRow(row, width))
		if err := wb.Set(k, v); err != nil {
			return fmt.Errorf("index %s: %w", idx.Name, err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("index %s: %w", idx.Name, err)
	}
	return e.db.Update(func(txn *badger.Txn) error { return txn.Set(ix.prefix, []byte{}) })
}

// coversKey reports whether cols include every column of a view's key, so
// that a unique index over them holds by construction.
func coversKey(cols, key []int) bool {
	if len(key) == 0 {
		return false
	}
	for _, k := range key {
		found := false
		for _, c := range cols {
			found = found || c == k
		}
		if !found {
			return false
		}
	}
	return true
}

func uniqueIndexHint(view *catalog.Relation) string {
	if len(view.PrimaryKey) == 0 {
		return "The view's rows have no key (GROUP BY columns, a table's primary key or DISTINCT give one); create a plain index."
	}
	names := make([]string, len(view.PrimaryKey))
	for i, c := range view.PrimaryKey {
		names[i] = view.Columns[c].Name
	}
	return "Its rows are unique on (" + strings.Join(names, ", ") + "); include those columns, or create a plain index."
}
