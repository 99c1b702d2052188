package planner

import (
	"reflect"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// call binds a function call: the dialect layer's markers, the functions
// with their own node types, aggregates parsed as calls, then built-ins.
func (eb *exprBinder) call(e *ast.FuncCallExpr) (Expr, error) {
	name := e.FnName.L
	switch name {
	case "eddy_cast":
		return eb.cast(e)
	case "eddy_param":
		n, ok := intLiteral(e.Args[0])
		if f := eb.b.frame(); f != nil && ok {
			return eb.paramRef(f, n)
		}
		if !ok || n < 1 || n > 65535 {
			return nil, sql.Errorf(sql.CodeUndefinedParameter, "there is no parameter $%d", n)
		}
		for len(eb.b.params) < int(n) {
			eb.b.params = append(eb.b.params, sql.Unknown)
		}
		t := eb.b.params[n-1]
		if t.OID == 0 {
			t = sql.Unknown
		}
		return &Param{Idx: int(n - 1), Typ: t}, nil
	case "eddy_filter":
		return eb.filteredAggregate(e)
	case "eddy_agg_distinct":
		if a, ok := e.Args[0].(*ast.FuncCallExpr); ok && IsAggregate(a.FnName.L) {
			return eb.aggregateWith(nil, a, nil, nil, true)
		}
		return nil, sql.Errorf(sql.CodeWrongObjectType, "DISTINCT specified, but it is not an aggregate function")
	case "eddy_agg_order":
		return eb.orderedAggregate(e)
	case "eddy_within_group":
		return eb.withinGroup(e)
	case "grouping":
		return eb.grouping(e)
	case "eddy_array":
		return eb.arrayLit(e.Args)
	case "eddy_array_subquery":
		sq, ok := e.Args[0].(*ast.SubqueryExpr)
		if !ok {
			return nil, errUnsupported("ARRAY() over a non-subquery")
		}
		x, err := eb.subquery(sq, SubqueryArray)
		if err != nil {
			return nil, err
		}
		s := x.(*Subquery)
		s.Typ = sql.ArrayOf(s.Plan.Columns()[0].Type)
		return s, nil
	case "concat":
		// The TiDB grammar's form of a || b; the dialect layer renames calls
		// of the concat function to eddy_concat_fn.
		if len(e.Args) == 2 {
			l, err := eb.bind(e.Args[0])
			if err != nil {
				return nil, err
			}
			r, err := eb.bind(e.Args[1])
			if err != nil {
				return nil, err
			}
			return eb.b.concat(l, r)
		}
	case "eddy_field":
		return eb.field(e)
	case "coalesce":
		args, t, err := eb.commonArgs(e.Args, "COALESCE")
		if err != nil {
			return nil, err
		}
		return &Coalesce{Args: args, Typ: t}, nil
	case "greatest", "least":
		args, t, err := eb.commonArgs(e.Args, strings.ToUpper(name))
		if err != nil {
			return nil, err
		}
		return &MinMax{Args: args, Greatest: name == "greatest", Typ: t}, nil
	case "nullif":
		if len(e.Args) != 2 {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "function nullif with %d arguments does not exist", len(e.Args))
		}
		a, err := eb.bind(e.Args[0])
		if err != nil {
			return nil, err
		}
		b, err := eb.bind(e.Args[1])
		if err != nil {
			return nil, err
		}
		eq, err := eb.b.compare(OpEq, a, b)
		if err != nil {
			return nil, err
		}
		// NULLIF's result has the comparison's type, as its = operator has.
		t, ok := commonType([]sql.Type{a.Type(), b.Type()})
		if !ok {
			t = a.Type()
		}
		t = resolveUnknown(t)
		return &Case{Whens: []When{{Cond: eq, Result: &Const{Val: sql.Null, Typ: t}}}, Else: eb.b.coerce(a, t), Typ: t}, nil
	}
	fns := eb.b.userFunctions(e)
	if len(fns) > 0 && !IsAggregate(name) && !IsSRF(name) {
		args, err := eb.bindArgs(e.Args)
		if err != nil {
			return nil, err
		}
		if len(builtin.Lookup(name)) > 0 {
			// pg_catalog comes first on the search path: a built-in that
			// takes these arguments wins.
			if x, err := eb.b.resolveCall(name, args); err == nil {
				return x, nil
			}
		}
		if x, ok, err := eb.callUser(fns, args); ok {
			return x, err
		}
		return eb.b.resolveCall(name, args)
	}
	if IsAggregate(name) {
		return eb.aggregate(nil, e, nil)
	}
	if name == "eddy_concat_fn" {
		name = "concat"
	}
	if IsSRF(name) {
		return eb.srf(name, e.Args)
	}
	args, err := eb.bindArgs(e.Args)
	if err != nil {
		return nil, err
	}
	return eb.b.resolveCall(name, args)
}

