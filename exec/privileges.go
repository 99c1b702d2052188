package exec

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/catalog/pgcatalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// sessionRole is the session's role, or nil once it has been dropped: a
// dropped role keeps its connections but none of its privileges.
func (s *Session) sessionRole() *catalog.Role { return s.e.cat.Role(s.user) }

// privilegeKindWord names a relation's kind as PostgreSQL's "permission
// denied for ..." and "must be owner of ..." do.
func privilegeKindWord(r *catalog.Relation) string {
	if r.Kind == catalog.KindSource {
		return "table" // clients see sources as tables
	}
	return relationKindWord(r)
}

func errPermissionDenied(r *catalog.Relation) error {
	return sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied for %s %s", privilegeKindWord(r), r.Name)
}

// checkAccess checks a plan's privileges at execution, against the roles
// of now: a statement prepared before a REVOKE fails after it.
func (s *Session) checkAccess(acc []planner.Access) error {
	if len(acc) == 0 {
		return nil
	}
	me := s.sessionRole()
	if me != nil && me.Superuser {
		return nil
	}
	for _, a := range acc {
		role := me
		if a.View != 0 {
			// A view reads its tables with its owner's privileges.
			v := s.e.cat.ByOID(a.View)
			if v == nil {
				return sql.Errorf(sql.CodeUndefinedTable, "relation with OID %d does not exist", a.View)
			}
			role = s.e.cat.Role(v.Owner)
		}
		rel := s.e.cat.ByOID(a.Rel)
		if rel == nil {
			return sql.Errorf(sql.CodeUndefinedTable, "relation with OID %d does not exist", a.Rel)
		}
		if have, _ := s.e.cat.RelationPrivileges(rel, role); have&a.Priv != a.Priv {
			return errPermissionDenied(rel)
		}
	}
	return nil
}

// requireOwner is the check of DROP, COMMENT, CREATE INDEX and the other
// statements that only a relation's owner (or a superuser) may run.
func (s *Session) requireOwner(rel *catalog.Relation) error {
	me := s.sessionRole()
	if me != nil && me.Superuser {
		return nil
	}
	owner := rel.Owner
	if rel.Kind == catalog.KindIndex {
		// An index belongs to its table's owner, as in PostgreSQL.
		if t := s.e.cat.ByOID(rel.IndexOn); t != nil {
			owner = t.Owner
		}
	}
	if me == nil || owner != me.Name {
		return sql.Errorf(sql.CodeInsufficientPrivilege, "must be owner of %s %s", privilegeKindWord(rel), rel.Name)
	}
	return nil
}

// requireCreate checks CREATE on schema public, which PostgreSQL 15 no
// longer gives to everyone.
func (s *Session) requireCreate() error {
	p, err := s.e.cat.SchemaPrivileges(s.sessionRole())
	if err != nil {
		return err
	}
	if p&catalog.PrivCreate == 0 {
		return sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied for schema public")
	}
	return nil
}

// requireRelation checks priv on a relation a statement names outside a
// plan (TRUNCATE, COPY, a foreign key's REFERENCES).
func (s *Session) requireRelation(rel *catalog.Relation, priv catalog.Privilege) error {
	if have, _ := s.e.cat.RelationPrivileges(rel, s.sessionRole()); have&priv != priv {
		return errPermissionDenied(rel)
	}
	return nil
}

// requireSequence checks a sequence function: any one of privs will do
// (nextval takes USAGE or UPDATE, currval USAGE or SELECT).
func (s *Session) requireSequence(oid uint32, privs catalog.Privilege) error {
	rel := s.e.cat.ByOID(oid)
	if rel == nil || rel.Kind != catalog.KindSeq {
		return nil // the function reports it
	}
	if have, _ := s.e.cat.RelationPrivileges(rel, s.sessionRole()); have&privs == 0 {
		return errPermissionDenied(rel)
	}
	return nil
}

