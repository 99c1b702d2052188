package exec

import (
	"context"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/catalog/pgcatalog"
	"github.com/eddysql/eddy/sql"
)

// The reg* types hold OIDs but read and print as names ('t'::regclass,
// c.oid::regclass). Values stay OIDs inside eddy; the names appear when they
// are cast to or from text and when they are sent to the client.

func isRegType(oid uint32) bool {
	switch oid {
	case sql.OIDRegclass, sql.OIDRegtype, sql.OIDRegnamespace, sql.OIDRegproc:
		return true
	}
	return false
}

// regName prints an OID as its reg* type does; an OID with no object prints
// as a number, and 0 as '-', as PostgreSQL does.
func (s *Session) regName(oid int64, t uint32) string {
	if oid == 0 {
		return "-"
	}
	switch t {
	case sql.OIDRegclass:
		if r := s.e.cat.ByOID(uint32(oid)); r != nil {
			// Qualified when not visible through the search path, as in
			// PostgreSQL.
			if r.Schema != "public" && r.Schema != "" {
				return quoteIdentIfNeeded(r.Schema) + "." + quoteIdentIfNeeded(r.Name)
			}
			return quoteIdentIfNeeded(r.Name)
		}
		if _, name, ok := pgcatalog.ImpliedIndex(s.e.cat, uint32(oid)); ok {
			return quoteIdentIfNeeded(name)
		}
		for _, st := range pgcatalog.Tables() {
			if st.OID == uint32(oid) {
				return st.Name
			}
		}
	case sql.OIDRegtype:
		// TypeByOID gives an array OID its element type, so that
		// pg_typeof(ARRAY[1]) prints integer[] as PostgreSQL does.
		name := sql.FormatType(sql.TypeByOID(uint32(oid)))
		if !strings.HasPrefix(name, "type ") {
			return name
		}
	case sql.OIDRegproc:
		if name, ok := pgcatalog.ProcName(s.e.cat, uint32(oid)); ok {
			return quoteIdentIfNeeded(name)
		}
	case sql.OIDRegnamespace:
		switch uint32(oid) {
		case pgcatalog.OIDPgCatalog:
			return "pg_catalog"
		case pgcatalog.OIDPublic:
			return "public"
		case pgcatalog.OIDInformationSchema:
			return "information_schema"
		}
		for _, sc := range s.e.cat.Schemas() {
			if int64(sc.OID) == oid {
				return quoteIdentIfNeeded(sc.Name)
			}
		}
	}
	return strconv.FormatInt(oid, 10)
}

// regOID reads a name as a reg* type does.
func (s *Session) regOID(name string, t uint32) (sql.Value, error) {
	name = strings.TrimSpace(name)
	if n, err := strconv.ParseInt(name, 10, 64); err == nil {
		return sql.NewInt(n), nil
	}
	switch t {
	case sql.OIDRegclass:
		schema, rel := "", name
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			schema, rel = name[:i], name[i+1:]
		}
		schema, rel = unquoteIdent(schema), unquoteIdent(rel)
		if r := s.lookupRel(sql.ObjectName{Schema: schema, Name: rel}); r != nil {
			return sql.NewInt(int64(r.OID)), nil
		}
		if oid, ok := pgcatalog.ImpliedIndexOID(s.e.cat, schema, rel); ok {
			return sql.NewInt(int64(oid)), nil
		}
		if st := pgcatalog.Lookup(schema, rel); st != nil && st.OID != 0 {
			return sql.NewInt(int64(st.OID)), nil
		}
		return sql.Null, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", name)
	case sql.OIDRegtype:
		typ, err := sql.ParseTypeName(name)
		if err != nil {
			return sql.Null, err
		}
		return sql.NewInt(int64(typ.OID)), nil
	case sql.OIDRegproc:
		schema, fn := "", name
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			schema, fn = unquoteIdent(name[:i])+".", name[i+1:]
		}
		oid, found := pgcatalog.ProcOID(s.e.cat, schema+unquoteIdent(fn))
		switch {
		case found == 1:
			return sql.NewInt(int64(oid)), nil
		case found > 1:
			return sql.Null, sql.Errorf("42725", "more than one function named %q", name)
		}
		return sql.Null, sql.Errorf(sql.CodeUndefinedFunction, "function %q does not exist", name)
	case sql.OIDRegnamespace:
		switch unquoteIdent(name) {
		case "pg_catalog":
			return sql.NewInt(int64(pgcatalog.OIDPgCatalog)), nil
		case "public":
			return sql.NewInt(int64(pgcatalog.OIDPublic)), nil
		case "information_schema":
			return sql.NewInt(int64(pgcatalog.OIDInformationSchema)), nil
		}
		if sc := s.e.cat.SchemaNamed(unquoteIdent(name)); sc != nil {
			return sql.NewInt(int64(sc.OID)), nil
		}
		return sql.Null, sql.Errorf(sql.CodeUndefinedSchema, "schema %q does not exist", name)
	}
	return sql.Null, sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid input syntax for type oid: %q", name)
}

func unquoteIdent(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

func quoteIdentIfNeeded(s string) string {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

// regNamesOp replaces reg*-typed output columns with their names for the
// client (the column keeps its type; its text is the name).
type regNamesOp struct {
	in    Operator
	s     *Session
	cols  []int
	types []uint32
	b     Batch
}

func (r *regNamesOp) Next(ctx context.Context) (*Batch, error) {
	b, err := r.in.Next(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	r.b.reset()
	for i, row := range b.Rows {
		out := append(sql.Row(nil), row...)
		for j, c := range r.cols {
			if !out[c].IsNull() {
				out[c] = sql.NewText(r.s.regName(out[c].Int(), r.types[j]))
			}
		}
		r.b.Add(out, b.Diffs[i])
	}
	return &r.b, nil
}