func (eb *exprBinder) bindArgs(as []ast.ExprNode) ([]Expr, error) {
	args := make([]Expr, len(as))
	for i, a := range as {
		x, err := eb.bind(a)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	return args, nil
}

// resolveCall picks the built-in overload that fits the argument types best.
func (b *binder) resolveCall(name string, args []Expr) (Expr, error) {
	cands := builtin.Lookup(name)
	var best *builtin.Func
	bestScore := -1
	for _, f := range cands {
		s := matchScore(f, args)
		if s > bestScore {
			best, bestScore = f, s
		}
	}
	if best == nil {
		types := make([]string, len(args))
		for i, a := range args {
			types[i] = a.Type().String()
		}
		return nil, &sql.Error{Code: sql.CodeUndefinedFunction,
			Message: "function " + name + "(" + strings.Join(types, ", ") + ") does not exist",
			Hint:    "No function matches the given name and argument types. You might need to add explicit type casts."}
	}
	types := make([]sql.Type, len(args))
	poly := sql.Unknown
	for i, a := range args {
		pt := paramType(best, i)
		if pt.OID == builtin.OIDAnyElement && a.Type().OID != sql.OIDUnknown && poly.OID == sql.OIDUnknown {
			poly = a.Type()
		}
		if pt.OID == builtin.OIDAnyArray && a.Type().IsArray() && poly.OID == sql.OIDUnknown {
			poly = *a.Type().Elem
		}
	}
	if poly.OID == sql.OIDUnknown {
		poly = sql.Text
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		pt := paramType(best, i)
		switch pt.OID {
		case builtin.OIDAny:
			out[i] = a
			if a.Type().OID == sql.OIDUnknown {
				out[i] = b.coerce(a, sql.Text)
			}
		case builtin.OIDAnyElement:
			out[i] = b.coerce(a, poly)
		case builtin.OIDAnyArray:
			out[i] = b.coerce(a, sql.ArrayOf(poly))
		default:
			out[i] = b.coerce(a, pt)
		}
		types[i] = out[i].Type()
	}
	return &Call{Fn: best, Args: out, Typ: best.ResultType(types)}, nil
}

func paramType(f *builtin.Func, i int) sql.Type {
	if i >= len(f.Args) {
		return f.Args[len(f.Args)-1]
	}
	return f.Args[i]
}

// matchScore rates how well args fit f: -1 no fit, higher is better.
func matchScore(f *builtin.Func, args []Expr) int {
	if len(args) != len(f.Args) && !(f.Variadic && len(args) >= len(f.Args)-1) {
		return -1
	}
	score := 0
	for i, a := range args {
		pt, at := paramType(f, i), a.Type()
		switch {
		case pt.OID == builtin.OIDAny, pt.OID == builtin.OIDAnyElement && !at.IsArray():
			score += 2
		case pt.OID == builtin.OIDAnyArray && (at.IsArray() || at.OID == sql.OIDUnknown):
			score += 2
		case pt.Equal(at), pt.OID == at.OID && !pt.IsArray():
			score += 3
		case at.OID == sql.OIDUnknown:
			if category(pt) == catString {
				score += 2
			} else {
				score++
			}
		case implicitCast(at, pt):
			score++
		default:
			return -1
		}
	}
	return score
}

// cast binds eddy_cast(expr, 'type'), the dialect layer's form of :: and CAST.
func (eb *exprBinder) cast(e *ast.FuncCallExpr) (Expr, error) {
	if len(e.Args) != 2 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed cast")
	}
	tv, ok := e.Args[1].(*driver.ValueExpr)
	if !ok {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed cast")
	}
	t, err := sql.ParseTypeName(tv.GetString())
	if err != nil {
		return nil, err
	}
	x, err := eb.bind(e.Args[0])
	if err != nil {
		return nil, err
	}
	if p, ok := x.(*Param); ok && p.Typ.OID == sql.OIDUnknown {
		return eb.b.coerce(p, t), nil
	}
	if x.Type().Equal(t) {
		return x, nil
	}
	return &Cast{Input: x, Typ: t, Explicit: true}, nil
}

