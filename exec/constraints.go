package exec

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Every write to a plain table goes through a writer, which keeps the
// table's constraints and indexes: NOT NULL and CHECK on each new row,
// PRIMARY KEY and UNIQUE through the row key and index entries (PrefixIndex
// + the constraint's index OID + the encoded key -> the row's key; the
// entries of CREATE INDEX are described in index_entry.go), and
// FOREIGN KEYs at the end of the statement, where PostgreSQL's RI triggers
// fire too (so a statement may insert a parent and its child in any order).

// dmlTxn is the transaction a statement writes in.
type dmlTxn struct {
	db   *badger.DB
	disk *diskGuard
	txn  *badger.Txn
	// auto: the statement owns txn (autocommit). A statement too large for
	// one Badger transaction then commits in steps, which its journal takes
	// back if a later row fails or a crash cuts it off (step_journal.go;
	// a statement that feeds views keeps them). The alternative, buffering everything
	// and writing through a WriteBatch after validation, would need the
	// uniqueness and foreign key checks to read that buffer instead of the
	// transaction, and its memory grows with the load; bulk loads take the
	// step commits, as COPY FREEZE-style loaders in other systems do. In an
	// explicit transaction the statement fails instead.
	auto bool
	// onStep hands the new transaction to the readers of the old one.
	onStep func(*badger.Txn)
	// noStep, when it reports true, refuses the step Badger's limit would
	// force in the middle of a row: a statement that feeds views steps
	// only between rows, with the views' changes (writer.step).
	noStep func() bool
	// writes and bytes measure the open Badger transaction (nearlyFull).
	writes, bytes int
	// undo, while a savepoint is open, records what each write replaces so
	// that ROLLBACK TO SAVEPOINT can put it back.
	undo *[]undoEntry
	// guards are read and marks written again in each step's transaction
	// (index_entry.go).
	guards, marks [][]byte
	// journal, of an autocommit statement, lets a crash or a failure take
	// back its committed steps (step_journal.go).
	journal *stepJournal
}

// guard reads k so that the transaction fails to commit if another writes
// k first, and marks writes k so that a transaction that read it fails:
// the handshake between a table's writers and CREATE INDEX.
func (t *dmlTxn) guard(read, write []byte) error {
	t.guards = append(t.guards, read)
	t.marks = append(t.marks, write)
	return t.applyGuards(len(t.guards) - 1)
}

func (t *dmlTxn) applyGuards(from int) error {
	for i := from; i < len(t.guards); i++ {
		if _, err := t.txn.Get(t.guards[i]); err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if err := t.txn.Set(t.marks[i], nil); err != nil {
			return t.wrap(err)
		}
	}
	return nil
}

func (t *dmlTxn) set(k, v []byte) error {
	if err := t.remember(k); err != nil {
		return err
	}
	err := t.txn.Set(k, v)
	if errors.Is(err, badger.ErrTxnTooBig) && t.mayStep() {
		if err = t.step(); err == nil {
			err = t.txn.Set(k, v)
		}
	}
	if err == nil {
		t.journal.note(k)
	}
	t.writes++
	t.bytes += len(k) + len(v)
	return t.wrap(err)
}

func (t *dmlTxn) delete(k []byte) error {
	if err := t.remember(k); err != nil {
		return err
	}
	err := t.txn.Delete(k)
	if errors.Is(err, badger.ErrTxnTooBig) && t.mayStep() {
		if err = t.step(); err == nil {
			err = t.txn.Delete(k)
		}
	}
	if err == nil {
		t.journal.note(k)
	}
	t.writes++
	t.bytes += len(k)
	return t.wrap(err)
}

func (t *dmlTxn) mayStep() bool { return t.auto && (t.noStep == nil || !t.noStep()) }

// stepShare is the share of Badger's limits on one transaction at which a
// statement that feeds views commits a step, leaving the rest for the
// views' changes. Tests make it small.
var stepShare = 0.5

// nearlyFull reports whether the transaction, with more writes to come of
// the given bytes, uses stepShare of what Badger allows one transaction.
func (t *dmlTxn) nearlyFull(more, moreBytes int) bool {
	return float64(t.writes+more) >= stepShare*float64(t.db.MaxBatchCount()) ||
		float64(t.bytes+moreBytes) >= stepShare*float64(t.db.MaxBatchSize())
}

