package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// ALTER TABLE changes a copy of the descriptor action by action, then, when
// the rows must change (a column added with a default, dropped, retyped, a
// key added) or be checked (NOT NULL, CHECK), reads every row, builds the
// new one, checks it and writes it with fresh index entries, all in the
// Badger transaction that stores the new descriptor (catalog.CommitAlter):
// a crash leaves the old table or the new one, never a mix. The
// transaction writes indexesChangedKey, so a writer that planned against
// the old descriptor fails to commit (40001), and reads rowsWrittenKey, so
// the ALTER fails if rows were written that it did not see.
//
// ADD COLUMN with NULL or a constant default rewrites nothing: rows stored
// before read the column's missing value from the catalog (Column.Missing,
// PostgreSQL's attmissingval), so it costs O(1) however large the table,
// and runs in a transaction block too, whose older snapshot still reads
// its rows right under the new descriptor.
//
// A table that views, materialized views or sinks read keeps its columns:
// they are stored as SQL text bound again by name (SELECT * would take up
// a new column, a dataflow bound to the old ones would read rows of the new
// shape), so ALTERs that change columns or names are refused while they
// exist (0A000), as DROP COLUMN is with 2BP01 as PostgreSQL does.

// alterPlan is the new descriptor and how its rows derive from the old.
type alterPlan struct {
	old, rel *catalog.Relation
	// src is, per new column, the old column it copies, or -1.
	src []int
	// vals is, per new column, an expression over the old row giving its
	// value (a new column's default, a retyped column's USING), or nil.
	vals []planner.Expr
	// rewrite: rows change; scan: rows only need checking.
	rewrite, scan bool
	// notNull are the new columns whose NOT NULL the rows must be checked for.
	notNull []int
	// checks are the CHECK constraints (by name) the rows must be checked for.
	checks []string
	// dropIdx are indexes that go with a dropped column; idx the other
	// indexes of the table, with their columns renumbered.
	dropIdx []*catalog.Relation
	// others are other relations the ALTER changes: tables whose foreign
	// keys reference renumbered columns, sequences owned by them.
	others map[uint32]*catalog.Relation
	idx    []*catalog.Relation
	// missing are the added columns whose constant default the rows
	// stored before take from the catalog, unless the rows are rewritten.
	missing []int
	// fks are the foreign keys added, which every row must satisfy.
	fks []catalog.Constraint
}

func cloneRelation(r *catalog.Relation) *catalog.Relation {
	n := *r
	n.Columns = append([]catalog.Column(nil), r.Columns...)
	n.PrimaryKey = append([]int(nil), r.PrimaryKey...)
	if r.PrimaryKey == nil {
		n.PrimaryKey = nil
	}
	n.Constraints = nil
	for _, c := range r.Constraints {
		c.Columns = append([]int(nil), c.Columns...)
		n.Constraints = append(n.Constraints, c)
	}
	return &n
}

func alterTag(kind string) string { return "ALTER " + strings.ToUpper(kind) }

var alterKinds = map[string]catalog.Kind{"table": catalog.KindTable, "view": catalog.KindView,
	"materialized view": catalog.KindMatView, "sequence": catalog.KindSeq, "index": catalog.KindIndex}

var alterActionWords = map[sql.AlterActionKind]string{sql.AlterAddColumn: "ADD COLUMN", sql.AlterDropColumn: "DROP COLUMN",
	sql.AlterRenameColumn: "RENAME COLUMN", sql.AlterSetDefault: "ALTER COLUMN ... SET DEFAULT", sql.AlterDropDefault: "ALTER COLUMN ... DROP DEFAULT",
	sql.AlterSetNotNull: "ALTER COLUMN ... SET NOT NULL", sql.AlterDropNotNull: "ALTER COLUMN ... DROP NOT NULL",
	sql.AlterColumnType: "ALTER COLUMN ... SET DATA TYPE", sql.AlterAddConstraint: "ADD CONSTRAINT", sql.AlterDropConstraint: "DROP CONSTRAINT",
	sql.AlterSetSchema: "SET SCHEMA"}

func (s *Session) alterTable(ctx context.Context, n *sql.AlterTable) (string, error) {
	tag := alterTag(n.Kind)
	rel := s.lookupRel(n.Name)
	if rel == nil {
		if n.IfExists {
			return tag, nil
		}
		return "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.Name.Name)
	}
	renameOnly := len(n.Actions) == 1 && (n.Actions[0].Kind == sql.AlterRenameTable || n.Actions[0].Kind == sql.AlterOwner)
	// PostgreSQL lets ALTER TABLE rename any relation; the other words
	// must name their own kind.
	if n.Kind == "table" && rel.Kind != catalog.KindTable && !renameOnly {
		return "", &sql.Error{Code: sql.CodeWrongObjectType,
			Message: fmt.Sprintf("ALTER action %s cannot be performed on relation %q", alterActionWords[n.Actions[0].Kind], rel.Name),
			Detail:  fmt.Sprintf("This operation is not supported for %ss.", relationKindWord(rel))}
	}
	if rel.Kind != alterKinds[n.Kind] && !(n.Kind == "table" && renameOnly) {
		return "", sql.Errorf(sql.CodeWrongObjectType, "%q is not a %s", rel.Name, n.Kind)
	}
	if err := s.requireOwner(rel); err != nil {
		return "", err
	}
	p := &alterPlan{old: rel, rel: cloneRelation(rel)}
	for i := range rel.Columns {
		p.src = append(p.src, i)
		p.vals = append(p.vals, nil)
	}
	for _, a := range n.Actions {
		if err := s.alterAction(p, a); err != nil {
			return "", err
		}
	}
	if err := s.applyAlter(ctx, p); err != nil {
		return "", err
	}
	return tag, nil
}

