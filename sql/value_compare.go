package sql

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isNumericKind(k Kind) bool { return k == KindInt || k == KindFloat || k == KindNumeric }

// cmpFloat orders floats as PostgreSQL does: NaN equals NaN and sorts above
// everything, and -0 equals 0.
func cmpFloat(a, b float64) int {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpIntFloat compares an int64 with a float64 exactly.
func cmpIntFloat(i int64, f float64) int {
	if f != f {
		return -1
	}
	if f >= 9223372036854775808.0 {
		return -1
	}
	if f < -9223372036854775808.0 {
		return 1
	}
	t := math.Trunc(f)
	if c := cmp64(i, int64(t)); c != 0 {
		return c
	}
	switch {
	case f > t:
		return -1
	case f < t:
		return 1
	}
	return 0
}

// numericClass orders NaN above +Infinity; apd's Cmp leaves NaN undefined.
func cmpDecimal(a, b *apd.Decimal) int {
	an := a.Form == apd.NaN || a.Form == apd.NaNSignaling
	bn := b.Form == apd.NaN || b.Form == apd.NaNSignaling
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return a.Cmp(b)
}

// floatDecimal converts a finite float64 to the exact decimal it denotes.
func floatDecimal(f float64, d *apd.Decimal) {
	switch {
	case f != f:
		d.Form = apd.NaN
		return
	case math.IsInf(f, 0):
		d.Form = apd.Infinite
		d.Negative = f < 0
		return
	}
	mant, exp := math.Frexp(f)
	// f = m * 2^e with integer m.
	m := int64(mant * (1 << 53))
	e := exp - 53
	neg := m < 0
	if neg {
		m = -m
	}
	var bi big.Int
	bi.SetInt64(m)
	if e >= 0 {
		bi.Lsh(&bi, uint(e))
		d.Exponent = 0
	} else {
		// m * 2^e = m * 5^-e / 10^-e
		var p big.Int
		p.Exp(big.NewInt(5), big.NewInt(int64(-e)), nil)
		bi.Mul(&bi, &p)
		d.Exponent = int32(e)
	}
	d.Form = apd.Finite
	d.Coeff.SetMathBigInt(&bi)
	d.Negative = neg
}

func cmpNumericMixed(a, b Value) int {
	switch a.k {
	case KindInt:
		switch b.k {
		case KindInt:
			return cmp64(a.i, b.i)
		case KindFloat:
			return cmpIntFloat(a.i, b.Float())
		case KindNumeric:
			bd := b.Numeric()
			if i, ok := numericInt64(bd); ok {
				return cmp64(a.i, i)
			}
			var d apd.Decimal
			d.SetInt64(a.i)
			return cmpDecimal(&d, bd)
		}
	case KindFloat:
		switch b.k {
		case KindInt:
			return -cmpIntFloat(b.i, a.Float())
		case KindFloat:
			return cmpFloat(a.Float(), b.Float())
		case KindNumeric:
			return -cmpNumericFloat(b.Numeric(), a.Float())
		}
	case KindNumeric:
		switch b.k {
		case KindInt, KindFloat:
			return -cmpNumericMixed(b, a)
		case KindNumeric:
			return cmpDecimal(a.Numeric(), b.Numeric())
		}
	}
	return 0
}

func cmpNumericFloat(n *apd.Decimal, f float64) int {
	if f != f || n.Form != apd.Finite || math.IsInf(f, 0) {
		var d apd.Decimal
		floatDecimal(f, &d)
		return cmpDecimal(n, &d)
	}
	// Cheap rejection by comparing against the nearest float first.
	if c := cmpFloat(numericToFloat(n), f); c != 0 {
		return c
	}
	var d apd.Decimal
	floatDecimal(f, &d)
	return cmpDecimal(n, &d)
}

// Compare orders two values. Values of different numeric kinds compare by
// exact numeric value; NULL sorts first; otherwise values of different kinds
// order by kind, which callers should never rely on.
func Compare(a, b Value) int {
	if a.k != b.k {
		if isNumericKind(a.k) && isNumericKind(b.k) {
			return cmpNumericMixed(a, b)
		}
		if a.k == KindDate && b.k == KindTimestamp {
			return cmpDateTS(a.i, b.i)
		}
		if a.k == KindTimestamp && b.k == KindDate {
			return -cmpDateTS(b.i, a.i)
		}
		return cmp64(int64(a.k), int64(b.k))
	}
	switch a.k {
	case KindNull:
		return 0
	case KindBool, KindInt, KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		return cmp64(a.i, b.i)
	case KindFloat:
		return cmpFloat(a.Float(), b.Float())
	case KindNumeric:
		return cmpDecimal(a.Numeric(), b.Numeric())
	case KindText, KindBytes:
		return strings.Compare(a.s, b.s)
	case KindJSON:
		return compareJSON(a.s, b.s)
	case KindInterval:
		ad, au := intervalSpan(a.Interval())
		bd, bu := intervalSpan(b.Interval())
		if c := cmp64(ad, bd); c != 0 {
			return c
		}
		return cmp64(au, bu)
	case KindArray:
		return cmpArray(a.Array(), b.Array())
	}
	return 0
}

func cmpDateTS(days, ts int64) int {
	switch days {
	case NegInfinity, PosInfinity:
		return cmp64(days, ts)
	}
	if days > math.MaxInt64/microsPerDay {
		return 1
	}
	if days < math.MinInt64/microsPerDay {
		return -1
	}
	return cmp64(days*microsPerDay, ts)
}

// cmpArray compares element by element; NULL elements sort after non-NULL
// ones (as array_cmp does), then the shorter array first.
func cmpArray(a, b []Value) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		switch {
		case x.k == KindNull && y.k == KindNull:
			continue
		case x.k == KindNull:
			return 1
		case y.k == KindNull:
			return -1
		}
		if c := Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp64(int64(len(a)), int64(len(b)))
}

