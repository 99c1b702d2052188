package sql

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// DecimalCtx is the context for numeric arithmetic. PostgreSQL's numeric keeps up
// to 131072 digits before the point and 16383 after; carrying that many digits
// through every operation would make division and transcendental functions
// unusably slow, so eddy keeps 1000 significant digits, far beyond what any
// client has been seen to need, and rounds half away from zero as PostgreSQL
// does. Exponent limits are widened to cover PostgreSQL's full range.
var DecimalCtx = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(1000)
	c.Rounding = apd.RoundHalfUp
	c.MaxExponent = 200000
	c.MinExponent = -200000
	c.Traps = apd.DefaultTraps
	return c
}()

// NumericFromInt returns i as a numeric with scale 0.
func NumericFromInt(i int64) *apd.Decimal {
	return apd.New(i, 0)
}

// NumericFromFloat converts f the way PostgreSQL's float8 -> numeric cast does:
// through 15 significant digits (DBL_DIG), so 0.1::float8::numeric is 0.1 and
// not the binary expansion. NaN and infinities map to numeric's NaN and
// infinities (PostgreSQL 14+).
func NumericFromFloat(f float64) (*apd.Decimal, error) {
	return numericFromFloatDigits(f, 15)
}

func numericFromFloatDigits(f float64, digits int) (*apd.Decimal, error) {
	switch {
	case math.IsNaN(f):
		return &apd.Decimal{Form: apd.NaN}, nil
	case math.IsInf(f, 1):
		return &apd.Decimal{Form: apd.Infinite}, nil
	case math.IsInf(f, -1):
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'g', digits, 64)
	d, _, err := apd.NewFromString(string(s))
	if err != nil {
		return nil, Errorf(CodeInternal, "converting %g to numeric: %w", f, err)
	}
	// %g drops trailing zeros, but PG then prints the digits it got, which for
	// a value like 1e20 means an integer: keep the exponent non-negative.
	if d.Exponent > 0 {
		var tmp apd.Decimal
		if _, err := DecimalCtx.Quantize(&tmp, d, 0); err == nil {
			d.Set(&tmp)
		}
	}
	if d.IsZero() {
		d.Negative = false
	}
	return d, nil
}

// numericTypmod splits a numeric typmod into precision and scale. PostgreSQL 15
// stores the scale in 11 bits, signed, to allow negative scales.
func numericTypmod(mod int32) (prec, scale int32, ok bool) {
	if mod < 4 {
		return 0, 0, false
	}
	m := mod - 4
	prec = (m >> 16) & 0xffff
	scale = ((m & 0x7ff) ^ 1024) - 1024
	return prec, scale, true
}

// NumericTypmod builds the typmod of numeric(prec, scale).
func NumericTypmod(prec, scale int32) int32 {
	return ((prec << 16) | (scale & 0x7ff)) + 4
}

// applyNumericTypmod rounds d to the type's scale and checks its precision, as
// PostgreSQL's apply_typmod does. It returns a new decimal, leaving d alone.
func applyNumericTypmod(d *apd.Decimal, mod int32) (*apd.Decimal, error) {
	prec, scale, ok := numericTypmod(mod)
	if !ok {
		return d, nil
	}
	if d.Form != apd.Finite {
		if d.Form == apd.Infinite {
			return nil, &Error{Code: CodeNumericValueOutOfRange, Message: "numeric field overflow",
				Detail: "A field with precision " + strconv.Itoa(int(prec)) + ", scale " + strconv.Itoa(int(scale)) + " cannot hold an infinite value."}
		}
		return d, nil
	}
	r := new(apd.Decimal)
	c := *DecimalCtx
	c.Traps = 0
	c.Precision = uint32(max(int64(d.NumDigits())+int64(d.Exponent)+int64(scale)+2, 1))
	if _, err := c.Quantize(r, d, -scale); err != nil || r.Form != apd.Finite {
		return nil, Errorf(CodeNumericValueOutOfRange, "numeric field overflow")
	}
	if r.IsZero() {
		r.Negative = false
		return r, nil
	}
	// Digits before the point must fit in prec - scale.
	intDigits := r.NumDigits() + int64(r.Exponent)
	if intDigits > int64(prec-scale) {
		lim := int64(prec - scale)
		return nil, &Error{Code: CodeNumericValueOutOfRange, Message: "numeric field overflow",
			Detail: "A field with precision " + strconv.Itoa(int(prec)) + ", scale " + strconv.Itoa(int(scale)) +
				" must round to an absolute value less than " + pow10Text(lim) + "."}
	}
	return r, nil
}

func pow10Text(e int64) string {
	if e == 0 {
		return "1"
	}
	return "10^" + strconv.FormatInt(e, 10)
}

