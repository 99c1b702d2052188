package planner

import (
	"strconv"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Set-returning SQL functions (RETURNS SETOF type, RETURNS TABLE (...)) in
// FROM are inlined as the subquery their body is, with the parameters
// standing for the arguments, as scalar functions are (bind_udf.go). With
// arguments that read earlier FROM items (implicitly LATERAL, as in
// PostgreSQL) the subquery is the right side of a LateralJoin.

// userSRF is a set-returning user function a FROM item calls.
type userSRF struct {
	fn   *catalog.Function
	args []Expr // bound in the scope the call appears in
}

// resolveUserSRF binds the arguments of a FROM function call in sc and
// picks the user-defined set-returning function it calls; ok is false when
// the name has none (a built-in then answers).
func (b *binder) resolveUserSRF(fc *ast.FuncCallExpr, sc *scope) (*userSRF, bool, error) {
	if b.p.Cat == nil {
		return nil, false, nil
	}
	var fns []*catalog.Function
	for _, f := range b.p.Cat.FunctionsNamed("public", tableFunctionName(fc)) {
		if f.SetOf {
			fns = append(fns, f)
		}
	}
	if len(fns) == 0 {
		return nil, false, nil
	}
	if fc.FnName.L == "eddy_table_function_ordinality" {
		return nil, true, errUnsupported("WITH ORDINALITY on a SQL function")
	}
	var args []Expr
	for _, a := range fc.Args[1:] {
		x, err := b.bindExpr(a, sc)
		if err != nil {
			return nil, true, err
		}
		args = append(args, x)
	}
	f, err := pickUserFunction(fns, args)
	if err != nil || f == nil {
		return nil, f != nil || err != nil, err
	}
	for i, a := range args {
		args[i] = b.coerce(a, f.Args[i])
	}
	return &userSRF{fn: f, args: args}, true, nil
}

// srfColumns are the columns a set-returning function declares: those of
// RETURNS TABLE, or one named after the function.
func srfColumns(f *catalog.Function) []Column {
	if len(f.Table) > 0 {
		cols := make([]Column, len(f.Table))
		for i, c := range f.Table {
			cols[i] = Column{Name: c.Name, Type: c.Type}
		}
		return cols
	}
	return []Column{{Name: f.Name, Type: f.Returns}}
}

// bindUserSRF binds the body of u's function as a query whose parameters
// are u's arguments, bound in caller, and shapes its rows into the declared
// columns. The body runs below caller (the right side of a LateralJoin,
// whose outer row is caller's) or, when beside, at caller's level (a FROM
// item that reads no other: its arguments hold no column of caller).
func (b *binder) bindUserSRF(u *userSRF, caller *scope, beside bool) (Node, error) {
	f := u.fn
	for _, fr := range b.frames {
		if fr.fn.OID == f.OID {
			return nil, sql.Errorf(sql.CodeFeatureNotSupported, "recursive SQL function %s() cannot be inlined", f.Name)
		}
	}
	if len(b.frames) >= maxInlineDepth {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "SQL functions nested more than %d deep cannot be inlined", maxInlineDepth)
	}
	sel, err := functionBody(f)
	if err != nil {
		return nil, err
	}
	if beside {
		caller = &scope{parent: caller.parent}
	}
	fr := &fnFrame{fn: f, args: u.args, caller: caller, beside: beside}
	b.frames = append(b.frames, fr)
	body, err := b.bindQuery(sel, caller)
	if err == nil && f.Strict && len(u.args) > 0 {
		// STRICT: no rows when an argument is NULL.
		body, err = b.strictFilter(fr, body)
	}
	b.frames = b.frames[:len(b.frames)-1]
	if err != nil {
		return nil, err
	}
	b.functions = appendUnique(b.functions, f.OID)
	return shapeSRF(f, finalizeOutput(body))
}

// strictFilter keeps body's rows only when every argument is not NULL.
// The filter sits at the body's level.
func (b *binder) strictFilter(fr *fnFrame, body Node) (Node, error) {
	eb := &exprBinder{b: b, sc: &scope{cols: body.Columns(), parent: fr.caller}}
	conds := make([]Expr, len(fr.args))
	for i, a := range fr.args {
		x, err := eb.fromCaller(fr, a)
		if err != nil {
			return nil, err
		}
		conds[i] = &IsNull{Input: x, Not: true}
	}
	return &Filter{Input: body, Pred: conjoin(conds)}, nil
}

