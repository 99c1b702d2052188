package exec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// runDML runs f with a writer in the open transaction, or in a new one that
// commits when f and the foreign key checks succeed (autocommit).
func (s *Session) runDML(ctx context.Context, params []sql.Value, f func(w *writer) error) error {
	w, end := s.startDML(ctx, params)
	err := f(w)
	return end(err)
}

// startDML opens a writer for a statement whose writes arrive over time
// (COPY FROM). end finishes it: with a nil error it runs the foreign key
// checks and, in autocommit, commits; otherwise it discards the writes of
// an autocommit statement. end returns the statement's outcome.
func (s *Session) startDML(ctx context.Context, params []sql.Value) (*writer, func(error) error) {
	if s.txn != nil {
		rt := s.newRuntime(ctx, s.txn, params)
		w := s.newWriter(rt, &dmlTxn{db: s.e.db, txn: s.txn, undo: s.undoLog()})
		w.log, w.views, w.chunked = &s.changes, &s.views, len(s.savepoints) == 0
		return w, func(err error) error {
			if err != nil {
				return err
			}
			return w.finish()
		}
	}
	txn := s.e.db.NewTransaction(true)
	rt := s.newRuntime(ctx, txn, params)
	tx := &dmlTxn{db: s.e.db, disk: s.e.disk, txn: txn, auto: true, onStep: func(t *badger.Txn) { rt.txn = t },
		journal: newStepJournal()}
	w := s.newWriter(rt, tx)
	w.log, w.views, w.chunked = &changeLog{}, &viewTxn{e: s.e, readTs: txn.ReadTs()}, true
	tx.noStep = w.feedsViews
	return w, func(err error) (rerr error) {
		defer tx.txn.Discard()
		defer w.views.end()
		// A statement that fails after committing steps takes them back
		// (step_journal.go); one that commits drops its journal.
		defer func() {
			if rerr != nil {
				if uerr := tx.journal.undo(s.e.db); uerr != nil {
					rerr = errors.Join(rerr, uerr)
				}
			} else if derr := tx.journal.drop(s.e.db); derr != nil {
				s.e.log.Warn("delete a statement's journal", "err", derr)
			}
		}()
		if err != nil {
			return err
		}
		if err := w.finish(); err != nil {
			return err
		}
		if err := w.views.commit(ctx, w.log, tx.set, tx.delete); err != nil {
			return err
		}
		if err := s.e.disk.check(); err != nil {
			return err
		}
		if tx.journal.steps > 0 && !tx.journal.off {
			if err := tx.set(journalDoneKey(tx.journal.id), nil); err != nil {
				return err
			}
		}
		if err := tx.txn.Commit(); err != nil {
			if errors.Is(err, badger.ErrConflict) {
				return sql.Errorf("40001", "could not serialize access due to concurrent update")
			}
			return fmt.Errorf("commit: %w", err)
		}
		w.views.published()
		return nil
	}
}

// rowKey is the Badger key of a row: the primary key's encoding, or a row id.
func rowKey(rel *catalog.Relation, row sql.Row, rowid uint64) []byte {
	key := catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
	if rel.PrimaryKey == nil {
		return binary.BigEndian.AppendUint64(key, rowid)
	}
	for _, i := range rel.PrimaryKey {
		key = sql.AppendKey(key, row[i])
	}
	return key
}

// returning evaluates a RETURNING list over the rows a statement wrote.
type returning struct {
	fns  []evalFn
	rows []sql.Row
}

func (w *writer) returning(r planner.Returning) (*returning, error) {
	if r.Returning == nil {
		return nil, nil
	}
	fns, err := w.rt.compileAll(r.Returning)
	if err != nil {
		return nil, err
	}
	return &returning{fns: fns}, nil
}

func (r *returning) add(row sql.Row) error {
	if r == nil {
		return nil
	}
	out := make(sql.Row, len(r.fns))
	for i, f := range r.fns {
		v, err := f(row)
		if err != nil {
			return err
		}
		out[i] = v
	}
	r.rows = append(r.rows, out)
	return nil
}

// dmlResult is a DML statement's tag, with the RETURNING rows if any.
func dmlResult(tag string, count int, ret *returning) server.Result {
	if ret == nil {
		return &tagResult{tag: fmt.Sprintf("%s %d", tag, count)}
	}
	return &rowsResult{op: newSliceOp(ret.rows), tag: tag}
}

func (s *Session) prepareInsert(stmt sql.Statement, paramTypes []sql.Type) (*statement, error) {
	plan, err := s.planner().PlanInsert(stmt, paramTypes)
	if err != nil {
		return nil, err
	}
	if plan.Table.Kind == catalog.KindSource {
		return s.prepareSourceInsert(plan)
	}
	return s.dmlStatement(plan.Params, plan.Access, plan.Returning, "INSERT 0", func(w *writer, ret *returning) (int, error) {
		rows, err := w.rt.collect(w.rt.ctx, plan.Source, -1)
		if err != nil {
			return 0, err
		}
		return w.insertRows(plan.Table, rows, plan.OnConflict, ret)
	}), nil
}

