package exec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// writeTxn runs f in the open transaction, or in a new one that commits
// when f succeeds (autocommit). Badger transactions have a size limit, so a
// large autocommit statement commits in several steps.
func (s *Session) writeTxn(f func(txn *badger.Txn) error) error {
	if s.txn != nil {
		return f(s.txn)
	}
	txn := s.e.db.NewTransaction(true)
	defer txn.Discard()
	if err := f(txn); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
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

// checkRow enforces NOT NULL.
func checkRow(rel *catalog.Relation, row sql.Row) error {
	for i, c := range rel.Columns {
		if c.NotNull && row[i].IsNull() {
			return &sql.Error{Code: sql.CodeNotNullViolation,
				Message: fmt.Sprintf("null value in column %q of relation %q violates not-null constraint", c.Name, rel.Name)}
		}
	}
	return nil
}

func (s *Session) prepareInsert(n *ast.InsertStmt, paramTypes []sql.Type) (*statement, error) {
	plan, err := s.e.planner.PlanInsert(n, paramTypes)
	if err != nil {
		return nil, err
	}
	st := &statement{s: s, params: plan.Params}
	st.run = func(ctx context.Context, params []sql.Value) (server.Result, error) {
		count := 0
		err := s.writeTxn(func(txn *badger.Txn) error {
			rt := s.newRuntime(ctx, txn, params)
			rows, err := rt.collect(ctx, plan.Source, -1)
			if err != nil {
				return err
			}
			rel := plan.Table
			var seq *badger.Sequence
			if rel.PrimaryKey == nil {
				seq, err = s.e.rowIDs(rel.OID)
				if err != nil {
					return err
				}
			}
			var buf []byte
			for _, row := range rows {
				if err := checkRow(rel, row); err != nil {
					return err
				}
				var id uint64
				if seq != nil {
					if id, err = seq.Next(); err != nil {
						return fmt.Errorf("row id: %w", err)
					}
				}
				key := rowKey(rel, row, id)
				if rel.PrimaryKey != nil {
					if _, err := txn.Get(key); err == nil {
						return &sql.Error{Code: sql.CodeUniqueViolation,
							Message: fmt.Sprintf("duplicate key value violates unique constraint %q", rel.Name+"_pkey")}
					} else if !errors.Is(err, badger.ErrKeyNotFound) {
						return err
					}
				}
				buf = sql.AppendRow(buf[:0], row)
				if err := txn.Set(key, append([]byte(nil), buf...)); err != nil {
					return fmt.Errorf("insert into %s: %w", rel.Name, err)
				}
				count++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return &tagResult{tag: fmt.Sprintf("INSERT 0 %d", count)}, nil
	}
	return st, nil
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
	// Read keys straight from Badger for the rows the filter keeps.
	scan, ok := findScan(src)
	if !ok {
		return nil, nil, errUnsupported("DML over a view")
	}
	_ = scan
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
	it := rt.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
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
		row = padRow(row, len(rel.Columns))
		if i := want.find(row); i >= 0 && want.vals[i] > 0 {
			want.vals[i]--
			outRows = append(outRows, row)
			keys = append(keys, it.Item().KeyCopy(nil))
		}
	}
	return outRows, keys, nil
}

func (s *Session) prepareUpdate(n *ast.UpdateStmt, paramTypes []sql.Type) (*statement, error) {
	plan, err := s.e.planner.PlanUpdate(n, paramTypes)
	if err != nil {
		return nil, err
	}
	st := &statement{s: s, params: plan.Params}
	st.run = func(ctx context.Context, params []sql.Value) (server.Result, error) {
		count := 0
		err := s.writeTxn(func(txn *badger.Txn) error {
			rt := s.newRuntime(ctx, txn, params)
			rel := plan.Table
			rows, keys, err := rt.scanKeys(rel, plan.Source)
			if err != nil {
				return err
			}
			sets := make([]evalFn, len(plan.Set))
			for i, e := range plan.Set {
				if e != nil {
					if sets[i], err = rt.compile(e); err != nil {
						return err
					}
				}
			}
			// Compute every new row before writing any, so the statement
			// sees the table as it was (and a key change cannot collide
			// with a row not yet visited).
			newRows := make([]sql.Row, len(rows))
			for i, old := range rows {
				nr := append(sql.Row(nil), old...)
				for c, f := range sets {
					if f == nil {
						continue
					}
					if nr[c], err = f(old); err != nil {
						return err
					}
				}
				if err := checkRow(rel, nr); err != nil {
					return err
				}
				newRows[i] = nr
			}
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			var buf []byte
			for i, nr := range newRows {
				key := keys[i]
				if rel.PrimaryKey != nil {
					key = rowKey(rel, nr, 0)
					if _, err := txn.Get(key); err == nil {
						return &sql.Error{Code: sql.CodeUniqueViolation,
							Message: fmt.Sprintf("duplicate key value violates unique constraint %q", rel.Name+"_pkey")}
					}
				}
				buf = sql.AppendRow(buf[:0], nr)
				if err := txn.Set(key, append([]byte(nil), buf...)); err != nil {
					return err
				}
				count++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return &tagResult{tag: fmt.Sprintf("UPDATE %d", count)}, nil
	}
	return st, nil
}

func (s *Session) prepareDelete(n *ast.DeleteStmt, paramTypes []sql.Type) (*statement, error) {
	plan, err := s.e.planner.PlanDelete(n, paramTypes)
	if err != nil {
		return nil, err
	}
	st := &statement{s: s, params: plan.Params}
	st.run = func(ctx context.Context, params []sql.Value) (server.Result, error) {
		count := 0
		err := s.writeTxn(func(txn *badger.Txn) error {
			rt := s.newRuntime(ctx, txn, params)
			_, keys, err := rt.scanKeys(plan.Table, plan.Source)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
				count++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return &tagResult{tag: fmt.Sprintf("DELETE %d", count)}, nil
	}
	return st, nil
}
