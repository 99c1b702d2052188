package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// User-defined SQL functions are inlined: a call binds to the function's
// body with its parameters ($n or by name) standing for the bound
// arguments. A body that is one SELECT of one expression with no FROM
// becomes that expression; any other single-column SELECT becomes a scalar
// subquery, which views then decorrelate like any other. Nothing of the
// function survives in the plan, so batch queries, views and materialized
// views all run it with the operators they already have.

// fnFrame is the context of one inlined body: inside it, names resolve in
// the body's own scopes, then to the parameters, and never further out to
// the caller's columns (caller is the barrier).
type fnFrame struct {
	fn     *catalog.Function
	args   []Expr // bound in caller
	caller *scope
	// beside: the body runs at the level of the scope its arguments were
	// bound in, not below it (a FROM item, bind_udf_srf.go); caller is
	// then a scope without columns standing for that one, the barrier that
	// name resolution stops at, which adds no level at run time.
	beside bool
}

// maxInlineDepth bounds nested inlining (f calling g calling h ...).
const maxInlineDepth = 32

func (b *binder) frame() *fnFrame {
	if len(b.frames) == 0 {
		return nil
	}
	return b.frames[len(b.frames)-1]
}

// userFunctions returns the user-defined overloads a call may mean.
func (b *binder) userFunctions(e *ast.FuncCallExpr) []*catalog.Function {
	if b.p.Cat == nil {
		return nil
	}
	schema := e.Schema.L
	if schema != "" && schema != "public" {
		return nil
	}
	return b.p.Cat.FunctionsNamed("public", e.FnName.L)
}

// callUser binds a call of a user-defined function, or returns ok=false
// when none of fns takes args (the caller then reports the error).
func (eb *exprBinder) callUser(fns []*catalog.Function, args []Expr) (Expr, bool, error) {
	best, err := pickUserFunction(fns, args)
	if best == nil || err != nil {
		return nil, err != nil, err
	}
	x, err := eb.inline(best, args)
	return x, true, err
}

// pickUserFunction chooses the overload of fns that args fit best, or nil
// when none takes them.
func pickUserFunction(fns []*catalog.Function, args []Expr) (*catalog.Function, error) {
	var best *catalog.Function
	bestScore, ties := -1, 0
	for _, f := range fns {
		s := matchScore(&builtin.Func{Args: f.Args}, args)
		if len(f.Args) == 0 && len(args) > 0 {
			s = -1
		}
		switch {
		case s > bestScore:
			best, bestScore, ties = f, s, 0
		case s == bestScore && s >= 0:
			ties++
		}
	}
	if best == nil || bestScore < 0 {
		return nil, nil
	}
	if ties > 0 {
		return nil, sql.Errorf(sql.CodeAmbiguousFunction, "function %s(%s) is not unique", best.Name, argTypeList(args))
	}
	return best, nil
}

func argTypeList(args []Expr) string {
	ts := make([]string, len(args))
	for i, a := range args {
		ts[i] = a.Type().String()
	}
	return strings.Join(ts, ", ")
}

// inline binds f's body with args (bound in eb.sc) as its parameters.
func (eb *exprBinder) inline(f *catalog.Function, args []Expr) (Expr, error) {
	if f.SetOf {
		return eb.userSRFCall(f, args)
	}
	for _, fr := range eb.b.frames {
		if fr.fn.OID == f.OID {
			return nil, sql.Errorf(sql.CodeFeatureNotSupported, "recursive SQL function %s() cannot be inlined", f.Name)
		}
	}
	if len(eb.b.frames) >= maxInlineDepth {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "SQL functions nested more than %d deep cannot be inlined", maxInlineDepth)
	}
	bound := make([]Expr, len(args))
	for i, a := range args {
		bound[i] = eb.b.coerce(a, f.Args[i])
	}
	sel, err := functionBody(f)
	if err != nil {
		return nil, err
	}
	eb.b.frames = append(eb.b.frames, &fnFrame{fn: f, args: bound, caller: eb.sc})
	x, err := eb.bindBody(sel)
	eb.b.frames = eb.b.frames[:len(eb.b.frames)-1]
	if err != nil {
		return nil, err
	}
	eb.b.functions = appendUnique(eb.b.functions, f.OID)
	x = eb.b.coerce(x, f.Returns)
	if f.Strict && len(bound) > 0 {
		// STRICT: NULL when any argument is NULL, without running the body.
		nulls := make([]Expr, len(bound))
		for i, a := range bound {
			nulls[i] = &IsNull{Input: a}
		}
		var cond Expr = &Or{Args: nulls}
		if len(nulls) == 1 {
			cond = nulls[0]
		}
		x = &Case{Whens: []When{{Cond: cond, Result: &Const{Val: sql.Null, Typ: f.Returns}}}, Else: x, Typ: f.Returns}
	}
	return x, nil
}

func appendUnique(s []uint32, v uint32) []uint32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// functionBody parses f's body: exactly one SELECT.
func functionBody(f *catalog.Function) (ast.ResultSetNode, error) {
	stmts, err := sql.Parse(f.Body)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 || stmts[0].AST == nil {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "SQL function %s: only a body of one SELECT is supported", f.Name)
	}
	switch n := stmts[0].AST.(type) {
	case *ast.SelectStmt:
		return n, nil
	case *ast.SetOprStmt:
		return n, nil
	}
	return nil, sql.Errorf(sql.CodeFeatureNotSupported, "SQL function %s: only a body of one SELECT is supported", f.Name)
}