// readers are the relations whose stored SQL reads rel.
func (s *Session) readers(rel *catalog.Relation) []*catalog.Relation {
	var out []*catalog.Relation
	for _, d := range s.e.cat.Dependents(rel.OID) {
		if d.SQL != "" {
			out = append(out, d)
		}
	}
	return out
}

func (s *Session) refuseReaders(rel *catalog.Relation, what string) error {
	if r := s.readers(rel); len(r) > 0 {
		return &sql.Error{Code: sql.CodeFeatureNotSupported,
			Message: fmt.Sprintf("cannot %s of %s %s because %s %s depends on it", what, relationKindWord(rel), rel.Name, relationKindWord(r[0]), r[0].Name),
			Detail:  "eddy keeps views, materialized views and sinks as SQL text bound by name, which the change would break.",
			Hint:    "Drop the dependent objects first and create them again afterwards."}
	}
	return nil
}

func undefinedColumn(col string, rel *catalog.Relation) error {
	return sql.Errorf(sql.CodeUndefinedColumn, "column %q of relation %q does not exist", col, rel.Name)
}

func (s *Session) alterAction(p *alterPlan, a sql.AlterAction) error {
	rel := p.rel
	col := -1
	switch a.Kind {
	case sql.AlterDropColumn, sql.AlterRenameColumn, sql.AlterSetDefault, sql.AlterDropDefault,
		sql.AlterSetNotNull, sql.AlterDropNotNull, sql.AlterColumnType:
		col = rel.ColumnIndex(a.Column)
		if col < 0 {
			if a.IfExists {
				return nil
			}
			return undefinedColumn(a.Column, rel)
		}
	}
	switch a.Kind {
	case sql.AlterRenameTable:
		if err := s.refuseReaders(p.old, "rename"); err != nil {
			return err
		}
		if err := s.refuseNamedInDefaults(p.old); err != nil {
			return err
		}
		if s.e.cat.Lookup(rel.Schema, a.NewName) != nil {
			return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", a.NewName)
		}
		rel.Name = a.NewName
	case sql.AlterOwner:
		if s.e.cat.Role(a.NewName) == nil {
			return sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", a.NewName)
		}
		rel.Owner = a.NewName
	case sql.AlterSetSchema:
		return s.alterSetSchema(p, a.NewName)
	case sql.AlterRenameColumn:
		if err := s.refuseReaders(p.old, "rename a column"); err != nil {
			return err
		}
		if rel.ColumnIndex(a.NewName) >= 0 {
			return sql.Errorf(sql.CodeDuplicateColumn, "column %q of relation %q already exists", a.NewName, rel.Name)
		}
		if err := refuseNamedColumn(rel, a.Column); err != nil {
			return err
		}
		// CHECK constraints keep SQL text: it follows the rename.
		for i := range rel.Constraints {
			if c := &rel.Constraints[i]; c.Type == 'c' {
				text, err := sql.RenameColumnRefs(c.Check, a.Column, a.NewName)
				if err != nil {
					return fmt.Errorf("check constraint %s: %w", c.Name, err)
				}
				c.Check = text
			}
		}
		rel.Columns[col].Name = a.NewName
		for i := range rel.Constraints {
			if c := &rel.Constraints[i]; c.Type == 'c' {
				if _, err := s.e.planner.BindTableExpr(rel, c.Check, "CHECK"); err != nil {
					return fmt.Errorf("check constraint %s after renaming column %s: %w", c.Name, a.Column, err)
				}
			}
		}
	case sql.AlterAddColumn:
		return s.alterAddColumn(p, a)
	case sql.AlterDropColumn:
		return s.alterDropColumn(p, col, a)
	case sql.AlterSetDefault:
		if _, err := s.e.planner.BindColumnDefault(catalog.Column{Name: a.Column, Type: rel.Columns[col].Type, Default: a.Default.Text}); err != nil {
			return err
		}
		rel.Columns[col].Default = a.Default.Text
	case sql.AlterDropDefault:
		rel.Columns[col].Default = ""
	case sql.AlterSetNotNull:
		if !rel.Columns[col].NotNull {
			rel.Columns[col].NotNull = true
			p.notNull = append(p.notNull, col)
			p.scan = true
		}
	case sql.AlterDropNotNull:
		for _, k := range rel.PrimaryKey {
			if k == col {
				return sql.Errorf(sql.CodeInvalidTableDefinition, "column %q is in a primary key", a.Column)
			}
		}
		rel.Columns[col].NotNull = false
	case sql.AlterColumnType:
		return s.alterColumnType(p, col, a)
	case sql.AlterAddConstraint:
		return s.alterAddConstraint(p, a.Constraint)
	case sql.AlterDropConstraint:
		return s.alterDropConstraint(p, a)
	}
	return nil
}

