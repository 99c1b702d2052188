package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Insert writes Source's rows, which have the table's columns in order.
type Insert struct {
	// Access is what running the statement needs (privileges.go).
	Access     []Access
	Table      *catalog.Relation
	Source     Node
	Params     []sql.Type
	OnConflict *OnConflict
	Returning
}

// OnConflict is INSERT ... ON CONFLICT [(cols)] DO NOTHING | DO UPDATE.
type OnConflict struct {
	// Columns is the conflict target (column indexes); nil = any unique key.
	Columns []int
	// Set is nil for DO NOTHING; otherwise the new value of each column
	// (nil = unchanged), over the existing row followed by the proposed
	// (EXCLUDED) row.
	Set []Expr
	// Where filters DO UPDATE, over the same row as Set; nil = always.
	Where Expr
	// Repeat lets a proposed row update one that an earlier row of the same
	// statement wrote, the later one winning, where PostgreSQL's DO UPDATE
	// refuses: a table's ON CONFLICT clause (RisingWave's) upserts so.
	Repeat bool
}

// Returning is the RETURNING list of a DML statement, over the table's row
// (the new row for INSERT and UPDATE, the old one for DELETE).
type Returning struct {
	Returning     []Expr
	ReturningCols []Column
}

// Update rewrites the rows Source yields (whole table rows); Set holds the
// new value of each column (nil = unchanged), over the old row.
type Update struct {
	// Access is what running the statement needs (privileges.go).
	Access []Access
	Table  *catalog.Relation
	Source Node
	Set    []Expr
	Params []sql.Type
	Returning
}

// Delete removes the rows Source yields (whole table rows).
type Delete struct {
	// Access is what running the statement needs (privileges.go).
	Access []Access
	Table  *catalog.Relation
	Source Node
	Params []sql.Type
	Returning
}

// bindReturning binds a RETURNING list over the table's columns.
func (b *binder) bindReturning(fl *ast.FieldList, sc *scope) (Returning, error) {
	var r Returning
	if fl == nil {
		return r, nil
	}
	fields, err := b.expandFields(fl.Fields, sc)
	if err != nil {
		return r, err
	}
	for _, f := range fields {
		if f.expr == nil {
			r.Returning = append(r.Returning, f.ref)
			r.ReturningCols = append(r.ReturningCols, f.col)
			continue
		}
		x, err := b.bindExpr(f.expr, sc)
		if err != nil {
			return r, err
		}
		t := x.Type()
		if t.OID == sql.OIDUnknown {
			x, t = b.coerce(x, sql.Text), sql.Text
		}
		col := Column{Name: f.name, Type: t}
		if c, ok := x.(*ColRef); ok && c.Idx < len(sc.cols) {
			col.TableOID, col.Attnum = sc.cols[c.Idx].TableOID, sc.cols[c.Idx].Attnum
		}
		r.Returning = append(r.Returning, x)
		r.ReturningCols = append(r.ReturningCols, col)
	}
	return r, nil
}

// BindTableExpr binds an expression over a table's row (CHECK constraints,
// DEFAULT texts); it is a boolean condition when clause is not "".
func (p *Planner) BindTableExpr(rel *catalog.Relation, text, clause string) (Expr, error) {
	stmts, err := sql.Parse("SELECT " + text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error in expression %q", text)
	}
	sel, ok := stmts[0].AST.(*ast.SelectStmt)
	if !ok || sel.From != nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].Expr == nil {
		return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error in expression %q", text)
	}
	b := p.newBinder(nil)
	_, sc, err := b.tableScope(rel, rel.Name)
	if err != nil {
		return nil, err
	}
	if clause != "" {
		return b.bindBool(sel.Fields.Fields[0].Expr, sc, clause)
	}
	return b.bindExpr(sel.Fields.Fields[0].Expr, sc)
}

func (p *Planner) targetTable(refs *ast.TableRefsClause, verb string) (*catalog.Relation, string, error) {
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
	rel := p.lookup(tn.Schema.O, tn.Name.O)
	if rel == nil {
		return nil, "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", tn.Name.O)
	}
	// INSERT INTO a source produces records to its topic.
	if rel.Kind != catalog.KindTable && !(rel.Kind == catalog.KindSource && verb == "insert into") {
		// PostgreSQL's words: cannot insert into view "v" (55000), but
		// cannot change materialized view "m" or sequence "s" (42809).
		what := map[catalog.Kind]string{catalog.KindView: "view", catalog.KindMatView: "materialized view",
			catalog.KindSource: "source", catalog.KindSink: "sink", catalog.KindSeq: "sequence", catalog.KindIndex: "index"}[rel.Kind]
		if rel.Kind == catalog.KindMatView || rel.Kind == catalog.KindSeq {
			return nil, "", sql.Errorf(sql.CodeWrongObjectType, "cannot change %s %q", what, rel.Name)
		}
		return nil, "", sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "cannot %s %s %q", verb, what, rel.Name)
	}
	if rel.AppendOnly && verb != "insert into" {
		return nil, "", errAppendOnly(rel, verb)
	}
	if rel.Kind == catalog.KindTable && rel.Options["topic"] != "" {
		return nil, "", errTopicTable(rel, verb)
	}
	if alias == "" {
		alias = rel.Name
	}
	return rel, alias, nil
}

