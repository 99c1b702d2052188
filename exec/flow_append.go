package exec

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
)

// An append-only view is one whose changes can only be insertions: the
// stateless part of a query (filters, projections, set-returning functions,
// UNION ALL) over sources, which are append-only streams, and over other
// append-only views. Such a view never retracts a row, so it needs neither
// the copy counts of viewSink's multiset layout nor a read before each
// write: each new row is stored under the next number of a per-view
// sequence (appendSeqKey), a blind write of a key that cannot exist yet;
// duplicates stay apart under their own numbers. Views created since
// blocks existed store many consecutive rows per entry (append_block.go);
// older ones store one row per entry, read as any view's rows are.

// appendOnly reports whether n's changes are insertions only: it reads
// sources, APPEND ONLY tables and append-only views through stateless
// nodes, inner joins and UNION ALL. views says whether a materialized view
// it reads is itself append-only.
func appendOnly(n planner.Node, views func(oid uint32) bool) bool {
	switch n := n.(type) {
	case *planner.Scan:
		switch n.Rel.Kind {
		case catalog.KindSource:
			return true
		case catalog.KindTable:
			return n.Rel.AppendOnly
		case catalog.KindMatView:
			return views(n.Rel.OID)
		}
		return false
	case *planner.Join:
		// Inserts into either side of an inner join only add joined rows.
		return n.Kind == planner.JoinInner && !hasSubquery(n.On) && appendOnly(n.Left, views) && appendOnly(n.Right, views)
	case *planner.Values, *planner.TableFunc:
		// Constant rows, inserted once in the view's first epoch.
		return true
	case *planner.Filter:
		return !hasSubquery(n.Pred) && appendOnly(n.Input, views)
	case *planner.Project:
		for _, e := range n.Exprs {
			if hasSubquery(e) {
				return false
			}
		}
		return appendOnly(n.Input, views)
	case *planner.ProjectSet:
		for _, c := range n.Calls {
			for _, e := range c.Args {
				if hasSubquery(e) {
					return false
				}
			}
		}
		return appendOnly(n.Input, views)
	case *planner.FuncJoin:
		for _, e := range append([]planner.Expr{n.On}, n.Call.Args...) {
			if hasSubquery(e) {
				return false
			}
		}
		return appendOnly(n.Left, views)
	case *planner.Sort:
		return appendOnly(n.Input, views)
	case *planner.CTERef:
		return appendOnly(n.CTE.Plan, views)
	case *planner.SetOp:
		return n.Kind == planner.Union && n.All && appendOnly(n.Left, views) && appendOnly(n.Right, views)
	}
	return false
}

// noViews counts no materialized view as append-only, for operators built
// without the running views at hand.
func noViews(uint32) bool { return false }

// hasSubquery reports whether e holds a subquery, whose answer may change
// when the relations it reads do (and retract what it let through).
func hasSubquery(e planner.Expr) bool {
	found := false
	if e != nil {
		planner.Walk(e, func(x planner.Expr) {
			if _, ok := x.(*planner.Subquery); ok {
				found = true
			}
		})
	}
	return found
}

// appendSeqKey holds the number the next row of an append-only view is
// stored under. Its presence is also what says that the view's rows are
// laid out by number: views created before this layout existed keep the
// multiset layout, which stays correct for them.
func appendSeqKey(view uint32) []byte {
	return viewStateKey(view, stateAppendSeq)
}

// hasAppendLayout reports whether a view's rows are stored by number.
func hasAppendLayout(db *badger.DB, view uint32) (bool, error) {
	found := false
	err := db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(appendSeqKey(view))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("read the row layout of view %d: %w", view, err)
	}
	return found, nil
}

// nextAppendSeq reads the number of the view's next row.
func nextAppendSeq(st *stateStore, key []byte) (uint64, error) {
	v, ok, err := st.get(key)
	if err != nil || !ok {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: row number of %d bytes", errStateMismatch, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
