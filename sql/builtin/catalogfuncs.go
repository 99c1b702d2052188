package builtin

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// Functions that psql, drivers and BI tools call on pg_catalog rows. They
// read the catalog through Context.Catalog; without one (in tests, or
// before a session exists) they answer NULL as for an unknown OID.

// Role OIDs as PostgreSQL has them: eddy's one role is the bootstrap
// superuser, and pg_database_owner owns schema public.
const (
	oidSuperuser     = 10
	oidDatabaseOwner = 6171
	oidPublic        = 2200
)

func catalogOf(ctx *Context) CatalogReader {
	if ctx == nil {
		return nil
	}
	return ctx.Catalog
}

func optText(s string, ok bool) (sql.Value, error) {
	if !ok {
		return sql.Null, nil
	}
	return sql.NewText(s), nil
}

func indexDef(ctx *Context, oid int64, col int64, pretty bool) (sql.Value, error) {
	c := catalogOf(ctx)
	if c == nil {
		return sql.Null, nil
	}
	return optText(c.IndexDef(uint32(oid), int(col), pretty))
}

func constraintDef(ctx *Context, oid int64, pretty bool) (sql.Value, error) {
	c := catalogOf(ctx)
	if c == nil {
		return sql.Null, nil
	}
	return optText(c.ConstraintDef(uint32(oid), pretty))
}

func viewDef(ctx *Context, oid int64) (sql.Value, error) {
	c := catalogOf(ctx)
	if c == nil {
		return sql.Null, nil
	}
	return optText(c.ViewDef(uint32(oid)))
}

func viewDefByName(ctx *Context, name string) (sql.Value, error) {
	c := catalogOf(ctx)
	if c == nil {
		return sql.Null, nil
	}
	schema, rel, ok := strings.Cut(name, ".")
	if !ok {
		schema, rel = "", name
	}
	oid, found := c.RelationOID(schema, strings.Trim(rel, `"`))
	if !found {
		return sql.Null, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", name)
	}
	return viewDef(ctx, int64(oid))
}

// serialSequence is pg_get_serial_sequence(table, column): the sequence
// a serial column draws from, schema-qualified and quoted as needed, or
// NULL. eddy names that sequence as PostgreSQL does, <table>_<column>_seq
// in the table's schema, and the catalog reader has no lookup by owner, so
// the function finds it by that name. SQLAlchemy's column reflection calls
// it for every column.
func serialSequence(ctx *Context, table, column string) (sql.Value, error) {
	c := catalogOf(ctx)
	if c == nil {
		return sql.Null, nil
	}
	schema, rel, _ := cutQualified(table)
	oid, found := c.RelationOID(schema, rel)
	if !found {
		return sql.Null, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", table)
	}
	schema, rel, _ = c.RelationName(oid)
	seq := rel + "_" + column + "_seq"
	if _, found := c.RelationOID(schema, seq); !found {
		return sql.Null, nil
	}
	return sql.NewText(quoteIdent(schema) + "." + quoteIdent(seq)), nil
}

// cutQualified splits a possibly schema-qualified relation name the way
// PostgreSQL reads a regclass literal: unquoted parts fold to lower case,
// quoted ones keep their case. Without a schema it reports ok false and the
// one (unquoted) name as rel.
func cutQualified(name string) (schema, rel string, ok bool) {
	var parts []string
	for rest := strings.TrimSpace(name); ; {
		var part string
		if strings.HasPrefix(rest, `"`) {
			end := 1
			var b strings.Builder
			for end < len(rest) {
				if rest[end] == '"' {
					if end+1 < len(rest) && rest[end+1] == '"' {
						b.WriteByte('"')
						end += 2
						continue
					}
					break
				}
				b.WriteByte(rest[end])
				end++
			}
			part, rest = b.String(), rest[min(end+1, len(rest)):]
		} else {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				i = len(rest)
			}
			part, rest = strings.ToLower(rest[:i]), rest[i:]
		}
		parts = append(parts, part)
		if !strings.HasPrefix(rest, ".") {
			break
		}
		rest = rest[1:]
	}
	switch len(parts) {
	case 1:
		return "", parts[0], false
	default:
		return parts[len(parts)-2], parts[len(parts)-1], true
	}
}

// description is obj_description: eddy keeps comments on relations and
// columns; the one other commented object is PostgreSQL's own on public.
func description(ctx *Context, oid int64, catalog string) (sql.Value, error) {
	switch catalog {
	case "pg_namespace":
		if oid == oidPublic {
			return sql.NewText("standard public schema"), nil
		}
		return sql.Null, nil
	case "pg_class", "":
		if c := catalogOf(ctx); c != nil {
			return optText(c.Description(uint32(oid), 0))
		}
	}
	return sql.Null, nil
}