// errAppendOnly refuses to change the rows of an APPEND ONLY table. The
// code is PostgreSQL's for a relation whose kind does not allow the
// command (cannot change materialized view "m", 42809): APPEND ONLY is a
// property the table was declared with, not a feature eddy lacks (0A000).
func errAppendOnly(rel *catalog.Relation, verb string) error {
	return &sql.Error{Code: sql.CodeWrongObjectType,
		Message: fmt.Sprintf("cannot %s append-only table %q", verb, rel.Name),
		Detail:  "An APPEND ONLY table takes INSERT only: its rows are never updated or deleted."}
}

// errTopicTable refuses DML on a table whose rows come from a topic
// (exec/table_topic.go says why): the topic is its only writer.
func errTopicTable(rel *catalog.Relation, verb string) error {
	return &sql.Error{Code: sql.CodeFeatureNotSupported,
		Message: fmt.Sprintf("cannot %s topic table %q", verb, rel.Name),
		Detail:  fmt.Sprintf("The rows of %s come from topic %q: the last record per key, a null value deleting it.", rel.Name, rel.Options["topic"]),
		Hint:    "Produce records to the topic (for example INSERT INTO a source over the same topic)."}
}

// PlanInsert binds INSERT INTO t [(cols)] VALUES ... | SELECT ...
// [ON CONFLICT ...] [RETURNING ...]; stmt.AST is the *ast.InsertStmt.
func (p *Planner) PlanInsert(stmt sql.Statement, paramTypes []sql.Type) (*Insert, error) {
	st, ok := stmt.AST.(*ast.InsertStmt)
	if !ok {
		return nil, fmt.Errorf("planner: PlanInsert of %T", stmt.AST)
	}
	b := p.newBinder(paramTypes)
	rel, _, err := p.targetTable(st.Table, "insert into")
	if err != nil {
		return nil, err
	}
	b.need(rel, catalog.PrivInsert)
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
	ins := &Insert{Table: rel, Source: src}
	_, sc, err := b.tableScope(rel, rel.Name)
	if err != nil {
		return nil, err
	}
	if stmt.OnConflict != nil {
		if ins.OnConflict, err = b.bindOnConflict(rel, stmt.OnConflict); err != nil {
			return nil, err
		}
	}
	if ins.Returning, err = b.bindReturning(stmt.Returning, sc); err != nil {
		return nil, err
	}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	ins.Params = b.params
	ins.Access = dmlAccess(b, rel, ins.OnConflict, ins.Returning)
	if ins.OnConflict == nil && rel.OnConflict != "" {
		// The table's own clause is part of what INSERT means on it, so it
		// asks for no privilege beyond INSERT.
		ins.OnConflict = tableOnConflict(rel)
	}
	return ins, nil
}

// hasUniqueIndex reports whether a UNIQUE index covers exactly cols, which
// ON CONFLICT (cols) may then name as PostgreSQL allows.
func (b *binder) hasUniqueIndex(rel *catalog.Relation, cols []int) bool {
	for _, ix := range b.p.Cat.Indexes(rel.OID) {
		if ix.Unique && catalog.SameColumnSet(ix.IndexColumns, cols) {
			return true
		}
	}
	return false
}

