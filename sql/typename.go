package sql

import (
	"strconv"
	"strings"
)

// ParseTypeName parses a PostgreSQL type name: int, int4, integer, bigint, int8, smallint, int2, serial,
// bigserial, real, float4, float8, double precision, float(n), numeric(p,s), decimal, text,
// varchar(n), character varying(n), char(n), character(n), bpchar, name, bool, boolean, bytea, date,
// time, timestamp[(p)] [without time zone], timestamptz, timestamp with time zone, interval, json,
// jsonb, uuid, oid, regclass, regtype, regproc, "char", any of these with [] (arrays), optionally
// schema-qualified with pg_catalog. Unknown names: 42704 `type "foo" does not exist`.
func ParseTypeName(s string) (Type, error) {
	toks, err := lexAll(s, 0, len(s))
	if err != nil {
		return Type{}, err
	}
	tree, err := buildTree(s, toks)
	if err != nil {
		return Type{}, err
	}
	text, next, ok := parseTypeNodes(tree, 0)
	if !ok {
		if len(tree) == 0 {
			return Type{}, endOfInputErr(s, len(s))
		}
		return Type{}, syntaxErrAt(s, tree[0].tok)
	}
	if next < len(tree) {
		return Type{}, syntaxErrAt(s, tree[next].tok)
	}
	t, terr := typeFromText(text)
	if terr != nil {
		return Type{}, terr
	}
	return t, nil
}

// typeFromText maps the normalized text parseTypeNodes produces to a Type.
func typeFromText(text string) (Type, *Error) {
	dims := 0
	for strings.HasSuffix(text, "[]") {
		text = strings.TrimSuffix(text, "[]")
		dims++
	}
	full := text
	text = strings.TrimPrefix(text, "pg_catalog.")
	base, mods := text, []int{}
	suffix := ""
	if k := strings.IndexByte(text, '('); k >= 0 {
		e := strings.IndexByte(text, ')')
		if e < k {
			return Type{}, undefinedType(full)
		}
		for _, m := range strings.Split(text[k+1:e], ",") {
			n, err := strconv.Atoi(m)
			if err != nil {
				return Type{}, undefinedType(full)
			}
			mods = append(mods, n)
		}
		base = text[:k]
		suffix = strings.TrimSpace(text[e+1:])
		if suffix != "" {
			base += " " + suffix
		}
	}
	t, err := baseType(base, mods)
	if err != nil {
		if err.Code == CodeUndefinedObject {
			return Type{}, undefinedType(full)
		}
		return Type{}, err
	}
	if dims > 0 {
		// int[][] is int[]: as in PostgreSQL the number of dimensions is
		// the value's, not the type's (and a multi-dimensional value is an
		// array of arrays of the same type, see ARRAY[[..]]). An array of
		// int[] would send each inner array as a 1-D int[] element in
		// binary and parse its parameters one level too deep.
		t = ArrayOf(t)
	}
	return t, nil
}

func undefinedType(name string) *Error {
	return Errorf(CodeUndefinedObject, "type %q does not exist", name)
}