// parseNumeric parses numeric_in's syntax: optional sign, digits with an
// optional point, optional exponent, NaN and [+-]Infinity, surrounding spaces.
func parseNumeric(s string) (*apd.Decimal, error) {
	t := strings.TrimSpace(s)
	bad := func() error {
		return Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type numeric: %q", s)
	}
	if t == "" {
		return nil, bad()
	}
	body := t
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	if strings.EqualFold(body, "nan") {
		if t[0] == '+' || t[0] == '-' {
			return nil, bad()
		}
		return &apd.Decimal{Form: apd.NaN}, nil
	}
	if strings.EqualFold(body, "infinity") || strings.EqualFold(body, "inf") {
		return &apd.Decimal{Form: apd.Infinite, Negative: neg}, nil
	}
	// Validate the grammar ourselves: apd accepts forms PostgreSQL rejects.
	i, digits := 0, 0
	for i < len(body) && body[i] >= '0' && body[i] <= '9' {
		i++
		digits++
	}
	if i < len(body) && body[i] == '.' {
		i++
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return nil, bad()
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		ed := 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
			ed++
		}
		if ed == 0 {
			return nil, bad()
		}
	}
	if i != len(body) {
		return nil, bad()
	}
	d, _, err := apd.NewFromString(body)
	if err != nil {
		return nil, Errorf(CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	// PG's scale is never negative: 1e5 is 100000, not 1E+5.
	if d.Exponent > 0 {
		if d.Exponent > 131072 {
			return nil, Errorf(CodeNumericValueOutOfRange, "value overflows numeric format")
		}
		var m apd.BigInt
		m.SetInt64(10)
		var e apd.BigInt
		e.SetInt64(int64(d.Exponent))
		m.Exp(&m, &e, nil)
		d.Coeff.Mul(&d.Coeff, &m)
		d.Exponent = 0
	}
	if d.Exponent < -16383 {
		return nil, Errorf(CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	d.Negative = neg && !d.IsZero()
	return d, nil
}

// appendNumeric renders d as numeric_out does: plain notation, scale kept.
func appendNumeric(buf []byte, d *apd.Decimal) []byte {
	if d == nil {
		return append(buf, "NaN"...)
	}
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(buf, "NaN"...)
	case apd.Infinite:
		if d.Negative {
			return append(buf, "-Infinity"...)
		}
		return append(buf, "Infinity"...)
	}
	if d.Negative && d.IsZero() {
		var c apd.Decimal
		c.Set(d)
		c.Negative = false
		return c.Append(buf, 'f')
	}
	return d.Append(buf, 'f')
}

// numericToFloat converts d to the nearest float64.
func numericToFloat(d *apd.Decimal) float64 {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return math.NaN()
	case apd.Infinite:
		if d.Negative {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	// A coefficient below 2^53 and a power of ten below 10^23 are both exact
	// in float64, so one multiply or divide rounds correctly.
	if d.Coeff.IsUint64() {
		c := d.Coeff.Uint64()
		if c < 1<<53 && d.Exponent >= -22 && d.Exponent <= 22 {
			f := float64(c)
			if d.Exponent < 0 {
				f /= pow10f[-d.Exponent]
			} else {
				f *= pow10f[d.Exponent]
			}
			if d.Negative {
				f = -f
			}
			return f
		}
	}
	var buf [64]byte
	f, _ := strconv.ParseFloat(string(d.Append(buf[:0], 'e')), 64)
	return f
}

var pow10f = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// numericInt64 reports d's value as an int64 when d is an integer in range,
// without allocating for coefficients that fit in 64 bits.
func numericInt64(d *apd.Decimal) (int64, bool) {
	if d.Form != apd.Finite {
		return 0, false
	}
	if !d.Coeff.IsUint64() {
		var r apd.Decimal
		r.Reduce(d)
		if !r.Coeff.IsUint64() {
			return 0, false
		}
		return numericInt64(&r)
	}
	c := d.Coeff.Uint64()
	e := d.Exponent
	for e < 0 {
		if c%10 != 0 {
			return 0, false
		}
		c /= 10
		e++
	}
	for ; e > 0; e-- {
		if c == 0 {
			break
		}
		if c > math.MaxUint64/10 {
			return 0, false
		}
		c *= 10
	}
	if d.Negative {
		if c > 1<<63 {
			return 0, false
		}
		return -int64(c), true
	}
	if c > math.MaxInt64 {
		return 0, false
	}
	return int64(c), true
}

// numericRoundInt rounds d half away from zero to an int64, as numeric -> int
// casts do; ok is false when it does not fit.
func numericRoundInt(d *apd.Decimal) (int64, bool) {
	if d.Form != apd.Finite {
		return 0, false
	}
	if i, ok := numericInt64(d); ok {
		return i, true
	}
	var r apd.Decimal
	c := *DecimalCtx
	c.Traps = 0
	if _, err := c.Quantize(&r, d, 0); err != nil || r.Form != apd.Finite {
		return 0, false
	}
	return numericInt64(&r)
}
