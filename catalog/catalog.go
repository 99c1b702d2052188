package catalog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// Key prefixes in the shared Badger database. Every owner of keys (catalog,
// table data, operator state) takes one prefix byte so they can never collide.
const (
	PrefixCatalog  byte = 0x01
	PrefixRows     byte = 0x02
	PrefixSequence byte = 0x03
	PrefixIndex    byte = 0x04
	PrefixState    byte = 0x05
	PrefixMeta     byte = 0x06
	PrefixRole     byte = 0x07
)

// FirstUserOID is where user objects start, as in PostgreSQL, so that the
// OIDs of built-in types and catalog relations never clash with them.
const FirstUserOID = 16384

var nextOIDKey = []byte{PrefixMeta, 'o', 'i', 'd'}

// Catalog is the set of relations. Readers get immutable descriptors: a change
// replaces the descriptor, so a plan built from one never sees it half-changed.
type Catalog struct {
	db *badger.DB

	mu      sync.RWMutex
	byOID   map[uint32]*Relation
	byName  map[string]*Relation // "schema.name"
	nextOID uint32
	version uint64 // bumped by every change; lets callers cache plans

	roles   roleSet              // roles.go
	funcs   map[uint32]*Function // function.go
	schemas map[string]*Schema   // schema.go: user schemas by name
}

// Open loads the catalog stored in db.
func Open(db *badger.DB) (*Catalog, error) {
	c := &Catalog{db: db, byOID: map[uint32]*Relation{}, byName: map[string]*Relation{}, nextOID: FirstUserOID}
	err := db.View(func(txn *badger.Txn) error {
		if item, err := txn.Get(nextOIDKey); err == nil {
			if err := item.Value(func(v []byte) error {
				if len(v) != 4 {
					return fmt.Errorf("next oid: bad length %d", len(v))
				}
				c.nextOID = binary.BigEndian.Uint32(v)
				return nil
			}); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{PrefixCatalog}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r Relation
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &r) }); err != nil {
				return fmt.Errorf("decode descriptor %x: %w", it.Item().Key(), err)
			}
			if err := r.decodeMissing(); err != nil {
				return err
			}
			c.byOID[r.OID] = &r
			c.byName[r.Schema+"."+r.Name] = &r
		}
		if err := c.loadFunctions(txn); err != nil {
			return err
		}
		if err := c.loadSchemas(txn); err != nil {
			return err
		}
		return c.roles.load(txn)
	})
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	if err := c.dropOrphanTemps(); err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	return c, nil
}

// DB is the Badger database that the catalog shares with table data.
func (c *Catalog) DB() *badger.DB { return c.db }

// Version changes whenever any descriptor does.
func (c *Catalog) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// Lookup finds a relation by schema and name; an empty schema searches the
// path (public). It returns nil when there is none.
func (c *Catalog) Lookup(schema, name string) *Relation {
	if schema == "" {
		schema = "public"
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byName[schema+"."+name]
}

// ByOID finds a relation by OID, or nil.
func (c *Catalog) ByOID(oid uint32) *Relation {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byOID[oid]
}

// Relations returns every relation, ordered by OID.
func (c *Catalog) Relations() []*Relation {
	c.mu.RLock()
	out := make([]*Relation, 0, len(c.byOID))
	for _, r := range c.byOID {
		out = append(out, r)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// Dependents returns the relations that depend on oid (views over it, its
// indexes and the foreign keys that reference it).
func (c *Catalog) Dependents(oid uint32) []*Relation {
	var out []*Relation
	for _, r := range c.Relations() {
		if r.OID == oid {
			continue
		}
		dep := r.IndexOn == oid
		for _, d := range r.DependsOn {
			dep = dep || d == oid
		}
		for _, k := range r.Constraints {
			dep = dep || (k.Type == 'f' && k.RefTable == oid)
		}
		if dep {
			out = append(out, r)
		}
	}
	return out
}

// Indexes returns the indexes on the relation oid, ordered by OID.
func (c *Catalog) Indexes(oid uint32) []*Relation {
	var out []*Relation
	c.mu.RLock()
	for _, r := range c.byOID {
		if r.Kind == KindIndex && r.IndexOn == oid {
			out = append(out, r)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// AllocOIDs reserves n consecutive OIDs and returns the first.
func (c *Catalog) AllocOIDs(n int) (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := c.nextOID
	next := first + uint32(n)
	var buf [4]byte
	binary.BigEndian.PutUint32(buf[:], next)
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(nextOIDKey, buf[:]) }); err != nil {
		return 0, fmt.Errorf("allocate oid: %w", err)
	}
	c.nextOID = next
	return first, nil
}

// Put stores a new or changed descriptor. A new relation's name must be free.
func (c *Catalog) Put(r *Relation) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := r.Schema + "." + r.Name
	if old, ok := c.byName[key]; ok && old.OID != r.OID {
		return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", r.Name)
	}
	r.Version = c.version + 1
	buf, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode descriptor %s: %w", key, err)
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(descKey(r.OID), buf) }); err != nil {
		return fmt.Errorf("store descriptor %s: %w", key, err)
	}
	if old, ok := c.byOID[r.OID]; ok {
		delete(c.byName, old.Schema+"."+old.Name)
	}
	c.byOID[r.OID] = r
	c.byName[key] = r
	c.version++
	return nil
}

// Delete removes descriptors and everything stored under their OIDs (rows,
// index entries, sequence values, operator state).
func (c *Catalog) Delete(oids ...uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.db.Update(func(txn *badger.Txn) error {
		for _, oid := range oids {
			if err := txn.Delete(descKey(oid)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete descriptors: %w", err)
	}
	for _, oid := range oids {
		if r, ok := c.byOID[oid]; ok {
			delete(c.byName, r.Schema+"."+r.Name)
			delete(c.byOID, oid)
		}
	}
	c.version++
	var prefixes [][]byte
	for _, oid := range oids {
		for _, p := range []byte{PrefixRows, PrefixSequence, PrefixIndex, PrefixState} {
			prefixes = append(prefixes, ObjectPrefix(p, oid))
		}
	}
	if err := DeletePrefixes(c.db, prefixes...); err != nil {
		return fmt.Errorf("drop data: %w", err)
	}
	return nil
}

// ObjectPrefix is the key prefix of everything of one kind stored for an object.
func ObjectPrefix(kind byte, oid uint32) []byte {
	b := make([]byte, 5, 32)
	b[0] = kind
	binary.BigEndian.PutUint32(b[1:], oid)
	return b
}

func descKey(oid uint32) []byte { return ObjectPrefix(PrefixCatalog, oid) }
