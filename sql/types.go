package sql

import "fmt"

// Kind is the physical representation of a Value. Several PostgreSQL types share
// one Kind (int2, int4, int8 and oid are all KindInt); the Type says which.
type Kind uint8

const (
	KindNull Kind = iota
	KindBool
	KindInt         // int2, int4, int8, oid and the reg* types: Value.Int()
	KindFloat       // float4, float8: Value.Float()
	KindNumeric     // numeric: Value.Numeric()
	KindText        // text, varchar, bpchar, name, "char", uuid: Value.Text()
	KindBytes       // bytea: Value.Bytes() (kept in the string field)
	KindDate        // date: days since 1970-01-01, Value.Int()
	KindTime        // time: microseconds since midnight, Value.Int()
	KindTimestamp   // timestamp without time zone: microseconds since 1970-01-01 00:00, Value.Int()
	KindTimestampTZ // timestamptz: microseconds since 1970-01-01 00:00 UTC, Value.Int()
	KindInterval    // interval: Value.Interval()
	KindJSON        // json and jsonb: normalized JSON text, Value.Text()
	KindArray       // arrays: Value.Array()
)

// OIDs of the PostgreSQL types eddy knows, as pg_type has them.
const (
	OIDBool         uint32 = 16
	OIDBytea        uint32 = 17
	OIDChar         uint32 = 18
	OIDName         uint32 = 19
	OIDInt8         uint32 = 20
	OIDInt2         uint32 = 21
	OIDInt2Vector   uint32 = 22
	OIDInt4         uint32 = 23
	OIDRegproc      uint32 = 24
	OIDText         uint32 = 25
	OIDOid          uint32 = 26
	OIDOidVector    uint32 = 30
	OIDJSON         uint32 = 114
	OIDFloat4       uint32 = 700
	OIDFloat8       uint32 = 701
	OIDUnknown      uint32 = 705
	OIDBoolArray    uint32 = 1000
	OIDInt2Array    uint32 = 1005
	OIDInt4Array    uint32 = 1007
	OIDTextArray    uint32 = 1009
	OIDVarcharArray uint32 = 1015
	OIDInt8Array    uint32 = 1016
	OIDFloat4Array  uint32 = 1021
	OIDFloat8Array  uint32 = 1022
	OIDNameArray    uint32 = 1003
	OIDOidArray     uint32 = 1028
	OIDBpchar       uint32 = 1042
	OIDVarchar      uint32 = 1043
	OIDDate         uint32 = 1082
	OIDTime         uint32 = 1083
	OIDTimestamp    uint32 = 1114
	OIDTimestampTZ  uint32 = 1184
	OIDInterval     uint32 = 1186
	OIDNumeric      uint32 = 1700
	OIDRegclass     uint32 = 2205
	OIDRegtype      uint32 = 2206
	OIDRegnamespace uint32 = 4089
	OIDRegrole      uint32 = 4096
	OIDUUID         uint32 = 2950
	OIDRecord       uint32 = 2249
	OIDVoid         uint32 = 2278
	OIDJSONB        uint32 = 3802
)

// Type is a SQL type: a PostgreSQL type OID plus its modifier (varchar length,
// numeric precision and scale, as atttypmod encodes them; -1 for none).
// Array types carry their element type in Elem.
type Type struct {
	OID  uint32
	Mod  int32
	Elem *Type
}

// Common types, ready to use.
var (
	Unknown     = Type{OID: OIDUnknown, Mod: -1}
	Bool        = Type{OID: OIDBool, Mod: -1}
	Int2        = Type{OID: OIDInt2, Mod: -1}
	Int4        = Type{OID: OIDInt4, Mod: -1}
	Int8        = Type{OID: OIDInt8, Mod: -1}
	Float4      = Type{OID: OIDFloat4, Mod: -1}
	Float8      = Type{OID: OIDFloat8, Mod: -1}
	Numeric     = Type{OID: OIDNumeric, Mod: -1}
	Text        = Type{OID: OIDText, Mod: -1}
	Varchar     = Type{OID: OIDVarchar, Mod: -1}
	Name        = Type{OID: OIDName, Mod: -1}
	Bytea       = Type{OID: OIDBytea, Mod: -1}
	Date        = Type{OID: OIDDate, Mod: -1}
	Time        = Type{OID: OIDTime, Mod: -1}
	Timestamp   = Type{OID: OIDTimestamp, Mod: -1}
	TimestampTZ = Type{OID: OIDTimestampTZ, Mod: -1}
	Interval    = Type{OID: OIDInterval, Mod: -1}
	JSON        = Type{OID: OIDJSON, Mod: -1}
	JSONB       = Type{OID: OIDJSONB, Mod: -1}
	Oid         = Type{OID: OIDOid, Mod: -1}
	UUID        = Type{OID: OIDUUID, Mod: -1}
	// Record is an anonymous row value, ROW(a, b); its fields are an array.
	Record = Type{OID: OIDRecord, Mod: -1}
	// Void is what functions called for their effect return (pg_sleep).
	Void = Type{OID: OIDVoid, Mod: -1}
)

// ArrayOf returns the array type whose elements are t.
func ArrayOf(t Type) Type {
	e := t
	return Type{OID: arrayOID(t.OID), Mod: -1, Elem: &e}
}

