package planner

import (
	"time"

	"github.com/eddysql/eddy/sql"
)

// Type categories, as pg_type.typcategory groups them for resolution rules.
const (
	catNumeric = 'N'
	catString  = 'S'
	catBool    = 'B'
	catDate    = 'D'
	catSpan    = 'T'
	catUnknown = 'X'
	catArray   = 'A'
	catUser    = 'U'
)

func category(t sql.Type) byte {
	if t.IsArray() {
		return catArray
	}
	switch t.OID {
	case sql.OIDInt2, sql.OIDInt4, sql.OIDInt8, sql.OIDNumeric, sql.OIDFloat4, sql.OIDFloat8,
		sql.OIDOid, sql.OIDRegclass, sql.OIDRegtype, sql.OIDRegnamespace, sql.OIDRegproc:
		return catNumeric
	case sql.OIDText, sql.OIDVarchar, sql.OIDBpchar, sql.OIDName, sql.OIDChar:
		return catString
	case sql.OIDBool:
		return catBool
	case sql.OIDDate, sql.OIDTimestamp, sql.OIDTimestampTZ, sql.OIDTime:
		return catDate
	case sql.OIDInterval:
		return catSpan
	case sql.OIDUnknown:
		return catUnknown
	}
	return catUser
}

// numericRank orders the numeric types by implicit widening.
func numericRank(oid uint32) int {
	switch oid {
	case sql.OIDInt2:
		return 1
	case sql.OIDInt4:
		return 2
	case sql.OIDInt8:
		return 3
	case sql.OIDNumeric:
		return 4
	case sql.OIDFloat4:
		return 5
	case sql.OIDFloat8:
		return 6
	case sql.OIDOid, sql.OIDRegclass, sql.OIDRegtype, sql.OIDRegnamespace, sql.OIDRegproc:
		return 0
	}
	return -1
}

func dateRank(oid uint32) int {
	switch oid {
	case sql.OIDDate:
		return 1
	case sql.OIDTimestamp:
		return 2
	case sql.OIDTimestampTZ:
		return 3
	}
	return -1
}

// implicitCast reports whether PostgreSQL casts from to to without being asked.
func implicitCast(from, to sql.Type) bool {
	if from.OID == to.OID && !from.IsArray() {
		return true
	}
	if from.OID == sql.OIDUnknown {
		return true
	}
	if from.IsArray() || to.IsArray() {
		return from.IsArray() && to.IsArray() && implicitCast(*from.Elem, *to.Elem)
	}
	fc, tc := category(from), category(to)
	switch {
	case fc == catNumeric && tc == catNumeric:
		fr, tr := numericRank(from.OID), numericRank(to.OID)
		if fr == 0 || tr == 0 {
			return (fr == 0 && tr == 0) || (from.OID == sql.OIDInt4 || from.OID == sql.OIDInt8 || from.OID == sql.OIDInt2)
		}
		return fr <= tr
	case fc == catString && tc == catString:
		return to.OID == sql.OIDText || to.OID == sql.OIDVarchar || from.OID == sql.OIDBpchar || from.OID == sql.OIDName
	case fc == catDate && tc == catDate:
		return dateRank(from.OID) > 0 && dateRank(from.OID) <= dateRank(to.OID)
	case from.OID == sql.OIDJSON && to.OID == sql.OIDJSONB, from.OID == sql.OIDJSONB && to.OID == sql.OIDJSON:
		return false
	case from.OID == sql.OIDTime && to.OID == sql.OIDInterval:
		return true
	}
	return false
}

// commonType resolves the type of CASE/UNION/COALESCE/IN branches as
// PostgreSQL's select_common_type does. ok is false when they cannot match.
// typeMismatch names the pair of types commonType(ts) fails on: the common
// type of the types before the one that does not fit, and that type, which
// is the pair PostgreSQL's "types X and Y cannot be matched" reports.
func typeMismatch(ts []sql.Type) (sql.Type, sql.Type) {
	for i := 1; i < len(ts); i++ {
		if _, ok := commonType(ts[:i+1]); !ok {
			prev, _ := commonType(ts[:i])
			return resolveUnknown(prev), ts[i]
		}
	}
	return ts[0], ts[len(ts)-1]
}

