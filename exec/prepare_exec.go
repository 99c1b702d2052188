package exec

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/eddysql/eddy/catalog/pgcatalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// SQL-level prepared statements: PREPARE, EXECUTE and DEALLOCATE. They
// live with the protocol-level ones (Parse) in the server's table of
// named statements (server.PreparedStatements), as in PostgreSQL, so
// that one namespace holds both and DEALLOCATE ALL empties it.

// UseStatements implements server.StatementUser.
func (s *Session) UseStatements(p server.PreparedStatements) { s.prepared = p }

// preparedStore is the session's table of named statements: the
// server's, or without a server (tests) one of the session's own.
func (s *Session) preparedStore() server.PreparedStatements {
	if s.prepared == nil {
		s.prepared = &localStatements{m: map[string]server.PreparedInfo{}}
	}
	return s.prepared
}

// preparePrepared prepares PREPARE, EXECUTE and DEALLOCATE; ok is false
// for any other statement.
func (s *Session) preparePrepared(st sql.Statement) (p *statement, ok bool, err error) {
	switch n := st.Own.(type) {
	case *sql.Prepare:
		return s.simple(func(context.Context) (string, error) { return "PREPARE", s.sqlPrepare(n) }), true, nil
	case *sql.Execute:
		p, err := s.prepareExecute(n)
		return p, true, err
	case *sql.Deallocate:
		return s.simple(func(context.Context) (string, error) {
			if n.All {
				s.preparedStore().DropAllPrepared()
				return "DEALLOCATE ALL", nil
			}
			if !s.preparedStore().DropPrepared(n.Name) {
				return "", errNoPrepared(n.Name)
			}
			return "DEALLOCATE", nil
		}), true, nil
	}
	return nil, false, nil
}

func errNoPrepared(name string) error {
	return sql.Errorf(sql.CodeInvalidSQLStatementName, "prepared statement %q does not exist", name)
}

// sqlPrepare plans n's statement and stores it under its name. The plan
// is kept for re-planning after DDL, as a Parse's is (schema_replan.go).
func (s *Session) sqlPrepare(n *sql.Prepare) error {
	// A parameter has a type but no modifier, as in PostgreSQL, which
	// keeps only the declared types' OIDs: varchar(3) takes any length.
	types := make([]sql.Type, len(n.ParamTypes))
	for i, t := range n.ParamTypes {
		types[i] = withoutMod(t)
	}
	stamp := s.planStamp()
	p, err := s.prepare(n.Stmt, types)
	if err != nil {
		return withPosition(err, n.Query, n.Stmt)
	}
	s.keepForReplan(p, n.Stmt, types, stamp)
	return s.preparedStore().AddPrepared(server.PreparedInfo{Name: n.Name, Query: n.Query, Stmt: p,
		Time: time.Now(), FromSQL: true, ParamOID: p.ParamTypes()})
}

func withoutMod(t sql.Type) sql.Type {
	if t.Elem != nil {
		return sql.ArrayOf(withoutMod(*t.Elem))
	}
	t.Mod = -1
	return t
}

// prepareExecute looks the prepared statement up now, for the shape of
// its rows (which Describe reports before EXECUTE runs), and again when
// it runs, in case it was replaced in between.
func (s *Session) prepareExecute(n *sql.Execute) (*statement, error) {
	target, args, err := s.executeTarget(n)
	if err != nil {
		return nil, err
	}
	st := &statement{s: s, cols: target.cols}
	if args != nil {
		st.access = args.Access
	}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		t, a := target, args
		if cur, ok := s.preparedStore().Prepared(n.Name); !ok {
			return nil, errNoPrepared(n.Name)
		} else if cur != server.Statement(target) {
			var err error
			if t, a, err = s.executeTarget(n); err != nil {
				return nil, err
			}
			if !sameColumns(t.cols, target.cols) {
				return nil, sql.Errorf(sql.CodeFeatureNotSupported, "cached plan must not change result type")
			}
		}
		vals, err := s.executeArgs(ctx, a)
		if err != nil {
			return nil, err
		}
		return s.runPrepared(ctx, t, vals)
	}
	return st, nil
}

