package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// Parse splits and prepares a query string.
func (s *Session) Parse(ctx context.Context, query string, paramOIDs []uint32) ([]server.Statement, error) {
	stmts, err := sql.Parse(query)
	if err != nil {
		// A syntax error fails the transaction block like any other error
		// (clients count on 25P02 after it, as PostgreSQL gives).
		if s.txn != nil {
			s.failed = true
		}
		return nil, err
	}
	paramTypes := make([]sql.Type, len(paramOIDs))
	for i, oid := range paramOIDs {
		paramTypes[i] = sql.TypeByOID(oid)
	}
	out := make([]server.Statement, 0, len(stmts))
	if len(stmts) > 1 {
		// Statements of one simple Query are analyzed one at a time, as
		// they run, so that each sees what the ones before it created.
		for _, st := range stmts {
			out = append(out, &lazyStatement{s: s, st: st, query: query})
		}
		return out, nil
	}
	for _, st := range stmts {
		stamp := s.planStamp()
		p, err := s.prepare(st, paramTypes)
		if err == nil {
			s.keepForReplan(p, st, paramTypes, stamp)
		}
		if err != nil {
			if s.txn != nil {
				s.failed = true
			}
			return nil, withPosition(err, query, st)
		}
		out = append(out, p)
	}
	return out, nil
}

// statement is a prepared statement: its shape, known at Parse, and how to
// run it.
type statement struct {
	s      *Session
	params []sql.Type
	cols   []server.Column
	// run executes; it returns the rows (for queries) or a tag.
	run func(ctx context.Context, params []sql.Value) (server.Result, error)
	// inTxnOK: may run in a failed transaction (ROLLBACK, COMMIT).
	txnControl bool
	// access and check are the statement's privileges, checked at every
	// execution (privileges.go).
	access []planner.Access
	check  func() error
	// replan plans the statement again after DDL (schema_replan.go).
	replan *replanState
}

func (st *statement) ParamTypes() []uint32 {
	out := make([]uint32, len(st.params))
	for i, t := range st.params {
		out[i] = t.OID
	}
	return out
}

func (st *statement) Columns() []server.Column { return st.cols }

