package sql

import (
	"encoding/binary"
	"math"

	"github.com/cockroachdb/apd/v3"
)

// Key encoding: every value starts with a marker, 0x00 for NULL (so NULLs sort
// first) and 0x01 otherwise, followed by a body whose bytes order as Compare
// orders values of one type. Values that Compare equal encode identically, so
// DecodeKey returns a canonical member of the value's equality class: numerics
// lose trailing zeros beyond the column's scale, intervals come back with
// months folded into 30-day units. Rows keep the exact values; keys are for
// ordering and lookup.
const (
	keyNull    = 0x00
	keyNotNull = 0x01

	// Array elements.
	keyElemEnd    = 0x00
	keyElemValue  = 0x01
	keyElemArray  = 0x02
	keyElemNull   = 0x03
	keyTextEscape = 0xff
	keyTextEnd    = 0x01

	// Numeric classes.
	keyNumNegInf = 0x01
	keyNumNeg    = 0x02
	keyNumZero   = 0x03
	keyNumPos    = 0x04
	keyNumPosInf = 0x05
	keyNumNaN    = 0x06
)

// AppendKey appends the order-preserving encoding of v.
func AppendKey(buf []byte, v Value) []byte {
	if v.k == KindNull {
		return append(buf, keyNull)
	}
	return appendKeyBody(append(buf, keyNotNull), v)
}

func appendKeyInt(buf []byte, i int64) []byte {
	return binary.BigEndian.AppendUint64(buf, uint64(i)^(1<<63))
}

func appendKeyBody(buf []byte, v Value) []byte {
	switch v.k {
	case KindBool:
		return append(buf, byte(v.i))
	case KindInt, KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		return appendKeyInt(buf, v.i)
	case KindFloat:
		return binary.BigEndian.AppendUint64(buf, floatKeyBits(v.Float()))
	case KindNumeric:
		return appendKeyNumeric(buf, v.Numeric())
	case KindText, KindBytes:
		return appendKeyString(buf, v.s)
	case KindJSON:
		// Equal jsonb values (1 and 1.0) must share a key; the key's byte
		// order is not jsonb's order, which no prefix encoding can follow.
		return appendKeyString(buf, canonicalJSON(v.s))
	case KindInterval:
		d, us := intervalSpan(v.Interval())
		return appendKeyInt(appendKeyInt(buf, d), us)
	case KindArray:
		for _, e := range v.Array() {
			switch e.k {
			case KindNull:
				buf = append(buf, keyElemNull)
			case KindArray:
				buf = appendKeyBody(append(buf, keyElemArray), e)
			default:
				buf = appendKeyBody(append(buf, keyElemValue), e)
			}
		}
		return append(buf, keyElemEnd)
	}
	return buf
}

func floatKeyBits(f float64) uint64 {
	if f != f {
		f = math.NaN()
	}
	if f == 0 {
		f = 0 // -0 equals 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func appendKeyString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			buf = append(buf, 0, keyTextEscape)
		} else {
			buf = append(buf, s[i])
		}
	}
	return append(buf, 0, keyTextEnd)
}

// appendKeyNumeric writes a class byte, then for finite non-zero values the
// decimal exponent of the leading digit and the significant digits two per
// byte (1+10a+b, so 0 can terminate), all complemented for negatives.
func appendKeyNumeric(buf []byte, d *apd.Decimal) []byte {
	switch {
	case d.Form == apd.NaN || d.Form == apd.NaNSignaling:
		return append(buf, keyNumNaN)
	case d.Form == apd.Infinite && d.Negative:
		return append(buf, keyNumNegInf)
	case d.Form == apd.Infinite:
		return append(buf, keyNumPosInf)
	case d.Coeff.Sign() == 0:
		return append(buf, keyNumZero)
	}
	var scratch [48]byte
	digits := d.Coeff.Append(scratch[:0], 10)
	exp := int64(d.Exponent)
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	adj := exp + int64(len(digits)) - 1
	neg := d.Negative
	if neg {
		buf = append(buf, keyNumNeg)
	} else {
		buf = append(buf, keyNumPos)
	}
	start := len(buf)
	buf = appendKeyInt(buf, adj)
	for i := 0; i < len(digits); i += 2 {
		a := digits[i] - '0'
		var b byte
		if i+1 < len(digits) {
			b = digits[i+1] - '0'
		}
		buf = append(buf, 1+10*a+b)
	}
	buf = append(buf, 0)
	if neg {
		for i := start; i < len(buf); i++ {
			buf[i] = ^buf[i]
		}
	}
	return buf
}

func keyCorrupt(t Type) error {
	return Errorf(CodeDataCorrupted, "corrupt key encoding for type %s", FormatType(t))
}

// DecodeKey decodes one value of type t from the front of b and returns the
// rest of b.
func DecodeKey(b []byte, t Type) (Value, []byte, error) {
	if len(b) == 0 {
		return Null, b, keyCorrupt(t)
	}
	switch b[0] {
	case keyNull:
		return Null, b[1:], nil
	case keyNotNull:
		return decodeKeyBody(b[1:], t)
	}
	return Null, b, keyCorrupt(t)
}