// bindBody binds a body inside its frame: a bare expression when it can,
// else a scalar subquery.
func (eb *exprBinder) bindBody(body ast.ResultSetNode) (Expr, error) {
	if s, ok := body.(*ast.SelectStmt); ok && s.From == nil && s.Where == nil && s.GroupBy == nil && s.Having == nil &&
		s.OrderBy == nil && s.Limit == nil && s.With == nil && !s.Distinct && s.WindowSpecs == nil &&
		s.Fields != nil && len(s.Fields.Fields) == 1 && s.Fields.Fields[0].Expr != nil && !hasAggregate(s.Fields.Fields[0].Expr) {
		// inAgg: the caller's GROUP BY expressions must not match the body's names
		return (&exprBinder{b: eb.b, sc: eb.sc, inAgg: true}).bind(s.Fields.Fields[0].Expr)
	}
	x, err := eb.subquery(&ast.SubqueryExpr{Query: body}, SubqueryScalar)
	if err != nil {
		if e, ok := err.(*sql.Error); ok && e.Message == "subquery must return only one column" {
			f := eb.b.frame()
			if f == nil {
				f = &fnFrame{fn: &catalog.Function{Name: "?"}}
			}
			return nil, sql.Errorf(sql.CodeInvalidFunctionDefinition, "return type mismatch in function declared to return %s", sql.FormatType(f.fn.Returns))
		}
	}
	return x, err
}

// paramRef resolves $n inside an inlined body.
func (eb *exprBinder) paramRef(f *fnFrame, n int64) (Expr, error) {
	if n < 1 || int(n) > len(f.args) {
		return nil, sql.Errorf(sql.CodeUndefinedParameter, "there is no parameter $%d", n)
	}
	return eb.fromCaller(f, f.args[n-1])
}

// namedParam resolves a column name at the frame's barrier: a parameter
// by name (optionally qualified by the function's name), or nothing.
func (eb *exprBinder) namedParam(f *fnFrame, table, name string) (Expr, bool, error) {
	if table != "" && table != f.fn.Name {
		return nil, false, nil
	}
	for i, an := range f.fn.ArgNames {
		if an != "" && an == name {
			x, err := eb.fromCaller(f, f.args[i])
			return x, true, err
		}
	}
	return nil, false, nil
}

// fromCaller moves an argument bound in the frame's caller scope to eb.sc,
// some subquery levels below: its columns become outer references.
func (eb *exprBinder) fromCaller(f *fnFrame, x Expr) (Expr, error) {
	level := 0
	if f.beside {
		level = -1
	}
	for sc := eb.sc; sc != f.caller; sc = sc.parent {
		if sc == nil {
			return nil, fmt.Errorf("inlined function %s: argument scope not found", f.fn.Name)
		}
		level++
	}
	if level == 0 {
		return x, nil
	}
	var err error
	out := mapExpr(x, func(e Expr) Expr {
		switch e := e.(type) {
		case *ColRef:
			f.caller.outerRefs++
			return &OuterRef{Level: level, Idx: e.Idx, Typ: e.Typ}
		case *OuterRef:
			f.caller.outerRefs++
			return &OuterRef{Level: e.Level + level, Idx: e.Idx, Typ: e.Typ}
		case *Subquery:
			err = sql.Errorf(sql.CodeFeatureNotSupported, "a subquery as the argument of SQL function %s() whose body reads a table", f.fn.Name)
		}
		return e
	})
	return out, err
}

// CheckFunction validates a new function's body as PostgreSQL does at
// CREATE FUNCTION: it must bind with the declared arguments, and its result
// must convert to the declared return type.
func (p *Planner) CheckFunction(f *catalog.Function) error {
	b := p.newBinder(f.Args)
	args := make([]Expr, len(f.Args))
	for i, t := range f.Args {
		args[i] = &Param{Idx: i, Typ: t}
	}
	if f.SetOf {
		_, err := b.bindUserSRF(&userSRF{fn: f, args: args}, &scope{}, false)
		return err
	}
	sel, err := functionBody(f)
	if err != nil {
		return err
	}
	sc := &scope{}
	eb := &exprBinder{b: b, sc: sc}
	b.frames = append(b.frames, &fnFrame{fn: f, args: args, caller: sc})
	x, err := eb.bindBody(sel)
	if err != nil {
		return err
	}
	t := x.Type()
	if t.OID == sql.OIDUnknown {
		t = sql.Text // a bare literal's type in a SELECT list, as in PostgreSQL
	}
	if t.OID != f.Returns.OID && !implicitCast(t, f.Returns) && !assignmentCast(t, f.Returns) {
		return &sql.Error{Code: sql.CodeInvalidFunctionDefinition,
			Message: "return type mismatch in function declared to return " + sql.FormatType(f.Returns),
			Detail:  "Actual return type is " + sql.FormatType(t) + "."}
	}
	return nil
}
