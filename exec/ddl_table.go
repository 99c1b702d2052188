package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// pendingFK is a foreign key as written, resolved once every column exists.
type pendingFK struct {
	name string
	cols []string
	ref  *sql.ForeignRef
}

// pendingKey is a PRIMARY KEY or UNIQUE constraint as written.
type pendingKey struct {
	name string
	kind byte
	cols []string
}

type pendingCheck struct {
	name string
	col  string // the column of a column constraint, for the generated name
	expr *sql.Expr
}

func (s *Session) createTable(ctx context.Context, n *sql.CreateTable) (string, error) {
	schema, err := s.newTableSchema(n)
	if err != nil {
		return "", err
	}
	if s.e.cat.Lookup(schema, n.Name.Name) != nil {
		if n.IfNotExists {
			return "CREATE TABLE", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", n.Name.Name)
	}
	if n.As != nil {
		return "", fmt.Errorf("exec: CREATE TABLE AS goes through createTableAs")
	}
	rel := &catalog.Relation{Schema: schema, Name: n.Name.Name, Kind: catalog.KindTable, Owner: s.user}
	var keys []pendingKey
	var checks []pendingCheck
	var fks []pendingFK
	var serials []int
	for _, cd := range n.Columns {
		if rel.ColumnIndex(cd.Name) >= 0 {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cd.Name)
		}
		col := catalog.Column{Name: cd.Name, Type: cd.Type, NotNull: cd.NotNull || cd.PrimaryKey}
		if cd.Default != nil {
			col.Default = cd.Default.Text
		}
		if cd.Generated != nil {
			return "", errUnsupported("generated columns")
		}
		if cd.Serial {
			if cd.Default != nil {
				return "", sql.Errorf(sql.CodeSyntaxError, "multiple default values specified for column %q of table %q", cd.Name, rel.Name)
			}
			col.Serial, col.NotNull = true, true
			serials = append(serials, len(rel.Columns))
		}
		if cd.PrimaryKey {
			keys = append(keys, pendingKey{kind: 'p', cols: []string{cd.Name}})
		}
		if cd.Unique {
			keys = append(keys, pendingKey{kind: 'u', cols: []string{cd.Name}})
		}
		for _, c := range cd.Checks {
			checks = append(checks, pendingCheck{col: cd.Name, expr: c})
		}
		if cd.References != nil {
			fks = append(fks, pendingFK{cols: []string{cd.Name}, ref: cd.References})
		}
		rel.Columns = append(rel.Columns, col)
	}
	for _, c := range n.Constraints {
		switch c.Kind {
		case sql.ConstraintPrimaryKey:
			keys = append(keys, pendingKey{name: c.Name, kind: 'p', cols: c.Columns})
		case sql.ConstraintUnique:
			keys = append(keys, pendingKey{name: c.Name, kind: 'u', cols: c.Columns})
		case sql.ConstraintCheck:
			checks = append(checks, pendingCheck{name: c.Name, expr: c.Check})
		case sql.ConstraintForeignKey:
			fks = append(fks, pendingFK{name: c.Name, cols: c.Columns, ref: c.Ref})
		}
	}
	rel.AppendOnly = n.AppendOnly
	if wm := n.Watermark; wm != nil {
		// Rows updated or deleted after their window closed would change
		// what a view already showed as final (RisingWave asks the same).
		if !n.AppendOnly {
			return "", &sql.Error{Code: sql.CodeInvalidTableDefinition,
				Message: fmt.Sprintf("a WATERMARK needs an APPEND ONLY table: table %q is not", rel.Name),
				Hint:    "Add APPEND ONLY after the column list."}
		}
		rel.WatermarkColumn, rel.WatermarkExpr = wm.Column, wm.Expr.Text
		if _, _, err := s.e.planner.WatermarkBind(rel); err != nil {
			return "", err
		}
	}
	names := &constraintNames{s: s, used: map[string]bool{}}
	for _, k := range keys {
		if k.name != "" {
			names.used[k.name] = true
		}
	}
	// OIDs: the table, then per key constraint two (constraint, index), one
	// per other constraint, one per serial sequence.
	nOIDs := 1 + 2*len(keys) + len(checks) + len(fks) + len(serials)
	first, err := s.e.cat.AllocOIDs(nOIDs)
	if err != nil {
		return "", err
	}
	next := first
	alloc := func() uint32 { next++; return next - 1 }
	rel.OID = alloc()
	for _, k := range keys {
		cols, err := columnIndexes(rel, k.cols, "named in key")
		if err != nil {
			return "", err
		}
		con := catalog.Constraint{OID: alloc(), IndexOID: alloc(), Type: k.kind, Columns: cols, Name: k.name}
		if k.kind == 'p' {
			if rel.PrimaryKey != nil {
				return "", sql.Errorf(sql.CodeInvalidTableDefinition, "multiple primary keys for table %q are not allowed", rel.Name)
			}
			rel.PrimaryKey = cols
			for _, i := range cols {
				rel.Columns[i].NotNull = true
			}
			if con.Name == "" {
				con.Name = names.choose(rel.Name, nil, "pkey", true)
			}
		} else {
			if duplicateKey(rel, cols) {
				continue // PostgreSQL keeps one of two identical unique constraints
			}
			if con.Name == "" {
				con.Name = names.choose(rel.Name, colNames(rel, cols), "key", true)
			}
		}
		rel.Constraints = append(rel.Constraints, con)
	}
	if n.OnConflict != "" {
		if err := tableOnConflict(rel, n.OnConflict); err != nil {
			return "", err
		}
	}
	for _, c := range checks {
		x, err := s.e.planner.BindTableExpr(rel, c.expr.Text, "CHECK")
		if err != nil {
			return "", err
		}
		con := catalog.Constraint{OID: alloc(), Type: 'c', Name: c.name, Check: c.expr.Text}
		if con.Name == "" {
			var cols []string
			if c.col != "" {
				cols = []string{c.col}
			} else if refs := referencedColumns(x, rel); len(refs) == 1 {
				cols = refs
			}
			con.Name = names.choose(rel.Name, cols, "check", false)
		}
		names.used[con.Name] = true
		rel.Constraints = append(rel.Constraints, con)
	}
	for _, f := range fks {
		con, err := s.foreignKey(rel, f)
		if err != nil {
			return "", err
		}
		con.OID = alloc()
		if con.Name == "" {
			con.Name = names.choose(rel.Name, f.cols, "fkey", false)
		}
		names.used[con.Name] = true
		rel.Constraints = append(rel.Constraints, con)
	}
	var seqs []*catalog.Relation
	for _, i := range serials {
		col := &rel.Columns[i]
		seqName := names.chooseRelation(rel.Name + "_" + col.Name + "_seq")
		p, err := newSequence(seqName, col.Type, nil)
		if err != nil {
			return "", err
		}
		seq := &catalog.Relation{OID: alloc(), Schema: rel.Schema, Name: seqName, Kind: catalog.KindSeq, Owner: s.user,
			Sequence: p, OwnedBy: rel.OID, OwnedByColumn: int16(i + 1)}
		seqs = append(seqs, seq)
		col.Default = "nextval('" + seqName + "'::regclass)"
		if rel.Schema != "public" {
			// Unqualified names resolve in public (and a session's
			// temporary schema, which only its own session reaches): as
			// PostgreSQL prints it, the default names the sequence's schema.
			col.Default = "nextval('" + rel.Schema + "." + seqName + "'::regclass)"
		}
	}
	if len(n.With) > 0 {
		opts := map[string]string{}
		for _, o := range n.With {
			opts[o.Key] = o.Value
		}
		if opts["topic"] == "" {
			opts["topic"] = rel.Name
		}
		rel.Options = opts
		if err := s.setupTopicTable(ctx, rel); err != nil {
			return "", err
		}
	}
	for _, seq := range seqs {
		if err := s.e.cat.Put(seq); err != nil {
			return "", err
		}
	}
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	s.registerOnCommit(rel, n)
	if rel.Options != nil {
		s.e.startIngests()
	}
	return "CREATE TABLE", nil
}

