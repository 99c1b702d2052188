package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Insert writes Source's rows, which have the table's columns in order.
type Insert struct {
	Table  *catalog.Relation
	Source Node
	Params []sql.Type
}

// Update rewrites the rows Source yields (whole table rows); Set holds the
// new value of each column (nil = unchanged), over the old row.
type Update struct {
	Table  *catalog.Relation
	Source Node
	Set    []Expr
	Params []sql.Type
}

// Delete removes the rows Source yields (whole table rows).
type Delete struct {
	Table  *catalog.Relation
	Source Node
	Params []sql.Type
}

func (p *Planner) targetTable(refs *ast.TableRefsClause) (*catalog.Relation, string, error) {
	if refs == nil || refs.TableRefs == nil || refs.TableRefs.Right != nil {
		return nil, "", errUnsupported("DML over several tables")
	}
	var tn *ast.TableName
	alias := ""
	switch x := refs.TableRefs.Left.(type) {
	case *ast.TableSource:
		tn, _ = x.Source.(*ast.TableName)
		alias = x.AsName.O
	case *ast.TableName:
		tn = x
	}
	if tn == nil {
		return nil, "", errUnsupported("DML on a derived table")
	}
	rel := p.Cat.Lookup(tn.Schema.O, tn.Name.O)
	if rel == nil {
		return nil, "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", tn.Name.O)
	}
	if rel.Kind != catalog.KindTable {
		return nil, "", sql.Errorf(sql.CodeWrongObjectType, "cannot change relation %q", rel.Name)
	}
	if alias == "" {
		alias = rel.Name
	}
	return rel, alias, nil
}

