package planner

import (
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
}

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
		if IsAggregate(n.FnName.L) || n.FnName.L == "eddy_agg_distinct" {
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
	aggs      []AggCall
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
	case "bit_and", "bit_or":
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
