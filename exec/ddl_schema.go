package exec

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// schemaOf is the schema a new relation named o goes to: its qualifier, or
// public, eddy's only schema on the search path.
func schemaOf(o sql.ObjectName) string {
	if o.Schema != "" {
		return o.Schema
	}
	return "public"
}

func (s *Session) createSchema(n *sql.CreateSchema) (string, error) {
	const tag = "CREATE SCHEMA"
	me := s.e.cat.Role(s.user)
	if me == nil {
		return "", fmt.Errorf("create schema: session role %q is gone", s.user)
	}
	owner := me
	if n.Authorization != "" {
		owner = s.e.cat.Role(n.Authorization)
		if owner == nil {
			return "", sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", n.Authorization)
		}
	}
	if s.e.cat.SchemaExists(n.Name) {
		if n.IfNotExists {
			return tag, nil
		}
		return "", sql.Errorf(sql.CodeDuplicateSchema, "schema %q already exists", n.Name)
	}
	oid, err := s.e.cat.AllocOIDs(1)
	if err != nil {
		return "", err
	}
	return tag, s.e.cat.CreateSchema(&catalog.Schema{OID: oid, Name: n.Name, Owner: owner.OID})
}

func (s *Session) dropSchema(ctx context.Context, n *sql.DropSchema) (string, error) {
	const tag = "DROP SCHEMA"
	var drop []string
	for _, name := range n.Names {
		if catalog.IsBuiltinSchema(name) {
			if name == "public" {
				// PostgreSQL lets the owner drop public; eddy keeps it, as
				// every unqualified name resolves there.
				return "", sql.Errorf(sql.CodeFeatureNotSupported, "cannot drop schema public")
			}
			return "", sql.Errorf(sql.CodeDependentObjectsStillExist, "cannot drop schema %s because it is required by the database system", name)
		}
		if s.e.cat.SchemaNamed(name) == nil {
			if n.IfExists {
				continue
			}
			return "", sql.Errorf(sql.CodeUndefinedSchema, "schema %q does not exist", name)
		}
		drop = append(drop, name)
	}
	seen := map[uint32]bool{}
	var oids []uint32
	for _, name := range drop {
		rels := s.e.cat.InSchema(name)
		if len(rels) > 0 && !n.Cascade {
			// Like PostgreSQL, name every object but the indexes, which go
			// with their tables.
			var lines []string
			for _, r := range rels {
				if r.Kind != catalog.KindIndex {
					lines = append(lines, fmt.Sprintf("%s %s.%s depends on schema %s", relationKindWord(r), r.Schema, r.Name, name))
				}
			}
			return "", &sql.Error{Code: sql.CodeDependentObjectsStillExist,
				Message: fmt.Sprintf("cannot drop schema %s because other objects depend on it", name),
				Detail:  strings.Join(lines, "\n"),
				Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
		}
		for _, r := range rels {
			for _, oid := range s.dependentsClosure(r.OID) {
				if !seen[oid] {
					seen[oid] = true
					oids = append(oids, oid)
				}
			}
		}
	}
	// Serial sequences live in public (their nextval defaults are
	// unqualified) but go with the tables that own them.
	for _, r := range s.e.cat.Relations() {
		if r.Kind == catalog.KindSeq && r.OwnedBy != 0 && seen[r.OwnedBy] && !seen[r.OID] {
			seen[r.OID] = true
			oids = append(oids, r.OID)
		}
	}
	if len(oids) > 0 {
		if err := s.dropRelations(ctx, oids...); err != nil {
			return "", err
		}
	}
	sort.Strings(drop)
	for _, name := range drop {
		if err := s.e.cat.DropSchema(name); err != nil {
			return "", err
		}
	}
	return tag, nil
}

// alterSchema is ALTER SCHEMA ... RENAME TO / OWNER TO.
func (s *Session) alterSchema(n *sql.AlterSchema) (string, error) {
	const tag = "ALTER SCHEMA"
	if catalog.IsBuiltinSchema(n.Name) {
		// Every unqualified name and stored view of eddy's resolves in
		// public, and the system schemas are fixed.
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "cannot alter schema %s", n.Name)
	}
	sch := s.e.cat.SchemaNamed(n.Name)
	if sch == nil {
		return "", sql.Errorf(sql.CodeUndefinedSchema, "schema %q does not exist", n.Name)
	}
	me := s.e.cat.Role(s.user)
	if me == nil {
		return "", fmt.Errorf("alter schema: session role %q is gone", s.user)
	}
	if !me.Superuser && me.OID != sch.Owner {
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "must be owner of schema %s", n.Name)
	}
	if n.OwnerTo != "" {
		owner := s.e.cat.Role(n.OwnerTo)
		if owner == nil {
			return "", sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", n.OwnerTo)
		}
		return tag, s.e.cat.SetSchemaOwner(n.Name, owner.OID)
	}
	if strings.HasPrefix(n.RenameTo, "pg_") {
		return "", &sql.Error{Code: "42939", Message: fmt.Sprintf("unacceptable schema name %q", n.RenameTo),
			Detail: `The prefix "pg_" is reserved for system schemas.`}
	}
	if s.e.cat.SchemaExists(n.RenameTo) {
		return "", sql.Errorf(sql.CodeDuplicateSchema, "schema %q already exists", n.RenameTo)
	}
	if err := s.checkRenameSchema(n.Name); err != nil {
		return "", err
	}
	return tag, s.e.cat.RenameSchema(n.Name, n.RenameTo)
}

// checkRenameSchema refuses to rename a schema whose name is written in
// stored SQL text, which eddy keeps as text and binds again by name
// (PostgreSQL binds by OID and follows the rename): a view, materialized
// view or sink over its relations or with it on its stored search path,
// a column default (a serial column's names its sequence's schema), a
// function in it. Nor does it move running dataflows' relations.
func (s *Session) checkRenameSchema(name string) error {
	refuse := func(what string) error {
		return &sql.Error{Code: sql.CodeFeatureNotSupported,
			Message: fmt.Sprintf("cannot rename schema %s because %s", name, what),
			Hint:    "Drop and recreate the dependent objects, or create a new schema and recreate the objects there."}
	}
	for _, f := range s.e.cat.Functions() {
		if f.Schema == name {
			return refuse(fmt.Sprintf("function %s.%s is in it", name, f.Name))
		}
	}
	inSchema := map[uint32]bool{}
	for _, r := range s.e.cat.InSchema(name) {
		inSchema[r.OID] = true
		if r.Kind == catalog.KindMatView || r.Kind == catalog.KindSink {
			return refuse(fmt.Sprintf("%s %s.%s runs a dataflow", relationKindWord(r), name, r.Name))
		}
		for _, c := range r.Columns {
			if c.Default != "" && strings.Contains(c.Default, name) {
				return refuse(fmt.Sprintf("the default of column %s of %s.%s names it", c.Name, name, r.Name))
			}
		}
	}
	for _, r := range s.e.cat.Relations() {
		if r.SQL == "" {
			continue
		}
		named := false
		for _, oid := range r.DependsOn {
			named = named || inSchema[oid]
		}
		for k, v := range r.Options {
			if strings.HasSuffix(k, planner.SearchPathOption) {
				for _, p := range planner.ParseSearchPath(v, "") {
					named = named || p == name
				}
			}
		}
		if named {
			return refuse(fmt.Sprintf("%s %s.%s depends on it by name", relationKindWord(r), r.Schema, r.Name))
		}
	}
	return nil
}