// shapeSRF casts a body's columns to the declared ones, refusing a body
// whose columns do not fit, as PostgreSQL does.
func shapeSRF(f *catalog.Function, body Node) (Node, error) {
	want := srfColumns(f)
	got := body.Columns()
	if len(got) != len(want) {
		detail := "Final statement returns too many columns."
		switch {
		case len(f.Table) == 0:
			detail = "Final statement must return exactly one column."
		case len(got) < len(want):
			detail = "Final statement returns too few columns."
		}
		return nil, &sql.Error{Code: sql.CodeInvalidFunctionDefinition,
			Message: "return type mismatch in function declared to return " + srfResultType(f), Detail: detail}
	}
	exprs := make([]Expr, len(want))
	for i, c := range want {
		t := got[i].Type
		if t.OID == sql.OIDUnknown {
			t = sql.Text
		}
		if t.OID != c.Type.OID && !implicitCast(t, c.Type) && !assignmentCast(t, c.Type) {
			detail := "Final statement returns " + sql.FormatType(t) + " instead of " + sql.FormatType(c.Type) + " at column " + strconv.Itoa(i+1) + "."
			if len(f.Table) == 0 {
				detail = "Actual return type is " + sql.FormatType(t) + "."
			}
			return nil, &sql.Error{Code: sql.CodeInvalidFunctionDefinition,
				Message: "return type mismatch in function declared to return " + srfResultType(f), Detail: detail}
		}
		exprs[i] = coerce(&ColRef{Idx: i, Typ: got[i].Type}, c.Type)
	}
	return &Project{Input: body, Exprs: exprs, Cols: want}, nil
}

func srfResultType(f *catalog.Function) string {
	if len(f.Table) > 0 {
		return "record"
	}
	return sql.FormatType(f.Returns)
}

// bindLateralUserSRF binds j's right side when it calls a set-returning
// user function whose arguments read the left side's columns. ok is false
// when it is not such a call.
func (b *binder) bindLateralUserSRF(j *ast.Join, fc *ast.FuncCallExpr, left Node, lcols []Column, sc *scope) (Node, []Column, bool, error) {
	lat := &scope{cols: lcols, parent: sc.parent}
	u, ok, err := b.resolveUserSRF(fc, lat)
	if !ok || err != nil {
		return nil, nil, ok, err
	}
	reads := false
	for _, a := range u.args {
		walkExpr(a, func(x Expr) bool {
			_, col := x.(*ColRef)
			reads = reads || col
			return !reads
		})
	}
	if !reads {
		return nil, nil, false, nil
	}
	right, err := b.bindUserSRF(u, lat, false)
	if err != nil {
		return nil, nil, true, err
	}
	ts := j.Right.(*ast.TableSource)
	alias, colAliases := splitAlias(ts.AsName.O)
	colAliases = append(colAliases, cistrs(ts.ColumnNames)...)
	if alias == "" {
		alias = u.fn.Name
	} else if len(colAliases) == 0 && len(u.fn.Table) == 0 {
		colAliases = []string{alias}
	}
	if err := sc.addFromName(alias); err != nil {
		return nil, nil, true, err
	}
	lj, cols, err := b.lateralJoin(j, sc, left, right, lcols, alias, colAliases, "FULL JOIN with a lateral function")
	return lj, cols, true, err
}

// userSRFCall binds a set-returning SQL function called in a select list:
// its body becomes the plan of an SRFCall that ProjectSet runs once per
// row, below that row.
func (eb *exprBinder) userSRFCall(f *catalog.Function, args []Expr) (Expr, error) {
	if eb.win == nil || eb.inAgg {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "set-returning functions are not allowed here")
	}
	if len(f.Table) > 0 {
		return nil, errUnsupported(f.Name + " in a select list (it returns a record); call it in FROM")
	}
	bound := make([]Expr, len(args))
	for i, a := range args {
		ok := true
		walkExpr(a, func(x Expr) bool {
			switch x.(type) {
			case *srfRef, *winRef, *Subquery:
				ok = false
			}
			return ok
		})
		if !ok {
			return nil, errUnsupported("a set-returning function, window function or subquery as the argument of " + f.Name + "() in a select list")
		}
		bound[i] = eb.b.coerce(a, f.Args[i])
	}
	body, err := eb.b.bindUserSRF(&userSRF{fn: f, args: bound}, eb.sc, false)
	if err != nil {
		return nil, err
	}
	cols := srfColumns(f)
	eb.win.srfs = append(eb.win.srfs, SRFCall{Name: f.Name, Cols: cols, Plan: body})
	return &srfRef{j: len(eb.win.srfs) - 1, typ: cols[0].Type}, nil
}