// dmlStatement holds what INSERT, UPDATE and DELETE share: the parameters,
// the RETURNING shape, one writer per execution and the command tag. body
// returns how many rows it changed.
func (s *Session) dmlStatement(params []sql.Type, access []planner.Access, retList planner.Returning, tag string, body func(w *writer, ret *returning) (int, error)) *statement {
	st := &statement{s: s, params: params, cols: returningColumns(retList), access: access}
	st.run = func(ctx context.Context, values []sql.Value) (server.Result, error) {
		count := 0
		var ret *returning
		err := s.runDML(ctx, values, func(w *writer) error {
			var err error
			if ret, err = w.returning(retList); err != nil {
				return err
			}
			count, err = body(w, ret)
			return err
		})
		if err != nil {
			return nil, err
		}
		return dmlResult(tag, count, ret), nil
	}
	return st
}

func returningColumns(r planner.Returning) []server.Column {
	if r.Returning == nil {
		return nil
	}
	return columnsOf(r.ReturningCols)
}

// insertRows inserts rows (in table column order), resolving conflicts as
// ON CONFLICT says; it returns how many rows were inserted or updated.
func (w *writer) insertRows(rel *catalog.Relation, rows []sql.Row, oc *planner.OnConflict, ret *returning) (int, error) {
	t, err := w.info(rel)
	if err != nil {
		return 0, err
	}
	var sets []evalFn
	var where evalFn
	if oc != nil && oc.Set != nil {
		sets = make([]evalFn, len(oc.Set))
		for i, e := range oc.Set {
			if e != nil {
				if sets[i], err = w.rt.compile(e); err != nil {
					return 0, err
				}
			}
		}
		if oc.Where != nil {
			if where, err = w.rt.compile(oc.Where); err != nil {
				return 0, err
			}
		}
	}
	count := 0
	var touched map[string]bool
	for _, row := range rows {
		if err := w.rt.ctx.Err(); err != nil {
			return count, err
		}
		if oc != nil {
			key, _, _, err := w.conflict(t, row, oc.Columns)
			if err != nil {
				return count, err
			}
			if key != nil {
				if sets == nil {
					continue // DO NOTHING
				}
				if touched[string(key)] && !oc.Repeat {
					return count, &sql.Error{Code: sql.CodeCardinalityViolation,
						Message: "ON CONFLICT DO UPDATE command cannot affect row a second time",
						Hint:    "Ensure that no rows proposed for insertion within the same command have duplicate constrained values."}
				}
				old, ok, err := w.tx.getRow(key, rel)
				if err != nil {
					return count, err
				}
				if !ok {
					return count, fmt.Errorf("exec: index entry without row in %s", rel.Name)
				}
				both := append(append(sql.Row(nil), old...), row...)
				if where != nil {
					v, err := where(both)
					if err != nil {
						return count, err
					}
					if v.IsNull() || !v.Bool() {
						continue
					}
				}
				nr := append(sql.Row(nil), old...)
				for c, f := range sets {
					if f == nil {
						continue
					}
					if nr[c], err = f(both); err != nil {
						return count, err
					}
				}
				if err := w.remove(t, key, old); err != nil {
					return count, err
				}
				if err := w.insert(t, nr, key); err != nil {
					return count, err
				}
				if touched == nil {
					touched = map[string]bool{}
				}
				touched[string(rowKeyAfter(rel, nr, key))] = true
				if err := ret.add(nr); err != nil {
					return count, err
				}
				count++
				continue
			}
		}
		if err := w.insert(t, row, nil); err != nil {
			return count, err
		}
		if oc != nil && sets != nil && rel.PrimaryKey != nil {
			if touched == nil {
				touched = map[string]bool{}
			}
			touched[string(rowKey(rel, row, 0))] = true
		}
		if err := ret.add(row); err != nil {
			return count, err
		}
		count++
	}
	return count, nil
}

// rowKeyAfter is the key a rewritten row is stored under.
func rowKeyAfter(rel *catalog.Relation, row sql.Row, old []byte) []byte {
	if rel.PrimaryKey == nil {
		return old
	}
	return rowKey(rel, row, 0)
}

// rowIDs hands out row ids for a table without a primary key.
func (e *Engine) rowIDs(oid uint32) (*badger.Sequence, error) {
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	if seq, ok := e.seqs[oid]; ok {
		return seq, nil
	}
	seq, err := e.db.GetSequence(catalog.ObjectPrefix(catalog.PrefixSequence, oid), 1024)
	if err != nil {
		return nil, fmt.Errorf("row id sequence: %w", err)
	}
	e.seqs[oid] = seq
	return seq, nil
}

