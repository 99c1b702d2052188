package planner

import (
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
)

// AggFunc identifies an aggregate function; exec implements it by name.
type AggFunc struct {
	Name string
}

// aggregateNames are the aggregates eddy knows, including those the TiDB
// grammar parses as plain function calls.
var aggregateNames = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true,
	"bool_and": true, "bool_or": true, "every": true, "string_agg": true,
	"array_agg": true, "json_agg": true, "jsonb_agg": true, "json_object_agg": true,
	"jsonb_object_agg": true, "stddev": true, "stddev_samp": true, "stddev_pop": true,
	"variance": true, "var_samp": true, "var_pop": true, "bit_and": true, "bit_or": true,
	"bit_xor":         true,
	"percentile_cont": true, "percentile_disc": true, "mode": true,
	// RisingWave's, with ORDER BY in the call; with OVER they are window
	// functions (rankingFuncs), as in PostgreSQL.
	"first_value": true, "last_value": true,
	// RisingWave's and Flink's estimate of count(DISTINCT x); eddy counts
	// exactly, an estimate with no error (approxCountDistinct).
	"approx_count_distinct": true,
}

// orderedSetNames are the ordered-set aggregates: they take WITHIN GROUP
// (ORDER BY ...) and nothing else takes it.
var orderedSetNames = map[string]bool{"percentile_cont": true, "percentile_disc": true, "mode": true}

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool { return aggregateNames[strings.ToLower(name)] }

// hasAggregate reports whether an expression contains an aggregate call of
// this query level (not inside a subquery, not a window function).
func hasAggregate(e ast.Node) bool {
	v := &aggFinder{}
	e.Accept(v)
	return v.found
}

type aggFinder struct{ found bool }

func (v *aggFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		v.found = true
		return n, true
	case *ast.FuncCallExpr:
		// GROUPING() makes a query grouped just as an aggregate does.
		if IsAggregate(n.FnName.L) || n.FnName.L == "eddy_agg_distinct" || n.FnName.L == "grouping" {
			v.found = true
			return n, true
		}
	case *ast.WindowFuncExpr:
		// Its arguments may hold aggregates (sum(count(*)) OVER ()).
		for _, a := range n.Args {
			a.Accept(v)
		}
		return n, true
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		return n, true
	}
	return n, v.found
}