// executeTarget finds the statement EXECUTE names and plans its
// arguments; args is nil when there are none.
func (s *Session) executeTarget(n *sql.Execute) (*statement, *planner.Query, error) {
	found, ok := s.preparedStore().Prepared(n.Name)
	if !ok {
		return nil, nil, errNoPrepared(n.Name)
	}
	target, ok := found.(*statement)
	if !ok {
		return nil, nil, sql.Errorf(sql.CodeFeatureNotSupported, "prepared statement %q cannot be executed by EXECUTE", n.Name)
	}
	if len(target.params) == 0 {
		// PostgreSQL's ExecuteQuery looks at the arguments only when the
		// statement has parameters: extra ones are neither counted nor
		// evaluated.
		return target, nil, nil
	}
	nargs := 0
	if n.Args != nil {
		nargs = len(n.Args.Fields.Fields)
	}
	if nargs != len(target.params) {
		e := sql.Errorf(sql.CodeSyntaxError, "wrong number of parameters for prepared statement %q", n.Name)
		e.Detail = fmt.Sprintf("Expected %d parameters but got %d.", len(target.params), nargs)
		return nil, nil, e
	}
	q, err := s.planner().PlanExecuteArgs(n.Args, target.params, n.ArgPos, n.Query)
	if err != nil {
		return nil, nil, err
	}
	return target, q, nil
}

// explainExecute is EXPLAIN EXECUTE: the plan of the prepared query, made
// again from its text and parameter types (the arguments do not change
// the plan: eddy plans once for every value, as a generic plan).
func (s *Session) explainExecute(n *sql.Execute) (*statement, error) {
	target, _, err := s.executeTarget(n)
	if err != nil {
		return nil, err
	}
	if target.replan == nil {
		return nil, errUnsupported("EXPLAIN of this statement")
	}
	return s.prepareExplain(target.replan.src.AST, target.params)
}

// executeArgs evaluates EXECUTE's arguments, already coerced to the
// parameter types by their plan.
func (s *Session) executeArgs(ctx context.Context, q *planner.Query) ([]sql.Value, error) {
	if q == nil {
		return nil, nil
	}
	txn, discard := s.readTxn()
	defer discard()
	rows, err := s.newRuntime(ctx, txn, nil).collect(ctx, q.Plan, 1)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("exec: EXECUTE arguments gave %d rows", len(rows))
	}
	return append([]sql.Value(nil), rows[0]...), nil
}

// runPrepared runs a prepared statement inside the EXECUTE that names it:
// as its own Execute would, but in the EXECUTE's statement context.
func (s *Session) runPrepared(ctx context.Context, t *statement, vals []sql.Value) (server.Result, error) {
	if err := t.revalidate(); err != nil {
		return nil, err
	}
	if err := s.checkAccess(t.access); err != nil {
		return nil, err
	}
	if t.check != nil {
		if err := t.check(); err != nil {
			return nil, err
		}
	}
	return t.run(ctx, vals)
}

// localStatements is the table of named statements of a session that no
// server serves.
type localStatements struct {
	m map[string]server.PreparedInfo
}

func (l *localStatements) Prepared(name string) (server.Statement, bool) {
	p, ok := l.m[name]
	return p.Stmt, ok
}

func (l *localStatements) AddPrepared(p server.PreparedInfo) error {
	if _, dup := l.m[p.Name]; dup {
		return sql.Errorf("42P05", "prepared statement %q already exists", p.Name)
	}
	l.m[p.Name] = p
	return nil
}

func (l *localStatements) DropPrepared(name string) bool {
	_, ok := l.m[name]
	delete(l.m, name)
	return ok
}

func (l *localStatements) DropAllPrepared() { clear(l.m) }

func (l *localStatements) ListPrepared() []server.PreparedInfo {
	out := make([]server.PreparedInfo, 0, len(l.m))
	for _, p := range l.m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PreparedStatements implements pgcatalog.PreparedLister: the session's
// named statements, SQL-level and protocol-level alike.
func (st stats) PreparedStatements() []pgcatalog.PreparedStatement {
	list := st.s.preparedStore().ListPrepared()
	out := make([]pgcatalog.PreparedStatement, len(list))
	for i, p := range list {
		out[i] = pgcatalog.PreparedStatement{Name: p.Name, Statement: p.Query, PrepareTime: p.Time,
			ParamTypes: p.ParamOID, FromSQL: p.FromSQL}
	}
	return out
}