// bindOnConflict binds ON CONFLICT; DO UPDATE sees the existing row under
// the table's name and the proposed one as EXCLUDED.
func (b *binder) bindOnConflict(rel *catalog.Relation, oc *sql.OnConflict) (*OnConflict, error) {
	out := &OnConflict{}
	for _, name := range oc.Columns {
		i := rel.ColumnIndex(name)
		if i < 0 {
			return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q does not exist", name)
		}
		out.Columns = append(out.Columns, i)
	}
	if oc.Constraint != "" {
		found := false
		for _, c := range rel.Constraints {
			if c.Name == oc.Constraint && (c.Type == 'p' || c.Type == 'u') {
				out.Columns, found = c.Columns, true
			}
		}
		if !found {
			return nil, sql.Errorf(sql.CodeUndefinedObject, "constraint %q for table %q does not exist", oc.Constraint, rel.Name)
		}
	}
	if out.Columns != nil && !HasUniqueKey(rel, out.Columns) && !b.hasUniqueIndex(rel, out.Columns) {
		return nil, sql.Errorf(sql.CodeInvalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
	}
	if oc.DoNothing {
		return out, nil
	}
	if out.Columns == nil {
		return nil, sql.Errorf(sql.CodeSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name")
	}
	if rel.AppendOnly {
		return nil, errAppendOnly(rel, "update")
	}
	var cols []Column
	name := rel.Name
	if oc.Alias != "" {
		name = oc.Alias
	}
	for i, c := range rel.Columns {
		cols = append(cols, Column{Name: c.Name, Type: c.Type, Table: name, TableOID: rel.OID, Attnum: int16(i + 1)})
	}
	for _, c := range rel.Columns {
		cols = append(cols, Column{Name: c.Name, Type: c.Type, Table: "excluded"})
	}
	sc := &scope{cols: cols}
	out.Set = make([]Expr, len(rel.Columns))
	for _, a := range oc.Set {
		if a.Column.Table.O != "" && a.Column.Table.L != name {
			return nil, sql.Errorf(sql.CodeUndefinedColumn, "column \"%s.%s\" of relation %q does not exist", a.Column.Table.O, a.Column.Name.O, rel.Name)
		}
		i := rel.ColumnIndex(a.Column.Name.O)
		if i < 0 {
			return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q of relation %q does not exist", a.Column.Name.O, rel.Name)
		}
		var x Expr
		var err error
		if _, ok := a.Expr.(*ast.DefaultExpr); ok {
			x, err = b.defaultExpr(rel.Columns[i])
		} else if x, err = b.bindExpr(a.Expr, sc); err == nil {
			x, err = b.assign(x, rel.Columns[i])
		}
		if err != nil {
			return nil, err
		}
		out.Set[i] = x
	}
	if oc.Where != nil {
		w, err := b.bindBool(oc.Where, sc, "WHERE")
		if err != nil {
			return nil, err
		}
		out.Where = w
	}
	return out, nil
}

// HasUniqueKey reports whether cols (in any order) are exactly the columns
// of the primary key or of a unique constraint.
func HasUniqueKey(rel *catalog.Relation, cols []int) bool {
	same := func(a []int) bool {
		if len(a) != len(cols) {
			return false
		}
		for _, x := range a {
			found := false
			for _, y := range cols {
				found = found || x == y
			}
			if !found {
				return false
			}
		}
		return true
	}
	if rel.PrimaryKey != nil && same(rel.PrimaryKey) {
		return true
	}
	for _, c := range rel.Constraints {
		if c.Type == 'u' && same(c.Columns) {
			return true
		}
	}
	return false
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

// PlanUpdate binds UPDATE t SET c = e, ... [WHERE ...] [RETURNING ...].
func (p *Planner) PlanUpdate(stmt sql.Statement, paramTypes []sql.Type) (*Update, error) {
	st, ok := stmt.AST.(*ast.UpdateStmt)
	if !ok {
		return nil, fmt.Errorf("planner: PlanUpdate of %T", stmt.AST)
	}
	b := p.newBinder(paramTypes)
	rel, src, sc, err := b.dmlTarget(st.TableRefs, st.Where, "update", catalog.PrivUpdate)
	if err != nil {
		return nil, err
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
	ret, err := b.bindReturning(stmt.Returning, sc)
	if err != nil {
		return nil, err
	}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	if st.Where != nil || readsColumns(set...) {
		b.need(rel, catalog.PrivSelect)
	}
	return &Update{Table: rel, Source: src, Set: set, Params: b.params, Returning: ret, Access: dmlAccess(b, rel, nil, ret)}, nil
}

// PlanDelete binds DELETE FROM t [WHERE ...] [RETURNING ...].
func (p *Planner) PlanDelete(stmt sql.Statement, paramTypes []sql.Type) (*Delete, error) {
	st, ok := stmt.AST.(*ast.DeleteStmt)
	if !ok {
		return nil, fmt.Errorf("planner: PlanDelete of %T", stmt.AST)
	}
	b := p.newBinder(paramTypes)
	rel, src, sc, err := b.dmlTarget(st.TableRefs, st.Where, "delete from", catalog.PrivDelete)
	if err != nil {
		return nil, err
	}
	ret, err := b.bindReturning(stmt.Returning, sc)
	if err != nil {
		return nil, err
	}
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	if st.Where != nil {
		b.need(rel, catalog.PrivSelect)
	}
	return &Delete{Table: rel, Source: src, Params: b.params, Returning: ret, Access: dmlAccess(b, rel, nil, ret)}, nil
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

// Walk calls f on e and every expression inside it.
func Walk(e Expr, f func(Expr)) {
	walkExpr(e, func(x Expr) bool { f(x); return true })
}

// ColumnDefault binds the DEFAULT of a table's column (NULL when none), for
// writers that fill columns a statement leaves out (COPY).
func (p *Planner) ColumnDefault(rel *catalog.Relation, i int) (Expr, error) {
	return p.newBinder(nil).defaultExpr(rel.Columns[i])
}

// dmlTarget binds the table an UPDATE or DELETE changes and the rows its
// WHERE selects (a point lookup when the primary key is given).
func (b *binder) dmlTarget(refs *ast.TableRefsClause, where ast.ExprNode, verb string, priv catalog.Privilege) (*catalog.Relation, Node, *scope, error) {
	rel, alias, err := b.p.targetTable(refs, verb)
	if err != nil {
		return nil, nil, nil, err
	}
	b.need(rel, priv)
	scan, sc, err := b.tableScope(rel, alias)
	if err != nil {
		return nil, nil, nil, err
	}
	var src Node = scan
	if where != nil {
		pred, err := b.bindBool(where, sc, "WHERE")
		if err != nil {
			return nil, nil, nil, err
		}
		src = &Filter{Input: src, Pred: pred}
		if n, ok := pointLookup(src); ok {
			src = n
		}
	}
	return rel, src, sc, nil
}
