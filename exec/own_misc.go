package exec

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// prepareMisc prepares the session-level statements: SHOW ALL and SHOW
// <objects>, COMMENT ON, cursors, and the statements eddy accepts as no-ops.
func (s *Session) prepareMisc(st sql.Statement) (*statement, bool, error) {
	if p, ok := s.listenStmt(st.Own); ok { // notify.go
		return p, true, nil
	}
	switch n := st.Own.(type) {
	case *sql.Show:
		if strings.EqualFold(n.Name, "all") {
			return s.showAll(), true, nil
		}
	case *sql.ShowObjects:
		p, err := s.showObjects(n)
		return p, true, err
	case *sql.Comment:
		return s.simple(func(context.Context) (string, error) { return "COMMENT", s.comment(n) }), true, nil
	case *sql.Discard:
		return s.simple(func(context.Context) (string, error) {
			if n.What == "all" {
				if s.txn != nil {
					return "", sql.Errorf(sql.CodeActiveSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
				}
				s.discardAll() // notify.go
				s.preparedStore().DropAllPrepared()
			}
			s.closeCursors(true)
			return "DISCARD " + strings.ToUpper(n.What), nil
		}), true, nil
	case *sql.Maintenance:
		// ANALYZE, VACUUM and CHECKPOINT have nothing to do in eddy: Badger
		// compacts on its own and plans use no statistics yet.
		return s.simple(func(context.Context) (string, error) { return strings.ToUpper(n.Kind), nil }), true, nil
	case *sql.Flush:
		// Views are maintained in the transaction that changes their
		// inputs, so what has committed already shows in them.
		return s.simple(func(context.Context) (string, error) { return "FLUSH", nil }), true, nil
	case *sql.Savepoint:
		return s.simple(func(context.Context) (string, error) { return s.savepoint(n.Name) }), true, nil
	case *sql.ReleaseSavepoint:
		return s.simple(func(context.Context) (string, error) { return s.releaseSavepoint(n.Name) }), true, nil
	case *sql.RollbackToSavepoint:
		st := s.txnControl(func() (string, error) { return s.rollbackToSavepoint(n.Name) })
		return st, true, nil
	case *sql.Declare:
		p, err := s.prepareDeclare(n)
		return p, true, err
	case *sql.Fetch:
		p, err := s.prepareFetch(n)
		return p, true, err
	case *sql.Close:
		return s.simple(func(context.Context) (string, error) {
			if n.All {
				s.closeCursors(true)
				return "CLOSE CURSOR ALL", nil
			}
			c, ok := s.cursors[n.Cursor]
			if !ok {
				return "", sql.Errorf(sql.CodeInvalidCursorName, "cursor %q does not exist", n.Cursor)
			}
			c.res.Close()
			delete(s.cursors, n.Cursor)
			return "CLOSE CURSOR", nil
		}), true, nil
	}
	return nil, false, nil
}

func (s *Session) showAll() *statement {
	st := &statement{s: s, cols: []server.Column{{Name: "name", Type: sql.Text}, {Name: "setting", Type: sql.Text}, {Name: "description", Type: sql.Text}}}
	st.run = func(context.Context, []sql.Value) (server.Result, error) {
		names := make([]string, 0, len(s.settings))
		for k := range s.settings {
			names = append(names, k)
		}
		sort.Strings(names)
		rows := make([]sql.Row, len(names))
		for i, k := range names {
			name := k
			if r, ok := reported[k]; ok {
				name = r
			}
			rows[i] = sql.Row{sql.NewText(name), sql.NewText(s.settings[k]), sql.NewText("")}
		}
		return &rowsResult{op: newSliceOp(rows), tag: "SHOW"}, nil
	}
	return st
}

// showObjects lists relations of one kind: SHOW TABLES, SHOW VIEWS, ...
func (s *Session) showObjects(n *sql.ShowObjects) (*statement, error) {
	kinds := map[string]catalog.Kind{
		"tables": catalog.KindTable, "views": catalog.KindView, "materialized views": catalog.KindMatView,
		"sources": catalog.KindSource, "sinks": catalog.KindSink, "indexes": catalog.KindIndex, "sequences": catalog.KindSeq,
	}
	kind, ok := kinds[n.Kind]
	if !ok {
		return nil, errUnsupported("SHOW " + strings.ToUpper(n.Kind))
	}
	st := &statement{s: s, cols: []server.Column{{Name: "name", Type: sql.Text}}}
	st.run = func(context.Context, []sql.Value) (server.Result, error) {
		var rows []sql.Row
		for _, r := range s.e.cat.Relations() {
			if r.Kind == kind {
				rows = append(rows, sql.Row{sql.NewText(r.Name)})
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i][0].Text() < rows[j][0].Text() })
		return &rowsResult{op: newSliceOp(rows), tag: "SHOW"}, nil
	}
	return st, nil
}

