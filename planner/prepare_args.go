package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
)

// PlanExecuteArgs binds EXECUTE's arguments, given as the select list of
// sel, to a one-row query whose columns are the arguments coerced to the
// prepared statement's parameter types, as PostgreSQL's EvaluateParams
// does: by assignment coercion, so that a numeric rounds into an integer
// parameter but a text value is not parsed as one. pos is where
// each argument starts in the query string, for the error that points at
// one that does not fit.
func (p *Planner) PlanExecuteArgs(sel *ast.SelectStmt, targets []sql.Type, pos []int, query string) (*Query, error) {
	v := &argsFinder{}
	sel.Fields.Accept(v)
	if v.subquery {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "cannot use subquery in EXECUTE parameter")
	}
	if v.param > 0 {
		// EXECUTE is a utility statement: like PostgreSQL's, it takes no
		// parameters of its own.
		return nil, sql.Errorf(sql.CodeUndefinedParameter, "there is no parameter $%d", v.param)
	}
	b := p.newBinder(nil)
	n, err := b.bindQuery(sel, nil)
	if err != nil {
		return nil, err
	}
	cols := n.Columns()
	exprs := make([]Expr, len(cols))
	out := make([]Column, len(cols))
	for i, c := range cols {
		to := targets[i]
		x := Expr(&ColRef{Idx: i, Typ: c.Type})
		out[i] = Column{Name: c.Name, Type: to}
		switch t := c.Type; {
		case t.Equal(to):
		case t.OID == sql.OIDUnknown || implicitCast(t, to) || assignmentCast(t, to):
			x = &Cast{Input: x, Typ: to}
		default:
			e := sql.Errorf(sql.CodeDatatypeMismatch, "parameter $%d of type %s cannot be coerced to the expected type %s", i+1, t, to)
			e.Hint = "You will need to rewrite or cast the expression."
			if i < len(pos) {
				e = e.WithPosition(charPos(query, pos[i]))
			}
			return nil, e
		}
		exprs[i] = x
	}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	var plan Node = &Project{Input: n, Exprs: exprs, Cols: out}
	plan, _ = Optimize(plan)
	return &Query{Plan: plan, Params: b.params, Access: b.access, Functions: b.functions}, nil
}

// charPos is the 1-based character position of byte offset off, as an
// error's position counts.
func charPos(s string, off int) int {
	if off > len(s) {
		off = len(s)
	}
	return len([]rune(s[:off])) + 1
}

// argsFinder looks for what EXECUTE's arguments may not hold: a subquery,
// a parameter (the first one's number).
type argsFinder struct {
	subquery bool
	param    int64
}

func (v *argsFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		v.subquery = true
		return n, true
	case *ast.FuncCallExpr:
		if x.FnName.L == "eddy_param" && v.param == 0 && len(x.Args) == 1 {
			if k, ok := intLiteral(x.Args[0]); ok {
				v.param = k
			}
		}
	}
	return n, false
}

func (v *argsFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }
