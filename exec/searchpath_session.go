package exec

import (
	"context"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// pathPlanner caches the session's planner for one search_path text and
// temporary schema: SET search_path and a first temporary table replace it.
type pathPlanner struct {
	text    string
	slot    int
	planner *planner.Planner
}

// planner binds statements for the session: through its search_path,
// with its temporary schema first once it has one.
func (s *Session) planner() *planner.Planner {
	text := s.settings["search_path"]
	if c := &s.pathPlan; c.planner != nil && c.text == text && c.slot == s.temp.slot {
		return c.planner
	}
	p := *s.e.planner
	p.SearchPath = planner.ParseSearchPath(text, s.user)
	if s.temp.slot != 0 {
		p.TempSchema = catalog.TempSchema(s.temp.slot)
	}
	s.pathPlan = pathPlanner{text: text, slot: s.temp.slot, planner: &p}
	return &p
}

// lookupRel resolves a relation name as the binder does: a qualified
// name in its schema, an unqualified one through the search path.
func (s *Session) lookupRel(o sql.ObjectName) *catalog.Relation {
	return s.planner().Lookup(o.Schema, o.Name)
}

// creationSchema is the schema an object called name, named without a
// schema, is created in: the first schema of the search path that exists,
// pg_temp meaning the session's temporary schema.
func (s *Session) creationSchema(name string) (string, error) {
	for _, schema := range s.planner().SearchPath {
		switch {
		case schema == "pg_temp":
			return s.tempSchema(), nil
		case schema == "pg_catalog" || schema == "information_schema":
			return "", &sql.Error{Code: sql.CodeInsufficientPrivilege,
				Message: `permission denied to create "` + schema + "." + name + `"`,
				Detail:  "System catalog modifications are currently disallowed."}
		case s.e.cat.SchemaExists(schema):
			return schema, nil
		}
	}
	return "", sql.Errorf(sql.CodeInvalidSchemaName, "no schema has been selected to create in")
}

// newViewSchema is the schema CREATE [TEMP] VIEW puts the view in.
func (s *Session) newViewSchema(n *sql.CreateView) (string, error) {
	switch {
	case s.isTempName(n.Name.Schema):
		return s.tempSchema(), nil
	case n.Temporary && n.Name.Schema != "":
		return "", sql.Errorf(sql.CodeInvalidTableDefinition, "cannot create temporary relation in non-temporary schema")
	case n.Temporary:
		return s.tempSchema(), nil
	case n.Name.Schema != "":
		return n.Name.Schema, s.checkSchema(n.Name)
	}
	return s.creationSchema(n.Name.Name)
}

// newSequenceSchema is the schema CREATE [TEMP] SEQUENCE puts the
// sequence in (qualifyNew has named the path's).
func (s *Session) newSequenceSchema(n *sql.CreateSequence) (string, error) {
	switch {
	case s.isTempName(n.Name.Schema):
		return s.tempSchema(), nil
	case n.Temporary && n.Name.Schema != "":
		return "", sql.Errorf(sql.CodeInvalidTableDefinition, "cannot create temporary relation in non-temporary schema")
	case n.Temporary:
		return s.tempSchema(), nil
	}
	return schemaOf(n.Name), s.checkSchema(n.Name)
}

// qualifyNew names the schema of a CREATE statement's new object from
// the search path while the statement runs, so that every step of it
// (the existence check, the catalog entry, a serial column's sequence)
// sees one schema. The name is restored after, for a prepared statement
// run again under another path. TEMPORARY objects go to the temporary
// schema by the statements' own rules.
func (s *Session) qualifyNew(p *statement, own sql.Stmt) {
	var name *sql.ObjectName
	switch n := own.(type) {
	case *sql.CreateTable:
		if !n.Temporary {
			name = &n.Name
		}
	case *sql.CreateSequence:
		if !n.Temporary {
			name = &n.Name
		}
	case *sql.CreateView:
		// A view's schema depends on what it reads (newViewSchema).
		if n.Materialized {
			name = &n.Name
		}
	case *sql.CreateSource:
		name = &n.Name
	case *sql.CreateSink:
		name = &n.Name
	}
	if name == nil || name.Schema != "" {
		return
	}
	run := p.run
	p.run = func(ctx context.Context, params []sql.Value) (server.Result, error) {
		schema, err := s.creationSchema(name.Name)
		if err != nil {
			return nil, err
		}
		name.Schema = schema
		defer func() { name.Schema = "" }()
		return run(ctx, params)
	}
}

// storedPath is the search path a new view, materialized view or sink
// keeps (planner.SearchPathOption): the schemas of the session's path
// that exist now, the temporary schema only for a temporary view. ""
// means public alone, which needs no option.
func (s *Session) storedPath(temp bool) string {
	var names []string
	for _, name := range s.planner().SearchPath {
		switch {
		case name == "pg_temp" || s.isTempName(name):
			if temp && s.temp.slot != 0 {
				names = append(names, catalog.TempSchema(s.temp.slot))
			}
		case name == "pg_catalog" || name == "information_schema" || s.e.cat.SchemaExists(name):
			names = append(names, name)
		}
	}
	if len(names) == 1 && names[0] == "public" {
		return ""
	}
	if names == nil {
		// Nothing on the path exists: unqualified names reach only
		// pg_catalog, which "public alone" would not say.
		names = []string{"pg_catalog"}
	}
	return planner.FormatSearchPath(names)
}

// keepPath records the creating session's search path on a stored view.
func (s *Session) keepPath(rel *catalog.Relation) {
	if v := s.storedPath(rel.IsTemp()); v != "" {
		if rel.Options == nil {
			rel.Options = map[string]string{}
		}
		rel.Options[planner.SearchPathOption] = v
	}
}

// currentSchemas is current_schemas(implicit): the path's schemas that
// exist, and with implicit the temporary schema and pg_catalog first where
// the path does not place them. As in PostgreSQL, pg_temp as the creation
// target (no existing schema before it) creates the temporary schema, so
// that the answer is where CREATE would go.
func (s *Session) currentSchemas(implicit bool) []string {
	path := s.planner().SearchPath
	var named []string
	explicitTemp, explicitCatalog := false, false
	for _, name := range path {
		switch {
		case name == "pg_temp" || s.isTempName(name):
			explicitTemp = true
			if s.temp.slot == 0 && len(named) == 0 {
				s.tempSchema()
			}
			if s.temp.slot != 0 {
				named = append(named, catalog.TempSchema(s.temp.slot))
			}
		case name == "pg_catalog":
			explicitCatalog = true
			named = append(named, name)
		case name == "information_schema" || s.e.cat.SchemaExists(name):
			named = append(named, name)
		}
	}
	if !implicit {
		return named
	}
	var out []string
	if !explicitTemp && s.temp.slot != 0 {
		out = append(out, catalog.TempSchema(s.temp.slot))
	}
	if !explicitCatalog {
		out = append(out, "pg_catalog")
	}
	return append(out, named...)
}

// CurrentSchemas answers current_schema() and current_schemas().
func (c catalogReader) CurrentSchemas(implicit bool) []string {
	if c.s == nil {
		if implicit {
			return []string{"pg_catalog", "public"}
		}
		return []string{"public"}
	}
	return c.s.currentSchemas(implicit)
}

// RelationVisible is pg_table_is_visible: the relation's name, unqualified,
// resolves to it.
func (c catalogReader) RelationVisible(oid uint32) (bool, bool) {
	r := c.e.cat.ByOID(oid)
	if r == nil {
		return false, false
	}
	if c.s == nil {
		return r.Schema == "public", true
	}
	found := c.s.lookupRel(sql.ObjectName{Name: r.Name})
	return found != nil && found.OID == oid, true
}
