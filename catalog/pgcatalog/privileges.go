package pgcatalog

import (
	"github.com/eddysql/eddy/catalog"
)

// Privileges as information_schema shows them: one row per privilege of
// each ACL entry (PostgreSQL's aclexplode), an absent ACL read as its
// default.

func init() {
	// role_table_grants is table_privileges narrowed to the current user's
	// grants; PostgreSQL defines it as a view with the same columns.
	pgColumns["information_schema.role_table_grants"] = pgColumns["information_schema.table_privileges"]
	grants := func(ctx *Context, public bool) ([]rec, error) {
		if ctx.Cat == nil {
			return nil, nil
		}
		me := ctx.Cat.Role(ctx.User)
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			switch relkind(r) {
			case 'r', 'v': // not materialized views, which are no SQL-standard tables
			default:
				continue
			}
			for _, it := range ctx.Cat.RelationACL(r) {
				// Without role membership, "enabled roles" is the user
				// alone; a superuser is a member of every role.
				mine := me != nil && (me.Superuser || it.Grantee == me.OID || it.Grantor == me.OID)
				if !mine && !(public && it.Grantee == catalog.PublicOID) {
					continue
				}
				grantee := "PUBLIC"
				if it.Grantee != catalog.PublicOID {
					grantee = ctx.Cat.RoleName(it.Grantee)
				}
				for _, p := range []catalog.Privilege{catalog.PrivInsert, catalog.PrivSelect, catalog.PrivUpdate,
					catalog.PrivDelete, catalog.PrivTruncate, catalog.PrivReferences, catalog.PrivTrigger} {
					if it.Privs&p == 0 {
						continue
					}
					// The owner holds every grant option implicitly.
					grantable := it.GrantOption&p != 0 || ctx.Cat.RoleName(it.Grantee) == r.Owner
					out = append(out, rec{"grantor": ctx.Cat.RoleName(it.Grantor), "grantee": grantee,
						"table_catalog": ctx.Database, "table_schema": r.Schema, "table_name": r.Name,
						"privilege_type": p.Names()[0], "is_grantable": yesNo(grantable),
						"with_hierarchy": yesNo(p == catalog.PrivSelect)})
				}
			}
		}
		return out, nil
	}
	def("information_schema", "table_privileges", func(ctx *Context) ([]rec, error) { return grants(ctx, true) })
	def("information_schema", "role_table_grants", func(ctx *Context) ([]rec, error) { return grants(ctx, false) })
}

// relACL is pg_class.relacl: NULL until the first GRANT or REVOKE, as in
// PostgreSQL, so that psql's \dp shows an empty column.
func relACL(cat *catalog.Catalog, r *catalog.Relation) any {
	if r.ACL == nil {
		return nil
	}
	return r.ACL.Strings(cat.RoleName)
}

// relOwner is pg_class.relowner.
func relOwner(cat *catalog.Catalog, r *catalog.Relation) uint32 {
	if oid := cat.OwnerOID(r); oid != 0 {
		return oid
	}
	return oidSuperuser
}

// schemaACL is pg_namespace.nspacl of public.
func schemaACL(cat *catalog.Catalog) []string {
	if cat == nil {
		return []string{"pg_database_owner=UC/pg_database_owner", "=U/pg_database_owner"}
	}
	acl, _ := cat.EffectiveSchemaACL()
	return acl.Strings(cat.RoleName)
}