func relationSize(indexes, table bool) func(ctx *Context, a []sql.Value) (sql.Value, error) {
	return func(ctx *Context, a []sql.Value) (sql.Value, error) {
		c := catalogOf(ctx)
		if c == nil {
			return sql.Null, nil
		}
		oid := uint32(a[0].Int())
		var total int64
		found := false
		if table {
			n, ok := c.RelationSize(oid, false)
			total, found = total+n, found || ok
		}
		if indexes {
			n, ok := c.RelationSize(oid, true)
			total, found = total+n, found || ok
		}
		if !found {
			return sql.Null, nil
		}
		return sql.NewInt(total), nil
	}
}

// sizePretty is pg_size_pretty: PostgreSQL 15's units, each used while
// the value stays below 10240 of it, rounded half away from zero.
func sizePretty(size int64) string {
	const limit = 10 * 1024
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	if abs(size) < limit {
		return fmt.Sprintf("%d bytes", size)
	}
	half := func(x int64) int64 {
		if x < 0 {
			return (x - 1) / 2
		}
		return (x + 1) / 2
	}
	size >>= 9 // keep one bit for rounding
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(size) < limit*2-1 {
			return fmt.Sprintf("%d %s", half(size), unit)
		}
		size >>= 10
	}
	return fmt.Sprintf("%d PB", half(size))
}