// Equal reports whether two non-NULL values are equal, as Compare(a, b) == 0.
func Equal(a, b Value) bool {
	if a.k == b.k {
		switch a.k {
		case KindBool, KindInt, KindDate, KindTime, KindTimestamp, KindTimestampTZ:
			return a.i == b.i
		case KindText, KindBytes:
			return a.s == b.s
		case KindJSON:
			if a.s == b.s {
				return true
			}
		}
	}
	return Compare(a, b) == 0
}

// Hash tags so that values of different kinds rarely collide.
const (
	hNull byte = iota
	hBool
	hInt
	hFloat
	hText
	hBytes
	hDate
	hTime
	hTS
	hTSTZ
	hInterval
	hJSON
	hArray
	hNaN
)

// Hash writes v into h so that Equal values hash equally. Numbers of all
// kinds share one scheme: integral values in int64 range hash as that int64,
// everything else as the nearest float64 (which equal values share).
func Hash(h *maphash.Hash, v Value) {
	var b [9]byte
	switch v.k {
	case KindNull:
		h.WriteByte(hNull)
	case KindBool:
		b[0], b[1] = hBool, byte(v.i)
		h.Write(b[:2])
	case KindInt:
		hashInt(h, v.i)
	case KindFloat:
		hashFloat(h, v.Float())
	case KindNumeric:
		d := v.Numeric()
		if i, ok := numericInt64(d); ok {
			hashInt(h, i)
		} else {
			hashFloat(h, numericToFloat(d))
		}
	case KindText:
		h.WriteByte(hText)
		h.WriteString(v.s)
		h.WriteByte(0)
	case KindBytes:
		h.WriteByte(hBytes)
		h.WriteString(v.s)
		h.WriteByte(0)
	case KindJSON:
		h.WriteByte(hJSON)
		h.WriteString(canonicalJSON(v.s))
		h.WriteByte(0)
	case KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		b[0] = hDate + byte(v.k-KindDate)
		if v.k == KindDate {
			// Dates equal midnight timestamps in Compare.
			b[0] = hTS
			if v.i != NegInfinity && v.i != PosInfinity {
				v.i *= microsPerDay
			}
		}
		binary.LittleEndian.PutUint64(b[1:], uint64(v.i))
		h.Write(b[:])
	case KindInterval:
		d, us := intervalSpan(v.Interval())
		b[0] = hInterval
		binary.LittleEndian.PutUint64(b[1:], uint64(d))
		h.Write(b[:])
		binary.LittleEndian.PutUint64(b[1:], uint64(us))
		h.Write(b[1:])
	case KindArray:
		a := v.Array()
		b[0] = hArray
		binary.LittleEndian.PutUint64(b[1:], uint64(len(a)))
		h.Write(b[:])
		for _, e := range a {
			Hash(h, e)
		}
	}
}

func hashInt(h *maphash.Hash, i int64) {
	var b [9]byte
	b[0] = hInt
	binary.LittleEndian.PutUint64(b[1:], uint64(i))
	h.Write(b[:])
}

func hashFloat(h *maphash.Hash, f float64) {
	if f != f {
		h.WriteByte(hNaN)
		return
	}
	if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
		hashInt(h, int64(f))
		return
	}
	var b [9]byte
	b[0] = hFloat
	binary.LittleEndian.PutUint64(b[1:], math.Float64bits(f))
	h.Write(b[:])
}

// HashSeed is the process-wide seed for row hashing, so that hashes agree
// across operators within one process (they are never persisted).
var HashSeed = maphash.MakeSeed()

// HashRow hashes the columns cols of row (all columns when cols is nil).
func HashRow(seed maphash.Seed, row Row, cols []int) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	if cols == nil {
		for _, v := range row {
			Hash(&h, v)
		}
	} else {
		for _, c := range cols {
			Hash(&h, row[c])
		}
	}
	return h.Sum64()
}

// String renders v for debugging and error messages: 42, 'abc', NULL.
func (v Value) String() string {
	switch v.k {
	case KindNull:
		return "NULL"
	case KindBool:
		if v.i != 0 {
			return "true"
		}
		return "false"
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindFloat, KindNumeric:
		return FormatText(v, Float8, nil)
	case KindText, KindJSON:
		return "'" + strings.ReplaceAll(v.s, "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(FormatText(v, defaultType(v.k), nil), "'", "''") + "'"
}

// defaultType is the type a kind most often stands for, for String and for
// formatting array elements when the element type is unknown.
func defaultType(k Kind) Type {
	switch k {
	case KindBool:
		return Bool
	case KindInt:
		return Int8
	case KindFloat:
		return Float8
	case KindNumeric:
		return Numeric
	case KindBytes:
		return Bytea
	case KindDate:
		return Date
	case KindTime:
		return Time
	case KindTimestamp:
		return Timestamp
	case KindTimestampTZ:
		return TimestampTZ
	case KindInterval:
		return Interval
	case KindJSON:
		return JSONB
	case KindArray:
		return ArrayOf(Text)
	}
	return Text
}