func baseType(base string, mods []int) (Type, *Error) {
	noMods := func(t Type) (Type, *Error) {
		if len(mods) > 0 {
			return Type{}, Errorf(CodeSyntaxError, "type modifier is not allowed for type %q", base)
		}
		return t, nil
	}
	switch base {
	case "int", "int4", "integer", "serial", "serial4":
		return noMods(Int4)
	case "bigint", "int8", "bigserial", "serial8":
		return noMods(Int8)
	case "smallint", "int2", "smallserial", "serial2":
		return noMods(Int2)
	case "real", "float4":
		return noMods(Float4)
	case "float8", "double precision", "double":
		// Bare double is not PostgreSQL's, but RisingWave and MySQL scripts
		// spell float8 so, and no PostgreSQL type has that name.
		return noMods(Float8)
	case "float":
		if len(mods) == 1 {
			if mods[0] < 1 || mods[0] > 53 {
				return Type{}, Errorf(CodeInvalidParameterValue, "precision for type float must be between 1 and 53 bits")
			}
			if mods[0] <= 24 {
				return Float4, nil
			}
		}
		return Float8, nil
	case "numeric", "decimal", "dec":
		t := Numeric
		switch len(mods) {
		case 0:
		case 1, 2:
			p, s := mods[0], 0
			if len(mods) == 2 {
				s = mods[1]
			}
			if p < 1 || p > 1000 {
				return Type{}, Errorf(CodeInvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
			}
			if s < 0 || s > p {
				return Type{}, Errorf(CodeInvalidParameterValue, "NUMERIC scale %d must be between 0 and precision %d", s, p)
			}
			t.Mod = int32(p<<16|s) + 4
		default:
			return Type{}, Errorf(CodeSyntaxError, "invalid NUMERIC type modifier")
		}
		return t, nil
	case "text":
		return noMods(Text)
	case "varchar", "character varying", "char varying":
		return withLength(Varchar, mods, base)
	case "string":
		// Not PostgreSQL's: RisingWave's name for varchar, which its
		// scripts use; no PostgreSQL type has that name.
		return noMods(Varchar)
	case "char", "character", "bpchar", "nchar":
		t, err := withLength(Type{OID: OIDBpchar, Mod: -1}, mods, base)
		if err == nil && len(mods) == 0 && base != "bpchar" {
			t.Mod = 1 + 4 // char means char(1)
		}
		return t, err
	case "name":
		return noMods(Name)
	case `"char"`:
		return noMods(Type{OID: OIDChar, Mod: -1})
	case "bool", "boolean":
		return noMods(Bool)
	case "bytea":
		return noMods(Bytea)
	case "date":
		return noMods(Date)
	case "time", "time without time zone":
		return withPrecision(Time, mods)
	case "timestamp", "timestamp without time zone":
		return withPrecision(Timestamp, mods)
	case "timestamptz", "timestamp with time zone":
		return withPrecision(TimestampTZ, mods)
	case "interval":
		return withPrecision(Interval, mods)
	case "json":
		return noMods(JSON)
	case "jsonb":
		return noMods(JSONB)
	case "uuid":
		return noMods(UUID)
	case "oid":
		return noMods(Oid)
	case "regclass":
		return noMods(Type{OID: OIDRegclass, Mod: -1})
	case "regtype":
		return noMods(Type{OID: OIDRegtype, Mod: -1})
	case "regproc":
		return noMods(Type{OID: OIDRegproc, Mod: -1})
	case "regnamespace":
		return noMods(Type{OID: OIDRegnamespace, Mod: -1})
	case "regrole":
		return noMods(Type{OID: OIDRegrole, Mod: -1})
	}
	return Type{}, Errorf(CodeUndefinedObject, "type %q does not exist", base)
}

func withLength(t Type, mods []int, base string) (Type, *Error) {
	switch len(mods) {
	case 0:
		return t, nil
	case 1:
		if mods[0] < 1 {
			return Type{}, Errorf(CodeInvalidParameterValue, "length for type %s must be at least 1", base)
		}
		t.Mod = int32(mods[0]) + 4
		return t, nil
	}
	return Type{}, Errorf(CodeSyntaxError, "invalid type modifier")
}

func withPrecision(t Type, mods []int) (Type, *Error) {
	switch len(mods) {
	case 0:
		return t, nil
	case 1:
		if mods[0] < 0 {
			return Type{}, Errorf(CodeInvalidParameterValue, "precision must not be negative")
		}
		p := mods[0]
		if p > 6 {
			p = 6
		}
		t.Mod = int32(p)
		return t, nil
	}
	return Type{}, Errorf(CodeSyntaxError, "invalid type modifier")
}

// isSerialType reports whether a type name declares a serial column.
func isSerialType(text string) bool {
	switch strings.TrimPrefix(text, "pg_catalog.") {
	case "serial", "bigserial", "smallserial", "serial2", "serial4", "serial8":
		return true
	}
	return false
}