// PlanInsert binds INSERT INTO t [(cols)] VALUES ... | SELECT ....
func (p *Planner) PlanInsert(st *ast.InsertStmt, paramTypes []sql.Type) (*Insert, error) {
	b := p.newBinder(paramTypes)
	rel, _, err := p.targetTable(st.Table)
	if err != nil {
		return nil, err
	}
	targets := make([]int, 0, len(rel.Columns))
	if len(st.Columns) == 0 {
		for i := range rel.Columns {
			targets = append(targets, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range st.Columns {
			i := rel.ColumnIndex(c.Name.O)
			if i < 0 {
				return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q of relation %q does not exist", c.Name.O, rel.Name)
			}
			if seen[i] {
				return nil, sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", c.Name.O)
			}
			seen[i] = true
			targets = append(targets, i)
		}
	}
	var src Node
	if st.Select != nil {
		if src, err = b.bindQuery(st.Select, nil); err != nil {
			return nil, err
		}
		if len(src.Columns()) > len(targets) {
			return nil, sql.Errorf(sql.CodeSyntaxError, "INSERT has more expressions than target columns")
		}
		targets = targets[:len(src.Columns())]
	} else {
		rows := make([][]Expr, len(st.Lists))
		sc := &scope{}
		for i, l := range st.Lists {
			if len(l) > len(targets) {
				return nil, sql.Errorf(sql.CodeSyntaxError, "INSERT has more expressions than target columns")
			}
			if len(l) < len(targets) && len(st.Columns) > 0 {
				return nil, sql.Errorf(sql.CodeSyntaxError, "INSERT has more target columns than expressions")
			}
			row := make([]Expr, len(targets))
			for j := range targets {
				col := rel.Columns[targets[j]]
				if j >= len(l) {
					if row[j], err = b.defaultExpr(col); err != nil {
						return nil, err
					}
					continue
				}
				if _, ok := l[j].(*ast.DefaultExpr); ok {
					if row[j], err = b.defaultExpr(col); err != nil {
						return nil, err
					}
					continue
				}
				x, err := b.bindExpr(l[j], sc)
				if err != nil {
					return nil, err
				}
				if row[j], err = b.assign(x, col); err != nil {
					return nil, err
				}
			}
			rows[i] = row
		}
		cols := make([]Column, len(targets))
		for j, t := range targets {
			cols[j] = Column{Name: rel.Columns[t].Name, Type: rel.Columns[t].Type}
		}
		if len(rows) == 0 {
			return nil, sql.Errorf(sql.CodeSyntaxError, "INSERT needs VALUES")
		}
		src = &Values{Rows: rows, Cols: cols}
	}
	// Reorder into table column order, filling defaults.
	exprs := make([]Expr, len(rel.Columns))
	scols := src.Columns()
	for i, col := range rel.Columns {
		exprs[i] = nil
		for j, t := range targets {
			if t == i {
				x, err := b.assign(&ColRef{Idx: j, Typ: scols[j].Type}, col)
				if err != nil {
					return nil, err
				}
				exprs[i] = x
			}
		}
		if exprs[i] == nil {
			if exprs[i], err = b.defaultExpr(col); err != nil {
				return nil, err
			}
		}
	}
	cols := make([]Column, len(rel.Columns))
	for i, c := range rel.Columns {
		cols[i] = Column{Name: c.Name, Type: c.Type}
	}
	src = &Project{Input: src, Exprs: exprs, Cols: cols}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	return &Insert{Table: rel, Source: src, Params: b.params}, nil
}

// assign casts a value for storing in col, as PostgreSQL's assignment casts
// do (numeric to integer rounds, text to varchar(n) checks the length).
func (b *binder) assign(x Expr, col catalog.Column) (Expr, error) {
	t := x.Type()
	if t.Equal(col.Type) {
		return x, nil
	}
	if t.OID == sql.OIDUnknown || implicitCast(t, col.Type) || assignmentCast(t, col.Type) {
		if p, ok := x.(*Param); ok && p.Typ.OID == sql.OIDUnknown {
			return b.coerce(p, col.Type), nil
		}
		return &Cast{Input: x, Typ: col.Type}, nil
	}
	return nil, sql.Errorf(sql.CodeDatatypeMismatch, "column %q is of type %s but expression is of type %s", col.Name, col.Type, t)
}

// assignmentCast: casts PostgreSQL allows in INSERT/UPDATE but not in
// expressions (narrowing numerics, anything to text types).
func assignmentCast(from, to sql.Type) bool {
	fc, tc := category(from), category(to)
	if fc == catNumeric && tc == catNumeric {
		return true
	}
	if tc == catString {
		return true
	}
	if fc == catDate && tc == catDate {
		return true
	}
	return false
}

// defaultExpr is a column's DEFAULT (or NULL).
func (b *binder) defaultExpr(col catalog.Column) (Expr, error) {
	if col.Default == "" {
		return &Const{Val: sql.Null, Typ: col.Type}, nil
	}
	stmts, err := sql.Parse("SELECT " + col.Default)
	if err != nil || len(stmts) != 1 {
		return nil, fmt.Errorf("default of column %s: %w", col.Name, err)
	}
	sel, ok := stmts[0].AST.(*ast.SelectStmt)
	if !ok || len(sel.Fields.Fields) != 1 {
		return nil, fmt.Errorf("default of column %s: not an expression", col.Name)
	}
	x, err := b.bindExpr(sel.Fields.Fields[0].Expr, &scope{})
	if err != nil {
		return nil, fmt.Errorf("default of column %s: %w", col.Name, err)
	}
	return b.assign(x, col)
}

// PlanUpdate binds UPDATE t SET c = e, ... [WHERE ...].
func (p *Planner) PlanUpdate(st *ast.UpdateStmt, paramTypes []sql.Type) (*Update, error) {
	b := p.newBinder(paramTypes)
	rel, alias, err := p.targetTable(st.TableRefs)
	if err != nil {
		return nil, err
	}
	scan, sc, err := b.tableScope(rel, alias)
	if err != nil {
		return nil, err
	}
	var src Node = scan
	if st.Where != nil {
		pred, err := b.bindBool(st.Where, sc, "WHERE")
		if err != nil {
			return nil, err
		}
		src = &Filter{Input: src, Pred: pred}
	}
	set := make([]Expr, len(rel.Columns))
	for _, a := range st.List {
		i := rel.ColumnIndex(a.Column.Name.O)
		if i < 0 {
			return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q of relation %q does not exist", a.Column.Name.O, rel.Name)
		}
		var x Expr
		if _, ok := a.Expr.(*ast.DefaultExpr); ok {
			x, err = b.defaultExpr(rel.Columns[i])
		} else if x, err = b.bindExpr(a.Expr, sc); err == nil {
			x, err = b.assign(x, rel.Columns[i])
		}
		if err != nil {
			return nil, err
		}
		set[i] = x
	}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	return &Update{Table: rel, Source: src, Set: set, Params: b.params}, nil
}

// PlanDelete binds DELETE FROM t [WHERE ...].
func (p *Planner) PlanDelete(st *ast.DeleteStmt, paramTypes []sql.Type) (*Delete, error) {
	b := p.newBinder(paramTypes)
	rel, alias, err := p.targetTable(st.TableRefs)
	if err != nil {
		return nil, err
	}
	scan, sc, err := b.tableScope(rel, alias)
	if err != nil {
		return nil, err
	}
	var src Node = scan
	if st.Where != nil {
		pred, err := b.bindBool(st.Where, sc, "WHERE")
		if err != nil {
			return nil, err
		}
		src = &Filter{Input: src, Pred: pred}
	}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	return &Delete{Table: rel, Source: src, Params: b.params}, nil
}

func (b *binder) tableScope(rel *catalog.Relation, alias string) (Node, *scope, error) {
	n, err := b.bindRelation(rel)
	if err != nil {
		return nil, nil, err
	}
	cols := append([]Column(nil), n.Columns()...)
	for i := range cols {
		cols[i].Table = alias
	}
	return n, &scope{cols: cols}, nil
}
