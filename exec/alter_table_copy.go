package exec

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// A table whose rewrite does not fit in one Badger transaction is copied
// instead, as PostgreSQL gives a rewritten table a new relfilenode: the new
// rows and index entries are written in write batches under new OIDs,
// which no descriptor owns yet, and one transaction then swaps the new
// descriptors in for the old (catalog.CommitAlterReplacing). A crash
// before the swap leaves the copy as orphans, after it the old data, which
// the engine deletes when it opens (catalog.DropOrphans); either way the
// table is wholly old or wholly new. The table's OID changes, so the copy
// is refused while views or sinks name it by OID.

// rowsVersion is the commit version of the last write of rowsWrittenKey,
// which every statement writing the table makes; 0 if none.
func rowsVersion(txn *badger.Txn, oid uint32) (uint64, error) {
	item, err := txn.Get(rowsWrittenKey(oid))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return item.Version(), nil
}

func (s *Session) alterByCopy(ctx context.Context, p *alterPlan) error {
	old := p.old
	tooLarge := sql.Errorf(sql.CodeProgramLimitExceeded, "table %q is too large for eddy to rewrite in one transaction", old.Name)
	if len(s.readers(old)) > 0 || old.IsTemp() || isTopicTable(old) {
		return tooLarge
	}
	rtx := s.e.db.NewTransaction(false)
	defer rtx.Discard()
	ver, err := rowsVersion(rtx, old.OID)
	if err != nil {
		return err
	}
	rows, newRows, rt, err := s.computeAlterRows(ctx, rtx, p)
	if err != nil {
		return err
	}

	// The copy's descriptors: new OIDs for the table, its indexes and the
	// entries of its keys; references to the table follow it.
	n := 1 + len(p.idx)
	for _, c := range p.rel.Constraints {
		if c.Type == 'u' || c.Type == 'p' {
			n++
		}
	}
	next, err := s.e.cat.AllocOIDs(n)
	if err != nil {
		return err
	}
	alloc := func() uint32 { next++; return next - 1 }
	np := *p
	np.rel = cloneRelation(p.rel)
	np.rel.OID = alloc()
	for i := range np.rel.Constraints {
		c := &np.rel.Constraints[i]
		if c.Type == 'u' || c.Type == 'p' {
			c.IndexOID = alloc()
		}
		if c.Type == 'f' && c.RefTable == old.OID {
			c.RefTable = np.rel.OID
		}
	}
	np.fks = nil
	for _, k := range p.fks {
		if k.RefTable == old.OID {
			k.RefTable = np.rel.OID
		}
		np.fks = append(np.fks, k)
	}
	np.idx = nil
	for _, ix := range p.idx {
		c := *ix
		c.OID, c.IndexOn = alloc(), np.rel.OID
		np.idx = append(np.idx, &c)
	}
	np.others = map[uint32]*catalog.Relation{}
	for _, r := range s.e.cat.Relations() {
		if r.OID == old.OID || r.IndexOn == old.OID {
			continue
		}
		o := r
		if q := p.others[r.OID]; q != nil {
			o = q
		}
		refers := o.OwnedBy == old.OID
		for _, k := range o.Constraints {
			refers = refers || (k.Type == 'f' && k.RefTable == old.OID)
		}
		if !refers {
			if o != r {
				np.others[r.OID] = o
			}
			continue
		}
		c := cloneRelation(o)
		if c.OwnedBy == old.OID {
			c.OwnedBy = np.rel.OID
		}
		for i := range c.Constraints {
			if k := &c.Constraints[i]; k.Type == 'f' && k.RefTable == old.OID {
				k.RefTable = np.rel.OID
			}
		}
		np.others[r.OID] = c
	}
	newPrefixes := func() [][]byte {
		out := catalogPrefixes(np.rel.OID)
		for _, ix := range np.idx {
			out = append(out, catalog.ObjectPrefix(catalog.PrefixIndex, ix.OID))
		}
		for _, c := range np.rel.Constraints {
			if c.IndexOID != 0 {
				out = append(out, catalog.ObjectPrefix(catalog.PrefixIndex, c.IndexOID))
			}
		}
		return out
	}
	fail := func(err error) error {
		return errors.Join(err, catalog.DeletePrefixes(s.e.db, newPrefixes()...))
	}

	wb := s.e.db.NewWriteBatch()
	defer wb.Cancel()
	if err := s.rewriteRows(rtx, wb.Set, rt, &np, rows, newRows); err != nil {
		return fail(err)
	}
	if err := wb.Flush(); err != nil {
		return fail(fmt.Errorf("alter %s: %w", old.Name, err))
	}
	if len(np.fks) > 0 {
		ftx := s.e.db.NewTransaction(false)
		err := s.checkNewForeignKeys(ftx, rt, &np, newRows)
		ftx.Discard()
		if err != nil {
			return fail(err)
		}
	}

	txn := s.e.db.NewTransaction(true)
	defer txn.Discard()
	if err := readTracked(txn, rowsWrittenKey(old.OID)); err != nil {
		return fail(err)
	}
	if now, err := rowsVersion(txn, old.OID); err != nil {
		return fail(err)
	} else if now != ver {
		return fail(sql.Errorf("40001", "could not serialize access due to concurrent update"))
	}
	if err := txn.Set(indexesChangedKey(old.OID), nil); err != nil {
		return fail(err)
	}
	for _, k := range np.fks {
		if err := txn.Set(indexesChangedKey(k.RefTable), nil); err != nil {
			return fail(err)
		}
	}
	drop := []uint32{old.OID}
	oldPrefixes := catalogPrefixes(old.OID)
	for _, ix := range s.e.cat.Indexes(old.OID) {
		drop = append(drop, ix.OID)
		oldPrefixes = append(oldPrefixes, catalogPrefixes(ix.OID)...)
	}
	for _, c := range old.Constraints {
		if c.IndexOID != 0 {
			oldPrefixes = append(oldPrefixes, catalog.ObjectPrefix(catalog.PrefixIndex, c.IndexOID))
		}
	}
	rels := append([]*catalog.Relation{np.rel}, np.idx...)
	for _, o := range np.others {
		rels = append(rels, o)
	}
	if err := s.e.cat.CommitAlterReplacing(txn, drop, rels...); err != nil {
		if errors.Is(err, badger.ErrConflict) {
			err = sql.Errorf("40001", "could not serialize access due to concurrent update")
		}
		return fail(err)
	}
	// Unreachable now; a crash before this leaves orphans, which go when
	// the engine opens.
	return catalog.DeletePrefixes(s.e.db, oldPrefixes...)
}

// catalogPrefixes are the prefixes of everything stored under an OID.
func catalogPrefixes(oid uint32) [][]byte {
	var out [][]byte
	for _, k := range []byte{catalog.PrefixRows, catalog.PrefixSequence, catalog.PrefixIndex, catalog.PrefixState} {
		out = append(out, catalog.ObjectPrefix(k, oid))
	}
	return out
}