// commonArgs binds arguments and casts them to their common type.
func (eb *exprBinder) commonArgs(as []ast.ExprNode, what string) ([]Expr, sql.Type, error) {
	args := make([]Expr, len(as))
	types := make([]sql.Type, len(as))
	for i, a := range as {
		x, err := eb.bind(a)
		if err != nil {
			return nil, sql.Type{}, err
		}
		args[i], types[i] = x, x.Type()
	}
	t, ok := commonType(types)
	if !ok {
		a, b := typeMismatch(types)
		return nil, sql.Type{}, sql.Errorf(sql.CodeDatatypeMismatch, "%s types %s and %s cannot be matched", what, a, b)
	}
	t = resolveUnknown(t)
	for i := range args {
		args[i] = eb.b.coerce(args[i], t)
	}
	return args, t, nil
}

func (eb *exprBinder) arrayLit(as []ast.ExprNode) (Expr, error) {
	if len(as) == 0 {
		return &ArrayLit{Typ: sql.ArrayOf(sql.Text)}, nil
	}
	args, t, err := eb.commonArgs(as, "ARRAY")
	if err != nil {
		return nil, err
	}
	if t.IsArray() {
		// Nested ARRAY[[..],[..]] is a multi-dimensional array; eddy keeps
		// it as an array of arrays of the same type.
		return &ArrayLit{Elems: args, Typ: t}, nil
	}
	return &ArrayLit{Elems: args, Typ: sql.ArrayOf(t)}, nil
}

// aggregate binds an aggregate call (from either AST form) in a grouped
// query and returns a reference to its output column.
func (eb *exprBinder) aggregate(ae *ast.AggregateFuncExpr, fe *ast.FuncCallExpr, filter ast.ExprNode) (Expr, error) {
	return eb.aggregateWith(ae, fe, filter, nil, false)
}

// unwrapAggDistinct reads the dialect layer's eddy_agg_distinct(agg(...)),
// its form of agg(DISTINCT ...) for aggregates the TiDB grammar lacks.
func unwrapAggDistinct(e ast.ExprNode) (ast.ExprNode, bool) {
	if fc, ok := e.(*ast.FuncCallExpr); ok && fc.FnName.L == "eddy_agg_distinct" && len(fc.Args) == 1 {
		return fc.Args[0], true
	}
	return e, false
}

