package sql

import (
	"encoding/binary"
	"math"

	"github.com/cockroachdb/apd/v3"
)

// Row encoding for storage: a uvarint column count, then per value its Kind
// as one byte and a kind-specific payload: zigzag varints for ints and
// date/time kinds, 8 little-endian bytes for floats, length-prefixed bytes for
// strings, (micros, days, months) varints for intervals, a count and nested
// values for arrays, and for numerics a flags byte, the exponent and the
// coefficient. The format is self-describing so that rows survive schema
// changes that only add columns.
const (
	rowNumNeg     = 1 << 0
	rowNumNaN     = 1 << 1
	rowNumInf     = 1 << 2
	rowNumBigCoef = 1 << 3

	maxRowArrayDepth = 8
)

// AppendRow appends the storage encoding of row to buf.
func AppendRow(buf []byte, row Row) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(row)))
	for _, v := range row {
		buf = appendRowValue(buf, v)
	}
	return buf
}

func appendRowValue(buf []byte, v Value) []byte {
	buf = append(buf, byte(v.k))
	switch v.k {
	case KindBool:
		return append(buf, byte(v.i))
	case KindInt, KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		return binary.AppendVarint(buf, v.i)
	case KindFloat:
		return binary.LittleEndian.AppendUint64(buf, uint64(v.i))
	case KindText, KindBytes, KindJSON:
		buf = binary.AppendUvarint(buf, uint64(len(v.s)))
		return append(buf, v.s...)
	case KindInterval:
		iv := v.Interval()
		buf = binary.AppendVarint(buf, iv.Micros)
		buf = binary.AppendVarint(buf, int64(iv.Days))
		return binary.AppendVarint(buf, int64(iv.Months))
	case KindNumeric:
		d := v.Numeric()
		var flags byte
		if d == nil {
			return append(buf, rowNumNaN)
		}
		if d.Negative {
			flags |= rowNumNeg
		}
		switch d.Form {
		case apd.NaN, apd.NaNSignaling:
			return append(buf, rowNumNaN)
		case apd.Infinite:
			return append(buf, flags|rowNumInf)
		}
		if !d.Coeff.IsUint64() {
			flags |= rowNumBigCoef
		}
		buf = append(buf, flags)
		buf = binary.AppendVarint(buf, int64(d.Exponent))
		if flags&rowNumBigCoef == 0 {
			return binary.AppendUvarint(buf, d.Coeff.Uint64())
		}
		var abs apd.BigInt
		abs.Abs(&d.Coeff)
		raw := abs.Bytes()
		buf = binary.AppendUvarint(buf, uint64(len(raw)))
		return append(buf, raw...)
	case KindArray:
		a := v.Array()
		buf = binary.AppendUvarint(buf, uint64(len(a)))
		for _, e := range a {
			buf = appendRowValue(buf, e)
		}
	}
	return buf
}

func rowCorrupt() error { return Errorf(CodeDataCorrupted, "corrupt row encoding") }

// DecodeRow decodes a row written by AppendRow into dst, reusing its storage.
func DecodeRow(b []byte, dst Row) (Row, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return dst[:0], rowCorrupt()
	}
	b = b[w:]
	if cap(dst) < int(n) {
		dst = make(Row, 0, n)
	}
	dst = dst[:0]
	for i := uint64(0); i < n; i++ {
		var v Value
		var err error
		v, b, err = decodeRowValue(b, 0)
		if err != nil {
			return dst, err
		}
		dst = append(dst, v)
	}
	if len(b) != 0 {
		return dst, rowCorrupt()
	}
	return dst, nil
}

func decodeRowValue(b []byte, depth int) (Value, []byte, error) {
	if len(b) == 0 {
		return Null, b, rowCorrupt()
	}
	k := Kind(b[0])
	b = b[1:]
	switch k {
	case KindNull:
		return Null, b, nil
	case KindBool:
		if len(b) < 1 || b[0] > 1 {
			return Null, b, rowCorrupt()
		}
		return NewBool(b[0] == 1), b[1:], nil
	case KindInt, KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		i, w := binary.Varint(b)
		if w <= 0 {
			return Null, b, rowCorrupt()
		}
		return Value{k: k, i: i}, b[w:], nil
	case KindFloat:
		if len(b) < 8 {
			return Null, b, rowCorrupt()
		}
		return Value{k: k, i: int64(binary.LittleEndian.Uint64(b))}, b[8:], nil
	case KindText, KindBytes, KindJSON:
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return Null, b, rowCorrupt()
		}
		b = b[w:]
		return Value{k: k, s: string(b[:n])}, b[n:], nil
	case KindInterval:
		us, w1 := binary.Varint(b)
		if w1 <= 0 {
			return Null, b, rowCorrupt()
		}
		days, w2 := binary.Varint(b[w1:])
		if w2 <= 0 || days > math.MaxInt32 || days < math.MinInt32 {
			return Null, b, rowCorrupt()
		}
		months, w3 := binary.Varint(b[w1+w2:])
		if w3 <= 0 || months > math.MaxInt32 || months < math.MinInt32 {
			return Null, b, rowCorrupt()
		}
		return NewInterval(IntervalValue{Months: int32(months), Days: int32(days), Micros: us}), b[w1+w2+w3:], nil
	case KindNumeric:
		return decodeRowNumeric(b)
	case KindArray:
		if depth >= maxRowArrayDepth {
			return Null, b, rowCorrupt()
		}
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return Null, b, rowCorrupt()
		}
		b = b[w:]
		elems := make([]Value, 0, n)
		for i := uint64(0); i < n; i++ {
			var e Value
			var err error
			if e, b, err = decodeRowValue(b, depth+1); err != nil {
				return Null, b, err
			}
			elems = append(elems, e)
		}
		return NewArray(elems), b, nil
	}
	return Null, b, rowCorrupt()
}

func decodeRowNumeric(b []byte) (Value, []byte, error) {
	if len(b) < 1 {
		return Null, b, rowCorrupt()
	}
	flags := b[0]
	b = b[1:]
	d := new(apd.Decimal)
	switch {
	case flags&^(rowNumNeg|rowNumNaN|rowNumInf|rowNumBigCoef) != 0:
		return Null, b, rowCorrupt()
	case flags == rowNumNaN:
		d.Form = apd.NaN
		return NewNumeric(d), b, nil
	case flags&^rowNumNeg == rowNumInf:
		d.Form, d.Negative = apd.Infinite, flags&rowNumNeg != 0
		return NewNumeric(d), b, nil
	case flags&(rowNumNaN|rowNumInf) != 0:
		return Null, b, rowCorrupt()
	}
	exp, w := binary.Varint(b)
	if w <= 0 || exp > math.MaxInt32 || exp < math.MinInt32 {
		return Null, b, rowCorrupt()
	}
	b = b[w:]
	d.Exponent = int32(exp)
	d.Negative = flags&rowNumNeg != 0
	if flags&rowNumBigCoef == 0 {
		c, w := binary.Uvarint(b)
		if w <= 0 {
			return Null, b, rowCorrupt()
		}
		d.Coeff.SetUint64(c)
		return NewNumeric(d), b[w:], nil
	}
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return Null, b, rowCorrupt()
	}
	b = b[w:]
	d.Coeff.SetBytes(b[:n])
	return NewNumeric(d), b[n:], nil
}
