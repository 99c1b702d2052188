package sql

import (
	"math"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func isStringType(t Type) bool {
	if t.Elem != nil {
		return false
	}
	switch t.OID {
	case OIDText, OIDVarchar, OIDBpchar, OIDName, OIDChar, OIDUnknown:
		return true
	}
	return false
}

func cannotCast(from, to Type) error {
	return Errorf("42846", "cannot cast type %s to %s", FormatType(from), FormatType(to))
}

func intRangeName(oid uint32) (string, int64, int64) {
	switch oid {
	case OIDInt2:
		return "smallint", math.MinInt16, math.MaxInt16
	case OIDInt4:
		return "integer", math.MinInt32, math.MaxInt32
	case OIDOid, OIDRegclass, OIDRegtype, OIDRegnamespace, OIDRegproc:
		return "OID", math.MinInt32, math.MaxUint32
	}
	return "bigint", math.MinInt64, math.MaxInt64
}

func checkIntRange(i int64, to Type) (Value, error) {
	name, lo, hi := intRangeName(to.OID)
	if i < lo || i > hi {
		return Null, Errorf(CodeNumericValueOutOfRange, "%s out of range", name)
	}
	if name == "OID" && i < 0 {
		i = int64(uint32(int32(i)))
	}
	return NewInt(i), nil
}

// Cast converts v of type from to type to, following PostgreSQL's casts.
// explicit distinguishes CAST/:: (varchar(n) and char(n) truncate) from
// assignment (they raise 22001 unless only spaces are cut).
func Cast(v Value, from, to Type, explicit bool, loc *time.Location) (Value, error) {
	if v.k == KindNull {
		return Null, nil
	}
	if from.Equal(to) {
		return v, nil
	}
	if to.Elem != nil {
		switch {
		case from.Elem != nil:
			return castArray(v, *from.Elem, *to.Elem, explicit, loc)
		case isStringType(from):
			return ParseText(v.s, to, loc)
		}
		return Null, cannotCast(from, to)
	}
	if isStringType(from) && v.k == KindText {
		s := v.s
		if from.OID == OIDBpchar {
			// char(n) drops its padding when converted to anything else.
			s = strings.TrimRight(s, " ")
			if to.OID == OIDBpchar {
				s = v.s
			}
		}
		if isStringType(to) {
			r, err := coerceString(s, to, explicit)
			if err != nil {
				return Null, err
			}
			return NewText(r), nil
		}
		return ParseText(s, to, loc)
	}
	if isStringType(to) {
		var s string
		switch {
		case from.Elem != nil:
			s = FormatText(v, from, loc)
		case v.k == KindBool:
			// bool's text cast spells the words out, unlike its output.
			s = "false"
			if v.i != 0 {
				s = "true"
			}
		default:
			s = FormatText(v, from, loc)
		}
		r, err := coerceString(s, to, explicit)
		if err != nil {
			return Null, err
		}
		return NewText(r), nil
	}
	if from.Elem != nil {
		return Null, cannotCast(from, to)
	}
	if from.OID == OIDJSONB && v.k == KindJSON {
		if r, ok, err := castJSONBScalar(v.s, to, explicit, loc); ok {
			return r, err
		}
	}
	switch to.Kind() {
	case KindInt:
		switch v.k {
		case KindInt:
			return checkIntRange(v.i, to)
		case KindBool:
			if to.OID == OIDInt4 || to.OID == OIDInt8 || to.OID == OIDInt2 {
				return NewInt(v.i), nil
			}
		case KindFloat:
			f := v.Float()
			name, lo, hi := intRangeName(to.OID)
			r := math.RoundToEven(f)
			// Compare in float64 against limits that are exact in float64.
			if f != f || r < float64(lo) || r >= float64(hi)+1 {
				return Null, Errorf(CodeNumericValueOutOfRange, "%s out of range", name)
			}
			return checkIntRange(int64(r), to)
		case KindNumeric:
			d := v.Numeric()
			name, _, _ := intRangeName(to.OID)
			if d.Form != apd.Finite {
				what := "NaN"
				if d.Form == apd.Infinite {
					what = "infinity"
				}
				return Null, Errorf(CodeFeatureNotSupported, "cannot convert %s to %s", what, name)
			}
			i, ok := numericRoundInt(d)
			if !ok {
				return Null, Errorf(CodeNumericValueOutOfRange, "%s out of range", name)
			}
			return checkIntRange(i, to)
		}
	case KindFloat:
		var f float64
		switch v.k {
		case KindInt:
			f = float64(v.i)
		case KindFloat:
			f = v.Float()
		case KindNumeric:
			f = numericToFloat(v.Numeric())
		default:
			return Null, cannotCast(from, to)
		}
		if to.OID == OIDFloat4 {
			f32 := float32(f)
			if v.k == KindNumeric && ((math.IsInf(float64(f32), 0) && !math.IsInf(f, 0)) || (f32 == 0 && f != 0)) {
				// PostgreSQL casts numeric to real through the numeric's text
				// (float4in), so the message quotes it.
				return Null, Errorf(CodeNumericValueOutOfRange, "\"%s\" is out of range for type real", appendNumeric(nil, v.Numeric()))
			}
			if math.IsInf(float64(f32), 0) && !math.IsInf(f, 0) {
				return Null, Errorf(CodeNumericValueOutOfRange, "value out of range: overflow")
			}
			if f32 == 0 && f != 0 {
				return Null, Errorf(CodeNumericValueOutOfRange, "value out of range: underflow")
			}
			f = float64(f32)
		}
		return NewFloat(f), nil
	case KindNumeric:
		switch v.k {
		case KindInt:
			return numericValue(NumericFromInt(v.i), to)
		case KindFloat:
			digits := 15
			if from.OID == OIDFloat4 {
				digits = 6
			}
			d, err := numericFromFloatDigits(v.Float(), digits)
			if err != nil {
				return Null, err
			}
			return numericValue(d, to)
		case KindNumeric:
			return numericValue(v.Numeric(), to)
		}
	case KindBool:
		if v.k == KindInt && (from.OID == OIDInt4 || from.OID == OIDInt8 || from.OID == OIDInt2) {
			return NewBool(v.i != 0), nil
		}
	case KindDate:
		switch v.k {
		case KindTimestamp:
			if v.i == NegInfinity || v.i == PosInfinity {
				return NewDate(v.i), nil
			}
			return NewDate(floorDiv(v.i, microsPerDay)), nil
		case KindTimestampTZ:
			if v.i == NegInfinity || v.i == PosInfinity {
				return NewDate(v.i), nil
			}
			local := v.i + zoneOffset(floorDiv(v.i, microsPerSecond), loc)*microsPerSecond
			return NewDate(floorDiv(local, microsPerDay)), nil
		}
	case KindTimestamp:
		switch v.k {
		case KindDate:
			us, err := dateToTimestamp(v.i)
			if err != nil {
				return Null, err
			}
			return NewTimestamp(us), nil
		case KindTimestampTZ:
			if v.i == NegInfinity || v.i == PosInfinity {
				return NewTimestamp(v.i), nil
			}
			local := v.i + zoneOffset(floorDiv(v.i, microsPerSecond), loc)*microsPerSecond
			return NewTimestamp(roundTS(local, to.Mod)), nil
		case KindTimestamp:
			return NewTimestamp(roundTS(v.i, to.Mod)), nil
		}
	case KindTimestampTZ:
		switch v.k {
		case KindDate:
			us, err := dateToTimestamp(v.i)
			if err != nil {
				return Null, err
			}
			if us != NegInfinity && us != PosInfinity {
				us = LocalToUTC(us, loc)
			}
			return NewTimestampTZ(us), nil
		case KindTimestamp:
			if v.i == NegInfinity || v.i == PosInfinity {
				return NewTimestampTZ(v.i), nil
			}
			return NewTimestampTZ(roundTS(LocalToUTC(v.i, loc), to.Mod)), nil
		case KindTimestampTZ:
			return NewTimestampTZ(roundTS(v.i, to.Mod)), nil
		}
	case KindTime:
		switch v.k {
		case KindTime:
			return NewTime(roundMicros(v.i, to.Mod)), nil
		case KindTimestamp, KindTimestampTZ:
			if v.i == NegInfinity || v.i == PosInfinity {
				return Null, nil
			}
			us := v.i
			if v.k == KindTimestampTZ {
				us += zoneOffset(floorDiv(us, microsPerSecond), loc) * microsPerSecond
			}
			return NewTime(roundMicros(floorMod(us, microsPerDay), to.Mod)), nil
		case KindInterval:
			return NewTime(floorMod(v.Interval().Micros, microsPerDay)), nil
		}
	case KindInterval:
		switch v.k {
		case KindTime:
			return NewInterval(IntervalValue{Micros: v.i}), nil
		case KindInterval:
			return v, nil
		}
	case KindJSON:
		if v.k == KindJSON {
			if to.OID == OIDJSONB && from.OID != OIDJSONB {
				n, err := normalizeJSONB(v.s)
				if err != nil {
					return Null, err
				}
				return NewJSON(n), nil
			}
			return v, nil
		}
	case KindBytes:
		if v.k == KindBytes {
			return v, nil
		}
	case KindText:
		// uuid from uuid with another typmod, and the like.
		if v.k == KindText && to.OID == from.OID {
			return v, nil
		}
	}
	return Null, cannotCast(from, to)
}

func numericValue(d *apd.Decimal, to Type) (Value, error) {
	r, err := applyNumericTypmod(d, to.Mod)
	if err != nil {
		return Null, err
	}
	return NewNumeric(r), nil
}

func roundTS(us int64, mod int32) int64 {
	if mod < 0 || us == NegInfinity || us == PosInfinity {
		return us
	}
	return roundMicros(us, mod)
}

func dateToTimestamp(days int64) (int64, error) {
	if days == NegInfinity || days == PosInfinity {
		return days, nil
	}
	if days < minTimestampUnix/microsPerDay-1 || days >= endTimestampUnix/microsPerDay {
		return 0, Errorf(CodeDatetimeFieldOverflow, "date out of range for timestamp")
	}
	return days * microsPerDay, nil
}

func castArray(v Value, from, to Type, explicit bool, loc *time.Location) (Value, error) {
	src := v.Array()
	out := make([]Value, len(src))
	for i, e := range src {
		var err error
		if e.k == KindArray {
			out[i], err = castArray(e, from, to, explicit, loc)
		} else {
			out[i], err = Cast(e, from, to, explicit, loc)
		}
		if err != nil {
			return Null, err
		}
	}
	return NewArray(out), nil
}
