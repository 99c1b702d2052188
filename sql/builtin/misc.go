package builtin

import (
	"crypto/rand"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/eddysql/eddy/sql"
)

// Version starts with "PostgreSQL 15" because drivers and BI tools parse
// the server version out of version().
const Version = "PostgreSQL 15.0 (eddy) on x86_64-pc-linux-gnu, compiled by Go"

func constText(name, s string) *Func {
	return fn(name, nil, sql.Text, func(*Context, []sql.Value) (sql.Value, error) { return sql.NewText(s), nil })
}

func userName(ctx *Context) sql.Value {
	if ctx == nil {
		return sql.Null
	}
	return sql.NewText(ctx.User)
}

func setting(ctx *Context, name string, missingOK bool) (sql.Value, error) {
	if ctx != nil && ctx.Setting != nil {
		if v, ok := ctx.Setting(strings.ToLower(name)); ok {
			return sql.NewText(v), nil
		}
	}
	if missingOK {
		return sql.Null, nil
	}
	return sql.Null, sql.Errorf(sql.CodeUndefinedObject, "unrecognized configuration parameter %q", name)
}

// arrayElemOID maps array type OIDs back to their element types, for
// format_type on OIDs that come from pg_attribute.
var arrayElemOID = map[uint32]uint32{
	sql.OIDBoolArray: sql.OIDBool, sql.OIDInt2Array: sql.OIDInt2, sql.OIDInt4Array: sql.OIDInt4,
	sql.OIDTextArray: sql.OIDText, sql.OIDVarcharArray: sql.OIDVarchar, sql.OIDInt8Array: sql.OIDInt8,
	sql.OIDFloat4Array: sql.OIDFloat4, sql.OIDFloat8Array: sql.OIDFloat8, sql.OIDNameArray: sql.OIDName,
	sql.OIDOidArray: sql.OIDOid,
	1001:            sql.OIDBytea, 1014: sql.OIDBpchar, 1182: sql.OIDDate, 1183: sql.OIDTime, 1115: sql.OIDTimestamp,
	1185: sql.OIDTimestampTZ, 1187: sql.OIDInterval, 1231: sql.OIDNumeric, 199: sql.OIDJSON,
	3807: sql.OIDJSONB, 2951: sql.OIDUUID,
}

func typeFromOID(oid uint32, mod int32) sql.Type {
	if e, ok := arrayElemOID[oid]; ok {
		et := sql.Type{OID: e, Mod: mod}
		return sql.Type{OID: oid, Mod: -1, Elem: &et}
	}
	return sql.Type{OID: oid, Mod: mod}
}

func uuidV4() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func init() {
	Register(
		constText("version", Version),
		fn("current_setting", types(sql.Text), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return setting(ctx, a[0].Text(), false)
		}),
		fn("current_setting", types(sql.Text, sql.Bool), sql.Text, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return setting(ctx, a[0].Text(), a[1].Bool())
		}),
		&Func{Name: "pg_sleep", Args: types(sql.Float8), Ret: sql.Void, Volatile: true, Eval: func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return sql.Null, sleep(ctx, a[0].Float())
		}},
		&Func{Name: "pg_backend_pid", Ret: sql.Int4, Volatile: true, Eval: func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			return sql.NewInt(int64(ctx.BackendPID)), nil
		}},
		// eddy is never a standby.
		fn("pg_is_in_recovery", nil, sql.Bool, func(*Context, []sql.Value) (sql.Value, error) { return sql.NewBool(false), nil }),
		&Func{Name: "gen_random_uuid", Ret: sql.UUID, Volatile: true, Eval: func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewText(uuidV4()), nil
		}},
		// pg_typeof needs the argument's type, not its value; its result is a
		// regtype whose value is the type's OID.
		&Func{Name: "pg_typeof", Args: types(Any), Ret: sql.Type{OID: sql.OIDRegtype, Mod: -1}, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return sql.NewInt(int64(kindType(a[0]).OID)), nil
			},
			EvalTyped: func(_ *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				if len(ts) == 0 {
					return sql.NewInt(int64(kindType(a[0]).OID)), nil
				}
				return sql.NewInt(int64(ts[0].OID)), nil
			}},
		&Func{Name: "format_type", Args: types(sql.Oid, sql.Int4), Ret: sql.Text, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				mod := int32(-1)
				if !a[1].IsNull() {
					mod = int32(a[1].Int())
				}
				t := typeFromOID(uint32(a[0].Int()), mod)
				s := sql.FormatType(t)
				if strings.HasPrefix(s, "type ") {
					return sql.NewText("???"), nil
				}
				return sql.NewText(s), nil
			}},
		fn("pg_type_is_visible", types(sql.Oid), sql.Bool, func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewBool(true), nil
		}),
		fn("pg_function_is_visible", types(sql.Oid), sql.Bool, func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewBool(true), nil
		}),
	)
	for _, n := range []string{"current_user", "session_user", "user", "current_role"} {
		Register(fn(n, nil, sql.Name, func(ctx *Context, _ []sql.Value) (sql.Value, error) { return userName(ctx), nil }))
	}
	for _, n := range []string{"current_database", "current_catalog"} {
		Register(fn(n, nil, sql.Name, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			if ctx == nil {
				return sql.Null, nil
			}
			return sql.NewText(ctx.Database), nil
		}))
	}
	// Privileges are kept per relation, not per column or function, so
	// these answer true; has_table_privilege and its kin are privileges.go.
	for _, n := range []string{"has_column_privilege", "has_any_column_privilege", "has_function_privilege"} {
		Register(
			fn(n, types(sql.Text, sql.Text), sql.Bool, trueFn),
			fn(n, types(sql.Oid, sql.Text), sql.Bool, trueFn),
			fn(n, types(sql.Text, sql.Text, sql.Text), sql.Bool, trueFn),
			fn(n, types(sql.Name, sql.Oid, sql.Text), sql.Bool, trueFn),
		)
	}
}

func nullFn(*Context, []sql.Value) (sql.Value, error) { return sql.Null, nil }
func trueFn(*Context, []sql.Value) (sql.Value, error) { return sql.NewBool(true), nil }

// sleep waits secs seconds, or until the statement is cancelled.
func sleep(ctx *Context, secs float64) error {
	if !(secs > 0) {
		return nil
	}
	d := time.Duration(math.Min(secs, 1e9) * float64(time.Second))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done:
		return sql.Errorf(sql.CodeQueryCanceled, "canceling statement due to user request")
	}
}