// alterSetSchema moves a relation (a table with its indexes) to another
// schema. Names in stored text do not follow, so the move is refused where
// text names the relation: views over it, a default naming a sequence.
func (s *Session) alterSetSchema(p *alterPlan, schema string) error {
	rel := p.rel
	if !s.e.cat.SchemaExists(schema) || catalog.IsTempSchema(schema) {
		return sql.Errorf(sql.CodeUndefinedSchema, "schema %q does not exist", schema)
	}
	if schema == "pg_catalog" || schema == "information_schema" || rel.IsTemp() {
		return sql.Errorf(sql.CodeWrongObjectType, "cannot move objects into or out of temporary or system schemas")
	}
	if schema == rel.Schema {
		return nil
	}
	if err := s.refuseReaders(p.old, "move"); err != nil {
		return err
	}
	if err := s.refuseNamedInDefaults(p.old); err != nil {
		return err
	}
	if rel.Kind == catalog.KindIndex || rel.OwnedBy != 0 {
		return errUnsupported("ALTER ... SET SCHEMA of an index or an owned sequence, which moves with its table")
	}
	for _, c := range rel.Columns {
		if strings.Contains(c.Default, "nextval") {
			return &sql.Error{Code: sql.CodeFeatureNotSupported,
				Message: fmt.Sprintf("cannot move table %s because the default of column %s names a sequence", rel.Name, c.Name),
				Hint:    "Drop the default first."}
		}
	}
	if rel.Kind == catalog.KindMatView || rel.Kind == catalog.KindSink {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot move %s %s, which runs a dataflow", relationKindWord(rel), rel.Name)
	}
	if s.e.cat.Lookup(schema, rel.Name) != nil {
		return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists in schema %q", rel.Name, schema)
	}
	for _, ix := range s.e.cat.Indexes(rel.OID) {
		if s.e.cat.Lookup(schema, ix.Name) != nil {
			return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists in schema %q", ix.Name, schema)
		}
	}
	rel.Schema = schema
	return nil
}

// refuseNamedInDefaults refuses to rename a sequence that a column
// default names in its text (a serial column's nextval('t_id_seq')).
func (s *Session) refuseNamedInDefaults(rel *catalog.Relation) error {
	if rel.Kind != catalog.KindSeq {
		return nil
	}
	for _, r := range s.e.cat.Relations() {
		for _, c := range r.Columns {
			if strings.Contains(c.Default, rel.Name) {
				return &sql.Error{Code: sql.CodeFeatureNotSupported,
					Message: fmt.Sprintf("cannot rename sequence %s because the default of column %s of %s names it", rel.Name, c.Name, r.Name),
					Hint:    "Change or drop the default first."}
			}
		}
	}
	return nil
}

// refuseNamedColumn refuses to rename a column that the watermark names
// in its stored text.
func refuseNamedColumn(rel *catalog.Relation, col string) error {
	if rel.WatermarkColumn == col || strings.Contains(rel.WatermarkExpr, col) {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot rename column %s of table %s because its watermark names it", col, rel.Name)
	}
	return nil
}

func (s *Session) alterAddColumn(p *alterPlan, a sql.AlterAction) error {
	rel, cd := p.rel, a.Def
	if rel.ColumnIndex(cd.Name) >= 0 {
		if a.IfNotExists {
			return nil
		}
		return sql.Errorf(sql.CodeDuplicateColumn, "column %q of relation %q already exists", cd.Name, rel.Name)
	}
	if err := s.refuseReaders(p.old, "add a column"); err != nil {
		return err
	}
	if isTopicTable(rel) {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot add a column to table %q, which a topic feeds", rel.Name)
	}
	if cd.Generated != nil {
		return errUnsupported("generated columns")
	}
	if cd.Serial {
		return errUnsupported("ALTER TABLE ADD COLUMN of a serial or identity column")
	}
	c := catalog.Column{Name: cd.Name, Type: cd.Type, NotNull: cd.NotNull || cd.PrimaryKey}
	if cd.Default != nil {
		c.Default = cd.Default.Text
	}
	i := len(rel.Columns)
	rel.Columns = append(rel.Columns, c)
	p.src = append(p.src, -1)
	p.vals = append(p.vals, nil)
	if c.Default != "" {
		x, err := s.e.planner.BindColumnDefault(c)
		if err != nil {
			return err
		}
		if k, ok := x.(*planner.Const); !ok || !k.Val.IsNull() {
			p.vals[i] = x
			if constExpr(x) {
				// Rows stored before keep their shape and read the
				// value from the catalog (Column.Missing), as in
				// PostgreSQL 11+; a volatile default (nextval,
				// random()) is evaluated per row, rewriting them.
				p.missing = append(p.missing, i)
			} else {
				p.rewrite = true
			}
		}
	}
	if c.NotNull {
		p.notNull = append(p.notNull, i)
		p.scan = true
	}
	for _, chk := range cd.Checks {
		if err := s.alterAddConstraint(p, sql.TableConstraint{Kind: sql.ConstraintCheck, Check: chk, Columns: []string{cd.Name}}); err != nil {
			return err
		}
	}
	if cd.PrimaryKey {
		if err := s.alterAddConstraint(p, sql.TableConstraint{Kind: sql.ConstraintPrimaryKey, Columns: []string{cd.Name}}); err != nil {
			return err
		}
	}
	if cd.Unique {
		if err := s.alterAddConstraint(p, sql.TableConstraint{Kind: sql.ConstraintUnique, Columns: []string{cd.Name}}); err != nil {
			return err
		}
	}
	if cd.References != nil {
		if err := s.alterAddConstraint(p, sql.TableConstraint{Kind: sql.ConstraintForeignKey, Columns: []string{cd.Name}, Ref: cd.References}); err != nil {
			return err
		}
	}
	return nil
}

