package pgcatalog

import (
	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
)

// RelationSize answers pg_table_size (indexes false: the relation's rows
// and operator state) and pg_indexes_size (indexes true: the entries of
// its indexes) by adding up the stored size of every key under the
// relation's prefixes. Badger does not page, so this is the size of the
// data, not PostgreSQL's 8 kB-page multiples.
func RelationSize(cat *catalog.Catalog, oid uint32, indexes bool) (int64, bool) {
	if cat == nil {
		return 0, false
	}
	r := cat.ByOID(oid)
	if r == nil {
		return 0, false
	}
	var prefixes [][]byte
	if indexes {
		prefixes = append(prefixes, catalog.ObjectPrefix(catalog.PrefixIndex, oid))
		for _, x := range cat.Relations() {
			if x.Kind == catalog.KindIndex && x.IndexOn == oid {
				prefixes = append(prefixes, catalog.ObjectPrefix(catalog.PrefixIndex, x.OID))
			}
		}
	} else {
		prefixes = append(prefixes, catalog.ObjectPrefix(catalog.PrefixRows, oid), catalog.ObjectPrefix(catalog.PrefixState, oid))
	}
	var total int64
	err := cat.DB().View(func(txn *badger.Txn) error {
		for _, p := range prefixes {
			opts := badger.DefaultIteratorOptions
			opts.PrefetchValues = false
			opts.Prefix = p
			it := txn.NewIterator(opts)
			for it.Rewind(); it.ValidForPrefix(p); it.Next() {
				total += it.Item().EstimatedSize()
			}
			it.Close()
		}
		return nil
	})
	return total, err == nil
}