func commonType(ts []sql.Type) (sql.Type, bool) {
	var res sql.Type = sql.Unknown
	for _, t := range ts {
		if t.OID == sql.OIDUnknown {
			continue
		}
		if res.OID == sql.OIDUnknown {
			res = t
			continue
		}
		if res.Equal(t) {
			continue
		}
		if res.OID == t.OID && !res.IsArray() {
			res = sql.Type{OID: t.OID, Mod: -1}
			continue
		}
		rc, tc := category(res), category(t)
		if rc != tc {
			return sql.Type{}, false
		}
		switch rc {
		case catNumeric:
			if numericRank(t.OID) > numericRank(res.OID) {
				res = sql.Type{OID: t.OID, Mod: -1}
			}
		case catString:
			res = sql.Text
		case catDate:
			if dateRank(t.OID) < 0 || dateRank(res.OID) < 0 {
				return sql.Type{}, false
			}
			if dateRank(t.OID) > dateRank(res.OID) {
				res = t
			}
		case catArray:
			e, ok := commonType([]sql.Type{*res.Elem, *t.Elem})
			if !ok {
				return sql.Type{}, false
			}
			res = sql.ArrayOf(e)
		default:
			if res.OID == sql.OIDJSONB || t.OID == sql.OIDJSONB {
				if (res.OID == sql.OIDJSON || res.OID == sql.OIDJSONB) && (t.OID == sql.OIDJSON || t.OID == sql.OIDJSONB) {
					res = sql.JSONB
					continue
				}
			}
			return sql.Type{}, false
		}
	}
	return res, true
}

// resolveUnknown gives an unknown-typed output its final type: text.
func resolveUnknown(t sql.Type) sql.Type {
	if t.OID == sql.OIDUnknown {
		return sql.Text
	}
	return t
}

// coerce casts e to t implicitly (no-op when it already has that type).
func coerce(e Expr, t sql.Type) Expr {
	if e.Type().Equal(t) || t.OID == sql.OIDUnknown {
		return e
	}
	if c, ok := e.(*Const); ok && c.Val.IsNull() {
		return &Const{Val: sql.Null, Typ: t}
	}
	if p, ok := e.(*Param); ok && p.Typ.OID == sql.OIDUnknown {
		p.Typ = t
		return p
	}
	if c, ok := e.(*Const); ok && foldable(c.Typ, t) {
		// Fold literal casts here, once, so plans compare like with like;
		// a literal that does not convert is left for the executor, which
		// reports the error as PostgreSQL does.
		if v, err := sql.Cast(c.Val, textIfUnknown(c.Typ), t, false, time.UTC); err == nil {
			return &Const{Val: v, Typ: t}
		}
	}
	return &Cast{Input: e, Typ: t}
}

// foldable: casts whose result does not depend on the session (time zone).
func foldable(from, to sql.Type) bool {
	switch to.Kind() {
	case sql.KindTimestampTZ, sql.KindArray:
		return false
	case sql.KindDate, sql.KindTimestamp, sql.KindTime:
		// 'now', 'today' and friends depend on the clock.
		return from.Kind() != sql.KindText && from.OID != sql.OIDUnknown
	}
	if from.Kind() == sql.KindTimestampTZ {
		return false
	}
	return !isRegOID(to.OID)
}

func isRegOID(oid uint32) bool {
	switch oid {
	case sql.OIDRegclass, sql.OIDRegtype, sql.OIDRegnamespace, sql.OIDRegproc:
		return true
	}
	return false
}

func textIfUnknown(t sql.Type) sql.Type {
	if t.OID == sql.OIDUnknown {
		return sql.Text
	}
	return t
}
