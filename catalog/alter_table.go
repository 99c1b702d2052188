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
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rels {
		key := r.Schema + "." + r.Name
		if old, ok := c.byName[key]; ok && old.OID != r.OID {
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