func (v *aggFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// aggState collects the grouping and aggregates of one query level.
type aggState struct {
	from      *scope
	group     []Expr
	groupText []string
	// sets are the grouping sets of GROUP BY ROLLUP/CUBE/GROUPING SETS as
	// indexes into group; nil for a plain GROUP BY (the one set of all).
	sets [][]int
	aggs []AggCall
}

// aggBase is the Aggregate output column of the first aggregate: grouping
// sets put their set number between the group columns and the aggregates.
func (a *aggState) aggBase() int {
	if a.sets != nil {
		return len(a.group) + 1
	}
	return len(a.group)
}

// matchGroup maps an expression that is textually a GROUP BY item to its
// column of the Aggregate output.
func (a *aggState) matchGroup(e ast.ExprNode) (Expr, bool) {
	if _, ok := e.(*ast.ColumnNameExpr); ok {
		return nil, false // columns resolve by binding, below
	}
	text := restore(e)
	if text == "" {
		return nil, false
	}
	for i, g := range a.groupText {
		if g == text {
			return &ColRef{Idx: i, Typ: a.group[i].Type()}, true
		}
	}
	return nil, false
}

// groupColumn maps a FROM column index to the Aggregate output column that
// groups by it.
func (a *aggState) groupColumn(idx int) (int, bool) {
	for i, g := range a.group {
		if c, ok := g.(*ColRef); ok && c.Idx == idx {
			return i, true
		}
	}
	return 0, false
}

func (a *aggState) columns() []Column {
	cols := make([]Column, 0, len(a.group)+len(a.aggs))
	for i, g := range a.group {
		c := Column{Name: "?group?", Type: g.Type()}
		if r, ok := g.(*ColRef); ok {
			c = a.from.cols[r.Idx]
		}
		_ = i
		cols = append(cols, c)
	}
	if a.sets != nil {
		cols = append(cols, Column{Name: "?grouping set?", Type: sql.Int4, Hidden: true})
	}
	for _, ag := range a.aggs {
		cols = append(cols, Column{Name: ag.Func.Name, Type: ag.Type})
	}
	return cols
}

// aggResultType is the result type of an aggregate over arguments of types ts.
func aggResultType(name string, ts []sql.Type) (sql.Type, error) {
	arg := func() sql.Type {
		if len(ts) == 0 {
			return sql.Unknown
		}
		return ts[0]
	}
	switch name {
	case "count":
		return sql.Int8, nil
	case "sum":
		switch arg().OID {
		case sql.OIDInt2, sql.OIDInt4:
			return sql.Int8, nil
		case sql.OIDInt8, sql.OIDNumeric:
			return sql.Numeric, nil
		case sql.OIDFloat4:
			return sql.Float4, nil
		case sql.OIDFloat8, sql.OIDUnknown:
			return sql.Float8, nil
		case sql.OIDInterval:
			return sql.Interval, nil
		}
	case "avg":
		switch arg().OID {
		case sql.OIDInt2, sql.OIDInt4, sql.OIDInt8, sql.OIDNumeric:
			return sql.Numeric, nil
		case sql.OIDFloat4, sql.OIDFloat8, sql.OIDUnknown:
			return sql.Float8, nil
		case sql.OIDInterval:
			return sql.Interval, nil
		}
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		switch arg().OID {
		case sql.OIDInt2, sql.OIDInt4, sql.OIDInt8, sql.OIDNumeric:
			return sql.Numeric, nil
		case sql.OIDFloat4, sql.OIDFloat8, sql.OIDUnknown:
			return sql.Float8, nil
		}
	case "min", "max":
		t := arg()
		if t.OID == sql.OIDUnknown {
			t = sql.Text
		}
		if category(t) == catBool || t.OID == sql.OIDJSON {
			break
		}
		return t, nil
	case "bool_and", "bool_or", "every":
		if arg().OID == sql.OIDBool || arg().OID == sql.OIDUnknown {
			return sql.Bool, nil
		}
	case "bit_and", "bit_or", "bit_xor":
		if category(arg()) == catNumeric && numericRank(arg().OID) <= 3 {
			return arg(), nil
		}
	case "string_agg":
		if len(ts) == 2 {
			if ts[0].OID == sql.OIDBytea {
				return sql.Bytea, nil
			}
			return sql.Text, nil
		}
	case "array_agg":
		t := arg()
		if t.OID == sql.OIDUnknown {
			t = sql.Text
		}
		return sql.ArrayOf(t), nil
	case "first_value", "last_value":
		if len(ts) == 1 {
			return resolveUnknown(ts[0]), nil
		}
	case "json_agg", "json_object_agg":
		return sql.JSON, nil
	case "jsonb_agg", "jsonb_object_agg":
		return sql.JSONB, nil
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return sql.Type{}, sql.Errorf(sql.CodeUndefinedFunction, "function %s(%s) does not exist", name, strings.Join(names, ", "))
}

// maxGroupingSets is PostgreSQL's limit on the sets one GROUP BY expands to.
const maxGroupingSets = 4096

// bindGroupBy binds GROUP BY: plain items, and the dialect layer's markers
// for ROLLUP, CUBE and GROUPING SETS (eddy_rollup, eddy_cube,
// eddy_grouping_sets, with eddy_set for a parenthesized list). As in
// PostgreSQL the items' sets multiply out: GROUP BY a, ROLLUP (b) is
// GROUPING SETS ((a, b), (a)).
func (b *binder) bindGroupBy(items []*ast.ByItem, sc *scope, fields []field, agg *aggState) error {
	sets := [][]int{{}}
	hasSets := false
	for _, it := range items {
		s, isSets, err := b.groupSets(it.Expr, sc, fields, agg)
		if err != nil {
			return err
		}
		hasSets = hasSets || isSets
		var next [][]int
		for _, l := range sets {
			for _, r := range s {
				next = append(next, unionIdx(l, r))
			}
		}
		if len(next) > maxGroupingSets {
			return sql.Errorf("54001", "too many grouping sets present (maximum %d)", maxGroupingSets)
		}
		sets = next
	}
	if hasSets {
		agg.sets = sets
	}
	return nil
}

// groupSets expands one GROUP BY item into its grouping sets and reports
// whether it was a grouping-set construct rather than a plain expression.
func (b *binder) groupSets(e ast.ExprNode, sc *scope, fields []field, agg *aggState) ([][]int, bool, error) {
	fc, ok := e.(*ast.FuncCallExpr)
	if !ok {
		i, err := b.addGroup(e, sc, fields, agg)
		return [][]int{{i}}, false, err
	}
	// elems reads the elements of ROLLUP and CUBE: an expression or a
	// parenthesized list, each a unit that is present or absent as a whole.
	elems := func() ([][]int, error) {
		var out [][]int
		for _, a := range fc.Args {
			s, _, err := b.groupSets(a, sc, fields, agg)
			if err != nil {
				return nil, err
			}
			if len(s) != 1 {
				return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error: nested grouping sets in %s", strings.ToUpper(strings.TrimPrefix(fc.FnName.L, "eddy_")))
			}
			out = append(out, s[0])
		}
		return out, nil
	}
	switch fc.FnName.L {
	case "eddy_set":
		var set []int
		for _, a := range fc.Args {
			i, err := b.addGroup(a, sc, fields, agg)
			if err != nil {
				return nil, false, err
			}
			set = unionIdx(set, []int{i})
		}
		if set == nil {
			set = []int{}
		}
		return [][]int{set}, true, nil
	case "eddy_rollup":
		el, err := elems()
		if err != nil {
			return nil, false, err
		}
		out := make([][]int, 0, len(el)+1)
		for k := len(el); k >= 0; k-- {
			set := []int{}
			for _, x := range el[:k] {
				set = unionIdx(set, x)
			}
			out = append(out, set)
		}
		return out, true, nil
	case "eddy_cube":
		el, err := elems()
		if err != nil {
			return nil, false, err
		}
		if len(el) > 12 {
			return nil, false, sql.Errorf("54001", "too many grouping sets present (maximum %d)", maxGroupingSets)
		}
		// PostgreSQL's order: CUBE (a, b) is ((a, b), (a), (b), ()).
		n := len(el)
		var out [][]int
		for m := 1<<n - 1; m >= 0; m-- {
			set := []int{}
			for k := 0; k < n; k++ {
				if m&(1<<(n-1-k)) != 0 {
					set = unionIdx(set, el[k])
				}
			}
			out = append(out, set)
		}
		return out, true, nil
	case "eddy_grouping_sets":
		var out [][]int
		for _, a := range fc.Args {
			s, _, err := b.groupSets(a, sc, fields, agg)
			if err != nil {
				return nil, false, err
			}
			out = append(out, s...)
		}
		if len(out) > maxGroupingSets {
			return nil, false, sql.Errorf("54001", "too many grouping sets present (maximum %d)", maxGroupingSets)
		}
		return out, true, nil
	}
	i, err := b.addGroup(e, sc, fields, agg)
	return [][]int{{i}}, false, err
}

// addGroup binds one grouping expression and returns its group column; an
// expression that is already grouped on shares its column, so that it has
// one column however many sets name it.
func (b *binder) addGroup(e ast.ExprNode, sc *scope, fields []field, agg *aggState) (int, error) {
	x, text, err := b.bindGroupItem(e, sc, fields)
	if err != nil {
		return 0, err
	}
	for i, g := range agg.group {
		if exprEqual(g, x) {
			return i, nil
		}
	}
	agg.group = append(agg.group, x)
	agg.groupText = append(agg.groupText, text)
	return len(agg.group) - 1, nil
}

// unionIdx appends the indexes of r missing from l, into a new slice.
func unionIdx(l, r []int) []int {
	out := append([]int{}, l...)
	for _, x := range r {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// grouping binds GROUPING(args): a bit mask with one bit per argument, the
// last argument the lowest bit, set when that grouping expression is absent
// from the current row's grouping set. It is a CASE over the set number
// column, as the sets are known here.
func (eb *exprBinder) grouping(e *ast.FuncCallExpr) (Expr, error) {
	agg := eb.sc.agg
	if eb.inAgg {
		return nil, sql.Errorf(sql.CodeGroupingError, "aggregate function calls cannot contain grouping operations")
	}
	if agg == nil {
		return nil, sql.Errorf(sql.CodeGroupingError, "grouping operations are not allowed here")
	}
	if len(e.Args) == 0 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error at or near \")\"")
	}
	if len(e.Args) > 31 {
		return nil, sql.Errorf("54023", "GROUPING must have fewer than 32 arguments")
	}
	cols := make([]int, len(e.Args))
	for k, a := range e.Args {
		cols[k] = -1
		if x, ok := agg.matchGroup(a); ok {
			cols[k] = x.(*ColRef).Idx
			continue
		}
		x, err := (&exprBinder{b: eb.b, sc: agg.from, inAgg: true}).bind(a)
		if err != nil {
			return nil, err
		}
		for i, g := range agg.group {
			if exprEqual(g, x) {
				cols[k] = i
				break
			}
		}
		if cols[k] < 0 {
			return nil, sql.Errorf(sql.CodeGroupingError, "arguments to GROUPING must be grouping expressions of the associated query level")
		}
	}
	zero := &Const{Val: sql.NewInt(0), Typ: sql.Int4}
	if agg.sets == nil {
		return zero, nil
	}
	setCol := &ColRef{Idx: len(agg.group), Typ: sql.Int4}
	c := &Case{Else: zero, Typ: sql.Int4}
	for s, set := range agg.sets {
		v := int64(0)
		for k, col := range cols {
			if !slices.Contains(set, col) {
				v |= 1 << (len(cols) - 1 - k)
			}
		}
		if v == 0 {
			continue
		}
		cond, err := eb.b.compare(OpEq, setCol, &Const{Val: sql.NewInt(int64(s)), Typ: sql.Int4})
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond, Result: &Const{Val: sql.NewInt(v), Typ: sql.Int4}})
	}
	if len(c.Whens) == 0 {
		return zero, nil
	}
	return c, nil
}