func init() {
	Register(
		fn("pg_get_userbyid", types(sql.Oid), sql.Name, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			switch a[0].Int() {
			case oidSuperuser:
				return userName(ctx), nil
			case oidDatabaseOwner:
				return sql.NewText("pg_database_owner"), nil
			}
			// Relations owned by other roles name them in relowner.
			if rn, ok := catalogOf(ctx).(interface{ RoleName(uint32) (string, bool) }); ok {
				if name, ok := rn.RoleName(uint32(a[0].Int())); ok {
					return sql.NewText(name), nil
				}
			}
			return sql.NewText(fmt.Sprintf("unknown (OID=%d)", a[0].Int())), nil
		}),
		fn("pg_encoding_to_char", types(sql.Int4), sql.Name, func(_ *Context, a []sql.Value) (sql.Value, error) {
			if a[0].Int() == 6 {
				return sql.NewText("UTF8"), nil
			}
			return sql.NewText(""), nil
		}),
		// pg_get_expr's first argument is a pg_node_tree; eddy stores
		// expressions (defaults, CHECKs) as SQL text, which is also what the
		// function returns.
		fn("pg_get_expr", types(sql.Text, sql.Oid), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return a[0], nil
		}),
		fn("pg_get_expr", types(sql.Text, sql.Oid, sql.Bool), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return a[0], nil
		}),
		// The dialect layer currently binds TRUE and FALSE as integers
		// (MySQL's grammar), so the pretty flag psql passes arrives as 1;
		// these overloads keep psql working until literals are boolean.
		fn("pg_get_expr", types(sql.Text, sql.Oid, sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return a[0], nil
		}),
		fn("pg_get_indexdef", types(sql.Oid, sql.Int4, sql.Int4), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return indexDef(ctx, a[0].Int(), a[1].Int(), a[2].Int() != 0)
		}),
		fn("pg_get_constraintdef", types(sql.Oid, sql.Int4), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return constraintDef(ctx, a[0].Int(), a[1].Int() != 0)
		}),
		fn("pg_get_viewdef", types(sql.Oid, sql.Int4), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return viewDef(ctx, a[0].Int())
		}),
		fn("pg_get_indexdef", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return indexDef(ctx, a[0].Int(), 0, false)
		}),
		fn("pg_get_indexdef", types(sql.Oid, sql.Int4, sql.Bool), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return indexDef(ctx, a[0].Int(), a[1].Int(), a[2].Bool())
		}),
		fn("pg_get_constraintdef", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return constraintDef(ctx, a[0].Int(), false)
		}),
		fn("pg_get_constraintdef", types(sql.Oid, sql.Bool), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return constraintDef(ctx, a[0].Int(), a[1].Bool())
		}),
		fn("pg_get_viewdef", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return viewDef(ctx, a[0].Int())
		}),
		fn("pg_get_viewdef", types(sql.Oid, sql.Bool), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return viewDef(ctx, a[0].Int())
		}),
		fn("pg_get_viewdef", types(sql.Text), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return viewDefByName(ctx, a[0].Text())
		}),
		fn("pg_get_viewdef", types(sql.Text, sql.Bool), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return viewDefByName(ctx, a[0].Text())
		}),
		fn("pg_get_serial_sequence", types(sql.Text, sql.Text), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return serialSequence(ctx, a[0].Text(), a[1].Text())
		}),
		fn("obj_description", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return description(ctx, a[0].Int(), "")
		}),
		fn("obj_description", types(sql.Oid, sql.Name), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return description(ctx, a[0].Int(), a[1].Text())
		}),
		fn("col_description", types(sql.Oid, sql.Int4), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if c := catalogOf(ctx); c != nil {
				return optText(c.Description(uint32(a[0].Int()), int(a[1].Int())))
			}
			return sql.Null, nil
		}),
		// Shared objects (databases, roles, tablespaces) carry no comments in eddy.
		fn("shobj_description", types(sql.Oid, sql.Name), sql.Text, nullFn),
		fn("pg_get_function_arguments", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if c := catalogOf(ctx); c != nil {
				args, _, ok := c.FunctionSignature(uint32(a[0].Int()))
				return optText(args, ok)
			}
			return sql.Null, nil
		}),
		fn("pg_get_function_identity_arguments", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if c := catalogOf(ctx); c != nil {
				args, _, ok := c.FunctionSignature(uint32(a[0].Int()))
				return optText(args, ok)
			}
			return sql.Null, nil
		}),
		fn("pg_get_function_result", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if c := catalogOf(ctx); c != nil {
				_, res, ok := c.FunctionSignature(uint32(a[0].Int()))
				return optText(res, ok)
			}
			return sql.Null, nil
		}),
		// Built-in functions have no SQL body or definition to show.
		fn("pg_get_function_sqlbody", types(sql.Oid), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if c := catalogOf(ctx); c != nil {
				return optText(c.FunctionSQLBody(uint32(a[0].Int())))
			}
			return sql.Null, nil
		}),
		fn("pg_get_functiondef", types(sql.Oid), sql.Text, nullFn),
		// eddy has no partitioning, extended statistics or triggers; the
		// rules of views are catalog/pgcatalog's (pg_get_ruledef).
		fn("pg_get_partkeydef", types(sql.Oid), sql.Text, nullFn),
		fn("pg_get_statisticsobjdef_columns", types(sql.Oid), sql.Text, nullFn),
		fn("pg_get_triggerdef", types(sql.Oid), sql.Text, nullFn),
		fn("pg_get_triggerdef", types(sql.Oid, sql.Bool), sql.Text, nullFn),
		fn("pg_get_triggerdef", types(sql.Oid, sql.Int4), sql.Text, nullFn),
		fn("pg_relation_is_publishable", types(sql.Oid), sql.Bool, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			c := catalogOf(ctx)
			if c == nil {
				return sql.NewBool(false), nil
			}
			_, _, ok := c.RelationName(uint32(a[0].Int()))
			return sql.NewBool(ok), nil
		}),
		// PostgreSQL's pg_partition_ancestors lists a relation and the
		// partitioned tables above it; eddy has no partitioning, so the set
		// is the relation alone, which a scalar call returns as its one row.
		fn("pg_partition_ancestors", types(sql.Type{OID: sql.OIDRegclass, Mod: -1}), sql.Type{OID: sql.OIDRegclass, Mod: -1},
			func(_ *Context, a []sql.Value) (sql.Value, error) { return a[0], nil }),
		fn("pg_tablespace_location", types(sql.Oid), sql.Text, func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewText(""), nil
		}),
		// eddy has no temporary schemas.
		fn("pg_is_other_temp_schema", types(sql.Oid), sql.Bool, func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewBool(false), nil
		}),
		fn("pg_my_temp_schema", nil, sql.Oid, func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewInt(0), nil
		}),
		fn("pg_size_pretty", types(sql.Int8), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(sizePretty(a[0].Int())), nil
		}),
		fn("pg_relation_size", types(sql.Oid), sql.Int8, relationSize(false, true)),
		fn("pg_relation_size", types(sql.Oid, sql.Text), sql.Int8, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			if a[1].Text() != "main" {
				return sql.NewInt(0), nil // no free-space map, visibility map or init fork
			}
			return relationSize(false, true)(ctx, a)
		}),
		fn("pg_table_size", types(sql.Oid), sql.Int8, relationSize(false, true)),
		fn("pg_indexes_size", types(sql.Oid), sql.Int8, relationSize(true, false)),
		fn("pg_total_relation_size", types(sql.Oid), sql.Int8, relationSize(true, true)),
		fn("pg_database_size", types(sql.Name), sql.Int8, databaseSize),
		fn("pg_database_size", types(sql.Oid), sql.Int8, databaseSize),
	)
}

// databaseSize answers for the one database eddy serves, whatever its
// name or OID: the store's size on disk.
func databaseSize(ctx *Context, _ []sql.Value) (sql.Value, error) {
	c := catalogOf(ctx)
	if c == nil {
		return sql.Null, nil
	}
	return sql.NewInt(c.DatabaseSize()), nil
}
