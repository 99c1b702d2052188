package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// prepareOwn prepares eddy's own statements (those sql parses itself).
func (s *Session) prepareOwn(st sql.Statement, paramTypes []sql.Type) (*statement, error) {
	if p, ok, err := s.prepareMisc(st); ok {
		return p, err
	}
	if p, ok, err := s.preparePrepared(st); ok { // prepare_exec.go
		return p, err
	}
	switch n := st.Own.(type) {
	case *sql.CreateTable:
		if n.As != nil {
			return s.ddlWrite(func(ctx context.Context) (string, error) { return s.createTableAs(ctx, n) }), nil
		}
		return s.ddlWrite(func(ctx context.Context) (string, error) { return s.createTable(ctx, n) }), nil
	case *sql.CreateSequence:
		return s.ddlWrite(func(context.Context) (string, error) { return s.createSequence(n) }), nil
	case *sql.Truncate:
		return s.simple(func(ctx context.Context) (string, error) { return s.truncate(ctx, n) }), nil
	case *sql.Copy:
		return s.prepareCopy(n)
	case *sql.Subscribe:
		return s.prepareSubscribe(n)
	case *sql.CreateView:
		if n.Materialized {
			return s.ddlWrite(func(ctx context.Context) (string, error) { return s.createMatView(ctx, n) }), nil
		}
		return s.ddlWrite(func(context.Context) (string, error) { return s.createView(n) }), nil
	case *sql.CreateFunction:
		return s.ddlWrite(func(context.Context) (string, error) { return s.createFunction(n) }), nil
	case *sql.DropFunction:
		return s.simple(func(ctx context.Context) (string, error) { return s.dropFunction(ctx, n) }), nil
	case *sql.RefreshMaterializedView:
		return s.simple(func(context.Context) (string, error) { return s.refreshMatView(n) }), nil
	case *sql.CreateSource:
		return s.ddlWrite(func(ctx context.Context) (string, error) { return s.createSource(ctx, n) }), nil
	case *sql.CreateSink:
		return s.ddlWrite(func(ctx context.Context) (string, error) { return s.createSink(ctx, n) }), nil
	case *sql.Drop:
		if n.Kind == "index" {
			return s.simple(func(ctx context.Context) (string, error) { return s.dropIndex(ctx, n) }), nil
		}
		return s.simple(func(ctx context.Context) (string, error) { return s.drop(ctx, n) }), nil
	case *sql.CreateIndex:
		return s.ddlWrite(func(ctx context.Context) (string, error) { return s.createIndex(ctx, n) }), nil
	case *sql.Grant:
		return s.simple(func(context.Context) (string, error) { return s.grant(n) }), nil
	case *sql.CreateSchema:
		return s.ddlWrite(func(context.Context) (string, error) { return s.createSchema(n) }), nil
	case *sql.DropSchema:
		return s.simple(func(ctx context.Context) (string, error) { return s.dropSchema(ctx, n) }), nil
	case *sql.AlterTable:
		return s.simple(func(ctx context.Context) (string, error) { return s.alterTable(ctx, n) }), nil
	case *sql.AlterSchema:
		return s.simple(func(context.Context) (string, error) { return s.alterSchema(n) }), nil
	case *sql.CreateRole, *sql.AlterRole, *sql.DropRole:
		p, _ := s.prepareRole(n)
		return p, nil
	case *sql.Begin:
		return s.txnControl(s.begin), nil
	case *sql.Commit:
		st := s.simple(s.commit)
		st.txnControl = true
		return st, nil
	case *sql.Rollback:
		return s.txnControl(s.rollback), nil
	case *sql.SetTransaction:
		return s.simple(func(context.Context) (string, error) { return "SET", nil }), nil
	case *sql.Set:
		return s.simple(func(context.Context) (string, error) {
			val := strings.Join(n.Values, ", ")
			if n.Name == "search_path" {
				// Each value is one schema name, shown quoted where needed.
				val = planner.FormatSearchPath(n.Values)
			}
			if n.Default {
				val = defaultSettings[n.Name]
			}
			return "SET", s.set(n.Name, val)
		}), nil
	case *sql.Reset:
		return s.simple(func(context.Context) (string, error) {
			if n.All {
				for k, v := range defaultSettings {
					s.set(k, v)
				}
				return "RESET", nil
			}
			return "RESET", s.set(n.Name, defaultSettings[n.Name])
		}), nil
	case *sql.Show:
		return s.prepareShow(n), nil
	case *sql.Explain:
		if ex, ok := n.Stmt.Own.(*sql.Execute); ok && !n.Analyze {
			return s.explainExecute(ex) // prepare_exec.go
		}
		if n.Stmt.AST == nil {
			return nil, errUnsupported("EXPLAIN of this statement")
		}
		return s.prepareExplain(n.Stmt.AST, paramTypes)
	}
	return nil, sql.Errorf(sql.CodeFeatureNotSupported, "statement %s is not supported yet", firstWord(st.Text))
}

// defaultSettings are the values RESET and SET ... DEFAULT restore.
var defaultSettings = map[string]string{
	"timezone": "UTC", "datestyle": "ISO, MDY", "extra_float_digits": "1",
	"application_name": "", "search_path": `"$user", public`, "statement_timeout": "0",
	"client_min_messages": "notice", "intervalstyle": "postgres",
}