// withinGroup binds eddy_within_group(agg(direct args), sort items...), the
// dialect layer's form of an ordered-set aggregate's WITHIN GROUP (ORDER BY).
func (eb *exprBinder) withinGroup(e *ast.FuncCallExpr) (Expr, error) {
	return eb.withinGroupFilter(e, nil)
}

// withinGroupFilter binds an ordered-set aggregate. Its AggCall's Args are
// the direct argument (the fraction of percentile_*), if any, then the
// sorted value; Order is the WITHIN GROUP sort of that value.
func (eb *exprBinder) withinGroupFilter(e *ast.FuncCallExpr, filter ast.ExprNode) (Expr, error) {
	if len(e.Args) < 1 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "malformed WITHIN GROUP")
	}
	var name string
	var argNodes []ast.ExprNode
	switch fe := e.Args[0].(type) {
	case *ast.FuncCallExpr:
		name, argNodes = fe.FnName.L, fe.Args
	case *ast.AggregateFuncExpr:
		name, argNodes = strings.ToLower(fe.F), fe.Args
	default:
		return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error at or near \"WITHIN\"")
	}
	if eb.inAgg {
		return nil, sql.Errorf(sql.CodeGroupingError, "aggregate function calls cannot be nested")
	}
	agg := eb.sc.agg
	if agg == nil {
		return nil, sql.Errorf(sql.CodeGroupingError, "aggregate functions are not allowed here")
	}
	inner := &exprBinder{b: eb.b, sc: agg.from, inAgg: true}
	var args []Expr
	for _, a := range argNodes {
		x, err := inner.bind(a)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	var keys []SortKey
	for _, o := range e.Args[1:] {
		x, nullsFirst, desc := unwrapSortMarker(o)
		v, err := inner.bind(x)
		if err != nil {
			return nil, err
		}
		nf := desc
		if nullsFirst != nil {
			nf = *nullsFirst
		}
		keys = append(keys, SortKey{Expr: v, Desc: desc, NullsFirst: nf})
	}
	noFunc := func() error {
		var ts []Expr
		ts = append(ts, args...)
		for _, k := range keys {
			ts = append(ts, k.Expr)
		}
		return noAggregate(name, ts)
	}
	if !orderedSetNames[name] {
		// PostgreSQL looks for an ordered-set aggregate taking the direct
		// and the sorted arguments, and finds none.
		return nil, noFunc()
	}
	want := 1
	if name == "mode" {
		want = 0
	}
	if len(args) != want || len(keys) != 1 {
		return nil, noFunc()
	}
	val := keys[0].Expr
	vt := val.Type()
	if vt.OID == sql.OIDUnknown {
		vt = sql.Text
	}
	call := AggCall{Func: &AggFunc{Name: name}}
	var t sql.Type
	switch name {
	case "mode":
		t = vt
	case "percentile_cont", "percentile_disc":
		ft := args[0].Type()
		array := ft.IsArray()
		if array {
			ft = *ft.Elem
		}
		if ft.OID != sql.OIDUnknown && category(ft) != catNumeric {
			return nil, noFunc()
		}
		if array {
			args[0] = eb.b.coerce(args[0], sql.ArrayOf(sql.Float8))
		} else {
			args[0] = eb.b.coerce(args[0], sql.Float8)
		}
		t = vt
		if name == "percentile_cont" {
			// Only the float8 and interval versions exist: other numbers
			// interpolate as float8.
			switch {
			case vt.OID == sql.OIDInterval:
			case category(vt) == catNumeric || val.Type().OID == sql.OIDUnknown:
				t = sql.Float8
			default:
				return nil, noFunc()
			}
		}
		if array {
			t = sql.ArrayOf(t)
		}
		call.Args = append(call.Args, args[0])
	}
	elem := t
	if t.IsArray() {
		elem = *t.Elem
	}
	val = eb.b.coerce(val, elem)
	keys[0].Expr = val
	call.Args = append(call.Args, val)
	call.Order = keys
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
	return agg.add(call), nil
}

// noAggregate is PostgreSQL's error for an aggregate call that no candidate
// takes.
func noAggregate(name string, args []Expr) error {
	ts := make([]string, len(args))
	for i, a := range args {
		ts[i] = a.Type().String()
	}
	return &sql.Error{Code: sql.CodeUndefinedFunction,
		Message: "function " + name + "(" + strings.Join(ts, ", ") + ") does not exist",
		Hint:    "No function matches the given name and argument types. You might need to add explicit type casts."}
}

// approxCountDistinct is bound as count(DISTINCT x): its exact value is
// within any error bound the estimate promises, and a view keeps it exact
// under deletes too.
const approxCountDistinct = "approx_count_distinct"
