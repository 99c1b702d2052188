package builtin

import "github.com/eddysql/eddy/sql"

// SearchPathReader is what a session's CatalogReader also answers: its
// search path as PostgreSQL reports it, and which relations an
// unqualified name reaches.
type SearchPathReader interface {
	// CurrentSchemas lists the existing schemas of the search path;
	// implicit adds those searched without being named (the temporary
	// schema, pg_catalog), in the order they are searched.
	CurrentSchemas(implicit bool) []string
	// RelationVisible reports whether the relation's unqualified name
	// resolves to it; known is false for an OID it does not know.
	RelationVisible(oid uint32) (visible, known bool)
}

func searchPathOf(ctx *Context) SearchPathReader {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Catalog.(SearchPathReader)
	return r
}

func init() {
	Register(
		fn("current_schema", nil, sql.Name, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			r := searchPathOf(ctx)
			if r == nil {
				return sql.NewText("public"), nil
			}
			if s := r.CurrentSchemas(false); len(s) > 0 {
				return sql.NewText(s[0]), nil
			}
			return sql.Null, nil
		}),
		fn("current_schemas", types(sql.Bool), sql.ArrayOf(sql.Name), func(ctx *Context, a []sql.Value) (sql.Value, error) {
			names := []string{"public"}
			if a[0].Bool() {
				names = []string{"pg_catalog", "public"}
			}
			if r := searchPathOf(ctx); r != nil {
				names = r.CurrentSchemas(a[0].Bool())
			}
			vals := make([]sql.Value, len(names))
			for i, n := range names {
				vals[i] = sql.NewText(n)
			}
			return sql.NewArray(vals), nil
		}),
		fn("pg_table_is_visible", types(sql.Oid), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if r := searchPathOf(ctx); r != nil {
				if v, ok := r.RelationVisible(uint32(a[0].Int())); ok {
					return sql.NewBool(v), nil
				}
			}
			// System relations (pg_catalog comes first) and OIDs of no
			// relation: PostgreSQL answers NULL for the latter, but
			// catalog queries only ask about rows of pg_class.
			return sql.NewBool(true), nil
		}),
	)
}