func duplicateKey(rel *catalog.Relation, cols []int) bool {
	same := func(a []int) bool {
		if len(a) != len(cols) {
			return false
		}
		for i := range a {
			if a[i] != cols[i] {
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

func columnIndexes(rel *catalog.Relation, names []string, what string) ([]int, error) {
	out := make([]int, len(names))
	for j, name := range names {
		i := rel.ColumnIndex(name)
		if i < 0 {
			return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q %s does not exist", name, what)
		}
		out[j] = i
	}
	return out, nil
}

func colNames(rel *catalog.Relation, cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = rel.Columns[c].Name
	}
	return out
}

// referencedColumns lists the table columns an expression reads.
func referencedColumns(x planner.Expr, rel *catalog.Relation) []string {
	seen := map[int]bool{}
	var out []string
	planner.Walk(x, func(e planner.Expr) {
		if c, ok := e.(*planner.ColRef); ok && !seen[c.Idx] && c.Idx < len(rel.Columns) {
			seen[c.Idx] = true
			out = append(out, rel.Columns[c.Idx].Name)
		}
	})
	return out
}

// constraintNames generates constraint names as PostgreSQL does
// (ChooseConstraintName): table_col1_col2_suffix, made unique with a number.
type constraintNames struct {
	s    *Session
	used map[string]bool
}

func (n *constraintNames) choose(table string, cols []string, suffix string, isIndex bool) string {
	base := table
	if len(cols) > 0 {
		base += "_" + strings.Join(cols, "_")
	}
	for i := 0; ; i++ {
		name := base + "_" + suffix
		if i > 0 {
			name = fmt.Sprintf("%s_%s%d", base, suffix, i)
		}
		if len(name) > 63 {
			name = name[:63]
		}
		if n.used[name] || (isIndex && n.s.e.cat.Lookup("", name) != nil) {
			continue
		}
		n.used[name] = true
		return name
	}
}

// chooseRelation picks a free relation name (serial sequences).
func (n *constraintNames) chooseRelation(base string) string {
	for i := 0; ; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s%d", base, i)
		}
		if n.s.e.cat.Lookup("", name) == nil && !n.used[name] {
			n.used[name] = true
			return name
		}
	}
}

// foreignKey resolves REFERENCES: the referenced table's primary key when no
// columns are named, and the named columns must be its primary key or a
// unique constraint, as in PostgreSQL.
func (s *Session) foreignKey(rel *catalog.Relation, f pendingFK) (catalog.Constraint, error) {
	con := catalog.Constraint{Type: 'f', Name: f.name}
	cols, err := columnIndexes(rel, f.cols, "referenced in foreign key constraint")
	if err != nil {
		return con, err
	}
	con.Columns = cols
	parent := rel
	if f.ref.Table.Name != rel.Name || (f.ref.Table.Schema != "" && f.ref.Table.Schema != rel.Schema && !(rel.IsTemp() && s.isTempName(f.ref.Table.Schema))) {
		if err := s.checkRelSchema(f.ref.Table); err != nil {
			return con, err
		}
		parent = s.lookupRel(f.ref.Table)
		if parent == nil {
			return con, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", f.ref.Table.Name)
		}
		if parent.Kind != catalog.KindTable {
			return con, sql.Errorf(sql.CodeWrongObjectType, "referenced relation %q is not a table", parent.Name)
		}
		if err := checkTempReference(rel, parent); err != nil {
			return con, err
		}
		if isTopicTable(parent) {
			// Its rows change by the topic's records, which run no
			// foreign key actions.
			return con, errUnsupported("a foreign key referencing topic table " + parent.Name)
		}
	}
	con.RefTable = parent.OID
	if len(f.ref.Columns) == 0 {
		if parent.PrimaryKey == nil {
			return con, sql.Errorf("42830", "there is no primary key for referenced table %q", parent.Name)
		}
		con.RefColumns = append([]int(nil), parent.PrimaryKey...)
	} else {
		if con.RefColumns, err = columnIndexes(parent, f.ref.Columns, "referenced in foreign key constraint"); err != nil {
			return con, err
		}
		if !planner.HasUniqueKey(parent, con.RefColumns) {
			return con, sql.Errorf("42830", "there is no unique constraint matching given keys for referenced table %q", parent.Name)
		}
	}
	if len(con.RefColumns) != len(con.Columns) {
		return con, sql.Errorf("42830", "number of referencing and referenced columns for foreign key disagree")
	}
	for i, c := range con.Columns {
		a, b := rel.Columns[c].Type, parent.Columns[con.RefColumns[i]].Type
		if !a.Equal(b) && !(isIntegerType(a) && isIntegerType(b)) && !(isStringType(a) && isStringType(b)) {
			return con, &sql.Error{Code: sql.CodeDatatypeMismatch,
				Message: fmt.Sprintf("foreign key constraint %q cannot be implemented", con.Name),
				Detail:  fmt.Sprintf("Key columns %q and %q are of incompatible types: %s and %s.", rel.Columns[c].Name, parent.Columns[con.RefColumns[i]].Name, a, b)}
		}
	}
	switch f.ref.OnDelete {
	case "", "no action", "restrict", "cascade", "set null":
		con.OnDelete = f.ref.OnDelete
	default:
		return con, errUnsupported("ON DELETE " + strings.ToUpper(f.ref.OnDelete))
	}
	switch f.ref.OnUpdate {
	case "", "no action", "restrict":
		con.OnUpdate = f.ref.OnUpdate
	default:
		return con, errUnsupported("ON UPDATE " + strings.ToUpper(f.ref.OnUpdate))
	}
	return con, nil
}

func isIntegerType(t sql.Type) bool {
	return t.OID == sql.OIDInt2 || t.OID == sql.OIDInt4 || t.OID == sql.OIDInt8
}

func isStringType(t sql.Type) bool {
	return t.OID == sql.OIDText || t.OID == sql.OIDVarchar || t.OID == sql.OIDBpchar
}

// createTableAs creates a table from a query's columns and fills it.
func (s *Session) createTableAs(ctx context.Context, n *sql.CreateTable) (string, error) {
	schema, err := s.newTableSchema(n)
	if err != nil {
		return "", err
	}
	if s.e.cat.Lookup(schema, n.Name.Name) != nil {
		if n.IfNotExists {
			return "CREATE TABLE AS", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", n.Name.Name)
	}
	if len(n.With) > 0 {
		// A topic table's rows come from its topic alone.
		return "", errUnsupported("CREATE TABLE ... WITH (topic) AS a query")
	}
	q, err := s.planner().PlanQuery(n.As.AST, nil)
	if err != nil {
		return "", err
	}
	if err := s.checkAccess(q.Access); err != nil {
		return "", err
	}
	rel := &catalog.Relation{Schema: schema, Name: n.Name.Name, Kind: catalog.KindTable, Owner: s.user}
	for _, c := range columnsOf(q.Plan.Columns()) {
		if rel.ColumnIndex(c.Name) >= 0 {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", c.Name)
		}
		rel.Columns = append(rel.Columns, catalog.Column{Name: c.Name, Type: c.Type})
	}
	if rel.OID, err = s.e.cat.AllocOIDs(1); err != nil {
		return "", err
	}
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	count := 0
	err = s.runDML(ctx, nil, func(w *writer) error {
		rows, err := w.rt.collect(ctx, q.Plan, -1)
		if err != nil {
			return err
		}
		count, err = w.insertRows(rel, rows, nil, nil)
		return err
	})
	if err != nil {
		// The table is created outside the transaction; a failed fill
		// must not leave it behind. No view reads it yet.
		_ = s.e.cat.Delete(rel.OID)
		return "", err
	}
	return fmt.Sprintf("SELECT %d", count), nil
}

// dropTables is DROP TABLE and DROP SEQUENCE. Dropping a table also drops
// its owned sequences and its index data; with CASCADE, views over it go
// too, and foreign keys of other tables that reference it are removed
// (the tables themselves stay, as in PostgreSQL).
func (s *Session) dropTables(ctx context.Context, n *sql.Drop) (string, error) {
	kind := catalog.KindTable
	if n.Kind == "sequence" {
		kind = catalog.KindSeq
	}
	tag := "DROP " + strings.ToUpper(n.Kind)
	var rels []*catalog.Relation
	dropping := map[uint32]bool{}
	for _, o := range n.Names {
		if err := s.checkRelSchema(o); err != nil {
			return "", err
		}
		rel := s.lookupRel(o)
		if rel == nil || rel.Kind != kind {
			if rel != nil {
				return "", sql.Errorf(sql.CodeWrongObjectType, "%q is not a %s", o.Name, n.Kind)
			}
			if n.IfExists {
				continue
			}
			return "", sql.Errorf(sql.CodeUndefinedTable, "%s %q does not exist", n.Kind, o.Name)
		}
		if !dropping[rel.OID] {
			rels = append(rels, rel)
			dropping[rel.OID] = true
		}
	}
	var oids []uint32
	type fkDrop struct {
		table uint32
		name  string
	}
	var fkDrops []fkDrop
	var defaultDrops []*catalog.Relation // sequences whose owning column loses its default
	var details []string
	for _, rel := range rels {
		if rel.Kind == catalog.KindSeq {
			if owner := s.e.cat.ByOID(rel.OwnedBy); owner != nil && !dropping[owner.OID] && int(rel.OwnedByColumn) <= len(owner.Columns) {
				details = append(details, fmt.Sprintf("default value for column %s of table %s depends on sequence %s", owner.Columns[rel.OwnedByColumn-1].Name, owner.Name, rel.Name))
				defaultDrops = append(defaultDrops, rel)
			}
			oids = append(oids, rel.OID)
			continue
		}
		for _, d := range s.e.cat.Dependents(rel.OID) {
			if dropping[d.OID] {
				continue
			}
			if d.Kind == catalog.KindTable {
				for _, c := range d.Constraints {
					if c.Type == 'f' && c.RefTable == rel.OID {
						details = append(details, fmt.Sprintf("constraint %s on table %s depends on table %s", c.Name, d.Name, rel.Name))
						fkDrops = append(fkDrops, fkDrop{d.OID, c.Name})
					}
				}
				continue
			}
			if d.Kind == catalog.KindIndex {
				// A table's indexes go with it, as in PostgreSQL.
				oids = append(oids, d.OID)
				continue
			}
			details = append(details, fmt.Sprintf("%s %s depends on table %s", kindWord(d.Kind), d.Name, rel.Name))
			oids = append(oids, s.dependentsClosure(d.OID)...)
		}
		oids = append(oids, rel.OID)
		for _, c := range rel.Constraints {
			if c.IndexOID != 0 {
				oids = append(oids, c.IndexOID)
			}
		}
		for _, r := range s.e.cat.Relations() {
			if r.Kind == catalog.KindSeq && r.OwnedBy == rel.OID {
				oids = append(oids, r.OID)
			}
		}
	}
	if len(details) > 0 && !n.Cascade {
		what := "table"
		if kind == catalog.KindSeq {
			what = "sequence"
		}
		return "", &sql.Error{Code: sql.CodeDependentObjectsStillExist,
			Message: fmt.Sprintf("cannot drop %s %s because other objects depend on it", what, rels[0].Name),
			Detail:  strings.Join(details, "\n"),
			Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	for _, f := range fkDrops {
		t := s.e.cat.ByOID(f.table)
		if t == nil {
			continue
		}
		nt := *t
		nt.Constraints = nil
		for _, c := range t.Constraints {
			if c.Name != f.name {
				nt.Constraints = append(nt.Constraints, c)
			}
		}
		if err := s.e.cat.Put(&nt); err != nil {
			return "", err
		}
	}
	for _, seq := range defaultDrops {
		t := s.e.cat.ByOID(seq.OwnedBy)
		if t == nil {
			continue
		}
		nt := *t
		nt.Columns = append([]catalog.Column(nil), t.Columns...)
		nt.Columns[seq.OwnedByColumn-1].Default = ""
		nt.Columns[seq.OwnedByColumn-1].Serial = false
		if err := s.e.cat.Put(&nt); err != nil {
			return "", err
		}
	}
	if len(oids) > 0 {
		if err := s.dropRelations(ctx, oids...); err != nil {
			return "", err
		}
	}
	return tag, nil
}

func kindWord(k catalog.Kind) string {
	switch k {
	case catalog.KindView:
		return "view"
	case catalog.KindMatView:
		return "materialized view"
	case catalog.KindSink:
		return "sink"
	}
	return "relation"
}

// truncate empties tables, inside the transaction like PostgreSQL's.
func (s *Session) truncate(ctx context.Context, n *sql.Truncate) (string, error) {
	var rels []*catalog.Relation
	in := map[uint32]bool{}
	for _, o := range n.Tables {
		if err := s.checkRelSchema(o); err != nil {
			return "", err
		}
		rel := s.lookupRel(o)
		if rel == nil {
			return "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", o.Name)
		}
		if rel.Kind != catalog.KindTable {
			return "", sql.Errorf(sql.CodeWrongObjectType, "%q is not a table", o.Name)
		}
		if rel.AppendOnly {
			return "", sql.Errorf(sql.CodeWrongObjectType, "cannot truncate append-only table %q", rel.Name)
		}
		if isTopicTable(rel) {
			return "", errTopicTableWrite(rel, "truncate")
		}
		rels = append(rels, rel)
		in[rel.OID] = true
	}
	for _, rel := range rels {
		for _, d := range s.e.cat.Dependents(rel.OID) {
			if d.Kind != catalog.KindTable || in[d.OID] {
				continue
			}
			return "", &sql.Error{Code: sql.CodeFeatureNotSupported,
				Message: "cannot truncate a table referenced in a foreign key constraint",
				Detail:  fmt.Sprintf("Table %q references %q.", d.Name, rel.Name),
				Hint:    fmt.Sprintf("Truncate table %q at the same time, or use TRUNCATE ... CASCADE.", d.Name)}
		}
	}
	err := s.runDML(ctx, nil, func(w *writer) error {
		for _, rel := range rels {
			if err := w.truncateRows(rel); err != nil {
				return err
			}
			prefixes := [][]byte{catalog.ObjectPrefix(catalog.PrefixRows, rel.OID)}
			for _, c := range rel.Constraints {
				if c.Type == 'u' {
					prefixes = append(prefixes, catalog.ObjectPrefix(catalog.PrefixIndex, c.IndexOID))
				}
			}
			for _, p := range prefixes {
				if err := w.deletePrefix(p); err != nil {
					return err
				}
			}
			// The indexes go empty and complete, whether or not they were
			// before (index_entry.go).
			for _, r := range s.e.cat.Indexes(rel.OID) {
				p := catalog.ObjectPrefix(catalog.PrefixIndex, r.OID)
				if err := w.deletePrefix(p); err != nil {
					return err
				}
				if err := w.tx.set(p, []byte{}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "TRUNCATE TABLE", nil
}