// ownCheck returns the privilege check of one of eddy's own statements, run
// at each execution; nil when it needs none (or checks itself).
func (s *Session) ownCheck(st sql.Stmt) func() error {
	lookup := func(o sql.ObjectName) *catalog.Relation {
		if o.Schema != "" && o.Schema != "public" && !s.isTempName(o.Schema) {
			return nil
		}
		return s.lookupRel(o)
	}
	switch n := st.(type) {
	case *sql.CreateTable:
		return func() error {
			// A temporary table needs no CREATE on public, as in
			// PostgreSQL (where it needs TEMP on the database, which
			// PUBLIC has by default).
			if !n.Temporary && !s.isTempName(n.Name.Schema) {
				if err := s.requireCreate(); err != nil {
					return err
				}
			}
			refs := []*sql.ForeignRef{}
			for _, c := range n.Columns {
				if c.References != nil {
					refs = append(refs, c.References)
				}
			}
			for _, c := range n.Constraints {
				if c.Ref != nil {
					refs = append(refs, c.Ref)
				}
			}
			for _, r := range refs {
				if rel := lookup(r.Table); rel != nil {
					if err := s.requireRelation(rel, catalog.PrivReferences); err != nil {
						return err
					}
				}
			}
			return nil
		}
	case *sql.CreateSequence, *sql.CreateSource, *sql.CreateSink, *sql.CreateFunction:
		return s.requireCreate
	case *sql.CreateView:
		return func() error {
			if err := s.requireCreate(); err != nil {
				return err
			}
			if rel := lookup(n.Name); rel != nil && n.OrReplace && rel.Kind == catalog.KindView {
				return s.requireOwner(rel)
			}
			return nil
		}
	case *sql.CreateIndex:
		return func() error {
			if rel := lookup(n.Table); rel != nil {
				return s.requireOwner(rel)
			}
			return nil
		}
	case *sql.Drop:
		kinds := map[string]catalog.Kind{"table": catalog.KindTable, "view": catalog.KindView, "index": catalog.KindIndex,
			"sequence": catalog.KindSeq, "materialized view": catalog.KindMatView, "source": catalog.KindSource, "sink": catalog.KindSink}
		return func() error {
			for _, o := range n.Names {
				// Another kind under the name is the statement's own error.
				if rel := lookup(o); rel != nil && rel.Kind == kinds[n.Kind] {
					if err := s.requireOwner(rel); err != nil {
						return err
					}
				}
			}
			return nil
		}
	case *sql.Comment:
		return func() error {
			if rel := lookup(n.Name); rel != nil {
				return s.requireOwner(rel)
			}
			return nil
		}
	case *sql.Truncate:
		return func() error {
			for _, o := range n.Tables {
				if rel := lookup(o); rel != nil && rel.Kind == catalog.KindTable {
					if err := s.requireRelation(rel, catalog.PrivTruncate); err != nil {
						return err
					}
				}
			}
			return nil
		}
	case *sql.Copy:
		if n.Query != nil || n.Subscribe != nil {
			return nil // the query's plan carries its privileges
		}
		return func() error {
			if rel := lookup(n.Table); rel != nil {
				priv := catalog.PrivSelect
				if n.From {
					priv = catalog.PrivInsert
				}
				return s.requireRelation(rel, priv)
			}
			return nil
		}
	}
	return nil
}