func (eb *exprBinder) aggregateWith(ae *ast.AggregateFuncExpr, fe *ast.FuncCallExpr, filter ast.ExprNode, order []ast.ExprNode, distinct bool) (Expr, error) {
	var name string
	var argNodes []ast.ExprNode
	star := false
	if ae != nil {
		name, argNodes, distinct = strings.ToLower(ae.F), ae.Args, distinct || ae.Distinct
		if name == "count" && len(argNodes) == 1 && !distinct {
			// count(*) arrives as count(1); any non-NULL constant counts
			// every row, so both need no argument at all.
			if v, ok := argNodes[0].(*driver.ValueExpr); ok && v.Kind() != driver.KindNull {
				star = true
			}
		}
		if ae.Order != nil && order == nil {
			for _, it := range ae.Order.Items {
				order = append(order, orderMarker(it))
			}
		}
	} else {
		name, argNodes = fe.FnName.L, fe.Args
	}
	if name == approxCountDistinct && len(argNodes) == 1 {
		name, distinct = "count", true
	}
	// Nesting is checked first: the arguments bind in a scope without
	// aggregates, where the generic message would hide the real one.
	if eb.inAgg {
		return nil, sql.Errorf(sql.CodeGroupingError, "aggregate function calls cannot be nested")
	}
	agg := eb.sc.agg
	if agg == nil {
		return nil, sql.Errorf(sql.CodeGroupingError, "aggregate functions are not allowed here")
	}
	inner := &exprBinder{b: eb.b, sc: agg.from, inAgg: true}
	call := AggCall{Func: &AggFunc{Name: name}, Distinct: distinct}
	if !star {
		for _, a := range argNodes {
			x, err := inner.bind(a)
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, x)
		}
	}
	if name == "count" && star {
		call.Args = nil
	}
	if orderedSetNames[name] {
		// Without WITHIN GROUP PostgreSQL finds no such function.
		return nil, noAggregate(name, call.Args)
	}
	switch name {
	case "string_agg":
		for i := range call.Args {
			if call.Args[i].Type().OID != sql.OIDBytea {
				call.Args[i] = eb.b.coerce(call.Args[i], sql.Text)
			}
		}
	case "first_value", "last_value":
		if len(order) == 0 {
			// Without ORDER BY the call is PostgreSQL's window function.
			return nil, sql.Errorf(sql.CodeWrongObjectType, "window function %s requires an OVER clause", name)
		}
		if len(call.Args) == 1 && call.Args[0].Type().OID == sql.OIDUnknown {
			call.Args[0] = eb.b.coerce(call.Args[0], sql.Text)
		}
	case "min", "max", "array_agg":
		if len(call.Args) == 1 && call.Args[0].Type().OID == sql.OIDUnknown {
			call.Args[0] = eb.b.coerce(call.Args[0], sql.Text)
		}
	case "bool_and", "bool_or", "every":
		if len(call.Args) == 1 {
			call.Args[0] = eb.b.coerce(call.Args[0], sql.Bool)
		}
	case "sum", "avg":
		if len(call.Args) == 1 && call.Args[0].Type().OID == sql.OIDUnknown {
			// Their candidates span the numeric and interval categories,
			// so PostgreSQL cannot pick one for an untyped argument.
			return nil, &sql.Error{Code: sql.CodeAmbiguousFunction,
				Message: "function " + name + "(unknown) is not unique",
				Hint:    "Could not choose a best candidate function. You might need to add explicit type casts."}
		}
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		// All candidates are numeric: an untyped argument takes the
		// preferred type.
		if len(call.Args) == 1 && call.Args[0].Type().OID == sql.OIDUnknown {
			call.Args[0] = eb.b.coerce(call.Args[0], sql.Float8)
		}
	}
	types := make([]sql.Type, len(call.Args))
	for i, a := range call.Args {
		types[i] = a.Type()
	}
	t, err := aggResultType(name, types)
	if err != nil {
		return nil, err
	}
	call.Type = t
	if filter != nil {
		f, err := inner.bind(filter)
		if err != nil {
			return nil, err
		}
		if call.Filter, err = eb.b.asBool(f, "FILTER"); err != nil {
			return nil, err
		}
	}
	for _, o := range order {
		x, nullsFirst, desc := unwrapSortMarker(o)
		e, err := inner.bind(x)
		if err != nil {
			return nil, err
		}
		nf := desc
		if nullsFirst != nil {
			nf = *nullsFirst
		}
		call.Order = append(call.Order, SortKey{Expr: e, Desc: desc, NullsFirst: nf})
	}
	return agg.add(call), nil
}

// add adds an aggregate call, sharing the column of an identical one.
func (a *aggState) add(call AggCall) Expr {
	for i, existing := range a.aggs {
		if reflect.DeepEqual(existing, call) {
			return &ColRef{Idx: a.aggBase() + i, Typ: call.Type}
		}
	}
	a.aggs = append(a.aggs, call)
	return &ColRef{Idx: a.aggBase() + len(a.aggs) - 1, Typ: call.Type}
}

// orderMarker turns an ORDER BY item into the dialect layer's marker form.
func orderMarker(it *ast.ByItem) ast.ExprNode {
	if it.Desc {
		return &ast.FuncCallExpr{FnName: ast.NewCIStr("eddy_desc"), Args: []ast.ExprNode{it.Expr}}
	}
	return it.Expr
}

// unwrapSortMarker reads eddy_desc(...) and eddy_nulls_first/last(...).
func unwrapSortMarker(e ast.ExprNode) (x ast.ExprNode, nullsFirst *bool, desc bool) {
	x = e
	for {
		fc, ok := x.(*ast.FuncCallExpr)
		if !ok || len(fc.Args) != 1 {
			return x, nullsFirst, desc
		}
		switch fc.FnName.L {
		case "eddy_desc":
			desc = true
		case "eddy_nulls_first":
			t := true
			nullsFirst = &t
		case "eddy_nulls_last":
			f := false
			nullsFirst = &f
		default:
			return x, nullsFirst, desc
		}
		x = fc.Args[0]
	}
}