func arrayOID(elem uint32) uint32 {
	switch elem {
	case OIDBool:
		return OIDBoolArray
	case OIDInt2:
		return OIDInt2Array
	case OIDInt4:
		return OIDInt4Array
	case OIDInt8:
		return OIDInt8Array
	case OIDFloat4:
		return OIDFloat4Array
	case OIDFloat8:
		return OIDFloat8Array
	case OIDVarchar:
		return OIDVarcharArray
	case OIDName:
		return OIDNameArray
	case OIDOid:
		return OIDOidArray
	case OIDNumeric:
		return 1231
	case OIDDate:
		return 1182
	case OIDTime:
		return 1183
	case OIDTimestamp:
		return 1115
	case OIDTimestampTZ:
		return 1185
	case OIDInterval:
		return 1187
	case OIDBytea:
		return 1001
	case OIDUUID:
		return 2951
	case OIDJSON:
		return 199
	case OIDJSONB:
		return 3807
	case OIDBpchar:
		return 1014
	}
	return OIDTextArray
}

// Kind returns the Value kind that holds values of t.
func (t Type) Kind() Kind {
	if t.Elem != nil || t.OID == OIDRecord {
		return KindArray
	}
	switch t.OID {
	case OIDBool:
		return KindBool
	case OIDInt2, OIDInt4, OIDInt8, OIDOid, OIDRegclass, OIDRegtype, OIDRegnamespace, OIDRegrole, OIDRegproc:
		return KindInt
	case OIDFloat4, OIDFloat8:
		return KindFloat
	case OIDNumeric:
		return KindNumeric
	case OIDBytea:
		return KindBytes
	case OIDDate:
		return KindDate
	case OIDTime:
		return KindTime
	case OIDTimestamp:
		return KindTimestamp
	case OIDTimestampTZ:
		return KindTimestampTZ
	case OIDInterval:
		return KindInterval
	case OIDJSON, OIDJSONB:
		return KindJSON
	case OIDUnknown:
		return KindNull
	}
	return KindText
}

// IsArray reports whether t is an array type.
func (t Type) IsArray() bool { return t.Elem != nil }

// Equal reports whether two types are the same, modifiers included.
func (t Type) Equal(u Type) bool {
	if t.OID != u.OID || t.Mod != u.Mod || (t.Elem == nil) != (u.Elem == nil) {
		return false
	}
	return t.Elem == nil || t.Elem.Equal(*u.Elem)
}

// String returns the type as format_type prints it (e.g. "character varying(10)").
func (t Type) String() string { return FormatType(t) }

func (t Type) GoString() string { return fmt.Sprintf("sql.Type{OID:%d,Mod:%d}", t.OID, t.Mod) }

// FormatType returns the type's name as PostgreSQL's format_type prints it.
func FormatType(t Type) string {
	if t.Elem != nil {
		return FormatType(*t.Elem) + "[]"
	}
	switch t.OID {
	case OIDBool:
		return "boolean"
	case OIDBytea:
		return "bytea"
	case OIDChar:
		return `"char"`
	case OIDName:
		return "name"
	case OIDInt8:
		return "bigint"
	case OIDInt2:
		return "smallint"
	case OIDInt4:
		return "integer"
	case OIDText:
		return "text"
	case OIDOid:
		return "oid"
	case OIDJSON:
		return "json"
	case OIDJSONB:
		return "jsonb"
	case OIDFloat4:
		return "real"
	case OIDFloat8:
		return "double precision"
	case OIDUnknown:
		return "unknown"
	case OIDVarchar:
		if t.Mod >= 4 {
			return fmt.Sprintf("character varying(%d)", t.Mod-4)
		}
		return "character varying"
	case OIDBpchar:
		if t.Mod >= 4 {
			return fmt.Sprintf("character(%d)", t.Mod-4)
		}
		return "bpchar"
	case OIDDate:
		return "date"
	case OIDTime:
		return "time without time zone"
	case OIDTimestamp:
		return "timestamp without time zone"
	case OIDTimestampTZ:
		return "timestamp with time zone"
	case OIDInterval:
		return "interval"
	case OIDNumeric:
		if t.Mod >= 4 {
			m := t.Mod - 4
			return fmt.Sprintf("numeric(%d,%d)", (m>>16)&0xffff, m&0xffff)
		}
		return "numeric"
	case OIDRegclass:
		return "regclass"
	case OIDRegtype:
		return "regtype"
	case OIDRegproc:
		return "regproc"
	case OIDRegnamespace:
		return "regnamespace"
	case OIDRegrole:
		return "regrole"
	case OIDUUID:
		return "uuid"
	case OIDRecord:
		return "record"
	case OIDVoid:
		return "void"
	case OIDInt2Vector:
		return "int2vector"
	case OIDOidVector:
		return "oidvector"
	}
	return fmt.Sprintf("type %d", t.OID)
}

// arrayElems are the element types whose array types eddy knows by OID.
var arrayElems = []uint32{OIDBool, OIDInt2, OIDInt4, OIDInt8, OIDFloat4, OIDFloat8, OIDVarchar, OIDName, OIDOid, OIDText,
	OIDNumeric, OIDDate, OIDTimestamp, OIDTimestampTZ, OIDInterval, OIDBytea, OIDUUID, OIDJSON, OIDJSONB, OIDTime, OIDBpchar}

// TypeByOID returns the type a wire OID names, arrays with their element
// type (a client's int4[] parameter is OID 1007).
func TypeByOID(oid uint32) Type {
	switch oid {
	case 0:
		return Unknown
	case OIDInt4Array:
		return ArrayOf(Int4)
	case OIDTextArray:
		return ArrayOf(Text)
	}
	for _, e := range arrayElems {
		if e != OIDText && arrayOID(e) == oid {
			return ArrayOf(Type{OID: e, Mod: -1})
		}
	}
	return Type{OID: oid, Mod: -1}
}
