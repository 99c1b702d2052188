package pgcatalog

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// typeInfo is a pg_type row.
type typeInfo struct {
	OID, Elem, Array          uint32
	Name                      string
	Len                       int16
	ByVal, Preferred          bool
	Typtype, Category, Align  byte
	Storage                   byte
	Input, Output, Recv, Send string
	Collation                 uint32
}

// pgTypes are the types of sql/types.go, their array types and the
// pseudo-types that built-in function signatures use, with PostgreSQL 15's
// pg_type values (oid|typname|typlen|typbyval|typtype|typcategory|
// typispreferred|typelem|typarray|typinput|typoutput|typreceive|typsend|
// typalign|typstorage|typcollation), as gen/cols.sql's companion query
// printed them.
const pgTypes = `16|bool|1|t|b|B|t|0|1000|boolin|boolout|boolrecv|boolsend|c|p|0
17|bytea|-1|f|b|U|f|0|1001|byteain|byteaout|bytearecv|byteasend|i|x|0
18|char|1|t|b|Z|f|0|1002|charin|charout|charrecv|charsend|c|p|0
19|name|64|f|b|S|f|18|1003|namein|nameout|namerecv|namesend|c|p|950
20|int8|8|t|b|N|f|0|1016|int8in|int8out|int8recv|int8send|d|p|0
21|int2|2|t|b|N|f|0|1005|int2in|int2out|int2recv|int2send|s|p|0
22|int2vector|-1|f|b|A|f|21|1006|int2vectorin|int2vectorout|int2vectorrecv|int2vectorsend|i|p|0
23|int4|4|t|b|N|f|0|1007|int4in|int4out|int4recv|int4send|i|p|0
24|regproc|4|t|b|N|f|0|1008|regprocin|regprocout|regprocrecv|regprocsend|i|p|0
25|text|-1|f|b|S|t|0|1009|textin|textout|textrecv|textsend|i|x|100
26|oid|4|t|b|N|t|0|1028|oidin|oidout|oidrecv|oidsend|i|p|0
28|xid|4|t|b|U|f|0|1011|xidin|xidout|xidrecv|xidsend|i|p|0
30|oidvector|-1|f|b|A|f|26|1013|oidvectorin|oidvectorout|oidvectorrecv|oidvectorsend|i|p|0
114|json|-1|f|b|U|f|0|199|json_in|json_out|json_recv|json_send|i|x|0
194|pg_node_tree|-1|f|b|Z|f|0|0|pg_node_tree_in|pg_node_tree_out|pg_node_tree_recv|pg_node_tree_send|i|x|100
199|_json|-1|f|b|A|f|114|0|array_in|array_out|array_recv|array_send|i|x|0
700|float4|4|t|b|N|f|0|1021|float4in|float4out|float4recv|float4send|i|p|0
701|float8|8|t|b|N|t|0|1022|float8in|float8out|float8recv|float8send|d|p|0
705|unknown|-2|f|p|X|f|0|0|unknownin|unknownout|unknownrecv|unknownsend|c|p|0
1000|_bool|-1|f|b|A|f|16|0|array_in|array_out|array_recv|array_send|i|x|0
1001|_bytea|-1|f|b|A|f|17|0|array_in|array_out|array_recv|array_send|i|x|0
1002|_char|-1|f|b|A|f|18|0|array_in|array_out|array_recv|array_send|i|x|0
1003|_name|-1|f|b|A|f|19|0|array_in|array_out|array_recv|array_send|i|x|950
1005|_int2|-1|f|b|A|f|21|0|array_in|array_out|array_recv|array_send|i|x|0
1006|_int2vector|-1|f|b|A|f|22|0|array_in|array_out|array_recv|array_send|i|x|0
1007|_int4|-1|f|b|A|f|23|0|array_in|array_out|array_recv|array_send|i|x|0
1008|_regproc|-1|f|b|A|f|24|0|array_in|array_out|array_recv|array_send|i|x|0
1009|_text|-1|f|b|A|f|25|0|array_in|array_out|array_recv|array_send|i|x|100
1011|_xid|-1|f|b|A|f|28|0|array_in|array_out|array_recv|array_send|i|x|0
1013|_oidvector|-1|f|b|A|f|30|0|array_in|array_out|array_recv|array_send|i|x|0
1014|_bpchar|-1|f|b|A|f|1042|0|array_in|array_out|array_recv|array_send|i|x|100
1015|_varchar|-1|f|b|A|f|1043|0|array_in|array_out|array_recv|array_send|i|x|100
1016|_int8|-1|f|b|A|f|20|0|array_in|array_out|array_recv|array_send|d|x|0
1021|_float4|-1|f|b|A|f|700|0|array_in|array_out|array_recv|array_send|i|x|0
1022|_float8|-1|f|b|A|f|701|0|array_in|array_out|array_recv|array_send|d|x|0
1028|_oid|-1|f|b|A|f|26|0|array_in|array_out|array_recv|array_send|i|x|0
1033|aclitem|12|f|b|U|f|0|1034|aclitemin|aclitemout|-|-|i|p|0
1034|_aclitem|-1|f|b|A|f|1033|0|array_in|array_out|array_recv|array_send|i|x|0
1042|bpchar|-1|f|b|S|f|0|1014|bpcharin|bpcharout|bpcharrecv|bpcharsend|i|x|100
1043|varchar|-1|f|b|S|f|0|1015|varcharin|varcharout|varcharrecv|varcharsend|i|x|100
1082|date|4|t|b|D|f|0|1182|date_in|date_out|date_recv|date_send|i|p|0
1083|time|8|t|b|D|f|0|1183|time_in|time_out|time_recv|time_send|d|p|0
1114|timestamp|8|t|b|D|f|0|1115|timestamp_in|timestamp_out|timestamp_recv|timestamp_send|d|p|0
1115|_timestamp|-1|f|b|A|f|1114|0|array_in|array_out|array_recv|array_send|d|x|0
1182|_date|-1|f|b|A|f|1082|0|array_in|array_out|array_recv|array_send|i|x|0
1183|_time|-1|f|b|A|f|1083|0|array_in|array_out|array_recv|array_send|d|x|0
1184|timestamptz|8|t|b|D|t|0|1185|timestamptz_in|timestamptz_out|timestamptz_recv|timestamptz_send|d|p|0
1185|_timestamptz|-1|f|b|A|f|1184|0|array_in|array_out|array_recv|array_send|d|x|0
1186|interval|16|f|b|T|t|0|1187|interval_in|interval_out|interval_recv|interval_send|d|p|0
1187|_interval|-1|f|b|A|f|1186|0|array_in|array_out|array_recv|array_send|d|x|0
1231|_numeric|-1|f|b|A|f|1700|0|array_in|array_out|array_recv|array_send|i|x|0
1700|numeric|-1|f|b|N|f|0|1231|numeric_in|numeric_out|numeric_recv|numeric_send|i|m|0
2205|regclass|4|t|b|N|f|0|2210|regclassin|regclassout|regclassrecv|regclasssend|i|p|0
2206|regtype|4|t|b|N|f|0|2211|regtypein|regtypeout|regtyperecv|regtypesend|i|p|0
2210|_regclass|-1|f|b|A|f|2205|0|array_in|array_out|array_recv|array_send|i|x|0
2211|_regtype|-1|f|b|A|f|2206|0|array_in|array_out|array_recv|array_send|i|x|0
2249|record|-1|f|p|P|f|0|2287|record_in|record_out|record_recv|record_send|d|x|0
2278|void|4|t|p|P|f|0|0|void_in|void_out|void_recv|void_send|i|p|0
2275|cstring|-2|f|p|P|f|0|1263|cstring_in|cstring_out|cstring_recv|cstring_send|c|p|0
2276|any|4|t|p|P|f|0|0|any_in|any_out|-|-|i|p|0
2277|anyarray|-1|f|p|P|f|0|0|anyarray_in|anyarray_out|anyarray_recv|anyarray_send|d|x|0
2278|void|4|t|p|P|f|0|0|void_in|void_out|void_recv|void_send|i|p|0
2283|anyelement|4|t|p|P|f|0|0|anyelement_in|anyelement_out|-|-|i|p|0
2950|uuid|16|f|b|U|f|0|2951|uuid_in|uuid_out|uuid_recv|uuid_send|c|p|0
2951|_uuid|-1|f|b|A|f|2950|0|array_in|array_out|array_recv|array_send|i|x|0
3802|jsonb|-1|f|b|U|f|0|3807|jsonb_in|jsonb_out|jsonb_recv|jsonb_send|i|x|0
3807|_jsonb|-1|f|b|A|f|3802|0|array_in|array_out|array_recv|array_send|i|x|0`

