package pgcatalog

import (
	"strconv"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// dataType is information_schema's data_type: the SQL standard's name.
func dataType(t sql.Type) string {
	if t.Elem != nil {
		return "ARRAY"
	}
	switch t.OID {
	case sql.OIDVarchar:
		return "character varying"
	case sql.OIDBpchar:
		return "character"
	case sql.OIDNumeric:
		return "numeric"
	case sql.OIDChar:
		return `"char"`
	}
	return sql.FormatType(sql.Type{OID: t.OID, Mod: -1})
}

// typeNumbers fills the length, precision and scale columns that
// information_schema.columns derives from a type and its modifier.
func typeNumbers(x rec, t sql.Type) {
	switch t.OID {
	case sql.OIDVarchar, sql.OIDBpchar:
		if t.Mod >= 4 {
			x["character_maximum_length"] = int(t.Mod - 4)
			x["character_octet_length"] = int(t.Mod-4) * 4
		} else {
			x["character_octet_length"] = 1073741824
		}
	case sql.OIDText:
		x["character_octet_length"] = 1073741824
	case sql.OIDInt2, sql.OIDInt4, sql.OIDInt8:
		x["numeric_precision"] = map[uint32]int{sql.OIDInt2: 16, sql.OIDInt4: 32, sql.OIDInt8: 64}[t.OID]
		x["numeric_precision_radix"] = 2
		x["numeric_scale"] = 0
	case sql.OIDFloat4, sql.OIDFloat8:
		x["numeric_precision"] = map[uint32]int{sql.OIDFloat4: 24, sql.OIDFloat8: 53}[t.OID]
		x["numeric_precision_radix"] = 2
	case sql.OIDNumeric:
		x["numeric_precision_radix"] = 10
		if t.Mod >= 4 {
			m := t.Mod - 4
			x["numeric_precision"] = int((m >> 16) & 0xffff)
			x["numeric_scale"] = int(m & 0xffff)
		}
	case sql.OIDDate:
		x["datetime_precision"] = 0
	case sql.OIDTime, sql.OIDTimestamp, sql.OIDTimestampTZ, sql.OIDInterval:
		x["datetime_precision"] = 6
	}
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

var constraintTypeNames = map[byte]string{'p': "PRIMARY KEY", 'u': "UNIQUE", 'f': "FOREIGN KEY", 'c': "CHECK"}

func init() {
	const is = "information_schema"
	def(is, "tables", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			typ := ""
			switch relkind(r) {
			case 'r':
				typ = "BASE TABLE"
				if r.IsTemp() {
					typ = "LOCAL TEMPORARY"
				}
			case 'v':
				typ = "VIEW"
			default:
				continue // materialized views and sequences are not SQL-standard tables
			}
			out = append(out, rec{"table_catalog": ctx.Database, "table_schema": r.Schema, "table_name": r.Name,
				"table_type": typ, "is_insertable_into": yesNo(typ != "VIEW"), "is_typed": "NO"})
		}
		return out, nil
	})
	def(is, "columns", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			// PostgreSQL lists tables and views only: a materialized
			// view's columns are in pg_attribute alone.
			switch relkind(r) {
			case 'r', 'v':
			default:
				continue
			}
			for i, c := range r.Columns {
				udt := typeOf(typeOID(c.Type)).Name
				var def any
				if c.Default != "" {
					def = DefaultExpr(c)
				}
				x := rec{"table_catalog": ctx.Database, "table_schema": r.Schema, "table_name": r.Name,
					"column_name": c.Name, "ordinal_position": i + 1, "column_default": def,
					"is_nullable": yesNo(!c.NotNull), "data_type": dataType(c.Type),
					"udt_catalog": ctx.Database, "udt_schema": "pg_catalog", "udt_name": udt,
					"dtd_identifier": strconv.Itoa(i + 1), "is_self_referencing": "NO", "is_identity": "NO",
					"identity_cycle": "NO", "is_generated": "NEVER", "is_updatable": yesNo(relkind(r) == 'r')}
				typeNumbers(x, c.Type)
				if c.Type.Elem == nil && typeOf(typeOID(c.Type)).Collation != 0 {
					x["collation_name"] = nil
				}
				out = append(out, x)
			}
		}
		return out, nil
	})
	def(is, "schemata", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, s := range []string{"information_schema", "pg_catalog", "public"} {
			owner := ctx.User
			if s == "public" {
				owner = "pg_database_owner"
			}
			out = append(out, rec{"catalog_name": ctx.Database, "schema_name": s, "schema_owner": owner})
		}
		if ctx.Cat != nil {
			for _, s := range ctx.Cat.Schemas() {
				owner := ""
				if r := ctx.Cat.RoleByOID(s.Owner); r != nil {
					owner = r.Name
				}
				out = append(out, rec{"catalog_name": ctx.Database, "schema_name": s.Name, "schema_owner": owner})
			}
		}
		return out, nil
	})
	def(is, "views", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			if r.Kind == catalog.KindView {
				out = append(out, rec{"table_catalog": ctx.Database, "table_schema": r.Schema, "table_name": r.Name,
					"view_definition": ViewDef(r), "check_option": "NONE", "is_updatable": "NO",
					"is_insertable_into": "NO", "is_trigger_updatable": "NO", "is_trigger_deletable": "NO",
					"is_trigger_insertable_into": "NO"})
			}
		}
		return out, nil
	})
	def(is, "table_constraints", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, c := range load(ctx.Cat).constraints {
			x := rec{"constraint_catalog": ctx.Database, "constraint_schema": c.Table.Schema, "constraint_name": c.Name,
				"table_catalog": ctx.Database, "table_schema": c.Table.Schema, "table_name": c.Table.Name,
				"constraint_type": constraintTypeNames[c.Type], "is_deferrable": "NO", "initially_deferred": "NO",
				"enforced": "YES"}
			if c.Type == 'p' || c.Type == 'u' {
				x["nulls_distinct"] = "YES"
			}
			out = append(out, x)
		}
		return out, nil
	})
	def(is, "key_column_usage", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, c := range o.constraints {
			if c.Type == 'c' {
				continue
			}
			for i, col := range c.Columns {
				x := rec{"constraint_catalog": ctx.Database, "constraint_schema": c.Table.Schema, "constraint_name": c.Name,
					"table_catalog": ctx.Database, "table_schema": c.Table.Schema, "table_name": c.Table.Name,
					"column_name": colName(c.Table, col), "ordinal_position": i + 1}
				if c.Type == 'f' {
					x["position_in_unique_constraint"] = i + 1
				}
				out = append(out, x)
			}
		}
		return out, nil
	})
	def(is, "referential_constraints", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, c := range o.constraints {
			if c.Type != 'f' {
				continue
			}
			x := rec{"constraint_catalog": ctx.Database, "constraint_schema": c.Table.Schema, "constraint_name": c.Name,
				"match_option": "NONE", "update_rule": "NO ACTION", "delete_rule": deleteRule(c.OnDelete)}
			ix := o.referencedIndex(c.RefTable, c.RefColumns)
			for _, u := range o.constraints {
				if u.IndexOID == ix && ix != 0 && (u.Type == 'p' || u.Type == 'u') {
					x["unique_constraint_catalog"] = ctx.Database
					x["unique_constraint_schema"] = u.Table.Schema
					x["unique_constraint_name"] = u.Name
				}
			}
			out = append(out, x)
		}
		return out, nil
	})
	def(is, "constraint_column_usage", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, c := range o.constraints {
			table, cols := c.Table, c.Columns
			switch c.Type {
			case 'f':
				table, cols = o.rel(c.RefTable), c.RefColumns
			case 'c':
				cols = checkColumns(c.Table, c.Check)
			}
			if table == nil {
				continue
			}
			for _, col := range cols {
				out = append(out, rec{"table_catalog": ctx.Database, "table_schema": table.Schema, "table_name": table.Name,
					"column_name": colName(table, col), "constraint_catalog": ctx.Database,
					"constraint_schema": c.Table.Schema, "constraint_name": c.Name})
			}
		}
		return out, nil
	})
	def(is, "check_constraints", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, c := range load(ctx.Cat).constraints {
			if c.Type == 'c' {
				out = append(out, rec{"constraint_catalog": ctx.Database, "constraint_schema": c.Table.Schema,
					"constraint_name": c.Name, "check_clause": c.Check})
			}
		}
		return out, nil
	})
	def(is, "routines", func(ctx *Context) ([]rec, error) {
		var out []rec
		for i, p := range procs() {
			name := p.Name + "_" + strconv.Itoa(int(synthProcBase)+i)
			typ := "FUNCTION"
			if p.Kind == 'a' {
				typ = "AGGREGATE"
			}
			out = append(out, rec{"specific_catalog": ctx.Database, "specific_schema": "pg_catalog", "specific_name": name,
				"routine_catalog": ctx.Database, "routine_schema": "pg_catalog", "routine_name": p.Name,
				"routine_type": typ, "data_type": dataType(p.Ret), "type_udt_name": typeOf(typeOID(p.Ret)).Name,
				"routine_body": "EXTERNAL", "external_name": p.Name, "external_language": "INTERNAL",
				"parameter_style": "GENERAL", "is_deterministic": yesNo(!p.Volatile), "sql_data_access": "MODIFIES",
				"is_null_call": "YES", "security_type": "INVOKER"})
		}
		return out, nil
	})
	def(is, "sequences", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			if r.Kind == catalog.KindSeq {
				out = append(out, rec{"sequence_catalog": ctx.Database, "sequence_schema": r.Schema, "sequence_name": r.Name,
					"data_type": "bigint", "numeric_precision": 64, "numeric_precision_radix": 2, "numeric_scale": 0,
					"start_value": "1", "minimum_value": "1", "maximum_value": "9223372036854775807",
					"increment": "1", "cycle_option": "NO"})
			}
		}
		return out, nil
	})
	for _, n := range []string{"parameters", "character_sets", "column_privileges",
		"element_types", "enabled_roles", "applicable_roles", "triggers", "domains"} {
		empty(is, n)
	}
}

func deleteRule(s string) string {
	switch refAction(s) {
	case 'c':
		return "CASCADE"
	case 'n':
		return "SET NULL"
	case 'd':
		return "SET DEFAULT"
	case 'r':
		return "RESTRICT"
	}
	return "NO ACTION"
}