func (t *dmlTxn) wrap(err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return sql.Errorf(sql.CodeProgramLimitExceeded, "transaction is too large: commit in smaller transactions")
	}
	return err
}

// step commits what is written so far and goes on in a new transaction.
func (t *dmlTxn) step() error {
	if err := t.disk.check(); err != nil {
		return err
	}
	// Views fed: the step commits their changes too, and stays.
	if t.noStep != nil && t.noStep() {
		if err := t.journal.close(t.db); err != nil {
			return err
		}
	} else if err := t.journal.write(t.db); err != nil {
		return err
	}
	if err := t.txn.Commit(); err != nil {
		return fmt.Errorf("commit step: %w", err)
	}
	t.txn = t.db.NewTransaction(true)
	t.writes, t.bytes = 0, 0
	if t.onStep != nil {
		t.onStep(t.txn)
	}
	return t.applyGuards(0)
}

func (t *dmlTxn) exists(k []byte) (bool, error) {
	_, err := t.txn.Get(k)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return false, err
}

func (t *dmlTxn) getRow(k []byte, rel *catalog.Relation) (sql.Row, bool, error) {
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var row sql.Row
	err = item.Value(func(v []byte) error {
		row, err = sql.DecodeRow(v, nil)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return rel.PadRow(row), true, nil
}

// tableInfo is what writing one table needs, prepared once per statement.
type tableInfo struct {
	rel     *catalog.Relation
	checks  []tableCheck          // sorted by name: PostgreSQL reports the first failing one
	uniques []*catalog.Constraint // checked on each new row
	// uniqueCons are the UNIQUE constraints, whose entries indexKey
	// makes; indexes are the table's indexes (UNIQUE ones are in uniques
	// too), whose entries secondaryIndex makes (index_entry.go).
	uniqueCons []*catalog.Constraint
	indexes    []secondaryIndex
	fks        []*catalog.Constraint
	refs       []fkRef // foreign keys of other tables (or this one) that reference it
	rowIDs     *badger.Sequence
}

type tableCheck struct {
	name string
	fn   evalFn
}

type fkRef struct {
	child *catalog.Relation
	con   *catalog.Constraint
}

type relRow struct {
	t   *tableInfo
	row sql.Row
}

// writer applies one statement's writes.
type writer struct {
	rt      *runtime
	tx      *dmlTxn
	tables  map[uint32]*tableInfo
	added   []relRow // new rows with foreign keys to check
	removed []relRow // old rows of referenced tables
	buf     []byte
	// log gathers the changes that views read; views maintains them, in
	// chunks while chunked (no savepoint could take a chunk back).
	log     *changeLog
	views   *viewTxn
	chunked bool
}

// logChange records a change of rel for the views that read it.
func (w *writer) logChange(rel *catalog.Relation, row sql.Row, d int64) error {
	if w.log == nil {
		return nil
	}
	w.log.add(w.rt.s.e, rel.OID, row, d)
	if w.chunked && len(w.log.changes) >= feedChunk {
		if err := w.views.feed(w.rt.ctx, w.log); err != nil {
			return err
		}
	}
	if w.tx.auto && w.feedsViews() && w.tx.nearlyFull(w.views.pending()) {
		return w.step()
	}
	return nil
}

// feedsViews reports whether the statement's changes reach views.
func (w *writer) feedsViews() bool {
	return w.log != nil && (len(w.log.changes) > 0 || len(w.views.flows) > 0)
}

// step commits an autocommit statement's writes so far, which a statement
// too large for one Badger transaction does in steps, together with what
// they change in the views: then whatever stops the statement later (a
// failing row, a crash) leaves every view equal to its query over the
// committed rows.
func (w *writer) step() error {
	if err := w.views.commit(w.rt.ctx, w.log, w.tx.txn.Set, w.tx.txn.Delete); err != nil {
		return w.tx.wrap(err)
	}
	if err := w.tx.step(); err != nil {
		return err
	}
	w.views.restart(w.tx.txn.ReadTs())
	return nil
}

// truncateRows deletes the rows of a table that views read, for TRUNCATE,
// one by one, so that the views retract each; the rows of other tables go
// with their prefix (deletePrefix), and the change is only noted
// (changeLog.add).
func (w *writer) truncateRows(rel *catalog.Relation) error {
	if w.log == nil {
		return nil
	}
	if !w.rt.s.e.flows.isWatched(rel.OID) {
		w.log.skip(rel.OID)
		return nil
	}
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
	for {
		// A bounded run at a time, read before it is deleted: deleting
		// could step the transaction under the iterator.
		var keys [][]byte
		var rows []sql.Row
		it := w.tx.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		for it.Rewind(); it.Valid() && len(keys) < 10000; it.Next() {
			err := it.Item().Value(func(v []byte) error {
				row, err := sql.DecodeRow(v, nil)
				rows = append(rows, rel.PadRow(row))
				return err
			})
			if err != nil {
				it.Close()
				return fmt.Errorf("truncate %s: %w", rel.Name, err)
			}
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		if len(keys) == 0 {
			return nil
		}
		for i, k := range keys {
			if err := w.tx.delete(k); err != nil {
				return err
			}
			if err := w.logChange(rel, rows[i], -1); err != nil {
				return err
			}
		}
		if err := w.rt.ctx.Err(); err != nil {
			return err
		}
	}
}

func (s *Session) newWriter(rt *runtime, tx *dmlTxn) *writer {
	return &writer{rt: rt, tx: tx, tables: map[uint32]*tableInfo{}}
}

func (w *writer) info(rel *catalog.Relation) (*tableInfo, error) {
	if t, ok := w.tables[rel.OID]; ok {
		return t, nil
	}
	t := &tableInfo{rel: rel}
	if err := w.tx.guard(indexesChangedKey(rel.OID), rowsWrittenKey(rel.OID)); err != nil {
		return nil, fmt.Errorf("write %s: %w", rel.Name, err)
	}
	for i := range rel.Constraints {
		c := &rel.Constraints[i]
		switch c.Type {
		case 'u':
			t.uniques = append(t.uniques, c)
			t.uniqueCons = append(t.uniqueCons, c)
		case 'f':
			t.fks = append(t.fks, c)
		case 'c':
			x, err := w.rt.s.e.planner.BindTableExpr(rel, c.Check, "CHECK")
			if err != nil {
				return nil, fmt.Errorf("check constraint %s: %w", c.Name, err)
			}
			fn, err := w.rt.compile(x)
			if err != nil {
				return nil, fmt.Errorf("check constraint %s: %w", c.Name, err)
			}
			t.checks = append(t.checks, tableCheck{name: c.Name, fn: fn})
		}
	}
	for _, r := range w.rt.s.e.cat.Indexes(rel.OID) {
		t.indexes = append(t.indexes, newSecondaryIndex(rel, r))
		if r.Unique {
			t.uniques = append(t.uniques, uniqueIndexConstraint(r))
		}
	}
	sort.Slice(t.checks, func(i, j int) bool { return t.checks[i].name < t.checks[j].name })
	for _, r := range w.rt.s.e.cat.Relations() {
		for i := range r.Constraints {
			if c := &r.Constraints[i]; c.Type == 'f' && c.RefTable == rel.OID {
				t.refs = append(t.refs, fkRef{child: r, con: c})
			}
		}
	}
	if rel.PrimaryKey == nil {
		seq, err := w.rt.s.e.rowIDs(rel.OID)
		if err != nil {
			return nil, err
		}
		t.rowIDs = seq
	}
	w.tables[rel.OID] = t
	return t, nil
}

// failingRow renders a row for PostgreSQL's "Failing row contains (...)".
func (w *writer) failingRow(rel *catalog.Relation, row sql.Row) string {
	parts := make([]string, len(row))
	for i, v := range row {
		if v.IsNull() {
			parts[i] = "null"
		} else {
			parts[i] = sql.FormatText(v, rel.Columns[i].Type, w.rt.loc())
		}
	}
	return "Failing row contains (" + strings.Join(parts, ", ") + ")."
}

// keyText renders "(a, b)=(1, 2)" for key violation details.
func (w *writer) keyText(rel *catalog.Relation, cols []int, vals []sql.Value) string {
	names := make([]string, len(cols))
	texts := make([]string, len(cols))
	for i, c := range cols {
		names[i] = rel.Columns[c].Name
		if vals[i].IsNull() {
			texts[i] = "null"
		} else {
			texts[i] = sql.FormatText(vals[i], rel.Columns[c].Type, w.rt.loc())
		}
	}
	return "(" + strings.Join(names, ", ") + ")=(" + strings.Join(texts, ", ") + ")"
}

func pick(row sql.Row, cols []int) []sql.Value {
	out := make([]sql.Value, len(cols))
	for i, c := range cols {
		out[i] = row[c]
	}
	return out
}

// validate checks NOT NULL and CHECK constraints on a new row.
func (w *writer) validate(t *tableInfo, row sql.Row) error {
	rel := t.rel
	for i, c := range rel.Columns {
		if c.NotNull && row[i].IsNull() {
			return &sql.Error{Code: sql.CodeNotNullViolation,
				Message: fmt.Sprintf("null value in column %q of relation %q violates not-null constraint", c.Name, rel.Name),
				Detail:  w.failingRow(rel, row)}
		}
	}
	for _, c := range t.checks {
		v, err := c.fn(row)
		if err != nil {
			return err
		}
		if !v.IsNull() && !v.Bool() {
			return &sql.Error{Code: sql.CodeCheckViolation,
				Message: fmt.Sprintf("new row for relation %q violates check constraint %q", rel.Name, c.name),
				Detail:  w.failingRow(rel, row)}
		}
	}
	return nil
}

// indexKey is the unique index entry of row under c, or nil when a column
// is NULL (NULLs never conflict).
func indexKey(c *catalog.Constraint, row sql.Row) []byte {
	key := catalog.ObjectPrefix(catalog.PrefixIndex, c.IndexOID)
	for _, i := range c.Columns {
		if row[i].IsNull() {
			return nil
		}
		key = sql.AppendKey(key, row[i])
	}
	return key
}

func pkName(rel *catalog.Relation) string {
	for _, c := range rel.Constraints {
		if c.Type == 'p' {
			return c.Name
		}
	}
	return rel.Name + "_pkey"
}

func (w *writer) uniqueErr(rel *catalog.Relation, name string, cols []int, row sql.Row) error {
	return &sql.Error{Code: sql.CodeUniqueViolation, Constraint: name,
		Message: fmt.Sprintf("duplicate key value violates unique constraint %q", name),
		Detail:  fmt.Sprintf("Key %s already exists.", w.keyText(rel, cols, pick(row, cols)))}
}

// conflict finds a stored row that row would collide with on the primary
// key or a unique constraint (only on the one over target when it is not
// nil). It returns that row's key, and which constraint.
func (w *writer) conflict(t *tableInfo, row sql.Row, target []int) (key []byte, name string, cols []int, err error) {
	rel := t.rel
	if rel.PrimaryKey != nil && (target == nil || catalog.SameColumnSet(target, rel.PrimaryKey)) {
		k := rowKey(rel, row, 0)
		ok, err := w.tx.exists(k)
		if err != nil || ok {
			return k, pkName(rel), rel.PrimaryKey, err
		}
	}
	for _, c := range t.uniques {
		if target != nil && !catalog.SameColumnSet(target, c.Columns) {
			continue
		}
		ik := indexKey(c, row)
		if ik == nil {
			continue
		}
		item, err := w.tx.txn.Get(ik)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, "", nil, err
		}
		k, err := item.ValueCopy(nil)
		return k, c.Name, c.Columns, err
	}
	return nil, "", nil, nil
}

// insert writes a new row after checking it; key is the row's old key when
// an UPDATE rewrites a row of a table without a primary key (nil otherwise).
func (w *writer) insert(t *tableInfo, row sql.Row, key []byte) error {
	if err := w.validate(t, row); err != nil {
		return err
	}
	rel := t.rel
	if rel.PrimaryKey != nil {
		key = nil
	}
	if key, name, cols, err := w.conflict(t, row, nil); err != nil {
		return err
	} else if key != nil {
		return w.uniqueErr(rel, name, cols, row)
	}
	if key == nil {
		var id uint64
		if t.rowIDs != nil {
			var err error
			if id, err = t.rowIDs.Next(); err != nil {
				return fmt.Errorf("row id: %w", err)
			}
		}
		key = rowKey(rel, row, id)
	}
	w.buf = sql.AppendRow(w.buf[:0], row)
	if err := w.tx.set(key, bytes.Clone(w.buf)); err != nil {
		return fmt.Errorf("insert into %s: %w", rel.Name, err)
	}
	for _, c := range t.uniqueCons {
		if ik := indexKey(c, row); ik != nil {
			if err := w.tx.set(ik, key); err != nil {
				return fmt.Errorf("insert into %s: %w", rel.Name, err)
			}
		}
	}
	for _, ix := range t.indexes {
		if err := w.tx.set(ix.entry(key, row)); err != nil {
			return fmt.Errorf("insert into %s: %w", rel.Name, err)
		}
	}
	if len(t.fks) > 0 {
		w.added = append(w.added, relRow{t, row})
	}
	return w.logChange(rel, row, 1)
}

// remove deletes a stored row and its index entries.
func (w *writer) remove(t *tableInfo, key []byte, row sql.Row) error {
	if t.rel.AppendOnly {
		// UPDATE and DELETE are refused when planned; this catches what a
		// foreign key's ON DELETE/UPDATE action would do.
		return sql.Errorf(sql.CodeWrongObjectType, "cannot change rows of append-only table %q", t.rel.Name)
	}
	if err := w.tx.delete(key); err != nil {
		return fmt.Errorf("delete from %s: %w", t.rel.Name, err)
	}
	for _, c := range t.uniqueCons {
		if ik := indexKey(c, row); ik != nil {
			if err := w.tx.delete(ik); err != nil {
				return fmt.Errorf("delete from %s: %w", t.rel.Name, err)
			}
		}
	}
	for _, ix := range t.indexes {
		k, _ := ix.entry(key, row)
		if err := w.tx.delete(k); err != nil {
			return fmt.Errorf("delete from %s: %w", t.rel.Name, err)
		}
	}
	if len(t.refs) > 0 {
		w.removed = append(w.removed, relRow{t, row})
	}
	return w.logChange(t.rel, row, -1)
}

// hasKey reports whether rel holds a row whose cols equal vals; cols must
// be the primary key or a unique constraint (CREATE TABLE made sure).
func (w *writer) hasKey(rel *catalog.Relation, cols []int, vals []sql.Value) (bool, error) {
	row := make(sql.Row, len(rel.Columns))
	for i := range row {
		row[i] = sql.Null
	}
	for i, c := range cols {
		row[c] = vals[i]
	}
	if rel.PrimaryKey != nil && catalog.SameColumnSet(cols, rel.PrimaryKey) {
		return w.tx.exists(rowKey(rel, row, 0))
	}
	for i := range rel.Constraints {
		if c := &rel.Constraints[i]; c.Type == 'u' && catalog.SameColumnSet(cols, c.Columns) {
			return w.tx.exists(indexKey(c, row))
		}
	}
	return false, fmt.Errorf("no unique key on %s matches a foreign key", rel.Name)
}

// finish runs the foreign key checks and actions the statement's writes
// call for; actions (CASCADE, SET NULL) write more rows, which are checked
// in turn.
func (w *writer) finish() error {
	for len(w.removed) > 0 || len(w.added) > 0 {
		if len(w.removed) > 0 {
			rm := w.removed
			w.removed = nil
			if err := w.referencedRemoved(rm); err != nil {
				return err
			}
			continue
		}
		ad := w.added
		w.added = nil
		for _, r := range ad {
			if err := w.checkReferences(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkReferences checks that the rows a new row references exist.
func (w *writer) checkReferences(r relRow) error {
	for _, fk := range r.t.fks {
		vals := pick(r.row, fk.Columns)
		if anyNull(vals) {
			continue // MATCH SIMPLE
		}
		parent := w.rt.s.e.cat.ByOID(fk.RefTable)
		if parent == nil {
			continue
		}
		ok, err := w.hasKey(parent, fk.RefColumns, vals)
		if err != nil {
			return err
		}
		if !ok {
			return &sql.Error{Code: sql.CodeForeignKeyViolation,
				Message: fmt.Sprintf("insert or update on table %q violates foreign key constraint %q", r.t.rel.Name, fk.Name),
				Detail:  fmt.Sprintf("Key %s is not present in table %q.", w.keyText(r.t.rel, fk.Columns, vals), parent.Name)}
		}
	}
	return nil
}

// referencedRemoved applies the foreign key actions for rows gone from
// referenced tables whose keys no other row still provides.
func (w *writer) referencedRemoved(rows []relRow) error {
	type pending struct {
		ref  fkRef
		t    *tableInfo
		keys map[string][]sql.Value
	}
	var work []*pending
	byRef := map[*catalog.Constraint]*pending{}
	for _, r := range rows {
		for _, ref := range r.t.refs {
			vals := pick(r.row, ref.con.RefColumns)
			if anyNull(vals) {
				continue
			}
			if still, err := w.hasKey(r.t.rel, ref.con.RefColumns, vals); err != nil {
				return err
			} else if still {
				continue
			}
			p := byRef[ref.con]
			if p == nil {
				p = &pending{ref: ref, t: r.t, keys: map[string][]sql.Value{}}
				byRef[ref.con] = p
				work = append(work, p)
			}
			p.keys[string(encodeVals(vals))] = vals
		}
	}
	for _, p := range work {
		child, err := w.info(p.ref.child)
		if err != nil {
			return err
		}
		con := p.ref.con
		keys, crow, err := w.matching(child, con.Columns, p.keys)
		if err != nil {
			return err
		}
		for i, key := range keys {
			switch con.OnDelete {
			case "cascade":
				if err := w.remove(child, key, crow[i]); err != nil {
					return err
				}
			case "set null":
				nr := append(sql.Row(nil), crow[i]...)
				for _, c := range con.Columns {
					nr[c] = sql.Null
				}
				if err := w.remove(child, key, crow[i]); err != nil {
					return err
				}
				if err := w.insert(child, nr, key); err != nil {
					return err
				}
			default:
				parent := p.t.rel
				return &sql.Error{Code: sql.CodeForeignKeyViolation,
					Message: fmt.Sprintf("update or delete on table %q violates foreign key constraint %q on table %q", parent.Name, con.Name, child.rel.Name),
					Detail:  fmt.Sprintf("Key %s is still referenced from table %q.", w.keyText(parent, con.RefColumns, pick(crow[i], con.Columns)), child.rel.Name)}
			}
		}
	}
	return nil
}

func encodeVals(vals []sql.Value) []byte {
	var b []byte
	for _, v := range vals {
		b = sql.AppendKey(b, v)
	}
	return b
}

// matching scans a table for the rows whose cols hold one of keys.
func (w *writer) matching(t *tableInfo, cols []int, keys map[string][]sql.Value) ([][]byte, []sql.Row, error) {
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, t.rel.OID)
	it := w.tx.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	var outKeys [][]byte
	var outRows []sql.Row
	for it.Rewind(); it.Valid(); it.Next() {
		var row sql.Row
		if err := it.Item().Value(func(v []byte) error {
			var err error
			row, err = sql.DecodeRow(v, nil)
			return err
		}); err != nil {
			return nil, nil, err
		}
		row = t.rel.PadRow(row)
		vals := pick(row, cols)
		if anyNull(vals) {
			continue
		}
		if _, ok := keys[string(encodeVals(vals))]; ok {
			outKeys = append(outKeys, it.Item().KeyCopy(nil))
			outRows = append(outRows, row)
		}
	}
	return outKeys, outRows, nil
}

// deletePrefix deletes every key under prefix.
func (w *writer) deletePrefix(prefix []byte) error {
	from := prefix
	for {
		// Collect a bounded run of keys first: deleting while iterating
		// could step the transaction under the iterator.
		var keys [][]byte
		it := w.tx.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		for it.Seek(from); it.Valid() && len(keys) < 10000; it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			if err := w.tx.delete(k); err != nil {
				return err
			}
		}
		from = append(keys[len(keys)-1], 0)
		if err := w.rt.ctx.Err(); err != nil {
			return err
		}
	}
}