func (s *Session) prepareShow(n *sql.Show) *statement {
	name := strings.ToLower(n.Name)
	if name == "time zone" {
		name = "timezone"
	}
	colName := name
	for k, v := range reported {
		if k == name {
			colName = v
		}
	}
	st := &statement{s: s, cols: []server.Column{{Name: colName, Type: sql.Text}}}
	st.run = func(context.Context, []sql.Value) (server.Result, error) {
		v, ok := s.settings[name]
		if !ok {
			return nil, sql.Errorf(sql.CodeUndefinedObject, "unrecognized configuration parameter %q", n.Name)
		}
		return &rowsResult{op: newSliceOp([]sql.Row{{sql.NewText(v)}}), tag: "SHOW"}, nil
	}
	return st
}

func (s *Session) checkSchema(o sql.ObjectName) error {
	if o.Schema != "" && !s.e.cat.SchemaExists(o.Schema) {
		return sql.Errorf(sql.CodeInvalidSchemaName, "schema %q does not exist", o.Schema)
	}
	return nil
}

func (s *Session) createView(n *sql.CreateView) (string, error) {
	schema, err := s.newViewSchema(n)
	if err != nil {
		return "", err
	}
	name := n.Name.Name
	existing := s.e.cat.Lookup(schema, name)
	if existing != nil {
		if n.IfNotExists {
			return "CREATE VIEW", nil
		}
		if !(n.OrReplace && existing.Kind == catalog.KindView) {
			return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
		}
		if err := s.checkReplaceView(existing); err != nil {
			return "", err
		}
	}
	q, err := s.planner().PlanQuery(n.Query.AST, nil)
	if err != nil {
		return "", err
	}
	rel := &catalog.Relation{Schema: schema, Name: name, Kind: catalog.KindView, Owner: s.user, SQL: n.Query.Text}
	if s.refuseTemp(q.Access, "views") != nil && !rel.IsTemp() {
		if n.Name.Schema != "" {
			// PostgreSQL's error for a view in a named schema.
			return "", sql.Errorf(sql.CodeInvalidTableDefinition, "cannot create temporary relation in non-temporary schema")
		}
		// As in PostgreSQL, a view over a temporary relation is itself
		// temporary: no other session could read it.
		rel.Schema = s.tempSchema()
		if s.e.cat.Lookup(rel.Schema, name) != nil {
			return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
		}
	}
	s.keepPath(rel)
	seen := map[string]bool{}
	for i, c := range columnsOf(q.Plan.Columns()) {
		cn := c.Name
		if i < len(n.Columns) {
			cn = n.Columns[i]
		}
		if seen[cn] {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cn)
		}
		seen[cn] = true
		rel.Columns = append(rel.Columns, catalog.Column{Name: cn, Type: c.Type})
	}
	rel.DependsOn = queryDependencies(q)
	rel.DependsOnFunctions = q.Functions
	if existing != nil {
		rel.OID = existing.OID
	} else if rel.OID, err = s.e.cat.AllocOIDs(1); err != nil {
		return "", err
	}
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	return "CREATE VIEW", nil
}

func (s *Session) drop(ctx context.Context, n *sql.Drop) (string, error) {
	if n.Kind == "table" || n.Kind == "sequence" {
		return s.dropTables(ctx, n)
	}
	kinds := map[string]catalog.Kind{"table": catalog.KindTable, "view": catalog.KindView, "source": catalog.KindSource,
		"materialized view": catalog.KindMatView, "sink": catalog.KindSink}
	kind, ok := kinds[n.Kind]
	if !ok {
		return "", errUnsupported("DROP " + strings.ToUpper(n.Kind))
	}
	tag := "DROP " + strings.ToUpper(n.Kind)
	var oids []uint32
	for _, o := range n.Names {
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
		var deps []*catalog.Relation
		for _, d := range s.e.cat.Dependents(rel.OID) {
			// A relation's indexes go with it, as in PostgreSQL.
			if d.Kind != catalog.KindIndex {
				deps = append(deps, d)
			}
		}
		if len(deps) > 0 && !n.Cascade {
			return "", &sql.Error{Code: sql.CodeDependentObjectsStillExist,
				Message: fmt.Sprintf("cannot drop %s %s because other objects depend on it", n.Kind, rel.Name),
				Detail:  fmt.Sprintf("%s %s depends on %s %s", kindWord(deps[0].Kind), deps[0].Name, n.Kind, rel.Name),
				Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
		}
		oids = append(oids, s.dependentsClosure(rel.OID)...)
	}
	if len(oids) > 0 {
		if err := s.dropRelations(ctx, oids...); err != nil {
			return "", err
		}
	}
	return tag, nil
}

// dependentsClosure lists oid and everything that depends on it, transitively.
func (s *Session) dependentsClosure(oid uint32) []uint32 {
	out := []uint32{oid}
	for _, d := range s.e.cat.Dependents(oid) {
		out = append(out, s.dependentsClosure(d.OID)...)
	}
	return out
}