// renumber maps old column positions to new ones after column col went.
func renumber(cols []int, col int) ([]int, bool) {
	var out []int
	for _, c := range cols {
		switch {
		case c == col:
			return nil, false
		case c > col:
			out = append(out, c-1)
		default:
			out = append(out, c)
		}
	}
	return out, true
}

func (s *Session) alterDropColumn(p *alterPlan, col int, a sql.AlterAction) error {
	rel := p.rel
	if r := s.readers(p.old); len(r) > 0 {
		if a.Cascade {
			return &sql.Error{Code: sql.CodeFeatureNotSupported,
				Message: fmt.Sprintf("cannot drop column %s of table %s with CASCADE: %s %s depends on the table", a.Column, rel.Name, relationKindWord(r[0]), r[0].Name),
				Hint:    "Drop the dependent objects first."}
		}
		return &sql.Error{Code: sql.CodeDependentObjectsStillExist,
			Message: fmt.Sprintf("cannot drop column %s of table %s because other objects depend on it", a.Column, rel.Name),
			Detail:  fmt.Sprintf("%s %s depends on table %s", relationKindWord(r[0]), r[0].Name, rel.Name),
			Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	if isTopicTable(rel) {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot drop a column of table %q, which a topic feeds", rel.Name)
	}
	if rel.WatermarkColumn == a.Column {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot drop column %s of table %s: it is the watermark column", a.Column, rel.Name)
	}
	if p.src[col] >= 0 {
		for _, d := range s.e.cat.Dependents(p.old.OID) {
			for _, k := range d.Constraints {
				if k.Type == 'f' && k.RefTable == p.old.OID && d.OID != p.old.OID {
					for _, c := range k.RefColumns {
						if c == p.src[col] {
							return &sql.Error{Code: sql.CodeDependentObjectsStillExist,
								Message: fmt.Sprintf("cannot drop column %s of table %s because other objects depend on it", a.Column, rel.Name),
								Detail:  fmt.Sprintf("constraint %s on table %s depends on column %s of table %s", k.Name, d.Name, a.Column, rel.Name),
								Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
						}
					}
				}
			}
		}
	}
	// Column numbers after col move down wherever they are kept: foreign
	// keys referencing the table (its own too), sequences owned by its
	// columns.
	shift := func(cols []int) []int {
		out := make([]int, len(cols))
		for i, c := range cols {
			out[i] = c - b2i(c > col)
		}
		return out
	}
	for _, r := range s.e.cat.Relations() {
		if r.OID == rel.OID {
			continue
		}
		if p.others == nil {
			p.others = map[uint32]*catalog.Relation{}
		}
		o := p.others[r.OID]
		if o == nil {
			o = r
		}
		if o.Kind == catalog.KindSeq && o.OwnedBy == rel.OID && int(o.OwnedByColumn) > col+1 {
			n := *o
			n.OwnedByColumn--
			p.others[r.OID] = &n
			continue
		}
		if o.Kind == catalog.KindSeq && o.OwnedBy == rel.OID && int(o.OwnedByColumn) == col+1 {
			// Its column's default names it: it goes with the column.
			return errUnsupported("ALTER TABLE DROP COLUMN of a serial or identity column")
		}
		changed := false
		for _, k := range o.Constraints {
			changed = changed || (k.Type == 'f' && k.RefTable == rel.OID)
		}
		if changed {
			n := cloneRelation(o)
			for i := range n.Constraints {
				if k := &n.Constraints[i]; k.Type == 'f' && k.RefTable == rel.OID {
					k.RefColumns = shift(k.RefColumns)
				}
			}
			p.others[r.OID] = n
		}
	}
	var keep []catalog.Constraint
	for _, c := range rel.Constraints {
		if c.Type == 'f' && c.RefTable == rel.OID {
			if _, ok := renumber(c.RefColumns, col); !ok {
				continue // references the dropped column of its own table
			}
			c.RefColumns = shift(c.RefColumns)
		}
		if c.Type == 'c' {
			x, err := s.e.planner.BindTableExpr(rel, c.Check, "CHECK")
			if err != nil {
				return err
			}
			if refs := referencedColumns(x, rel); containsString(refs, a.Column) {
				continue
			}
			keep = append(keep, c)
			continue
		}
		cols, ok := renumber(c.Columns, col)
		if !ok {
			continue
		}
		c.Columns = cols
		keep = append(keep, c)
	}
	rel.Constraints = keep
	if rel.PrimaryKey != nil {
		if pk, ok := renumber(rel.PrimaryKey, col); ok {
			rel.PrimaryKey = pk
		} else {
			rel.PrimaryKey = nil
		}
	}
	rel.Columns = append(rel.Columns[:col:col], rel.Columns[col+1:]...)
	p.src = append(p.src[:col:col], p.src[col+1:]...)
	p.vals = append(p.vals[:col:col], p.vals[col+1:]...)
	var nn []int
	for _, c := range p.notNull {
		if c != col {
			nn = append(nn, c-b2i(c > col))
		}
	}
	p.notNull = nn
	var ms []int
	for _, c := range p.missing {
		if c != col {
			ms = append(ms, c-b2i(c > col))
		}
	}
	p.missing = ms
	p.rewrite = true
	return nil
}

// constExpr reports whether x is a constant, perhaps cast.
func constExpr(x planner.Expr) bool {
	switch x := x.(type) {
	case *planner.Const:
		return true
	case *planner.Cast:
		return constExpr(x.Input)
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *Session) alterColumnType(p *alterPlan, col int, a sql.AlterAction) error {
	rel := p.rel
	if err := s.refuseReaders(p.old, "change the type of a column"); err != nil {
		return err
	}
	if isTopicTable(rel) {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot change a column of table %q, which a topic feeds", rel.Name)
	}
	old := p.src[col]
	if old < 0 || p.vals[col] != nil {
		return errUnsupported("ALTER COLUMN TYPE of a column added or changed in the same statement")
	}
	for _, d := range s.e.cat.Dependents(p.old.OID) {
		for _, k := range d.Constraints {
			if k.Type == 'f' && (k.RefTable == p.old.OID || d.OID == p.old.OID) {
				return errUnsupported("ALTER COLUMN TYPE of a table with foreign keys")
			}
		}
	}
	for _, k := range p.old.Constraints {
		if k.Type == 'f' {
			return errUnsupported("ALTER COLUMN TYPE of a table with foreign keys")
		}
	}
	using := ""
	if a.Using != nil {
		using = a.Using.Text
	}
	to := rel.Columns[col]
	to.Type = a.Type
	x, err := s.e.planner.BindAlterType(p.old, old, to, using)
	if err != nil {
		return err
	}
	if to.Default != "" {
		if _, err := s.e.planner.BindColumnDefault(to); err != nil {
			return &sql.Error{Code: sql.CodeDatatypeMismatch,
				Message: fmt.Sprintf("default for column %q cannot be cast automatically to type %s", to.Name, to.Type)}
		}
	}
	rel.Columns[col] = to
	p.vals[col] = x
	p.rewrite = true
	return nil
}

func (s *Session) alterAddConstraint(p *alterPlan, c sql.TableConstraint) error {
	rel := p.rel
	names := &constraintNames{s: s, used: map[string]bool{}}
	for _, k := range rel.Constraints {
		names.used[k.Name] = true
	}
	if c.Name != "" && names.used[c.Name] {
		return sql.Errorf(sql.CodeDuplicateObject, "constraint %q for relation %q already exists", c.Name, rel.Name)
	}
	switch c.Kind {
	case sql.ConstraintCheck:
		x, err := s.e.planner.BindTableExpr(rel, c.Check.Text, "CHECK")
		if err != nil {
			return err
		}
		oid, err := s.e.cat.AllocOIDs(1)
		if err != nil {
			return err
		}
		k := catalog.Constraint{OID: oid, Type: 'c', Name: c.Name, Check: c.Check.Text}
		if k.Name == "" {
			cols := c.Columns
			if refs := referencedColumns(x, rel); cols == nil && len(refs) == 1 {
				cols = refs
			}
			k.Name = names.choose(rel.Name, cols, "check", false)
		}
		rel.Constraints = append(rel.Constraints, k)
		p.checks = append(p.checks, k.Name)
		p.scan = true
		return nil
	case sql.ConstraintPrimaryKey, sql.ConstraintUnique:
		if isTopicTable(rel) {
			return sql.Errorf(sql.CodeFeatureNotSupported, "cannot add a key to table %q, which a topic feeds", rel.Name)
		}
		cols, err := columnIndexes(rel, c.Columns, "named in key")
		if err != nil {
			return err
		}
		first, err := s.e.cat.AllocOIDs(2)
		if err != nil {
			return err
		}
		kind := byte('u')
		if c.Kind == sql.ConstraintPrimaryKey {
			kind = 'p'
			if rel.PrimaryKey != nil {
				return sql.Errorf(sql.CodeInvalidTableDefinition, "multiple primary keys for table %q are not allowed", rel.Name)
			}
			if err := s.refuseReaders(p.old, "add a primary key"); err != nil {
				return err
			}
			rel.PrimaryKey = cols
			for _, i := range cols {
				if !rel.Columns[i].NotNull {
					rel.Columns[i].NotNull = true
					p.notNull = append(p.notNull, i)
				}
			}
		}
		k := catalog.Constraint{OID: first, IndexOID: first + 1, Type: kind, Columns: cols, Name: c.Name}
		if k.Name == "" {
			if kind == 'p' {
				k.Name = names.choose(rel.Name, nil, "pkey", true)
			} else {
				k.Name = names.choose(rel.Name, colNames(rel, cols), "key", true)
			}
		}
		rel.Constraints = append(rel.Constraints, k)
		p.rewrite = true
		return nil
	case sql.ConstraintForeignKey:
		k, err := s.foreignKey(rel, pendingFK{name: c.Name, cols: c.Columns, ref: c.Ref})
		if err != nil {
			return err
		}
		if k.OID, err = s.e.cat.AllocOIDs(1); err != nil {
			return err
		}
		if k.Name == "" {
			k.Name = names.choose(rel.Name, c.Columns, "fkey", false)
		}
		rel.Constraints = append(rel.Constraints, k)
		p.fks = append(p.fks, k)
		p.scan = true
		return nil
	}
	return nil
}

func (s *Session) alterDropConstraint(p *alterPlan, a sql.AlterAction) error {
	rel := p.rel
	for i, c := range rel.Constraints {
		if c.Name != a.Column {
			continue
		}
		if c.Type == 'p' || c.Type == 'u' {
			for _, d := range s.e.cat.Relations() {
				for _, k := range d.Constraints {
					if k.Type == 'f' && k.RefTable == rel.OID && catalog.SameColumnSet(k.RefColumns, c.Columns) && d.OID != rel.OID {
						return &sql.Error{Code: sql.CodeDependentObjectsStillExist,
							Message: fmt.Sprintf("cannot drop constraint %s on table %s because other objects depend on it", c.Name, rel.Name),
							Detail:  fmt.Sprintf("constraint %s on table %s depends on index %s", k.Name, d.Name, c.Name),
							Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
					}
				}
			}
			if c.Type == 'p' {
				if err := s.refuseReaders(p.old, "drop the primary key"); err != nil {
					return err
				}
				rel.PrimaryKey = nil
			}
			p.rewrite = true
		}
		rel.Constraints = append(rel.Constraints[:i:i], rel.Constraints[i+1:]...)
		return nil
	}
	if a.IfExists {
		return nil
	}
	return sql.Errorf(sql.CodeUndefinedObject, "constraint %q of relation %q does not exist", a.Column, rel.Name)
}

// applyAlter renumbers the table's indexes, then stores the descriptors
// with the rewrite or check of the rows in one transaction.
func (s *Session) applyAlter(ctx context.Context, p *alterPlan) error {
	old, rel := p.old, p.rel
	if old.Kind == catalog.KindTable {
		// old column -> new column
		pos := make([]int, len(old.Columns))
		for i := range pos {
			pos[i] = -1
		}
		for i, o := range p.src {
			if o >= 0 {
				pos[o] = i
			}
		}
		for _, ix := range s.e.cat.Indexes(old.OID) {
			nix := *ix
			nix.IndexColumns = nil
			gone := false
			for _, c := range ix.IndexColumns {
				gone = gone || pos[c] < 0
				nix.IndexColumns = append(nix.IndexColumns, pos[c])
			}
			if gone {
				p.dropIdx = append(p.dropIdx, ix)
				p.rewrite = true
				continue
			}
			nix.Schema = rel.Schema
			p.idx = append(p.idx, &nix)
		}
	}
	if p.rewrite && s.txn != nil {
		// eddy's catalog is not transactional: an ALTER commits at once,
		// and the block's snapshot would then read rows of the old shape
		// under the new descriptor. One that only checks rows is fine: a
		// block that wrote the table before fails to commit
		// (indexesChangedKey), and its later writes meet the new
		// constraints.
		return &sql.Error{Code: sql.CodeFeatureNotSupported,
			Message: "ALTER TABLE that rewrites the table's rows cannot run inside a transaction block",
			Detail:  "Adding a column with a non-null default, dropping or retyping a column and adding or dropping a key rewrite the rows.",
			Hint:    "Run it outside the transaction block."}
	}
	if p.rewrite {
		// Every row is written at the new width.
		for i := range rel.Columns {
			rel.Columns[i].Missing, rel.Columns[i].MissingValue = nil, sql.Null
		}
	} else if len(p.missing) > 0 {
		rt := s.newRuntime(ctx, nil, nil)
		for _, i := range p.missing {
			fn, err := rt.compile(p.vals[i])
			if err != nil {
				return err
			}
			v, err := fn(nil)
			if err != nil {
				return err
			}
			c := &rel.Columns[i]
			c.Missing, c.MissingValue = sql.AppendRow(nil, sql.Row{v}), v
			if !v.IsNull() {
				// No row can lack it: NOT NULL needs no look at them.
				var nn []int
				for _, j := range p.notNull {
					if j != i {
						nn = append(nn, j)
					}
				}
				p.notNull = nn
			}
		}
		p.scan = len(p.notNull) > 0 || len(p.checks) > 0 || len(p.fks) > 0
	}
	txn := s.e.db.NewTransaction(true)
	defer txn.Discard()
	// A change of the catalog alone (a column added with NULL or a
	// constant, a rename, a default) leaves rows a writer planned before
	// it wrote as good as any: they read the new column's missing value.
	// One that checks or rewrites rows must not miss a concurrent write.
	if old.Kind == catalog.KindTable && (p.scan || p.rewrite) {
		if err := readTracked(txn, rowsWrittenKey(old.OID)); err != nil {
			return err
		}
		if err := txn.Set(indexesChangedKey(old.OID), nil); err != nil {
			return err
		}
		for _, k := range p.fks {
			// A writer of the referenced table that started before the
			// foreign key existed would not keep it: it fails to commit.
			if err := txn.Set(indexesChangedKey(k.RefTable), nil); err != nil {
				return err
			}
		}
		{
			if err := s.alterRows(ctx, txn, p); err != nil {
				if errors.Is(err, badger.ErrTxnTooBig) && p.rewrite {
					txn.Discard()
					return s.alterByCopy(ctx, p)
				}
				return err
			}
		}
	}
	for _, ix := range p.dropIdx {
		if err := txn.Delete(catalog.ObjectPrefix(catalog.PrefixCatalog, ix.OID)); err != nil {
			return err
		}
	}
	rels := append([]*catalog.Relation{rel}, p.idx...)
	for _, o := range p.others {
		rels = append(rels, o)
	}
	err := s.e.cat.CommitAlter(txn, rels...)
	if errors.Is(err, badger.ErrConflict) {
		return sql.Errorf("40001", "could not serialize access due to concurrent update")
	}
	if err != nil {
		return fmt.Errorf("alter %s: %w", old.Name, err)
	}
	if len(p.dropIdx) > 0 {
		var oids []uint32
		for _, ix := range p.dropIdx {
			oids = append(oids, ix.OID)
		}
		// The descriptors went with the ALTER; Delete forgets them in
		// memory and deletes what is left under their OIDs.
		if err := s.e.cat.Delete(oids...); err != nil {
			return err
		}
	}
	return nil
}

type keyedRow struct {
	key []byte
	row sql.Row
}

// alterRows reads every row of the old table, checks and (when the plan
// rewrites) writes the new ones with their index entries.
func (s *Session) alterRows(ctx context.Context, txn *badger.Txn, p *alterPlan) error {
	rows, newRows, rt, err := s.computeAlterRows(ctx, txn, p)
	if err != nil {
		return err
	}
	if p.rewrite {
		if err := s.rewriteRows(txn, txn.Set, rt, p, rows, newRows); err != nil {
			return err
		}
	}
	return s.checkNewForeignKeys(txn, rt, p, newRows)
}

// computeAlterRows reads the old rows as txn sees them and builds the new
// ones, checking the constraints the ALTER adds.
func (s *Session) computeAlterRows(ctx context.Context, txn *badger.Txn, p *alterPlan) (rows, newRows []keyedRow, rt *runtime, err error) {
	old, rel := p.old, p.rel
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, old.OID)
	width := len(old.Columns)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	for it.Rewind(); it.Valid(); it.Next() {
		err := it.Item().Value(func(v []byte) error {
			row, err := sql.DecodeRow(v, make(sql.Row, 0, width))
			rows = append(rows, keyedRow{it.Item().KeyCopy(nil), old.PadRow(row)})
			return err
		})
		if err != nil {
			it.Close()
			return nil, nil, nil, fmt.Errorf("alter %s: %w", old.Name, err)
		}
	}
	it.Close()
	rt = s.newRuntime(ctx, txn, nil)
	fns := make([]evalFn, len(p.vals))
	for i, x := range p.vals {
		if x != nil {
			fn, err := rt.compile(x)
			if err != nil {
				return nil, nil, nil, err
			}
			fns[i] = fn
		}
	}
	type check struct {
		name string
		fn   evalFn
	}
	var checks []check
	for _, name := range p.checks {
		for _, c := range rel.Constraints {
			if c.Name == name {
				x, err := s.e.planner.BindTableExpr(rel, c.Check, "CHECK")
				if err != nil {
					return nil, nil, nil, err
				}
				fn, err := rt.compile(x)
				if err != nil {
					return nil, nil, nil, err
				}
				checks = append(checks, check{name, fn})
			}
		}
	}
	newRows = make([]keyedRow, len(rows))
	for r, kr := range rows {
		nr := make(sql.Row, len(rel.Columns))
		for i, o := range p.src {
			switch {
			case fns[i] != nil:
				v, err := fns[i](kr.row)
				if err != nil {
					return nil, nil, nil, err
				}
				nr[i] = v
			case o >= 0:
				nr[i] = kr.row[o]
			default:
				nr[i] = sql.Null
			}
		}
		for _, i := range p.notNull {
			if nr[i].IsNull() {
				return nil, nil, nil, sql.Errorf(sql.CodeNotNullViolation, "column %q of relation %q contains null values", rel.Columns[i].Name, rel.Name)
			}
		}
		for _, c := range checks {
			v, err := c.fn(nr)
			if err != nil {
				return nil, nil, nil, err
			}
			if !v.IsNull() && !v.Bool() {
				return nil, nil, nil, sql.Errorf(sql.CodeCheckViolation, "check constraint %q of relation %q is violated by some row", c.name, rel.Name)
			}
		}
		newRows[r] = keyedRow{kr.key, nr}
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
	}
	return rows, newRows, rt, nil
}

// checkNewForeignKeys checks that every row's keys under the added foreign
// keys are in the referenced tables, after the rewrite so that a table
// referencing itself is checked against its new rows.
func (s *Session) checkNewForeignKeys(txn *badger.Txn, rt *runtime, p *alterPlan, rows []keyedRow) error {
	if len(p.fks) == 0 {
		return nil
	}
	w := &writer{rt: rt, tx: &dmlTxn{db: s.e.db, txn: txn}}
	for _, fk := range p.fks {
		parent := s.e.cat.ByOID(fk.RefTable)
		if fk.RefTable == p.rel.OID {
			parent = p.rel
		}
		for _, kr := range rows {
			vals := pick(kr.row, fk.Columns)
			if anyNull(vals) {
				continue
			}
			ok, err := w.hasKey(parent, fk.RefColumns, vals)
			if err != nil {
				return err
			}
			if !ok {
				return &sql.Error{Code: sql.CodeForeignKeyViolation,
					Message: fmt.Sprintf("insert or update on table %q violates foreign key constraint %q", p.rel.Name, fk.Name),
					Detail:  fmt.Sprintf("Key %s is not present in table %q.", w.keyText(p.rel, fk.Columns, vals), parent.Name)}
			}
		}
	}
	return nil
}

// rewriteRows writes the new rows and every index entry of the table anew.
func (s *Session) rewriteRows(txn *badger.Txn, set func(k, v []byte) error, rt *runtime, p *alterPlan, rows, newRows []keyedRow) error {
	old, rel := p.old, p.rel
	// A copy under a new OID (alter_table_copy.go) writes everything
	// afresh and deletes nothing: the old data goes after the swap.
	copying := rel.OID != old.OID
	// Old entries go first: every entry is written again from the new rows.
	var stale [][]byte
	for _, c := range old.Constraints {
		if c.Type == 'p' || c.Type == 'u' {
			stale = append(stale, catalog.ObjectPrefix(catalog.PrefixIndex, c.IndexOID))
		}
	}
	for _, ix := range s.e.cat.Indexes(old.OID) {
		stale = append(stale, catalog.ObjectPrefix(catalog.PrefixIndex, ix.OID))
	}
	if copying {
		stale = nil
	}
	for _, pre := range stale {
		var keys [][]byte
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
	}
	rekey := old.PrimaryKey != nil || rel.PrimaryKey != nil || copying
	var ids *badger.Sequence
	if rel.PrimaryKey == nil && (old.PrimaryKey != nil || copying) {
		var err error
		if ids, err = s.e.rowIDs(rel.OID); err != nil {
			return err
		}
	}
	if rekey && !copying {
		for _, kr := range rows {
			if err := txn.Delete(kr.key); err != nil {
				return err
			}
		}
	}
	var indexes []secondaryIndex
	for _, ix := range p.idx {
		indexes = append(indexes, newSecondaryIndex(rel, ix))
	}
	var uniques []*catalog.Constraint
	for i := range rel.Constraints {
		if c := &rel.Constraints[i]; c.Type == 'u' || c.Type == 'p' {
			uniques = append(uniques, c)
		}
	}
	seen := map[string]bool{}
	dup := func(name string, cols []int, row sql.Row) error {
		w := &writer{rt: rt}
		return &sql.Error{Code: sql.CodeUniqueViolation, Message: fmt.Sprintf("could not create unique index %q", name),
			Detail: fmt.Sprintf("Key %s is duplicated.", w.keyText(rel, cols, pick(row, cols)))}
	}
	var buf []byte
	for _, kr := range newRows {
		key := kr.key
		if rekey {
			if rel.PrimaryKey != nil {
				key = rowKey(rel, kr.row, 0)
				if seen[string(key)] {
					return dup(pkName(rel), rel.PrimaryKey, kr.row)
				}
				seen[string(key)] = true
			} else if ids != nil {
				id, err := ids.Next()
				if err != nil {
					return fmt.Errorf("row id: %w", err)
				}
				key = rowKey(rel, kr.row, id)
			}
		}
		buf = sql.AppendRow(buf[:0], kr.row)
		if err := set(key, bytes.Clone(buf)); err != nil {
			return err
		}
		for _, c := range uniques {
			if c.Type == 'p' {
				continue
			}
			ik := indexKey(c, kr.row)
			if ik == nil {
				continue
			}
			if seen[string(ik)] {
				return dup(c.Name, c.Columns, kr.row)
			}
			seen[string(ik)] = true
			if err := set(ik, key); err != nil {
				return err
			}
		}
		for _, ix := range indexes {
			if err := set(ix.entry(key, kr.row)); err != nil {
				return err
			}
		}
	}
	for _, ix := range indexes {
		if err := set(ix.prefix, []byte{}); err != nil {
			return err
		}
	}
	return nil
}
