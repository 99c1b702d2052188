package pgcatalog

import (
	"sort"
	"strings"
	"sync"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// proc is a pg_proc row: a built-in function overload or an aggregate.
type proc struct {
	Name     string
	Args     []sql.Type
	Variadic bool
	Ret      sql.Type
	Kind     byte // 'f' or 'a'
	Volatile bool
}

var (
	anyelement = sql.Type{OID: builtin.OIDAnyElement, Mod: -1}
	anyarray   = sql.Type{OID: builtin.OIDAnyArray, Mod: -1}
)

// aggregates are those the planner knows, with PostgreSQL's main signature.
var aggregates = []proc{
	{Name: "count", Ret: sql.Int8},
	{Name: "count", Args: []sql.Type{{OID: builtin.OIDAny, Mod: -1}}, Ret: sql.Int8},
	{Name: "sum", Args: []sql.Type{sql.Int8}, Ret: sql.Numeric},
	{Name: "sum", Args: []sql.Type{sql.Int4}, Ret: sql.Int8},
	{Name: "sum", Args: []sql.Type{sql.Numeric}, Ret: sql.Numeric},
	{Name: "sum", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "avg", Args: []sql.Type{sql.Int8}, Ret: sql.Numeric},
	{Name: "avg", Args: []sql.Type{sql.Numeric}, Ret: sql.Numeric},
	{Name: "avg", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "min", Args: []sql.Type{anyelement}, Ret: anyelement},
	{Name: "max", Args: []sql.Type{anyelement}, Ret: anyelement},
	{Name: "bool_and", Args: []sql.Type{sql.Bool}, Ret: sql.Bool},
	{Name: "bool_or", Args: []sql.Type{sql.Bool}, Ret: sql.Bool},
	{Name: "every", Args: []sql.Type{sql.Bool}, Ret: sql.Bool},
	{Name: "string_agg", Args: []sql.Type{sql.Text, sql.Text}, Ret: sql.Text},
	{Name: "array_agg", Args: []sql.Type{anyelement}, Ret: anyarray},
	{Name: "json_agg", Args: []sql.Type{anyelement}, Ret: sql.JSON},
	{Name: "jsonb_agg", Args: []sql.Type{anyelement}, Ret: sql.JSONB},
	{Name: "json_object_agg", Args: []sql.Type{{OID: builtin.OIDAny, Mod: -1}, {OID: builtin.OIDAny, Mod: -1}}, Ret: sql.JSON},
	{Name: "jsonb_object_agg", Args: []sql.Type{{OID: builtin.OIDAny, Mod: -1}, {OID: builtin.OIDAny, Mod: -1}}, Ret: sql.JSONB},
	{Name: "stddev", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "stddev_samp", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "stddev_pop", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "variance", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "var_samp", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "var_pop", Args: []sql.Type{sql.Float8}, Ret: sql.Float8},
	{Name: "bit_and", Args: []sql.Type{sql.Int8}, Ret: sql.Int8},
	{Name: "bit_or", Args: []sql.Type{sql.Int8}, Ret: sql.Int8},
}

var (
	procOnce sync.Once
	procList []proc
)

// procs lists every pg_proc row in a fixed order (by name, then
// registration order), so that a row's OID, synthProcBase plus its
// position, is the same in every session of a given build.
func procs() []proc {
	procOnce.Do(func() { procList = buildProcs() })
	return procList
}

func buildProcs() []proc {
	names := builtin.Names()
	sort.Strings(names)
	var out []proc
	for _, n := range names {
		if strings.HasPrefix(n, "eddy_") || strings.HasPrefix(n, "_") {
			continue // the dialect layer's internal rewrites, not functions users call
		}
		for _, f := range builtin.Lookup(n) {
			ret := f.Ret
			if f.RetFunc != nil && ret.OID == 0 {
				ret = anyelement
			}
			out = append(out, proc{Name: n, Args: f.Args, Variadic: f.Variadic, Ret: ret, Kind: 'f', Volatile: f.Volatile})
		}
	}
	return append(out, aggregates...)
}

func init() {
	def("pg_catalog", "pg_proc", func(*Context) ([]rec, error) {
		ps := procs()
		out := make([]rec, 0, len(ps))
		for i, p := range ps {
			args := make([]uint32, len(p.Args))
			for j, a := range p.Args {
				args[j] = typeOID(a)
			}
			vol := "i"
			if p.Volatile {
				vol = "v"
			}
			variadic := uint32(0)
			if p.Variadic && len(args) > 0 {
				variadic = args[len(args)-1]
			}
			out = append(out, rec{
				"oid": synthProcBase + uint32(i), "proname": p.Name, "pronamespace": OIDPgCatalog,
				"proowner": oidSuperuser, "prolang": oidLanguageIntern, "procost": float64(1), "prorows": float64(0),
				"provariadic": variadic, "prosupport": "-", "prokind": string(p.Kind), "prosecdef": false,
				"proleakproof": false, "proisstrict": true, "proretset": false, "provolatile": vol,
				"proparallel": "s", "pronargs": len(args), "pronargdefaults": 0, "prorettype": typeOID(p.Ret),
				"proargtypes": args, "prosrc": p.Name,
			})
		}
		return out, nil
	})
}

// FunctionSignature answers pg_get_function_arguments and
// pg_get_function_result for a pg_proc OID.
func FunctionSignature(oid uint32) (args, result string, ok bool) {
	ps := procs()
	if oid < synthProcBase || int(oid-synthProcBase) >= len(ps) {
		return "", "", false
	}
	p := ps[oid-synthProcBase]
	parts := make([]string, len(p.Args))
	for i, a := range p.Args {
		parts[i] = formatTypeName(a)
		if p.Variadic && i == len(p.Args)-1 {
			parts[i] = "VARIADIC " + parts[i] + "[]"
		}
	}
	return strings.Join(parts, ", "), formatTypeName(p.Ret), true
}

func formatTypeName(t sql.Type) string {
	switch t.OID {
	case builtin.OIDAny:
		return `"any"`
	case builtin.OIDAnyElement:
		return "anyelement"
	case builtin.OIDAnyArray:
		return "anyarray"
	}
	return sql.FormatType(t)
}
