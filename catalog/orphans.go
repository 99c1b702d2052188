package catalog

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Data written for an object sits under prefixes that carry its OID
// (ObjectPrefix), apart from its descriptor. DDL writes the data first and
// the descriptor last (CREATE MATERIALIZED VIEW loads in many Badger
// transactions, CREATE SINK queues the view's rows), and DROP deletes the
// descriptors first and the data after, so a crash in between never leaves
// a descriptor over missing or half-written data: it leaves data that no
// descriptor owns, which nothing reads. Orphans finds it and DropOrphans,
// run when the engine opens, deletes it.

// dataPrefixes are the kinds of keys stored per object OID.
var dataPrefixes = []byte{PrefixRows, PrefixSequence, PrefixIndex, PrefixState}

// owners returns the OIDs that may own data: every relation's, and the
// constraints' and the indexes that enforce them (which are not relations
// of their own).
func (c *Catalog) owners() map[uint32]bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[uint32]bool, len(c.byOID))
	for oid, r := range c.byOID {
		out[oid] = true
		for _, k := range r.Constraints {
			out[k.OID] = true
			if k.IndexOID != 0 {
				out[k.IndexOID] = true
			}
		}
	}
	return out
}

// Orphans lists the data prefixes (kind byte and OID) under which keys
// exist that belong to no object of the catalog. It seeks from one OID to
// the next, so it costs one seek per object, not one step per key.
func (c *Catalog) Orphans() ([][]byte, error) {
	owned := c.owners()
	var out [][]byte
	err := c.db.View(func(txn *badger.Txn) error {
		for _, kind := range dataPrefixes {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kind}})
			for it.Rewind(); it.Valid(); {
				k := it.Item().Key()
				if len(k) < 5 {
					// Nothing writes such a key, and a prefix of it would
					// cover objects' data: leave it.
					it.Next()
					continue
				}
				oid := binary.BigEndian.Uint32(k[1:5])
				if !owned[oid] {
					out = append(out, ObjectPrefix(kind, oid))
				}
				if oid == ^uint32(0) {
					break
				}
				it.Seek(ObjectPrefix(kind, oid+1))
			}
			it.Close()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find orphaned data: %w", err)
	}
	return out, nil
}

// DropOrphans deletes the data that belongs to no object and returns the
// prefixes it deleted. It must run before anything writes under a new OID
// whose descriptor is not stored yet: when the engine opens.
func (c *Catalog) DropOrphans() ([][]byte, error) {
	orphans, err := c.Orphans()
	if err != nil || len(orphans) == 0 {
		return nil, err
	}
	if err := DeletePrefixes(c.db, orphans...); err != nil {
		return nil, fmt.Errorf("drop orphaned data: %w", err)
	}
	return orphans, nil
}
