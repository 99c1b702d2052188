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
	var args []Expr
	for _, a := range fc.Args[1:] {
		x, err := b.bindExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	call, err := b.resolveSRF(tableFunctionName(fc), args)
	if err != nil {
		return nil, err
	}
	return &TableFunc{Name: call.Name, Args: call.Args, Cols: call.Cols}, nil
}
