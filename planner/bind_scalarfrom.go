package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql/builtin"
)

// bindScalarInFrom binds a function in FROM that returns one value, not a
// set (FROM string_to_array(current_setting('search_path'), ',') s, as
// Grafana's table picker sends): PostgreSQL reads it as a relation of one
// row and one column. ok is false for set-returning functions and names
// that are no scalar function, which bindTableFunction then resolves.
func (b *binder) bindScalarInFrom(tf *ast.FuncCallExpr, sc *scope) (Node, bool, error) {
	name := strings.ToLower(srfName(tableFunctionName(tf)))
	if srfNames[srfName(name)] || len(builtin.Lookup(name)) == 0 || tf.FnName.L != "eddy_table_function" {
		return nil, false, nil
	}
	call := &ast.FuncCallExpr{FnName: ast.NewCIStr(name), Args: tf.Args[1:]}
	x, err := b.bindExpr(call, sc)
	if err != nil {
		return nil, true, err
	}
	return &Values{Rows: [][]Expr{{x}}, Cols: []Column{{Name: name, Type: x.Type()}}}, true, nil
}
