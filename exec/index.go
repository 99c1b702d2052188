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

// createIndex records an index over a table's or materialized view's
// columns. On a table, a UNIQUE index is enforced like a UNIQUE
// constraint, through entries under its OID, and is filled from the rows
// already there; a plain index is catalog metadata (queries find rows by
// primary key or by scanning). On a materialized view, the index holds an
// entry per row, maintained with the rows, and scans use it
// (matview_index.go).
func (s *Session) createIndex(ctx context.Context, n *sql.CreateIndex) (string, error) {
	rel := s.e.cat.Lookup(n.Table.Schema, n.Table.Name)
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
	if n.Unique {
		if err := s.fillUniqueIndex(ctx, rel, idx); err != nil {
			return "", err
		}
	}
	if err := s.e.cat.Put(idx); err != nil {
		return "", err
	}
	return "CREATE INDEX", nil
}

// uniqueIndexConstraint presents a UNIQUE index as the constraint that the
// writer enforces.
func uniqueIndexConstraint(idx *catalog.Relation) *catalog.Constraint {
	return &catalog.Constraint{OID: idx.OID, Name: idx.Name, Type: 'u', Columns: idx.IndexColumns, IndexOID: idx.OID}
}

// fillUniqueIndex writes the index entries of the rows already stored,
// refusing duplicates as PostgreSQL does.
func (s *Session) fillUniqueIndex(ctx context.Context, rel, idx *catalog.Relation) error {
	c := uniqueIndexConstraint(idx)
	return s.writeTxn(func(txn *badger.Txn) error {
		prefix := catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		type entry struct{ key, val []byte }
		var entries []entry
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var row sql.Row
			if err := it.Item().Value(func(v []byte) error {
				var err error
				row, err = sql.DecodeRow(v, nil)
				return err
			}); err != nil {
				return fmt.Errorf("index %s: %w", idx.Name, err)
			}
			row = padRow(row, len(rel.Columns))
			ik := indexKey(c, row)
			if ik == nil {
				continue
			}
			if _, err := txn.Get(ik); err == nil {
				return &sql.Error{Code: sql.CodeUniqueViolation, Message: fmt.Sprintf("could not create unique index %q", idx.Name),
					Detail: fmt.Sprintf("Key (%s) is duplicated.", columnNames(rel, c.Columns))}
			} else if !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			entries = append(entries, entry{ik, it.Item().KeyCopy(nil)})
			if err := txn.Set(ik, entries[len(entries)-1].val); err != nil {
				return err
			}
		}
		return nil
	})
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
