package pgcatalog

import (
	"sort"
	"strings"
	"sync"

	"github.com/eddysql/eddy/catalog"
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
	{Name: "bit_xor", Args: []sql.Type{sql.Int8}, Ret: sql.Int8},
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
	def("pg_catalog", "pg_proc", func(ctx *Context) ([]rec, error) {
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
		out = append(out, ioProcRecs()...)
		if ctx != nil && ctx.Cat != nil {
			for _, f := range ctx.Cat.Functions() {
				out = append(out, userProc(ctx.Cat, f))
			}
		}
		return out, nil
	})
}

// userProc is the pg_proc row of a CREATE FUNCTION ... LANGUAGE sql.
func userProc(cat *catalog.Catalog, f *catalog.Function) rec {
	args := make([]uint32, len(f.Args))
	for j, a := range f.Args {
		args[j] = typeOID(a)
	}
	owner := uint32(oidSuperuser)
	if o := cat.Role(f.Owner); o != nil {
		owner = o.OID
	}
	r := rec{
		"oid": f.OID, "proname": f.Name, "pronamespace": OIDPublic,
		"proowner": owner, "prolang": oidLanguageSQL, "procost": float64(100), "prorows": float64(0),
		"provariadic": uint32(0), "prosupport": "-", "prokind": "f", "prosecdef": false,
		"proleakproof": false, "proisstrict": f.Strict, "proretset": f.SetOf, "provolatile": string(f.Volatility),
		"proparallel": "u", "pronargs": len(args), "pronargdefaults": 0, "prorettype": typeOID(f.Returns),
		"proargtypes": args, "prosrc": f.Src,
	}
	if f.SetOf {
		r["prorows"] = float64(1000)
	}
	named := false
	for _, n := range f.ArgNames {
		named = named || n != ""
	}
	if named || len(f.Table) > 0 {
		names := append([]string(nil), f.ArgNames...)
		for _, c := range f.Table {
			names = append(names, c.Name)
		}
		r["proargnames"] = names
	}
	if len(f.Table) > 0 {
		all := append([]uint32(nil), args...)
		modes := make([]string, 0, len(all)+len(f.Table))
		for range args {
			modes = append(modes, "i")
		}
		for _, c := range f.Table {
			all = append(all, typeOID(c.Type))
			modes = append(modes, "t")
		}
		r["proallargtypes"], r["proargmodes"] = all, modes
	}
	if body, ok := sqlBody(f); ok {
		r["prosqlbody"] = body
	}
	return r
}

// FunctionSQLBody answers pg_get_function_sqlbody.
func FunctionSQLBody(cat *catalog.Catalog, oid uint32) (string, bool) {
	if f := cat.FunctionByOID(oid); f != nil {
		return sqlBody(f)
	}
	return "", false
}

// sqlBody is a function's SQL-standard body (RETURN expr, BEGIN ATOMIC
// ... END) as the user wrote it, where PostgreSQL prints its deparsed form;
// functions defined by an AS string have none.
func sqlBody(f *catalog.Function) (string, bool) {
	switch {
	case f.Src != "":
		return "", false
	case f.SQLBody != "":
		return f.SQLBody, true
	}
	return f.Body, true // stored before SQLBody existed
}

// UserFunctionSignature answers pg_get_function_arguments and
// pg_get_function_result for a user-defined function.
func UserFunctionSignature(cat *catalog.Catalog, oid uint32) (args, result string, ok bool) {
	f := cat.FunctionByOID(oid)
	if f == nil {
		return "", "", false
	}
	parts := make([]string, len(f.Args))
	for i, a := range f.Args {
		parts[i] = formatTypeName(a)
		if f.ArgNames[i] != "" {
			parts[i] = quoteIdent(f.ArgNames[i]) + " " + parts[i]
		}
	}
	result = formatTypeName(f.Returns)
	switch {
	case len(f.Table) > 0:
		cols := make([]string, len(f.Table))
		for i, c := range f.Table {
			cols[i] = quoteIdent(c.Name) + " " + formatTypeName(c.Type)
		}
		result = "TABLE(" + strings.Join(cols, ", ") + ")"
	case f.SetOf:
		result = "SETOF " + result
	}
	return strings.Join(parts, ", "), result, true
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