func (st *statement) Execute(ctx context.Context, params []sql.Value) (server.Result, error) {
	s := st.s
	if s.failed && !st.txnControl {
		return nil, sql.Errorf(sql.CodeInFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if len(params) < len(st.params) {
		return nil, sql.Errorf(sql.CodeProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(params), len(st.params))
	}
	if err := st.revalidate(); err != nil {
		if s.txn != nil {
			s.failed = true
		}
		return nil, err
	}
	ctx, done := s.startStatement(ctx)
	err := s.checkAccess(st.access)
	if err == nil && st.check != nil {
		err = st.check()
	}
	var res server.Result
	if err == nil {
		res, err = st.run(ctx, params)
	}
	if err == nil && s.txn == nil && len(s.temp.onCommit) > 0 {
		// The statement committed (autocommit, or COMMIT itself): the
		// temporary tables' ON COMMIT actions run now.
		if err = s.afterCommit(ctx); err != nil && res != nil {
			_ = res.Close()
		}
	}
	if err != nil {
		err = ctxErr(ctx, err)
		done()
		if s.txn != nil && !st.txnControl {
			s.failed = true
		}
		if s.txn == nil {
			s.txnEnded(false)
		}
		return nil, err
	}
	return guardCopy(&guardedResult{Result: res, ctx: ctx, done: done, s: s}, res), nil
}

// guardedResult ends the statement's context when the result is closed and
// marks the transaction failed when reading rows fails.
type guardedResult struct {
	server.Result
	ctx    context.Context
	done   func()
	s      *Session
	failed bool
}

func (g *guardedResult) Next(ctx context.Context) (sql.Row, bool, error) {
	r, ok, err := g.Result.Next(g.ctx)
	if err != nil {
		g.failed = true
		err = ctxErr(g.ctx, err)
		if g.s.txn != nil {
			g.s.failed = true
		}
	}
	return r, ok, err
}

// Streaming passes the wrapped result's server.Streamer through.
func (g *guardedResult) Streaming() bool {
	s, ok := g.Result.(server.Streamer)
	return ok && s.Streaming()
}

// Ready passes the wrapped result's server.Readier through.
func (g *guardedResult) Ready() bool {
	r, ok := g.Result.(server.Readier)
	return ok && r.Ready()
}

func (g *guardedResult) Close() error {
	err := g.Result.Close()
	g.done()
	if g.s.txn == nil {
		// An autocommit statement's transaction ends with its result.
		g.s.txnEnded(!g.failed)
	}
	return err
}

// tagResult is a result with no rows.
type tagResult struct{ tag string }

func (t *tagResult) Next(context.Context) (sql.Row, bool, error) { return nil, false, nil }
func (t *tagResult) Tag() string                                 { return t.tag }
func (t *tagResult) Close() error                                { return nil }

// rowsResult streams an operator's output.
type rowsResult struct {
	op      Operator
	b       *Batch
	i       int
	rep     int64
	n       int
	tag     string
	closeFn func()
	done    bool
}

func (r *rowsResult) Next(ctx context.Context) (sql.Row, bool, error) {
	for !r.done {
		if r.b != nil && r.i < r.b.Len() {
			if r.rep == 0 {
				r.rep = r.b.Diffs[r.i]
				if r.rep < 0 {
					return nil, false, fmt.Errorf("exec: retraction in a query result")
				}
			}
			if r.rep > 0 {
				r.rep--
				row := r.b.Rows[r.i]
				if r.rep == 0 {
					r.i++
				}
				r.n++
				return row, true, nil
			}
			r.i++
			continue
		}
		b, err := r.op.Next(ctx)
		if err != nil {
			return nil, false, err
		}
		if b == nil {
			r.done = true
			break
		}
		r.b, r.i, r.rep = b, 0, 0
	}
	return nil, false, nil
}

func (r *rowsResult) Tag() string {
	if r.tag == "EXPLAIN" || r.tag == "SHOW" {
		return r.tag
	}
	return fmt.Sprintf("%s %d", r.tag, r.n)
}

func (r *rowsResult) Close() error {
	if r.closeFn != nil {
		r.closeFn()
		r.closeFn = nil
	}
	return nil
}

// readTxn returns the transaction to read in: the open one, or a fresh
// snapshot that the returned function discards.
func (s *Session) readTxn() (*badger.Txn, func()) {
	if s.txn != nil {
		return s.txn, func() {}
	}
	t := s.e.db.NewTransaction(false)
	return t, t.Discard
}

func columnsOf(cols []planner.Column) []server.Column {
	out := make([]server.Column, 0, len(cols))
	for _, c := range cols {
		if c.Hidden {
			continue
		}
		out = append(out, server.Column{Name: c.Name, Type: c.Type, TableOID: c.TableOID, Attnum: c.Attnum})
	}
	return out
}

func (s *Session) prepare(st sql.Statement, paramTypes []sql.Type) (*statement, error) {
	if st.Own != nil {
		p, err := s.prepareOwn(st, paramTypes)
		if err == nil && p.check == nil {
			p.check = s.ownCheck(st.Own)
		}
		if err == nil {
			s.qualifyNew(p, st.Own)
		}
		return p, err
	}
	switch n := st.AST.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return s.prepareQuery(n, paramTypes)
	case *ast.InsertStmt:
		return s.prepareInsert(st, paramTypes)
	case *ast.UpdateStmt:
		return s.prepareUpdate(st, paramTypes)
	case *ast.DeleteStmt:
		return s.prepareDelete(st, paramTypes)
	}
	return nil, sql.Errorf(sql.CodeFeatureNotSupported, "statement %s is not supported", firstWord(st.Text))
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(f[0])
}

// simple wraps a statement that returns only a tag.
func (s *Session) simple(f func(ctx context.Context) (string, error)) *statement {
	return &statement{s: s, run: func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		tag, err := f(ctx)
		if err != nil {
			return nil, err
		}
		return &tagResult{tag: tag}, nil
	}}
}

func (s *Session) txnControl(f func() (string, error)) *statement {
	st := s.simple(func(context.Context) (string, error) { return f() })
	st.txnControl = true
	return st
}

func (s *Session) prepareQuery(n ast.Node, paramTypes []sql.Type) (*statement, error) {
	q, err := s.planner().PlanQuery(n, paramTypes)
	if err != nil {
		return nil, err
	}
	if q.Plan, err = s.decorrelate(q.Plan); err != nil {
		return nil, err
	}
	q.Plan = pushJoinFilters(q.Plan)
	st := &statement{s: s, params: q.Params, cols: columnsOf(q.Plan.Columns()), access: q.Access}
	st.run = func(ctx context.Context, params []sql.Value) (server.Result, error) {
		txn, discard := s.readTxn()
		rt := s.newRuntime(ctx, txn, params)
		op, err := rt.build(q.Plan)
		if err != nil {
			discard()
			return nil, err
		}
		if rn := regNames(s, op, q.Plan.Columns()); rn != nil {
			op = rn
		}
		return &rowsResult{op: op, tag: "SELECT", closeFn: discard}, nil
	}
	return st, nil
}

