package catalog

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// Schema is a user-created namespace. The built-in schemas (pg_catalog,
// public, information_schema) are not stored: they always exist and keep
// PostgreSQL's fixed OIDs.
type Schema struct {
	OID   uint32 `json:"oid"`
	Name  string `json:"name"`
	Owner uint32 `json:"owner"`
}

// BuiltinSchemas always exist and cannot be created or dropped.
var builtinSchemas = map[string]bool{"public": true, "pg_catalog": true, "information_schema": true}

// IsBuiltinSchema reports whether name is one of the schemas that always exist.
func IsBuiltinSchema(name string) bool { return builtinSchemas[name] }

var schemaKeyPrefix = []byte{PrefixMeta, 'n', 's', 'p'}

func schemaKey(name string) []byte {
	return append(append([]byte{}, schemaKeyPrefix...), name...)
}

func (c *Catalog) loadSchemas(txn *badger.Txn) error {
	c.schemas = map[string]*Schema{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: schemaKeyPrefix, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var s Schema
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &s) }); err != nil {
			return fmt.Errorf("decode schema %q: %w", it.Item().Key()[len(schemaKeyPrefix):], err)
		}
		c.schemas[s.Name] = &s
	}
	return nil
}

// SchemaExists reports whether name is a built-in or user schema.
func (c *Catalog) SchemaExists(name string) bool {
	if builtinSchemas[name] {
		return true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.schemas[name] != nil
}

// SchemaNamed is the user schema called name, or nil (also for built-ins).
func (c *Catalog) SchemaNamed(name string) *Schema {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.schemas[name]
}

// Schemas lists the user schemas, ordered by OID.
func (c *Catalog) Schemas() []*Schema {
	c.mu.RLock()
	out := make([]*Schema, 0, len(c.schemas))
	for _, s := range c.schemas {
		out = append(out, s)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// CreateSchema stores a new schema; s.OID must be allocated already.
func (c *Catalog) CreateSchema(s *Schema) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if builtinSchemas[s.Name] || c.schemas[s.Name] != nil {
		return sql.Errorf(sql.CodeDuplicateSchema, "schema %q already exists", s.Name)
	}
	buf, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode schema %s: %w", s.Name, err)
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(schemaKey(s.Name), buf) }); err != nil {
		return fmt.Errorf("store schema %s: %w", s.Name, err)
	}
	c.schemas[s.Name] = s
	c.version++
	return nil
}

// DropSchema removes an empty user schema's descriptor; the caller drops the
// relations in it first.
func (c *Catalog) DropSchema(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Delete(schemaKey(name)) }); err != nil {
		return fmt.Errorf("drop schema %s: %w", name, err)
	}
	delete(c.schemas, name)
	c.version++
	return nil
}

// InSchema lists the relations in schema, ordered by OID.
func (c *Catalog) InSchema(schema string) []*Relation {
	var out []*Relation
	for _, r := range c.Relations() {
		if r.Schema == schema {
			out = append(out, r)
		}
	}
	return out
}

// RenameSchema renames a user schema and moves its relations' names with
// it, in one write. The caller has checked that no stored SQL text (a
// view's query, a column default) names the schema.
func (c *Catalog) RenameSchema(old, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.schemas[old]
	if s == nil {
		return sql.Errorf(sql.CodeUndefinedSchema, "schema %q does not exist", old)
	}
	if builtinSchemas[name] || c.schemas[name] != nil {
		return sql.Errorf(sql.CodeDuplicateSchema, "schema %q already exists", name)
	}
	ns := *s
	ns.Name = name
	var moved []*Relation
	for _, r := range c.byOID {
		if r.Schema == old {
			nr := *r
			nr.Schema = name
			nr.Version = c.version + 1
			moved = append(moved, &nr)
		}
	}
	err := c.db.Update(func(txn *badger.Txn) error {
		buf, err := json.Marshal(&ns)
		if err != nil {
			return err
		}
		if err := txn.Delete(schemaKey(old)); err != nil {
			return err
		}
		if err := txn.Set(schemaKey(name), buf); err != nil {
			return err
		}
		for _, r := range moved {
			buf, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := txn.Set(descKey(r.OID), buf); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rename schema %s: %w", old, err)
	}
	delete(c.schemas, old)
	c.schemas[name] = &ns
	for _, r := range moved {
		delete(c.byName, old+"."+r.Name)
		c.byName[name+"."+r.Name] = r
		c.byOID[r.OID] = r
	}
	c.version++
	return nil
}

// SetSchemaOwner changes a user schema's owner.
func (c *Catalog) SetSchemaOwner(name string, owner uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.schemas[name]
	if s == nil {
		return sql.Errorf(sql.CodeUndefinedSchema, "schema %q does not exist", name)
	}
	ns := *s
	ns.Owner = owner
	buf, err := json.Marshal(&ns)
	if err != nil {
		return fmt.Errorf("encode schema %s: %w", name, err)
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(schemaKey(name), buf) }); err != nil {
		return fmt.Errorf("store schema %s: %w", name, err)
	}
	c.schemas[name] = &ns
	c.version++
	return nil
}
