package exec

import (
	"encoding/binary"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Secondary index entries, of materialized views and of tables alike. An
// entry is
//
//	PrefixIndex + index OID + AppendKey(indexed columns...) + row suffix
//
// where the row suffix is the row's key less its relation's rows prefix,
// and the entry's value is that suffix's length (uvarint): a scan finds the
// row from the entry alone, and entries of rows with equal indexed values
// stay apart. A table's UNIQUE index leaves the suffix out of the entries
// of rows without NULLs in the indexed columns, so that checking a new
// row's uniqueness is one Get, and stores the whole row key as the value
// (the layout UNIQUE constraints had before indexes served lookups); rows
// with a NULL there never conflict, so their entries keep the suffix.
//
// The key PrefixIndex + index OID alone marks the index complete: a
// statement whose snapshot predates it scans the rows instead
// (op_index_scan.go). Entries change in the same Badger transaction as the
// rows they point at (viewSink.apply for views, writer.insert and
// writer.remove for tables), so a query never sees the two disagree.

// secondaryIndex is what maintaining and reading one index needs.
type secondaryIndex struct {
	rel    *catalog.Relation // the index
	prefix []byte            // PrefixIndex + index OID, the completion marker
	rows   int               // length of the indexed relation's rows prefix
	cols   []int
	// keyed: a table's UNIQUE index, whose entries hold the row key.
	keyed bool
}

func newSecondaryIndex(on, ix *catalog.Relation) secondaryIndex {
	return secondaryIndex{
		rel:    ix,
		prefix: catalog.ObjectPrefix(catalog.PrefixIndex, ix.OID),
		rows:   len(catalog.ObjectPrefix(catalog.PrefixRows, on.OID)),
		cols:   ix.IndexColumns,
		keyed:  ix.Unique && on.Kind == catalog.KindTable,
	}
}

// indexEntryPrefix appends the key encoding of the indexed columns of row.
func indexEntryPrefix(buf []byte, cols []int, row sql.Row) []byte {
	for _, c := range cols {
		buf = sql.AppendKey(buf, row[c])
	}
	return buf
}

// entry is the index entry of a row stored under rowKey.
func (ix secondaryIndex) entry(rowKey []byte, row sql.Row) (key, val []byte) {
	suffix := rowKey[ix.rows:]
	key = indexEntryPrefix(append(make([]byte, 0, len(ix.prefix)+len(suffix)+16), ix.prefix...), ix.cols, row)
	if !ix.keyed {
		return append(key, suffix...), binary.AppendUvarint(nil, uint64(len(suffix)))
	}
	for _, c := range ix.cols {
		if row[c].IsNull() {
			return append(key, suffix...), rowKey
		}
	}
	return key, rowKey
}

// rowKey appends to buf the key of the row an entry points at; rowsPrefix
// is the indexed relation's rows prefix.
func (ix secondaryIndex) rowKey(buf, rowsPrefix, key, val []byte) ([]byte, bool) {
	if ix.keyed {
		return append(buf, val...), len(val) > len(rowsPrefix)
	}
	n, k := binary.Uvarint(val)
	if k <= 0 || n > uint64(len(key)) {
		return buf, false
	}
	return append(append(buf, rowsPrefix...), key[len(key)-int(n):]...), true
}

// A table's indexes and the transactions that write its rows meet through
// two keys under PrefixIndex + the table's OID (which no index has), so
// that Badger's conflict detection stops a transaction that would leave
// rows without entries:
//
//   - every CREATE INDEX on the table writes indexesChangedKey, and every
//     transaction that writes the table reads it (dmlTxn.guard): one that
//     started before an index was registered, and so may have written rows
//     without its entries, fails to commit after the index is built
//     (SQLSTATE 40001, which clients retry).
//   - every statement that writes the table writes rowsWrittenKey, and a
//     CREATE INDEX in a transaction block reads it: the build sees the rows
//     of its snapshot only, so it fails to commit if others committed rows
//     meanwhile.
func indexesChangedKey(table uint32) []byte {
	return append(catalog.ObjectPrefix(catalog.PrefixIndex, table), 1)
}

func rowsWrittenKey(table uint32) []byte {
	return append(catalog.ObjectPrefix(catalog.PrefixIndex, table), 2)
}