// grant runs GRANT and REVOKE.
func (s *Session) grant(n *sql.Grant) (string, error) {
	tag := "GRANT"
	if n.Revoke {
		tag = "REVOKE"
	}
	grantees, err := s.grantees(n.Grantees)
	if err != nil {
		return "", err
	}
	switch n.Kind {
	case "schema", "database":
		return tag, s.grantOnSchemaOrDatabase(n, grantees)
	}
	rels, err := s.grantRelations(n)
	if err != nil {
		return "", err
	}
	me := s.sessionRole()
	for _, rel := range rels {
		all := catalog.AllTablePrivileges
		if rel.Kind == catalog.KindSeq {
			all = catalog.AllSequencePrivileges
		}
		privs, err := parseGrantPrivileges(n.Privileges, n.Kind, all)
		if err != nil {
			return "", err
		}
		// GRANT ... ON TABLE of a sequence gives what applies to one.
		privs &= all
		have, grantable := s.e.cat.RelationPrivileges(rel, me)
		grantor := s.e.cat.OwnerOID(rel)
		if !(me != nil && (me.Superuser || me.Name == rel.Owner)) {
			if have == 0 && grantable == 0 {
				return "", errPermissionDenied(rel)
			}
			// Others grant what they hold the grant option of, in their
			// own name; PostgreSQL warns when that is nothing.
			privs &= grantable
			grantor = me.OID
		}
		if privs == 0 {
			continue
		}
		acl := s.e.cat.RelationACL(rel)
		for _, g := range grantees {
			if n.Revoke {
				acl = acl.Revoke(g, grantor, privs, n.GrantOption)
			} else {
				acl = acl.Grant(g, grantor, privs, n.GrantOption)
			}
		}
		nr := *rel
		nr.ACL = acl
		if err := s.e.cat.Put(&nr); err != nil {
			return "", err
		}
	}
	return tag, nil
}

// grantees resolves GRANT's TO list to role OIDs (PUBLIC is 0).
func (s *Session) grantees(gs []sql.Grantee) ([]uint32, error) {
	out := make([]uint32, 0, len(gs))
	for _, g := range gs {
		if g.Public {
			out = append(out, catalog.PublicOID)
			continue
		}
		r := s.e.cat.Role(g.Name)
		if r == nil {
			return nil, sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", g.Name)
		}
		out = append(out, r.OID)
	}
	return out, nil
}

// grantRelations resolves GRANT's object list; every name must exist
// before anything is granted, as in PostgreSQL's one transaction.
func (s *Session) grantRelations(n *sql.Grant) ([]*catalog.Relation, error) {
	var out []*catalog.Relation
	if n.AllInSchema {
		for _, o := range n.Objects {
			if o.Name != "public" || o.Schema != "" {
				return nil, sql.Errorf(sql.CodeInvalidSchemaName, "schema %q does not exist", o.Name)
			}
		}
		for _, r := range s.e.cat.Relations() {
			switch {
			case n.Kind == "sequence" && r.Kind == catalog.KindSeq,
				n.Kind == "table" && (r.Kind == catalog.KindTable || r.Kind == catalog.KindView || r.Kind == catalog.KindMatView || r.Kind == catalog.KindSource):
				out = append(out, r)
			}
		}
		return out, nil
	}
	for _, o := range n.Objects {
		if err := s.checkSchema(o); err != nil {
			return nil, err
		}
		r := s.e.cat.Lookup(o.Schema, o.Name)
		if r == nil {
			return nil, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", o.Name)
		}
		switch {
		case n.Kind == "sequence" && r.Kind != catalog.KindSeq:
			return nil, sql.Errorf(sql.CodeWrongObjectType, "%q is not a sequence", o.Name)
		case r.Kind == catalog.KindIndex || r.Kind == catalog.KindSink:
			return nil, sql.Errorf(sql.CodeWrongObjectType, "%q is not a table", o.Name)
		}
		out = append(out, r)
	}
	return out, nil
}

// parseGrantPrivileges turns GRANT's keywords into bits; nil is ALL.
func parseGrantPrivileges(names []string, kind string, all catalog.Privilege) (catalog.Privilege, error) {
	if names == nil {
		return all, nil
	}
	var p catalog.Privilege
	for _, name := range names {
		b, ok := catalog.PrivilegeNames[name]
		if !ok {
			return 0, sql.Errorf(sql.CodeSyntaxError, "unrecognized privilege type %q", name)
		}
		if b&all == 0 && !(kind == "table" && b&catalog.AllTablePrivileges != 0) {
			return 0, sql.Errorf("0LP01", // invalid_grant_operation
				"invalid privilege type %s for %s", strings.ToUpper(name), kind)
		}
		p |= b
	}
	return p, nil
}