// scanKeys runs a DML source plan and returns each row with its key.
func (rt *runtime) scanKeys(rel *catalog.Relation, src planner.Node) ([]sql.Row, [][]byte, error) {
	if _, ok := findScan(src); !ok {
		return nil, nil, errUnsupported("DML over a view")
	}
	op, err := rt.build(src)
	if err != nil {
		return nil, nil, err
	}
	var rows []sql.Row
	err = drain(rt.ctx, op, func(r sql.Row, d int64) error {
		rows = expand(r, d, rows)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	keys := make([][]byte, len(rows))
	if rel.PrimaryKey != nil {
		for i, r := range rows {
			keys[i] = rowKey(rel, r, 0)
		}
		return rows, keys, nil
	}
	// Without a primary key, find each row's id by matching the stored rows.
	return rt.matchRowIDs(rel, rows)
}

func findScan(n planner.Node) (*planner.Scan, bool) {
	for {
		switch x := n.(type) {
		case *planner.Scan:
			return x, true
		case *planner.Filter:
			n = x.Input
		default:
			return nil, false
		}
	}
}

// matchRowIDs pairs rows of a keyless table with their stored keys.
func (rt *runtime) matchRowIDs(rel *catalog.Relation, rows []sql.Row) ([]sql.Row, [][]byte, error) {
	want := newKeyMap[int]()
	for _, r := range rows {
		i, _ := want.upsert(r, func() int { return 0 })
		want.vals[i]++
	}
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)
	it := rt.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	var outRows []sql.Row
	var keys [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		var row sql.Row
		if err := it.Item().Value(func(v []byte) error {
			var err error
			row, err = sql.DecodeRow(v, nil)
			return err
		}); err != nil {
			return nil, nil, err
		}
		row = rel.PadRow(row)
		if i := want.find(row); i >= 0 && want.vals[i] > 0 {
			want.vals[i]--
			outRows = append(outRows, row)
			keys = append(keys, it.Item().KeyCopy(nil))
		}
	}
	return outRows, keys, nil
}

func (s *Session) prepareUpdate(stmt sql.Statement, paramTypes []sql.Type) (*statement, error) {
	plan, err := s.planner().PlanUpdate(stmt, paramTypes)
	if err != nil {
		return nil, err
	}
	return s.dmlStatement(plan.Params, plan.Access, plan.Returning, "UPDATE", func(w *writer, ret *returning) (int, error) {
		t, err := w.info(plan.Table)
		if err != nil {
			return 0, err
		}
		rows, keys, err := w.rt.scanKeys(plan.Table, plan.Source)
		if err != nil {
			return 0, err
		}
		sets := make([]evalFn, len(plan.Set))
		for i, e := range plan.Set {
			if e != nil {
				if sets[i], err = w.rt.compile(e); err != nil {
					return 0, err
				}
			}
		}
		// Compute every new row before writing any, so the statement sees
		// the table as it was; and remove every old row before writing the
		// new ones, so that keys may be shifted (SET id = id + 1) as if
		// uniqueness were checked at the statement's end.
		newRows := make([]sql.Row, len(rows))
		for i, old := range rows {
			nr := append(sql.Row(nil), old...)
			for c, f := range sets {
				if f == nil {
					continue
				}
				if nr[c], err = f(old); err != nil {
					return 0, err
				}
			}
			newRows[i] = nr
		}
		for i, k := range keys {
			if err := w.remove(t, k, rows[i]); err != nil {
				return 0, err
			}
		}
		for i, nr := range newRows {
			if err := w.insert(t, nr, keys[i]); err != nil {
				return 0, err
			}
			if err := ret.add(nr); err != nil {
				return 0, err
			}
		}
		return len(newRows), nil
	}), nil
}

func (s *Session) prepareDelete(stmt sql.Statement, paramTypes []sql.Type) (*statement, error) {
	plan, err := s.planner().PlanDelete(stmt, paramTypes)
	if err != nil {
		return nil, err
	}
	return s.dmlStatement(plan.Params, plan.Access, plan.Returning, "DELETE", func(w *writer, ret *returning) (int, error) {
		t, err := w.info(plan.Table)
		if err != nil {
			return 0, err
		}
		rows, keys, err := w.rt.scanKeys(plan.Table, plan.Source)
		if err != nil {
			return 0, err
		}
		for i, k := range keys {
			if err := w.remove(t, k, rows[i]); err != nil {
				return 0, err
			}
			if err := ret.add(rows[i]); err != nil {
				return 0, err
			}
		}
		return len(keys), nil
	}), nil
}
