package pgcatalog

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// Types that system relations use and sql has no ready-made value for.
var (
	typChar    = sql.Type{OID: sql.OIDChar, Mod: -1}
	typRegtype = sql.Type{OID: sql.OIDRegtype, Mod: -1}
	// int2vector and oidvector are arrays to eddy, so that clients can
	// subscript them (indkey[0], indoption[n]) and use = ANY, as they do
	// against PostgreSQL; only their text rendering ({1,2} for "1 2")
	// differs.
	typInt2Vector = sql.Type{OID: sql.OIDInt2Vector, Mod: -1, Elem: &sql.Int2}
	typOidVector  = sql.Type{OID: sql.OIDOidVector, Mod: -1, Elem: &sql.Oid}
	typRegproc    = sql.Type{OID: sql.OIDRegproc, Mod: -1}
	// yes_or_no is information_schema's varchar(3) domain.
	typYesOrNo = sql.Type{OID: sql.OIDVarchar, Mod: 3 + 4}
)

// rec is one row by column name. Values are Go values (string, bool, the
// integer types, []string, []int16, []uint32, nil) or sql.Values; columns a
// rec leaves out get the column's zero value, see zeroValue.
type rec map[string]any

// def registers a relation whose columns come from pgColumns (PostgreSQL's
// own), so that the column list cannot drift from PostgreSQL 15's.
func def(schema, name string, rows func(ctx *Context) ([]rec, error)) {
	key := schema + "." + name
	pc, ok := pgColumns[key]
	if !ok {
		panic("pgcatalog: no PostgreSQL columns for " + key)
	}
	cols := pc.Columns
	t := &Table{Schema: schema, Name: name, OID: pc.OID, Columns: cols}
	t.Rows = func(ctx *Context) ([]sql.Row, error) {
		if rows == nil {
			return nil, nil
		}
		recs, err := rows(ctx)
		if err != nil {
			return nil, err
		}
		return toRows(key, cols, schema == "information_schema", recs), nil
	}
	register(t)
}

// empty registers a relation that eddy has no objects for: clients still
// query it, and must find it with the right columns.
func empty(schema, name string) { def(schema, name, nil) }

func toRows(key string, cols []Column, nullDefault bool, recs []rec) []sql.Row {
	idx := make(map[string]int, len(cols))
	for i, c := range cols {
		idx[c.Name] = i
	}
	out := make([]sql.Row, 0, len(recs))
	for _, r := range recs {
		row := make(sql.Row, len(cols))
		for i, c := range cols {
			if nullDefault {
				row[i] = sql.Null
			} else {
				row[i] = zeroValue(c.Type)
			}
		}
		for name, v := range r {
			i, ok := idx[name]
			if !ok {
				// A misspelt column would silently stay at its zero value.
				panic(fmt.Sprintf("pgcatalog: %s has no column %s", key, name))
			}
			row[i] = value(v)
		}
		out = append(out, row)
	}
	return out
}

// zeroValue fills what a relation's rows leave out: false and 0 where
// PostgreSQL's column is NOT NULL and those are its usual values, NULL for
// the nullable text, array and expression columns.
func zeroValue(t sql.Type) sql.Value {
	if t.IsArray() {
		return sql.Null
	}
	switch t.Kind() {
	case sql.KindBool:
		return sql.NewBool(false)
	case sql.KindInt:
		return sql.NewInt(0)
	case sql.KindFloat:
		return sql.NewFloat(0)
	}
	return sql.Null
}

func value(v any) sql.Value {
	switch x := v.(type) {
	case nil:
		return sql.Null
	case sql.Value:
		return x
	case string:
		return sql.NewText(x)
	case byte:
		return sql.NewText(string(rune(x)))
	case bool:
		return sql.NewBool(x)
	case int:
		return sql.NewInt(int64(x))
	case int16:
		return sql.NewInt(int64(x))
	case int32:
		return sql.NewInt(int64(x))
	case int64:
		return sql.NewInt(x)
	case uint32:
		return sql.NewInt(int64(x))
	case float64:
		return sql.NewFloat(x)
	case []string:
		vs := make([]sql.Value, len(x))
		for i, s := range x {
			vs[i] = sql.NewText(s)
		}
		return sql.NewArray(vs)
	case []int16:
		vs := make([]sql.Value, len(x))
		for i, n := range x {
			vs[i] = sql.NewInt(int64(n))
		}
		return sql.NewArray(vs)
	case []uint32:
		vs := make([]sql.Value, len(x))
		for i, n := range x {
			vs[i] = sql.NewInt(int64(n))
		}
		return sql.NewArray(vs)
	}
	panic(fmt.Sprintf("pgcatalog: unsupported value %T", v))
}

// quoteIdent quotes an identifier as PostgreSQL's quote_ident does.
func quoteIdent(s string) string {
	if s == "" {
		return `""`
	}
	ok := s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
	}
	if ok && !reserved[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reserved are the keywords that quote_ident quotes (PostgreSQL's reserved
// and type/function-name keywords that commonly appear as column names).
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check
		collate column constraint create current_catalog current_date current_role current_time
		current_timestamp current_user default deferrable desc distinct do else end except false fetch
		for foreign from grant group having in initially intersect into lateral leading limit localtime
		localtimestamp not null offset on only or order placing primary references returning select
		session_user some symmetric table then to trailing true union unique user using variadic when
		where window with authorization binary collation concurrently cross current_schema freeze full
		ilike inner is isnull join left like natural notnull outer overlaps right similar tablesample
		verbose between bigint bit boolean char character coalesce dec decimal exists extract float
		greatest grouping inout int integer interval least national nchar none normalize nullif numeric
		out overlay position precision real row setof smallint substring time timestamp treat trim
		values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse
		xmlpi xmlroot xmlserialize xmltable`) {
		reserved[w] = true
	}
}