// grantOnSchemaOrDatabase grants on schema public or on the database;
// their owners (pg_database_owner, the bootstrap superuser) are superusers,
// so only superusers may.
func (s *Session) grantOnSchemaOrDatabase(n *sql.Grant, grantees []uint32) error {
	all, grantor := catalog.AllSchemaPrivileges, uint32(catalog.DatabaseOwnerOID)
	get, put := s.e.cat.EffectiveSchemaACL, s.e.cat.PutSchemaACL
	if n.Kind == "database" {
		all, grantor = catalog.AllDatabasePrivileges, catalog.BootstrapRoleOID
		get, put = s.e.cat.EffectiveDatabaseACL, s.e.cat.PutDatabaseACL
	}
	for _, o := range n.Objects {
		if n.Kind == "schema" && (o.Name != "public" || o.Schema != "") {
			if o.Name == "pg_catalog" || o.Name == "information_schema" {
				return sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied for schema %s", o.Name)
			}
			return sql.Errorf(sql.CodeInvalidSchemaName, "schema %q does not exist", o.Name)
		}
		if n.Kind == "database" && o.Name != s.database {
			return sql.Errorf("3D000", "database %q does not exist", o.Name)
		}
	}
	privs, err := parseGrantPrivileges(n.Privileges, n.Kind, all)
	if err != nil {
		return err
	}
	if me := s.sessionRole(); me == nil || !me.Superuser {
		if n.Kind == "schema" {
			return sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied for schema public")
		}
		return sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied for database %s", s.database)
	}
	acl, err := get()
	if err != nil {
		return err
	}
	for _, g := range grantees {
		if n.Revoke {
			acl = acl.Revoke(g, grantor, privs, n.GrantOption)
		} else {
			acl = acl.Grant(g, grantor, privs, n.GrantOption)
		}
	}
	return put(acl)
}

// roleGrants describes the privileges granted to or by a role, which keep
// it from being dropped as in PostgreSQL; "" when there are none.
func (s *Session) roleGrants(oid uint32) string {
	for _, rel := range s.e.cat.Relations() {
		for _, it := range rel.ACL {
			if it.Grantee == oid || it.Grantor == oid {
				return fmt.Sprintf("privileges for %s %s", privilegeKindWord(rel), rel.Name)
			}
		}
	}
	if acl, _ := s.e.cat.SchemaACL(); acl != nil {
		for _, it := range acl {
			if it.Grantee == oid {
				return "privileges for schema public"
			}
		}
	}
	if acl, _ := s.e.cat.DatabaseACL(); acl != nil {
		for _, it := range acl {
			if it.Grantee == oid {
				return "privileges for database " + s.database
			}
		}
	}
	return ""
}

// HasPrivilege answers has_table_privilege and its kin.
func (c catalogReader) HasPrivilege(q builtin.PrivilegeQuery) (sql.Value, error) {
	role, err := c.privilegeRole(q)
	if err != nil {
		return sql.Null, err
	}
	privs, withGrant, err := parsePrivilegeText(q.Privileges, q.Kind)
	if err != nil {
		return sql.Null, err
	}
	var have, grantable catalog.Privilege
	switch q.Kind {
	case "schema":
		name := q.Object
		if q.Object == "" {
			name = map[uint32]string{pgcatalog.OIDPublic: "public", pgcatalog.OIDPgCatalog: "pg_catalog",
				pgcatalog.OIDInformationSchema: "information_schema"}[q.ObjectOID]
			if name == "" {
				return sql.Null, nil
			}
		}
		switch name {
		case "public":
			have, err = c.e.cat.SchemaPrivileges(role)
		case "pg_catalog", "information_schema":
			have = catalog.PrivUsage
			if role.Superuser {
				have = catalog.AllSchemaPrivileges
			}
		default:
			return sql.Null, sql.Errorf(sql.CodeInvalidSchemaName, "schema %q does not exist", name)
		}
		grantable = have
		if !role.Superuser {
			grantable = 0
		}
	case "database":
		if q.Object == "" && q.ObjectOID != catalog.FirstUserOID-1 { // pg_database.oid of eddy's one database
			return sql.Null, nil
		}
		have, err = c.e.cat.DatabasePrivileges(role)
		grantable = 0
		if role.Superuser {
			grantable = have
		}
	default:
		oid := q.ObjectOID
		if q.Object != "" {
			schema, name, _ := splitRegclass(q.Object)
			var ok bool
			if oid, ok = c.RelationOID(schema, name); !ok {
				return sql.Null, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", q.Object)
			}
		}
		rel := c.e.cat.ByOID(oid)
		if rel == nil {
			if q.Object != "" || oid < catalog.FirstUserOID {
				// A system relation: everyone may read it.
				have = catalog.PrivSelect
				if role.Superuser {
					have = catalog.AllTablePrivileges
				}
				break
			}
			return sql.Null, nil
		}
		if q.Kind == "sequence" && rel.Kind != catalog.KindSeq {
			return sql.Null, sql.Errorf(sql.CodeWrongObjectType, "%q is not a sequence", rel.Name)
		}
		have, grantable = c.e.cat.RelationPrivileges(rel, role)
	}
	if err != nil {
		return sql.Null, err
	}
	if withGrant != 0 && grantable&withGrant != 0 {
		return sql.NewBool(true), nil
	}
	return sql.NewBool(have&privs != 0), nil
}

