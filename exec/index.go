package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// createIndex builds an index over a table's or materialized view's
// columns: an entry per row (index_entry.go), maintained with the rows and
// used by scans (op_index_scan.go). On a table a UNIQUE index is enforced
// like a UNIQUE constraint, through the same entries.
func (s *Session) createIndex(ctx context.Context, n *sql.CreateIndex) (string, error) {
	rel := s.lookupRel(n.Table)
	if rel == nil {
		return "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.Table.Name)
	}
	if rel.Kind != catalog.KindTable && rel.Kind != catalog.KindMatView {
		return "", sql.Errorf(sql.CodeWrongObjectType, "cannot create index on relation %q", rel.Name)
	}
	var cols []int
	var names []string
	for _, el := range n.Elems {
		if el.Column == "" {
			return "", errUnsupported("an index on an expression")
		}
		i := rel.ColumnIndex(el.Column)
		if i < 0 {
			return "", sql.Errorf(sql.CodeUndefinedColumn, "column %q does not exist", el.Column)
		}
		cols = append(cols, i)
		names = append(names, el.Column)
	}
	if n.Using != "" && n.Using != "btree" {
		return "", errUnsupported("index access method " + n.Using)
	}
	name := n.Name
	if name == "" {
		// PostgreSQL's choice: table_col1_col2_idx, UNIQUE or not (_key
		// names the indexes of UNIQUE constraints).
		name = rel.Name + "_" + strings.Join(names, "_") + "_idx"
	}
	if s.e.cat.Lookup(rel.Schema, name) != nil {
		if n.IfNotExists {
			return "CREATE INDEX", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
	}
	oid, err := s.e.cat.AllocOIDs(1)
	if err != nil {
		return "", err
	}
	idx := &catalog.Relation{OID: oid, Schema: rel.Schema, Name: name, Kind: catalog.KindIndex, Owner: s.user,
		IndexOn: rel.OID, IndexColumns: cols, Unique: n.Unique}
	if rel.Kind == catalog.KindMatView {
		if err := s.createViewIndex(ctx, rel, idx); err != nil {
			return "", err
		}
		return "CREATE INDEX", nil
	}
	if n.Unique && isTopicTable(rel) {
		// Its rows are what the topic says; ingesting a record that broke
		// the index could only stop the table for good.
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "cannot create a unique index on table %q, which a topic feeds", rel.Name)
	}
	if err := s.createTableIndex(ctx, rel, idx); err != nil {
		return "", err
	}
	return "CREATE INDEX", nil
}

// uniqueIndexConstraint presents a UNIQUE index as the constraint that the
// writer enforces.
func uniqueIndexConstraint(idx *catalog.Relation) *catalog.Constraint {
	return &catalog.Constraint{OID: idx.OID, Name: idx.Name, Type: 'u', Columns: idx.IndexColumns, IndexOID: idx.OID}
}

// createTableIndex builds an index over a table's rows and registers it.
// The index is registered first, so that statements starting from then on
// maintain its entries; writers that started before fail to commit
// (indexesChangedKey). In a transaction block the build writes in the
// transaction, so it indexes the transaction's own rows too, and fails to
// commit if others wrote rows it did not see (rowsWrittenKey). In
// autocommit it commits in steps, as a bulk INSERT does, and a failed
// build drops the index again. Either way the completion marker comes
// last: until it commits, scans do not trust the entries.
func (s *Session) createTableIndex(ctx context.Context, rel, idx *catalog.Relation) error {
	markIndexBuilding(idx) // index_building.go
	if err := s.e.cat.Put(idx); err != nil {
		return err
	}
	changed := indexesChangedKey(rel.OID)
	if s.txn != nil {
		tx := &dmlTxn{db: s.e.db, txn: s.txn, undo: s.undoLog()}
		err := readTracked(s.txn, rowsWrittenKey(rel.OID))
		if err == nil {
			err = tx.set(changed, nil)
		}
		if err == nil {
			err = s.buildTableIndex(ctx, tx, rel, idx)
		}
		if err != nil {
			return errors.Join(err, s.e.cat.Delete(idx.OID))
		}
		s.newIndexes = append(s.newIndexes, idx.OID)
		return nil
	}
	err := s.e.db.Update(func(txn *badger.Txn) error { return txn.Set(changed, nil) })
	if err == nil {
		tx := &dmlTxn{db: s.e.db, txn: s.e.db.NewTransaction(true), auto: true}
		err = s.buildTableIndex(ctx, tx, rel, idx)
		if err == nil {
			if err = tx.txn.Commit(); err != nil {
				err = fmt.Errorf("index %s: commit: %w", idx.Name, err)
			}
		}
		tx.txn.Discard()
	}
	if err != nil {
		return errors.Join(err, s.e.cat.Delete(idx.OID))
	}
	return nil
}

