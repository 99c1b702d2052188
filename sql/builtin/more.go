package builtin

import (
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

// Array operators (@> <@ && over arrays, subscript assignment and
// multi-dimensional slices), SIMILAR TO, and numeric functions that
// PostgreSQL has and the first registrations missed.

func flatten(dst, arr []sql.Value) []sql.Value {
	for _, e := range arr {
		if e.Kind() == sql.KindArray {
			dst = flatten(dst, e.Array())
		} else {
			dst = append(dst, e)
		}
	}
	return dst
}

// arrayContains is PostgreSQL's array @>: every element of b equals some
// element of a, dimensions ignored; a NULL element matches nothing.
func arrayContains(a, b []sql.Value) bool {
	fa := flatten(nil, a)
	for _, y := range flatten(nil, b) {
		if y.IsNull() {
			return false
		}
		found := false
		for _, x := range fa {
			if !x.IsNull() && sql.Compare(x, y) == 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func arrayOverlaps(a, b []sql.Value) bool {
	fa := flatten(nil, a)
	for _, y := range flatten(nil, b) {
		if y.IsNull() {
			continue
		}
		for _, x := range fa {
			if !x.IsNull() && sql.Compare(x, y) == 0 {
				return true
			}
		}
	}
	return false
}

// sliceArray applies one lo:hi pair per dimension (a NULL bound is an
// omitted one); dimensions without a pair are kept whole. ok is false when
// the result is empty, which PostgreSQL returns as '{}' whatever the
// dimension that came out empty.
func sliceArray(arr []sql.Value, bounds []sql.Value) ([]sql.Value, bool) {
	if len(bounds) == 0 {
		return arr, len(arr) > 0
	}
	lo, hi := int64(1), int64(len(arr))
	if !bounds[0].IsNull() {
		lo = max(bounds[0].Int(), 1)
	}
	if !bounds[1].IsNull() {
		hi = min(bounds[1].Int(), int64(len(arr)))
	}
	if lo > hi {
		return nil, false
	}
	out := make([]sql.Value, 0, hi-lo+1)
	for _, e := range arr[lo-1 : hi] {
		if len(bounds) > 2 {
			if e.Kind() != sql.KindArray {
				return nil, false
			}
			sub, ok := sliceArray(e.Array(), bounds[2:])
			if !ok {
				return nil, false
			}
			e = sql.NewArray(sub)
		}
		out = append(out, e)
	}
	return out, true
}

// similarToRegex translates a SQL SIMILAR TO pattern into a POSIX regular
// expression the way PostgreSQL's similar_to_escape does (escape \).
func similarToRegex(pat string) string {
	var b strings.Builder
	b.WriteString("^(?:")
	inClass, afterEscape := false, false
	for _, c := range pat {
		switch {
		case afterEscape:
			b.WriteByte('\\')
			b.WriteRune(c)
			afterEscape = false
		case c == '\\':
			afterEscape = true
		case inClass:
			b.WriteRune(c)
			if c == ']' {
				inClass = false
			}
		case c == '[':
			b.WriteRune(c)
			inClass = true
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteByte('.')
		case c == '(':
			b.WriteString("(?:")
		case c == '.', c == '^', c == '$':
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	if afterEscape {
		b.WriteString(`\\`)
	}
	b.WriteString(")$")
	return b.String()
}

func init() {
	arrBool := func(name string, f func(a, b []sql.Value) bool) *Func {
		return fn(name, types(AnyArray, AnyArray), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewBool(f(a[0].Array(), a[1].Array())), nil
		})
	}
	Register(
		arrBool("eddy_contains", arrayContains),
		arrBool("arraycontains", arrayContains),
		arrBool("eddy_contained", func(a, b []sql.Value) bool { return arrayContains(b, a) }),
		arrBool("arraycontained", func(a, b []sql.Value) bool { return arrayContains(b, a) }),
		arrBool("eddy_overlaps", arrayOverlaps),
		arrBool("arrayoverlap", arrayOverlaps),
		&Func{Name: "array_positions", Args: types(AnyArray, AnyElement), Ret: sql.ArrayOf(sql.Int4), NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				out := []sql.Value{}
				for i, e := range a[0].Array() {
					if e.Kind() == sql.KindArray {
						return sql.Null, sql.Errorf(sql.CodeFeatureNotSupported, "searching for elements in multidimensional arrays is not supported")
					}
					if sameElem(e, a[1]) {
						out = append(out, intOf(i+1))
					}
				}
				return sql.NewArray(out), nil
			}},
		// eddy_array_set(a, i, v) is the value of a after SET a[i] = v: a
		// NULL array becomes {v}, and assigning past the end pads with NULLs.
		&Func{Name: "eddy_array_set", Args: types(AnyArray, sql.Int4, AnyElement), RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[1].IsNull() {
					return sql.Null, sql.Errorf(sql.CodeNullValueNotAllowed, "array subscript in assignment must not be null")
				}
				old := a[0].Array()
				if len(old) > 0 && old[0].Kind() == sql.KindArray {
					return sql.Null, sql.Errorf("2202E", "wrong number of array subscripts")
				}
				i := a[1].Int()
				if i < 1 || i > 1<<27 {
					return sql.Null, sql.Errorf(sql.CodeFeatureNotSupported, "array subscripts below 1 are not supported")
				}
				n := max(int64(len(old)), i)
				out := make([]sql.Value, n)
				copy(out, old)
				for k := len(old); k < int(n); k++ {
					out[k] = sql.Null
				}
				out[i-1] = a[2]
				return sql.NewArray(out), nil
			}},
		// eddy_slice(a, lo1, hi1 [, lo2, hi2 ...]) is a[lo1:hi1][lo2:hi2].
		&Func{Name: "eddy_slice", Args: types(AnyArray, sql.Int4), Variadic: true, RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() || len(a)%2 == 0 {
					return sql.Null, nil
				}
				if len(a)/2 > len(dims(a[0].Array())) {
					return sql.NewArray([]sql.Value{}), nil
				}
				out, ok := sliceArray(a[0].Array(), a[1:])
				if !ok {
					return sql.NewArray([]sql.Value{}), nil
				}
				return sql.NewArray(out), nil
			}},
		fn("eddy_similar", types(sql.Text, sql.Text), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			ok, err := regexMatches(a[0].Text(), similarToRegex(a[1].Text()), false)
			return sql.NewBool(ok), err
		}),
		fn("factorial", types(sql.Int8), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			n := a[0].Int()
			if n < 0 {
				return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "factorial of a negative number is undefined")
			}
			if n > 32177 {
				return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
			}
			r := new(big.Int).MulRange(1, max(n, 1))
			d := new(apd.Decimal)
			d.Coeff.SetMathBigInt(r)
			return numVal(d), nil
		}),
		fn("trim_scale", types(sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return numVal(trimScale(a[0].Numeric())), nil
		}),
		fn("min_scale", types(sql.Numeric), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			d := a[0].Numeric()
			if d.Form != apd.Finite {
				return sql.Null, nil
			}
			return intOf(int(decScale(trimScale(d)))), nil
		}),
	)
}

