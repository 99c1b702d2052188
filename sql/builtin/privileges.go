package builtin

import "github.com/eddysql/eddy/sql"

// PrivilegeQuery is one has_*_privilege call.
type PrivilegeQuery struct {
	Kind string // "table", "sequence", "schema" or "database"
	// Role is the role asked about by name; "" with RoleOID 0 is the
	// current user.
	Role    string
	RoleOID uint32
	// Object is the object by name, or "" with ObjectOID set.
	Object    string
	ObjectOID uint32
	// Privileges is the function's text argument as given, e.g.
	// "SELECT, UPDATE WITH GRANT OPTION".
	Privileges string
}

// PrivilegeReader answers has_*_privilege. A CatalogReader implements it
// where there are privileges to check; without one every answer is true.
type PrivilegeReader interface {
	// HasPrivilege returns a boolean, or NULL when no object has the OID
	// given (PostgreSQL's answer for a dropped object).
	HasPrivilege(q PrivilegeQuery) (sql.Value, error)
}

func init() {
	for _, kind := range []string{"table", "sequence", "schema", "database"} {
		kind := kind
		name := "has_" + kind + "_privilege"
		ask := func(ctx *Context, q PrivilegeQuery) (sql.Value, error) {
			q.Kind = kind
			pr, ok := catalogOf(ctx).(PrivilegeReader)
			if !ok {
				return sql.NewBool(true), nil
			}
			if q.Role == "" && q.RoleOID == 0 {
				q.Role = ctx.User
			}
			return pr.HasPrivilege(q)
		}
		Register(
			fn(name, types(sql.Text, sql.Text), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				return ask(ctx, PrivilegeQuery{Object: a[0].Text(), Privileges: a[1].Text()})
			}),
			fn(name, types(sql.Oid, sql.Text), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				return ask(ctx, PrivilegeQuery{ObjectOID: uint32(a[0].Int()), Privileges: a[1].Text()})
			}),
			fn(name, types(sql.Text, sql.Text, sql.Text), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				return ask(ctx, PrivilegeQuery{Role: a[0].Text(), Object: a[1].Text(), Privileges: a[2].Text()})
			}),
			fn(name, types(sql.Name, sql.Oid, sql.Text), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				return ask(ctx, PrivilegeQuery{Role: a[0].Text(), ObjectOID: uint32(a[1].Int()), Privileges: a[2].Text()})
			}),
			fn(name, types(sql.Oid, sql.Text, sql.Text), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				return ask(ctx, PrivilegeQuery{RoleOID: uint32(a[0].Int()), Object: a[1].Text(), Privileges: a[2].Text()})
			}),
			fn(name, types(sql.Oid, sql.Oid, sql.Text), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				return ask(ctx, PrivilegeQuery{RoleOID: uint32(a[0].Int()), ObjectOID: uint32(a[1].Int()), Privileges: a[2].Text()})
			}),
		)
	}
}