func decodeKeyBody(b []byte, t Type) (Value, []byte, error) {
	k := t.Kind()
	switch k {
	case KindBool:
		if len(b) < 1 || b[0] > 1 {
			return Null, b, keyCorrupt(t)
		}
		return NewBool(b[0] == 1), b[1:], nil
	case KindInt, KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		if len(b) < 8 {
			return Null, b, keyCorrupt(t)
		}
		return Value{k: k, i: int64(binary.BigEndian.Uint64(b) ^ (1 << 63))}, b[8:], nil
	case KindFloat:
		if len(b) < 8 {
			return Null, b, keyCorrupt(t)
		}
		u := binary.BigEndian.Uint64(b)
		if u>>63 != 0 {
			u &^= 1 << 63
		} else {
			u = ^u
		}
		return NewFloat(math.Float64frombits(u)), b[8:], nil
	case KindNumeric:
		return decodeKeyNumeric(b, t)
	case KindText, KindBytes, KindJSON, KindNull:
		var out []byte
		for i := 0; i+1 < len(b); i++ {
			if b[i] != 0 {
				continue
			}
			switch b[i+1] {
			case keyTextEnd:
				if out == nil {
					return Value{k: k, s: string(b[:i])}, b[i+2:], nil
				}
				out = append(out, b[:i]...)
				return Value{k: k, s: string(out)}, b[i+2:], nil
			case keyTextEscape:
				out = append(out, b[:i+1]...)
				b = b[i+2:]
				i = -1
			default:
				return Null, b, keyCorrupt(t)
			}
		}
		return Null, b, keyCorrupt(t)
	case KindInterval:
		if len(b) < 16 {
			return Null, b, keyCorrupt(t)
		}
		days := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
		us := int64(binary.BigEndian.Uint64(b[8:]) ^ (1 << 63))
		months := floorDiv(days, 30)
		if months > math.MaxInt32 || months < math.MinInt32 {
			return Null, b, keyCorrupt(t)
		}
		return NewInterval(IntervalValue{Months: int32(months), Days: int32(days - months*30), Micros: us}), b[16:], nil
	case KindArray:
		return decodeKeyArray(b, t, 0)
	}
	return Null, b, keyCorrupt(t)
}

func decodeKeyArray(b []byte, t Type, depth int) (Value, []byte, error) {
	if depth > 6 {
		return Null, b, keyCorrupt(t)
	}
	elems := []Value{}
	for {
		if len(b) == 0 {
			return Null, b, keyCorrupt(t)
		}
		m := b[0]
		b = b[1:]
		switch m {
		case keyElemEnd:
			return NewArray(elems), b, nil
		case keyElemNull:
			elems = append(elems, Null)
		case keyElemArray:
			sub, rest, err := decodeKeyArray(b, t, depth+1)
			if err != nil {
				return Null, rest, err
			}
			elems = append(elems, sub)
			b = rest
		case keyElemValue:
			e, rest, err := decodeKeyBody(b, *t.Elem)
			if err != nil {
				return Null, rest, err
			}
			elems = append(elems, e)
			b = rest
		default:
			return Null, b, keyCorrupt(t)
		}
	}
}

func decodeKeyNumeric(b []byte, t Type) (Value, []byte, error) {
	if len(b) == 0 {
		return Null, b, keyCorrupt(t)
	}
	d := new(apd.Decimal)
	class := b[0]
	b = b[1:]
	switch class {
	case keyNumNaN:
		d.Form = apd.NaN
		return NewNumeric(d), b, nil
	case keyNumNegInf, keyNumPosInf:
		d.Form, d.Negative = apd.Infinite, class == keyNumNegInf
		return NewNumeric(d), b, nil
	case keyNumZero:
		return finishKeyNumeric(d, b, t)
	case keyNumPos, keyNumNeg:
	default:
		return Null, b, keyCorrupt(t)
	}
	neg := class == keyNumNeg
	get := func(i int) byte {
		if neg {
			return ^b[i]
		}
		return b[i]
	}
	if len(b) < 9 {
		return Null, b, keyCorrupt(t)
	}
	var eb [8]byte
	for i := range eb {
		eb[i] = get(i)
	}
	adj := int64(binary.BigEndian.Uint64(eb[:]) ^ (1 << 63))
	var digits []byte
	i := 8
	for ; i < len(b); i++ {
		c := get(i)
		if c == 0 {
			break
		}
		if c > 100 {
			return Null, b, keyCorrupt(t)
		}
		c--
		digits = append(digits, '0'+c/10, '0'+c%10)
	}
	if i >= len(b) || len(digits) == 0 {
		return Null, b, keyCorrupt(t)
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	exp := adj - int64(len(digits)) + 1
	if exp > math.MaxInt32/2 || exp < math.MinInt32/2 {
		return Null, b, keyCorrupt(t)
	}
	if _, ok := d.Coeff.SetString(string(digits), 10); !ok {
		return Null, b, keyCorrupt(t)
	}
	d.Exponent = int32(exp)
	d.Negative = neg
	return finishKeyNumeric(d, b[i+1:], t)
}

// finishKeyNumeric gives a decoded numeric the column's scale, or the
// smallest non-negative scale that holds it.
func finishKeyNumeric(d *apd.Decimal, rest []byte, t Type) (Value, []byte, error) {
	target := int32(0)
	if _, scale, ok := numericTypmod(t.Mod); ok {
		target = -scale
	} else if d.Exponent < 0 {
		target = d.Exponent
	}
	if d.Exponent != target && (d.Exponent > target || t.Mod >= 4) {
		if d.Exponent-target > 100000 {
			return Null, rest, keyCorrupt(t)
		}
		var r apd.Decimal
		c := *DecimalCtx
		c.Traps = 0
		c.Precision = uint32(max(d.NumDigits()+int64(d.Exponent-target), 1) + 1)
		if _, err := c.Quantize(&r, d, target); err != nil {
			return Null, rest, keyCorrupt(t)
		}
		d.Set(&r)
	}
	return NewNumeric(d), rest, nil
}