// trimScale drops trailing fractional zeros, never integer digits.
func trimScale(d *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal).Set(d)
	if r.Form != apd.Finite || r.Exponent >= 0 {
		return r
	}
	r.Reduce(r)
	if r.Exponent > 0 {
		c := numCtx(uint32(r.NumDigits() + int64(r.Exponent) + 1))
		c.Quantize(r, r, 0)
	}
	return r
}

var cbrtFactor = [5]float64{1.0 / 1.5874010519681994748, 1.0 / 1.2599210498948731648, 1.0, 1.2599210498948731648, 1.5874010519681994748}

// cbrt is glibc's cbrt, which PostgreSQL calls: it is not correctly rounded
// (cbrt(27) is 3.0000000000000004) and Go's math.Cbrt is, so results would
// differ in the last digit. The float64 conversions keep Go from fusing
// multiply-adds, which would change the rounding again.
func cbrt(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x + x
	}
	xm, xe := math.Frexp(math.Abs(x))
	u := float64(0.354895765043919860 + float64((1.50819193781584896+float64((-2.11499494167371287+float64((2.44693122563534430+float64((-1.83469277483613086+float64((0.784932344976639262-float64(0.145263899385486377*xm))*xm))*xm))*xm))*xm))*xm))
	t2 := u * u * u
	ym := float64(u*float64(t2+float64(2.0*xm))) / float64(float64(2.0*t2)+xm) * cbrtFactor[2+xe%3]
	if x < 0 {
		ym = -ym
	}
	return math.Ldexp(ym, xe/3)
}

// CheckArrayDims rejects ARRAY[[1, 2], [3]]: the sub-arrays of a
// multi-dimensional array constructor must all have the same dimensions.
func CheckArrayDims(elems []sql.Value) error {
	var want []int
	for i, e := range elems {
		var d []int
		if e.Kind() == sql.KindArray {
			d = dims(e.Array())
		}
		if i == 0 {
			want = d
			continue
		}
		if !slices.Equal(d, want) {
			return sql.Errorf("2202E", "multidimensional arrays must have array expressions with matching dimensions")
		}
	}
	return nil
}