func (c catalogReader) privilegeRole(q builtin.PrivilegeQuery) (*catalog.Role, error) {
	switch {
	case q.Role != "":
		if r := c.e.cat.Role(q.Role); r != nil {
			return r, nil
		}
		return nil, sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", q.Role)
	case q.RoleOID != 0:
		if r := c.e.cat.RoleByOID(q.RoleOID); r != nil {
			return r, nil
		}
		return nil, sql.Errorf(sql.CodeUndefinedObject, "role with OID %d does not exist", q.RoleOID)
	}
	return &catalog.Role{}, nil
}

// parsePrivilegeText reads has_*_privilege's privilege list: names
// separated by commas, each maybe WITH GRANT OPTION; any one held is true.
func parsePrivilegeText(text, kind string) (plain, withGrant catalog.Privilege, err error) {
	valid := map[string]catalog.Privilege{
		"table":    catalog.AllTablePrivileges,
		"sequence": catalog.AllSequencePrivileges,
		"schema":   catalog.AllSchemaPrivileges,
		"database": catalog.AllDatabasePrivileges,
	}[kind]
	for _, part := range strings.Split(text, ",") {
		w := strings.Join(strings.Fields(strings.ToLower(part)), " ")
		grant := false
		if strings.HasSuffix(w, " with grant option") {
			w, grant = strings.TrimSuffix(w, " with grant option"), true
		}
		if w == "temp" && kind == "database" {
			w = "temporary"
		}
		p, ok := catalog.PrivilegeNames[w]
		if !ok || p&valid == 0 || w == "temp" {
			return 0, 0, sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized privilege type: %q", strings.TrimSpace(part))
		}
		if grant {
			withGrant |= p
		} else {
			plain |= p
		}
	}
	return plain, withGrant, nil
}

// splitRegclass reads a relation name as regclass input does.
func splitRegclass(s string) (schema, name string, ok bool) {
	s = strings.TrimSpace(s)
	var parts []string
	for s != "" {
		var part string
		if s[0] == '"' {
			end := 1
			var b strings.Builder
			for end < len(s) {
				if s[end] == '"' {
					if end+1 < len(s) && s[end+1] == '"' {
						b.WriteByte('"')
						end += 2
						continue
					}
					break
				}
				b.WriteByte(s[end])
				end++
			}
			part, s = b.String(), s[min(end+1, len(s)):]
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			part, s = strings.ToLower(s[:i]), s[i:]
		}
		parts = append(parts, part)
		s = strings.TrimPrefix(s, ".")
	}
	switch len(parts) {
	case 0:
		return "", "", false
	case 1:
		return "", parts[0], true
	}
	return parts[len(parts)-2], parts[len(parts)-1], true
}

// RoleName serves pg_get_userbyid for the roles that own relations.
func (c catalogReader) RoleName(oid uint32) (string, bool) {
	if r := c.e.cat.RoleByOID(oid); r != nil {
		return r.Name, true
	}
	return "", false
}
