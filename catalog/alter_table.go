package catalog

import (
	"encoding/json"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// CommitAlter stores changed descriptors in txn, which may also hold the
// rewrite of their rows, and commits it: ALTER TABLE's catalog change and
// its row rewrite land together or not at all, so a crash leaves either
// the old table or the new one. A renamed relation's new name must be free.
func (c *Catalog) CommitAlter(txn *badger.Txn, rels ...*Relation) error {
	return c.CommitAlterReplacing(txn, nil, rels...)
}

// CommitAlterReplacing is CommitAlter that also deletes the descriptors
// drop, whose names the new relations may take: ALTER TABLE that copies a
// table too large to rewrite in one transaction swaps the copy in.
func (c *Catalog) CommitAlterReplacing(txn *badger.Txn, drop []uint32, rels ...*Relation) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dropped := map[uint32]bool{}
	for _, oid := range drop {
		dropped[oid] = true
		if err := txn.Delete(descKey(oid)); err != nil {
			return fmt.Errorf("delete descriptor %d: %w", oid, err)
		}
	}
	for _, r := range rels {
		key := r.Schema + "." + r.Name
		if old, ok := c.byName[key]; ok && old.OID != r.OID && !dropped[old.OID] {
			return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", r.Name)
		}
		r.Version = c.version + 1
		buf, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode descriptor %s: %w", key, err)
		}
		if err := txn.Set(descKey(r.OID), buf); err != nil {
			return fmt.Errorf("store descriptor %s: %w", key, err)
		}
	}
	if err := txn.Commit(); err != nil {
		return err
	}
	for _, oid := range drop {
		if r, ok := c.byOID[oid]; ok {
			delete(c.byName, r.Schema+"."+r.Name)
			delete(c.byOID, oid)
		}
	}
	for _, r := range rels {
		if old, ok := c.byOID[r.OID]; ok {
			delete(c.byName, old.Schema+"."+old.Name)
		}
	}
	for _, r := range rels {
		c.byOID[r.OID] = r
		c.byName[r.Schema+"."+r.Name] = r
	}
	c.version++
	return nil
}

// decodeMissing fills the columns' MissingValue from Missing.
func (r *Relation) decodeMissing() error {
	for i := range r.Columns {
		c := &r.Columns[i]
		if c.Missing == nil {
			continue
		}
		row, err := sql.DecodeRow(c.Missing, nil)
		if err != nil || len(row) != 1 {
			return fmt.Errorf("decode missing value of %s.%s: %v", r.Name, c.Name, err)
		}
		c.MissingValue = row[0]
	}
	return nil
}

// PadRow extends a row stored before ALTER TABLE ADD COLUMN to the
// relation's width: with each added column's missing value, NULL for most.
func (r *Relation) PadRow(row sql.Row) sql.Row {
	for len(row) < len(r.Columns) {
		row = append(row, r.Columns[len(row)].MissingValue)
	}
	return row
}