// filteredAggregate binds eddy_filter(agg(...), cond): agg FILTER (WHERE cond).
func (eb *exprBinder) filteredAggregate(e *ast.FuncCallExpr) (Expr, error) {
	if len(e.Args) != 2 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed FILTER clause")
	}
	inner, distinct := unwrapAggDistinct(e.Args[0])
	switch a := inner.(type) {
	case *ast.AggregateFuncExpr:
		return eb.aggregateWith(a, nil, e.Args[1], nil, distinct)
	case *ast.FuncCallExpr:
		if a.FnName.L == "eddy_agg_order" {
			return eb.orderedAggregateFilter(a, e.Args[1])
		}
		if a.FnName.L == "eddy_within_group" {
			return eb.withinGroupFilter(a, e.Args[1])
		}
		if IsAggregate(a.FnName.L) {
			return eb.aggregateWith(nil, a, e.Args[1], nil, distinct)
		}
	case *ast.WindowFuncExpr:
		return eb.window(a, e.Args[1])
	}
	return nil, sql.Errorf(sql.CodeWrongObjectType, "FILTER specified, but it is not an aggregate function")
}

func (eb *exprBinder) orderedAggregate(e *ast.FuncCallExpr) (Expr, error) {
	return eb.orderedAggregateFilter(e, nil)
}

func (eb *exprBinder) orderedAggregateFilter(e *ast.FuncCallExpr, filter ast.ExprNode) (Expr, error) {
	if len(e.Args) < 1 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed aggregate ORDER BY")
	}
	inner, distinct := unwrapAggDistinct(e.Args[0])
	switch a := inner.(type) {
	case *ast.AggregateFuncExpr:
		return eb.aggregateWith(a, nil, filter, e.Args[1:], distinct)
	case *ast.FuncCallExpr:
		if IsAggregate(a.FnName.L) {
			return eb.aggregateWith(nil, a, filter, e.Args[1:], distinct)
		}
	}
	return nil, sql.Errorf(sql.CodeWrongObjectType, "ORDER BY specified, but it is not an aggregate function")
}

// srf binds a set-returning function in a select list.
func (eb *exprBinder) srf(name string, as []ast.ExprNode) (Expr, error) {
	if eb.win == nil || eb.inAgg {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "set-returning functions are not allowed here")
	}
	args := make([]Expr, len(as))
	for i, a := range as {
		x, err := eb.bind(a)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	call, err := eb.b.resolveSRF(name, args)
	if err != nil {
		return nil, err
	}
	if len(call.Cols) != 1 {
		return nil, errUnsupported(name + " in a select list (it returns a record)")
	}
	eb.win.srfs = append(eb.win.srfs, *call)
	return &srfRef{j: len(eb.win.srfs) - 1, typ: call.Cols[0].Type}, nil
}

// field binds (record).name, the dialect layer's eddy_field(record, 'name').
// The record's field names come from where it was made: a column that
// carries them, or a set-returning function returning a record.
func (eb *exprBinder) field(e *ast.FuncCallExpr) (Expr, error) {
	if len(e.Args) != 2 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed field selection")
	}
	nameV, ok := e.Args[1].(*driver.ValueExpr)
	if !ok {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed field selection")
	}
	name := nameV.GetString()
	x, err := eb.bind(e.Args[0])
	if err != nil {
		return nil, err
	}
	fields := eb.recordFields(e.Args[0], x)
	for i, f := range fields {
		if f.Name == name {
			return &FieldSelect{Input: x, Idx: i, Typ: f.Type}, nil
		}
	}
	if fields == nil {
		return nil, sql.Errorf(sql.CodeWrongObjectType, "column notation .%s applied to type %s, which is not a composite type", name, x.Type())
	}
	return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q not found in data type record", name)
}

// recordFields finds the field names of a bound record expression.
func (eb *exprBinder) recordFields(a ast.ExprNode, x Expr) []Column {
	switch r := x.(type) {
	case *srfRef:
		return eb.win.srfs[r.j].Cols[0].Fields
	}
	if cn, ok := a.(*ast.ColumnNameExpr); ok {
		for sc := eb.sc; sc != nil; sc = sc.parent {
			if idx, err := sc.lookup(cn.Name.Table.O, cn.Name.Name.O); err == nil && idx >= 0 {
				return sc.cols[idx].Fields
			}
		}
	}
	if p, ok := a.(*ast.ParenthesesExpr); ok {
		return eb.recordFields(p.Expr, x)
	}
	return nil
}
