package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// BindColumnDefault binds col's DEFAULT (NULL when it has none), cast to
// the column's type, as ALTER TABLE ADD COLUMN fills existing rows with it.
func (p *Planner) BindColumnDefault(col catalog.Column) (Expr, error) {
	return p.newBinder(nil).defaultExpr(col)
}

// BindAlterType binds the value that ALTER COLUMN ... TYPE gives column i
// of rel's rows: using (an expression over the old row) if given, else the
// column itself, which must then cast to the new type by assignment, as
// PostgreSQL requires.
func (p *Planner) BindAlterType(rel *catalog.Relation, i int, to catalog.Column, using string) (Expr, error) {
	b := p.newBinder(nil)
	if using == "" {
		from := rel.Columns[i].Type
		x := Expr(&ColRef{Idx: i, Typ: from})
		if from.Equal(to.Type) {
			return x, nil
		}
		if implicitCast(from, to.Type) || assignmentCast(from, to.Type) {
			return &Cast{Input: x, Typ: to.Type}, nil
		}
		return nil, &sql.Error{Code: sql.CodeDatatypeMismatch,
			Message: fmt.Sprintf("column %q cannot be cast automatically to type %s", to.Name, to.Type),
			Hint:    fmt.Sprintf("You might need to specify \"USING %s::%s\".", to.Name, to.Type)}
	}
	stmts, err := sql.Parse("SELECT " + using)
	if err != nil {
		return nil, err
	}
	sel, ok := stmts[0].AST.(*ast.SelectStmt)
	if len(stmts) != 1 || !ok || sel.From != nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].Expr == nil {
		return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error in expression %q", using)
	}
	_, sc, err := b.tableScope(rel, rel.Name)
	if err != nil {
		return nil, err
	}
	x, err := b.bindExpr(sel.Fields.Fields[0].Expr, sc)
	if err != nil {
		return nil, err
	}
	if x.Type().Equal(to.Type) {
		return x, nil
	}
	if x.Type().OID == sql.OIDUnknown || implicitCast(x.Type(), to.Type) || assignmentCast(x.Type(), to.Type) {
		return &Cast{Input: x, Typ: to.Type}, nil
	}
	return nil, &sql.Error{Code: sql.CodeDatatypeMismatch,
		Message: fmt.Sprintf("result of USING clause for column %q cannot be cast automatically to type %s", to.Name, to.Type),
		Hint:    "You might need to add an explicit cast."}
}