// readTracked reads k so that Badger fails txn's commit if another
// transaction commits a write of k first, even when txn wrote k itself
// (Get leaves a key the transaction wrote out of its conflict checks, an
// iterator does not).
func readTracked(txn *badger.Txn, k []byte) error {
	if _, err := txn.Get(k); err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: k})
	defer it.Close()
	if it.Rewind(); it.Valid() {
		it.Item()
	}
	return nil
}

// buildTableIndex writes the index entries of the rows the transaction
// sees, refusing duplicates of a UNIQUE index as PostgreSQL does, then the
// completion marker.
func (s *Session) buildTableIndex(ctx context.Context, tx *dmlTxn, rel, idx *catalog.Relation) error {
	ix := newSecondaryIndex(rel, idx)
	c := uniqueIndexConstraint(idx)
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
	width := len(rel.Columns)
	from := prefix
	for {
		// A bounded run of rows at a time, read before their entries are
		// written: a write may step the transaction under the iterator.
		var keys [][]byte
		var rows []sql.Row
		it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		for it.Seek(from); it.Valid() && len(keys) < 10000; it.Next() {
			err := it.Item().Value(func(v []byte) error {
				row, err := sql.DecodeRow(v, make(sql.Row, 0, width))
				rows = append(rows, rel.PadRow(row))
				return err
			})
			if err != nil {
				it.Close()
				return fmt.Errorf("index %s: %w", idx.Name, err)
			}
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		if len(keys) == 0 {
			break
		}
		for i, key := range keys {
			if idx.Unique {
				if ik := indexKey(c, rows[i]); ik != nil {
					if ok, err := tx.exists(ik); err != nil {
						return fmt.Errorf("index %s: %w", idx.Name, err)
					} else if ok {
						return &sql.Error{Code: sql.CodeUniqueViolation, Message: fmt.Sprintf("could not create unique index %q", idx.Name),
							Detail: fmt.Sprintf("Key (%s) is duplicated.", columnNames(rel, c.Columns))}
					}
				}
			}
			if err := tx.set(ix.entry(key, rows[i])); err != nil {
				return fmt.Errorf("index %s: %w", idx.Name, err)
			}
		}
		from = append(keys[len(keys)-1], 0)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := tx.set(ix.prefix, []byte{}); err != nil {
		return fmt.Errorf("index %s: %w", idx.Name, err)
	}
	return nil
}

func columnNames(rel *catalog.Relation, cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = rel.Columns[c].Name
	}
	return strings.Join(names, ", ")
}

// dropIndex removes an index and its entries.
func (s *Session) dropIndex(ctx context.Context, n *sql.Drop) (string, error) {
	var oids []uint32
	for _, o := range n.Names {
		rel := s.e.cat.Lookup(o.Schema, o.Name)
		if rel == nil || rel.Kind != catalog.KindIndex {
			if rel == nil && n.IfExists {
				continue
			}
			if rel != nil {
				return "", sql.Errorf(sql.CodeWrongObjectType, "%q is not an index", o.Name)
			}
			return "", sql.Errorf(sql.CodeUndefinedObject, "index %q does not exist", o.Name)
		}
		oids = append(oids, rel.OID)
	}
	if len(oids) > 0 {
		if err := s.dropRelations(ctx, oids...); err != nil {
			return "", err
		}
	}
	return "DROP INDEX", nil
}
