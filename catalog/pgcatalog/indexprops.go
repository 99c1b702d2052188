package pgcatalog

import (
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// The index property functions answer what PostgreSQL's btree answers,
// since every eddy index (stored, or implied by a key) is a btree over
// ascending keys with NULLs last. psql's \d, pgjdbc's getIndexInfo
// (ASC_OR_DESC) and DBeaver ask them. Like PostgreSQL's, they return NULL
// for an OID that is no index, a column out of range and a property name
// they do not know, and match names without regard to case.

// btreeColumnProps are pg_index_column_has_property's answers for a key
// column of an ascending btree index.
var btreeColumnProps = map[string]bool{
	"asc": true, "desc": false, "nulls_first": false, "nulls_last": true,
	"orderable": true, "distance_orderable": false, "returnable": true,
	"search_array": true, "search_nulls": true,
}

// btreeIndexProps are pg_index_has_property's.
var btreeIndexProps = map[string]bool{
	"clusterable": true, "index_scan": true, "bitmap_scan": true, "backward_scan": true,
}

// btreeAMProps are pg_indexam_has_property's for btree.
var btreeAMProps = map[string]bool{
	"can_order": true, "can_unique": true, "can_multi_col": true, "can_exclude": true, "can_include": true,
}

func prop(props map[string]bool, name string) sql.Value {
	v, ok := props[strings.ToLower(name)]
	if !ok {
		return sql.Null
	}
	return sql.NewBool(v)
}

// isIndex reports whether oid is an index, and col (1-based, 0 to skip
// the check) one of its key columns.
func isIndex(ctx *builtin.Context, oid int64, col int64) bool {
	if ctx.Catalog == nil || oid <= 0 || oid > 1<<32-1 {
		return false
	}
	if _, ok := ctx.Catalog.IndexDef(uint32(oid), 0, false); !ok {
		return false
	}
	if col == 0 {
		return true
	}
	if col < 0 || col > 1<<15 {
		return false
	}
	name, _ := ctx.Catalog.IndexDef(uint32(oid), int(col), false)
	return name != ""
}

func init() {
	builtin.Register(
		&builtin.Func{Name: "pg_index_column_has_property", Args: []sql.Type{sql.Oid, sql.Int4, sql.Text}, Ret: sql.Bool,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				if a[1].Int() == 0 || !isIndex(ctx, a[0].Int(), a[1].Int()) {
					return sql.Null, nil
				}
				return prop(btreeColumnProps, a[2].Text()), nil
			}},
		&builtin.Func{Name: "pg_index_has_property", Args: []sql.Type{sql.Oid, sql.Text}, Ret: sql.Bool,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				if !isIndex(ctx, a[0].Int(), 0) {
					return sql.Null, nil
				}
				return prop(btreeIndexProps, a[1].Text()), nil
			}},
		&builtin.Func{Name: "pg_indexam_has_property", Args: []sql.Type{sql.Oid, sql.Text}, Ret: sql.Bool,
			Eval: func(_ *builtin.Context, a []sql.Value) (sql.Value, error) {
				if a[0].Int() != int64(oidBtree) {
					return sql.Null, nil
				}
				return prop(btreeAMProps, a[1].Text()), nil
			}},
	)
}