var (
	typesByOID = map[uint32]*typeInfo{}
	typeList   []*typeInfo
)

func init() {
	for _, line := range strings.Split(pgTypes, "\n") {
		f := strings.Split(line, "|")
		u := func(s string) uint32 { n, _ := strconv.ParseUint(s, 10, 32); return uint32(n) }
		l, _ := strconv.Atoi(f[2])
		t := &typeInfo{OID: u(f[0]), Name: f[1], Len: int16(l), ByVal: f[3] == "t", Typtype: f[4][0],
			Category: f[5][0], Preferred: f[6] == "t", Elem: u(f[7]), Array: u(f[8]),
			Input: f[9], Output: f[10], Recv: f[11], Send: f[12], Align: f[13][0], Storage: f[14][0], Collation: u(f[15])}
		typesByOID[t.OID] = t
		typeList = append(typeList, t)
	}

	def("pg_catalog", "pg_type", func(*Context) ([]rec, error) {
		out := make([]rec, 0, len(typeList))
		for _, t := range typeList {
			subscript := "-"
			if t.Category == 'A' {
				subscript = "array_subscript_handler"
				if t.Elem == sql.OIDInt2 || t.Elem == sql.OIDOid {
					if t.OID == sql.OIDInt2Vector || t.OID == sql.OIDOidVector {
						subscript = "raw_array_subscript_handler"
					}
				}
			}
			if t.OID == sql.OIDName {
				subscript = "raw_array_subscript_handler"
			}
			out = append(out, rec{
				"oid": t.OID, "typname": t.Name, "typnamespace": OIDPgCatalog, "typowner": oidSuperuser,
				"typlen": t.Len, "typbyval": t.ByVal, "typtype": t.Typtype, "typcategory": t.Category,
				"typispreferred": t.Preferred, "typisdefined": true, "typdelim": ",", "typrelid": uint32(0),
				"typsubscript": subscript, "typelem": t.Elem, "typarray": t.Array,
				"typinput": ioProcOID(t.Input), "typoutput": ioProcOID(t.Output),
				"typreceive": ioProcOID(t.Recv), "typsend": ioProcOID(t.Send),
				"typmodin": "-", "typmodout": "-", "typanalyze": "-",
				"typalign": t.Align, "typstorage": t.Storage, "typnotnull": false, "typbasetype": uint32(0),
				"typtypmod": -1, "typndims": 0, "typcollation": t.Collation,
			})
		}
		return out, nil
	})
}

// typeOID is the pg_type OID of t, arrays included (sql.ArrayOf knows only
// a few array OIDs; pg_type knows them all).
func typeOID(t sql.Type) uint32 {
	if t.Elem != nil && t.OID != sql.OIDInt2Vector && t.OID != sql.OIDOidVector {
		if e := typesByOID[typeOID(*t.Elem)]; e != nil && e.Array != 0 {
			return e.Array
		}
	}
	return t.OID
}

// typeMod is the atttypmod of t: arrays carry their element's.
func typeMod(t sql.Type) int32 {
	if t.Elem != nil {
		return t.Elem.Mod
	}
	return t.Mod
}

func typeOf(oid uint32) *typeInfo {
	if t := typesByOID[oid]; t != nil {
		return t
	}
	return typesByOID[sql.OIDText]
}
