package exec

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/catalog"
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