func (s *Session) prepareExplain(n ast.StmtNode, paramTypes []sql.Type) (*statement, error) {
	var plan planner.Node
	var access []planner.Access
	switch x := n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		q, err := s.planner().PlanQuery(x, paramTypes)
		if err != nil {
			return nil, err
		}
		if q.Plan, err = s.decorrelate(q.Plan); err != nil {
			return nil, err
		}
		plan, access = pushJoinFilters(q.Plan), q.Access
	default:
		return nil, errUnsupported("EXPLAIN of this statement")
	}
	text := planner.Explain(plan)
	st := &statement{s: s, cols: []server.Column{{Name: "QUERY PLAN", Type: sql.Text}}, access: access}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		var rows []sql.Row
		for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			rows = append(rows, sql.Row{sql.NewText(l)})
		}
		return &rowsResult{op: newSliceOp(rows), tag: "EXPLAIN"}, nil
	}
	return st, nil
}

// decorrelate rewrites a query's subqueries into joins. By default
// (eddy_decorrelate = auto) it pulls up what PostgreSQL pulls up, the
// correlated EXISTS and IN conjuncts of WHERE, and runs every other
// subquery per row. SET eddy_decorrelate = on rewrites all of them, as a
// materialized view must, so batch queries can be checked against per-row
// answers (off): a query it cannot rewrite fails with the reason rather
// than quietly running per row.
func (s *Session) decorrelate(plan planner.Node) (planner.Node, error) {
	switch v, _ := s.setting("eddy_decorrelate"); strings.ToLower(v) {
	case "on", "true", "1", "yes":
	case "off", "false", "0", "no":
		return plan, nil
	default:
		if n := planner.PullUpSublinks(plan); n != plan {
			plan, _ = planner.Optimize(n) // hash keys for the new joins
		}
		return plan, nil
	}
	n, err := planner.Decorrelate(plan)
	if err != nil {
		return nil, err
	}
	n, _ = planner.Optimize(n) // push filters into the new joins
	return n, nil
}

// regNames wraps op when some output columns are reg* types.
func regNames(s *Session, op Operator, cols []planner.Column) Operator {
	var r *regNamesOp
	for i, c := range cols {
		if isRegType(c.Type.OID) {
			if r == nil {
				r = &regNamesOp{in: op, s: s}
			}
			r.cols = append(r.cols, i)
			r.types = append(r.types, c.Type.OID)
		}
	}
	if r == nil {
		return nil
	}
	return r
}

// lazyStatement plans its statement when it runs. Only the simple protocol
// makes them (it has no parameters and asks for Columns after Execute).
type lazyStatement struct {
	s     *Session
	st    sql.Statement
	query string
	prep  *statement
}

func (l *lazyStatement) ParamTypes() []uint32 { return nil }

func (l *lazyStatement) Columns() []server.Column {
	if l.prep == nil {
		return nil
	}
	return l.prep.Columns()
}

func (l *lazyStatement) Execute(ctx context.Context, params []sql.Value) (server.Result, error) {
	if l.s.failed {
		switch l.st.Own.(type) {
		case *sql.Rollback, *sql.Commit, *sql.RollbackToSavepoint:
		default:
			return nil, sql.Errorf(sql.CodeInFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
		}
	}
	p, err := l.s.prepare(l.st, nil)
	if err != nil {
		if l.s.txn != nil {
			l.s.failed = true
		}
		return nil, withPosition(err, l.query, l.st)
	}
	l.prep = p
	return p.Execute(ctx, params)
}

// withPosition points a name error (undefined column, relation, function)
// at the name in the statement, as PostgreSQL does.
func withPosition(err error, query string, st sql.Statement) error {
	e, ok := err.(*sql.Error)
	if !ok || e.Position != 0 {
		return err
	}
	switch e.Code {
	case sql.CodeUndefinedColumn, sql.CodeUndefinedTable, sql.CodeUndefinedFunction, sql.CodeAmbiguousColumn,
		sql.CodeGroupingError, sql.CodeUndefinedObject:
		if pos := sql.PositionOf(query, st.Offset, st.Offset+len(st.Text), e); pos > 0 {
			return e.WithPosition(pos)
		}
	}
	return err
}
