package pgcatalog

import (
	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// information_schema's usage views, which lineage tools and BI tools read
// to relate constraints and views to tables: constraint_table_usage (the
// table a key is on, or that a foreign key references) and
// view_table_usage (the tables and views a plain view reads; PostgreSQL
// leaves materialized views out of both sides). view_column_usage is not
// offered: eddy keeps which relations a view reads, not which columns.
func init() {
	const is = "information_schema"
	id := func(names ...string) []Column {
		cols := make([]Column, len(names))
		for i, n := range names {
			cols[i] = Column{n, sql.Name}
		}
		return cols
	}
	pgColumns[is+".constraint_table_usage"] = struct {
		OID     uint32
		Columns []Column
	}{0, id("table_catalog", "table_schema", "table_name", "constraint_catalog", "constraint_schema", "constraint_name")}
	pgColumns[is+".view_table_usage"] = struct {
		OID     uint32
		Columns []Column
	}{0, id("view_catalog", "view_schema", "view_name", "table_catalog", "table_schema", "table_name")}

	def(is, "constraint_table_usage", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, c := range o.constraints {
			if c.Type == 'c' {
				continue // PostgreSQL lists keys only
			}
			table := c.Table
			if c.Type == 'f' {
				table = o.rel(c.RefTable)
			}
			if table == nil || relkind(table) != 'r' {
				continue
			}
			out = append(out, rec{"table_catalog": ctx.Database, "table_schema": table.Schema, "table_name": table.Name,
				"constraint_catalog": ctx.Database, "constraint_schema": c.Table.Schema, "constraint_name": c.Name})
		}
		return out, nil
	})
	def(is, "view_table_usage", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, v := range o.rels {
			if v.Kind != catalog.KindView {
				continue
			}
			for _, d := range o.directDependencies(v) {
				t := o.rel(d)
				if t == nil || (relkind(t) != 'r' && relkind(t) != 'v') {
					continue
				}
				out = append(out, rec{"view_catalog": ctx.Database, "view_schema": v.Schema, "view_name": v.Name,
					"table_catalog": ctx.Database, "table_schema": t.Schema, "table_name": t.Name})
			}
		}
		return out, nil
	})
}
