package pgcatalog

import (
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// ruleDef is pg_get_ruledef of a view's _RETURN rule (pg_rewrite): the
// CREATE RULE that PostgreSQL prints, around the view's query. DBeaver
// shows it for views. Pretty printing leaves out the schema of a view the
// search path finds.
func ruleDef(ctx *builtin.Context, oid int64, pretty bool) (sql.Value, error) {
	if ctx.Catalog == nil || oid < 0 || oid > 1<<32-1 || uint32(oid)&0xf0000000 != synthRuleBase {
		return sql.Null, nil
	}
	view := uint32(oid) &^ synthRuleBase
	schema, name, ok := ctx.Catalog.RelationName(view)
	if !ok {
		return sql.Null, nil
	}
	def, ok := ctx.Catalog.ViewDef(view)
	if !ok {
		return sql.Null, nil
	}
	target := quoteIdent(name)
	if !pretty || schema != "public" {
		target = quoteIdent(schema) + "." + target
	}
	return sql.NewText("CREATE RULE \"_RETURN\" AS\n    ON SELECT TO " + target + " DO INSTEAD " + def), nil
}

func init() {
	builtin.Register(
		&builtin.Func{Name: "pg_get_ruledef", Args: []sql.Type{sql.Oid}, Ret: sql.Text,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) { return ruleDef(ctx, a[0].Int(), false) }},
		&builtin.Func{Name: "pg_get_ruledef", Args: []sql.Type{sql.Oid, sql.Bool}, Ret: sql.Text,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				return ruleDef(ctx, a[0].Int(), a[1].Bool())
			}},
		// psql passes the pretty flag as an integer literal where the
		// dialect layer makes true one (see pg_get_expr in sql/builtin).
		&builtin.Func{Name: "pg_get_ruledef", Args: []sql.Type{sql.Oid, sql.Int4}, Ret: sql.Text,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				return ruleDef(ctx, a[0].Int(), a[1].Int() != 0)
			}},
		// DBeaver reads index usage with the index list; eddy does not
		// count scans, as a server whose statistics were reset.
		&builtin.Func{Name: "pg_stat_get_numscans", Args: []sql.Type{sql.Oid}, Ret: sql.Int8,
			Eval: func(*builtin.Context, []sql.Value) (sql.Value, error) { return sql.NewInt(0), nil }},
	)
}