// comment stores COMMENT ON in the descriptor, where pg_description finds it.
func (s *Session) comment(n *sql.Comment) error {
	rel := s.lookupRel(n.Name)
	if rel == nil {
		return sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.Name.Name)
	}
	text := ""
	if n.Text != nil {
		text = *n.Text
	}
	c := *rel
	if n.Kind == "column" {
		i := rel.ColumnIndex(n.Column)
		if i < 0 {
			return sql.Errorf(sql.CodeUndefinedColumn, "column %q of relation %q does not exist", n.Column, rel.Name)
		}
		c.Columns = append([]catalog.Column(nil), rel.Columns...)
		c.Columns[i].Comment = text
	} else {
		c.Comment = text
	}
	return s.e.cat.Put(&c)
}

// cursor is an open DECLAREd query.
type cursor struct {
	cols []server.Column
	res  server.Result
	hold bool
}

func (s *Session) prepareDeclare(n *sql.Declare) (*statement, error) {
	var q *statement
	var err error
	if n.Subscribe != nil {
		q, err = s.prepareSubscribe(n.Subscribe)
	} else {
		q, err = s.prepareQuery(n.Query.AST, nil)
	}
	if err != nil {
		return nil, err
	}
	d := s.simple(func(ctx context.Context) (string, error) {
		if s.txn == nil && !n.Hold {
			return "", sql.Errorf(sql.CodeNoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
		}
		if _, ok := s.cursors[n.Cursor]; ok {
			return "", sql.Errorf("42P03", "cursor %q already exists", n.Cursor)
		}
		// The cursor outlives this statement, so it gets a context of its
		// own rather than the statement's.
		res, err := q.run(context.Background(), nil)
		if err != nil {
			return "", err
		}
		if s.cursors == nil {
			s.cursors = map[string]*cursor{}
		}
		s.cursors[n.Cursor] = &cursor{cols: q.cols, res: res, hold: n.Hold}
		return "DECLARE CURSOR", nil
	})
	d.access = q.access
	return d, nil
}

// SetBackendPID implements server.BackendPIDUser.
func (s *Session) SetBackendPID(pid uint32) {
	s.pid = pid
	s.e.backends.Store(pid, backend{s: s, user: s.user})
}

// UsePortals implements server.PortalUser.
func (s *Session) UsePortals(p server.Portals) { s.portals = p }

func (s *Session) prepareFetch(n *sql.Fetch) (*statement, error) {
	var cols []server.Column
	var result func() (server.Result, error)
	if c, ok := s.cursors[n.Cursor]; ok {
		cols, result = c.cols, func() (server.Result, error) { return c.res, nil }
	} else if s.portals != nil {
		cols, result, ok = s.portals.Portal(n.Cursor)
		if !ok {
			return nil, sql.Errorf(sql.CodeInvalidCursorName, "cursor %q does not exist", n.Cursor)
		}
	} else {
		return nil, sql.Errorf(sql.CodeInvalidCursorName, "cursor %q does not exist", n.Cursor)
	}
	st := &statement{s: s}
	if !n.Move {
		st.cols = cols
	}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		res, err := result()
		if err != nil {
			return nil, err
		}
		var rows []sql.Row
		for res != nil && (n.All || int64(len(rows)) < n.Count) {
			r, ok, err := res.Next(ctx)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			rows = append(rows, append(sql.Row(nil), r...))
			// A subscription never runs out: FETCH n returns what is
			// there once it has one row, rather than wait for n.
			if sr, ok := res.(*subscribeResult); ok && sr.buffered() == 0 {
				break
			}
		}
		if n.Move {
			return &tagResult{tag: fmt.Sprintf("MOVE %d", len(rows))}, nil
		}
		return &rowsResult{op: newSliceOp(rows), tag: "FETCH"}, nil
	}
	return st, nil
}

// closeCursors closes the cursors a transaction end takes with it (all of
// them when all is set).
func (s *Session) closeCursors(all bool) {
	for name, c := range s.cursors {
		if all || !c.hold {
			c.res.Close()
			delete(s.cursors, name)
			continue
		}
		if _, ok := c.res.(*subscribeResult); ok {
			continue // endless, and bound to no transaction
		}
		// A WITH HOLD cursor outlives its transaction's snapshot: keep the
		// rest of its rows, as PostgreSQL materializes them at commit.
		var rows []sql.Row
		for {
			r, ok, err := c.res.Next(context.Background())
			if err != nil || !ok {
				break
			}
			rows = append(rows, append(sql.Row(nil), r...))
		}
		c.res.Close()
		c.res = &rowsResult{op: newSliceOp(rows), tag: "SELECT"}
	}
}
