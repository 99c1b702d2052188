package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/eddysql/eddy/sql"
)

// tableFunction recognizes the dialect layer's form of a function in FROM:
// (SELECT eddy_table_function('name', args...)).
func tableFunction(sel *ast.SelectStmt) (*ast.FuncCallExpr, bool) {
	if sel.From != nil || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.Where != nil {
		return nil, false
	}
	fc, ok := sel.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
	if !ok || (fc.FnName.L != "eddy_table_function" && fc.FnName.L != "eddy_table_function_ordinality") || len(fc.Args) == 0 {
		return nil, false
	}
	return fc, true
}

func tableFunctionName(fc *ast.FuncCallExpr) string {
	if v, ok := fc.Args[0].(*driver.ValueExpr); ok {
		return v.GetString()
	}
	return ""
}

// bindTableFunction binds a set-returning function in FROM. Arguments may
// refer to earlier FROM items only through LATERAL, which eddy does not
// support yet, so they bind in the enclosing scope.
func (b *binder) bindTableFunction(fc *ast.FuncCallExpr, sc *scope) (Node, error) {
	n, err := b.bindSRF(fc, sc)
	if err != nil || fc.FnName.L != "eddy_table_function_ordinality" {
		return n, err
	}
	// WITH ORDINALITY numbers the rows from 1 in an extra bigint column.
	tf := n.(*TableFunc)
	tf.Ordinality = true
	tf.Cols = append(tf.Cols, Column{Name: "ordinality", Type: sql.Int8})
	return tf, nil
}

func (b *binder) bindSRF(fc *ast.FuncCallExpr, sc *scope) (Node, error) {
	name := tableFunctionName(fc)
	var args []Expr
	for _, a := range fc.Args[1:] {
		x, err := b.bindExpr(a, &scope{parent: sc.parent})
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	switch name {
	case "generate_series", "pg_catalog.generate_series":
		if len(args) < 2 || len(args) > 3 {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "function generate_series with %d arguments does not exist", len(args))
		}
		types := []sql.Type{args[0].Type(), args[1].Type()}
		t, ok := commonType(types)
		if !ok {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "function generate_series(%s, %s) does not exist", types[0], types[1])
		}
		switch {
		case t.OID == sql.OIDUnknown || t.OID == sql.OIDInt2:
			t = sql.Int4
		case t.OID == sql.OIDDate:
			t = sql.Timestamp
		}
		if category(t) != catNumeric && t.OID != sql.OIDTimestamp && t.OID != sql.OIDTimestampTZ {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "function generate_series(%s, %s) does not exist", types[0], types[1])
		}
		args[0], args[1] = b.coerce(args[0], t), b.coerce(args[1], t)
		if len(args) == 3 {
			st := t
			if t.OID == sql.OIDTimestamp || t.OID == sql.OIDTimestampTZ {
				st = sql.Interval
			}
			args[2] = b.coerce(args[2], st)
		}
		return &TableFunc{Name: "generate_series", Args: args, Cols: []Column{{Name: "generate_series", Type: t}}}, nil
	case "unnest", "pg_catalog.unnest":
		if len(args) != 1 {
			return nil, errUnsupported("unnest with several arrays")
		}
		at := args[0].Type()
		if at.OID == sql.OIDUnknown {
			args[0] = b.coerce(args[0], sql.ArrayOf(sql.Text))
			at = args[0].Type()
		}
		if !at.IsArray() {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "function unnest(%s) does not exist", at)
		}
		return &TableFunc{Name: "unnest", Args: args, Cols: []Column{{Name: "unnest", Type: *at.Elem}}}, nil
	}
	return nil, sql.Errorf(sql.CodeUndefinedFunction, "function %s does not exist", name)
}
