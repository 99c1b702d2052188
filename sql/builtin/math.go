package builtin

import (
	"math"
	"math/rand/v2"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

// intType describes one integer width for the overloads that PostgreSQL
// defines per width, so that overflow is reported with the type's own name.
type intType struct {
	t        sql.Type
	min, max int64
	name     string
}

var intTypes = []intType{
	{sql.Int2, math.MinInt16, math.MaxInt16, "smallint"},
	{sql.Int4, math.MinInt32, math.MaxInt32, "integer"},
	{sql.Int8, math.MinInt64, math.MaxInt64, "bigint"},
}

func (it intType) overflow() error {
	return sql.Errorf(sql.CodeNumericValueOutOfRange, "%s out of range", it.name)
}

func divByZero() error { return sql.Errorf(sql.CodeDivisionByZero, "division by zero") }

// checkFloat reports float8 overflow and underflow the way float8's
// functions do: an infinite result from finite inputs, or zero from non-zero.
func checkFloat(r float64, inf bool, zeroOK bool) (sql.Value, error) {
	if math.IsInf(r, 0) && !inf {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "value out of range: overflow")
	}
	if r == 0 && !zeroOK {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "value out of range: underflow")
	}
	return sql.NewFloat(r), nil
}

func f1(name string, f func(float64) (float64, error)) *Func {
	return fn(name, types(sql.Float8), sql.Float8, func(_ *Context, a []sql.Value) (sql.Value, error) {
		r, err := f(a[0].Float())
		if err != nil {
			return sql.Null, err
		}
		return sql.NewFloat(r), nil
	})
}

func n1(name string, f func(*apd.Decimal) (*apd.Decimal, error)) *Func {
	return fn(name, types(sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
		r, err := f(a[0].Numeric())
		if err != nil {
			return sql.Null, err
		}
		return numVal(r), nil
	})
}

func pure(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) { return f(x), nil }
}

// trig wraps a math function that PostgreSQL reports "input is out of range"
// for when it yields NaN from a non-NaN argument.
func trig(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		r := f(x)
		if math.IsNaN(r) && !math.IsNaN(x) {
			return 0, sql.Errorf(sql.CodeNumericValueOutOfRange, "input is out of range")
		}
		return r, nil
	}
}

func init() {
	for _, it := range intTypes {
		it := it
		Register(
			fn("abs", types(it.t), it.t, func(_ *Context, a []sql.Value) (sql.Value, error) {
				x := a[0].Int()
				if x < 0 {
					if x == it.min {
						return sql.Null, it.overflow()
					}
					x = -x
				}
				return sql.NewInt(x), nil
			}),
			fn("mod", types(it.t, it.t), it.t, func(_ *Context, a []sql.Value) (sql.Value, error) {
				y := a[1].Int()
				if y == 0 {
					return sql.Null, divByZero()
				}
				if y == -1 {
					// MinInt % -1 traps on some CPUs; the answer is always 0.
					return sql.NewInt(0), nil
				}
				return sql.NewInt(a[0].Int() % y), nil
			}),
		)
		if it.t.OID != sql.OIDInt2 {
			Register(
				fn("gcd", types(it.t, it.t), it.t, func(_ *Context, a []sql.Value) (sql.Value, error) {
					g, ok := gcd64(a[0].Int(), a[1].Int())
					if !ok || g < it.min || g > it.max {
						return sql.Null, it.overflow()
					}
					return sql.NewInt(g), nil
				}),
				fn("lcm", types(it.t, it.t), it.t, func(_ *Context, a []sql.Value) (sql.Value, error) {
					x, y := a[0].Int(), a[1].Int()
					if x == 0 || y == 0 {
						return sql.NewInt(0), nil
					}
					g, ok := gcd64(x, y)
					if !ok {
						return sql.Null, it.overflow()
					}
					q := x / g
					r := q * y
					if r/y != q || r == math.MinInt64 {
						return sql.Null, it.overflow()
					}
					if r < 0 {
						r = -r
					}
					if r > it.max {
						return sql.Null, it.overflow()
					}
					return sql.NewInt(r), nil
				}),
			)
		}
	}

	Register(
		f1("abs", pure(math.Abs)),
		n1("abs", func(d *apd.Decimal) (*apd.Decimal, error) {
			r := new(apd.Decimal)
			r.Abs(d)
			return r, nil
		}),
		f1("ceil", pure(math.Ceil)), f1("ceiling", pure(math.Ceil)),
		f1("floor", pure(math.Floor)),
		f1("round", pure(math.RoundToEven)),
		f1("trunc", pure(math.Trunc)),
		n1("ceil", numCeil), n1("ceiling", numCeil),
		n1("floor", numFloor),
		n1("round", func(d *apd.Decimal) (*apd.Decimal, error) { return roundScale(d, 0, apd.RoundHalfUp) }),
		n1("trunc", func(d *apd.Decimal) (*apd.Decimal, error) { return roundScale(d, 0, apd.RoundDown) }),
		fn("round", types(sql.Numeric, sql.Int4), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r, err := roundScale(a[0].Numeric(), clampScale(a[1].Int()), apd.RoundHalfUp)
			if err != nil {
				return sql.Null, err
			}
			return numVal(r), nil
		}),
		fn("trunc", types(sql.Numeric, sql.Int4), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r, err := roundScale(a[0].Numeric(), clampScale(a[1].Int()), apd.RoundDown)
			if err != nil {
				return sql.Null, err
			}
			return numVal(r), nil
		}),
		f1("sign", func(x float64) (float64, error) {
			switch {
			case x > 0:
				return 1, nil
			case x < 0:
				return -1, nil
			}
			return x, nil
		}),
		n1("sign", func(d *apd.Decimal) (*apd.Decimal, error) {
			if isNaN(d) {
				return d, nil
			}
			if d.IsZero() {
				return apd.New(0, 0), nil
			}
			if d.Negative {
				return apd.New(-1, 0), nil
			}
			return apd.New(1, 0), nil
		}),
		f1("sqrt", func(x float64) (float64, error) {
			if x < 0 {
				return 0, sql.Errorf(codeInvalidArgumentForPower, "cannot take square root of a negative number")
			}
			return math.Sqrt(x), nil
		}),
		n1("sqrt", numSqrt),
		f1("cbrt", pure(cbrt)),
		f1("exp", func(x float64) (float64, error) {
			r := math.Exp(x)
			if math.IsInf(r, 1) && !math.IsInf(x, 1) {
				return 0, sql.Errorf(sql.CodeNumericValueOutOfRange, "value out of range: overflow")
			}
			if r == 0 && !math.IsInf(x, -1) {
				return 0, sql.Errorf(sql.CodeNumericValueOutOfRange, "value out of range: underflow")
			}
			return r, nil
		}),
		n1("exp", numExp),
		f1("ln", logf(math.Log)),
		f1("log", logf(math.Log10)),
		f1("log10", logf(math.Log10)),
		n1("ln", func(d *apd.Decimal) (*apd.Decimal, error) { return numLn(d) }),
		n1("log", func(d *apd.Decimal) (*apd.Decimal, error) { return numLog(apd.New(10, 0), d) }),
		n1("log10", func(d *apd.Decimal) (*apd.Decimal, error) { return numLog(apd.New(10, 0), d) }),
		fn("log", types(sql.Numeric, sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r, err := numLog(a[0].Numeric(), a[1].Numeric())
			if err != nil {
				return sql.Null, err
			}
			return numVal(r), nil
		}),
		fn("power", types(sql.Float8, sql.Float8), sql.Float8, floatPower),
		fn("pow", types(sql.Float8, sql.Float8), sql.Float8, floatPower),
		fn("power", types(sql.Numeric, sql.Numeric), sql.Numeric, numPowerEval),
		fn("pow", types(sql.Numeric, sql.Numeric), sql.Numeric, numPowerEval),
		fn("mod", types(sql.Numeric, sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			x, y := a[0].Numeric(), a[1].Numeric()
			if isNaN(x) || isNaN(y) {
				return sql.NewNumeric(&apd.Decimal{Form: apd.NaN}), nil
			}
			if y.IsZero() {
				return sql.Null, divByZero()
			}
			if x.Form == apd.Infinite {
				return sql.NewNumeric(&apd.Decimal{Form: apd.NaN}), nil
			}
			if y.Form == apd.Infinite {
				return numVal(new(apd.Decimal).Set(x)), nil
			}
			r := new(apd.Decimal)
			c := numCtx(uint32(max(x.NumDigits()+int64(x.Exponent)-int64(min(x.Exponent, y.Exponent)), 1) + 2))
			if _, err := c.Rem(r, x, y); err != nil {
				return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
			}
			return numVal(r), nil
		}),
		fn("div", types(sql.Numeric, sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			x, y := a[0].Numeric(), a[1].Numeric()
			if isNaN(x) || isNaN(y) {
				return sql.NewNumeric(&apd.Decimal{Form: apd.NaN}), nil
			}
			if y.IsZero() {
				return sql.Null, divByZero()
			}
			switch {
			case x.Form == apd.Infinite && y.Form == apd.Infinite:
				return sql.NewNumeric(&apd.Decimal{Form: apd.NaN}), nil
			case x.Form == apd.Infinite:
				return sql.NewNumeric(&apd.Decimal{Form: apd.Infinite, Negative: x.Negative != y.Negative}), nil
			case y.Form == apd.Infinite:
				return numVal(new(apd.Decimal)), nil
			}
			r := new(apd.Decimal)
			c := numCtx(uint32(max(x.NumDigits()+int64(x.Exponent)-int64(y.Exponent), 1) + 2))
			if _, err := c.QuoInteger(r, x, y); err != nil {
				return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
			}
			return numVal(r), nil
		}),
		fn("gcd", types(sql.Numeric, sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return numGcdLcm(a[0].Numeric(), a[1].Numeric(), false)
		}),
		fn("lcm", types(sql.Numeric, sql.Numeric), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return numGcdLcm(a[0].Numeric(), a[1].Numeric(), true)
		}),
		fn("pi", nil, sql.Float8, func(*Context, []sql.Value) (sql.Value, error) { return sql.NewFloat(math.Pi), nil }),
		&Func{Name: "random", Ret: sql.Float8, Volatile: true, Eval: func(*Context, []sql.Value) (sql.Value, error) {
			return sql.NewFloat(rand.Float64()), nil
		}},
		f1("degrees", pure(func(x float64) float64 { return x * (180 / math.Pi) })),
		f1("radians", pure(func(x float64) float64 { return x * (math.Pi / 180) })),
		f1("sin", trig(math.Sin)), f1("cos", trig(math.Cos)), f1("tan", trig(math.Tan)),
		f1("asin", trig(math.Asin)), f1("acos", trig(math.Acos)), f1("atan", trig(math.Atan)),
		f1("cot", trig(func(x float64) float64 { return 1 / math.Tan(x) })),
		f1("sinh", pure(math.Sinh)), f1("cosh", pure(math.Cosh)), f1("tanh", pure(math.Tanh)),
		f1("sind", trig(func(x float64) float64 { return degTrig(math.Sin, x) })),
		f1("cosd", trig(func(x float64) float64 { return degTrig(math.Cos, x) })),
		f1("asind", trig(func(x float64) float64 { return math.Asin(x) * 180 / math.Pi })),
		f1("acosd", trig(func(x float64) float64 { return math.Acos(x) * 180 / math.Pi })),
		f1("atand", trig(func(x float64) float64 { return math.Atan(x) * 180 / math.Pi })),
		fn("atan2", types(sql.Float8, sql.Float8), sql.Float8, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewFloat(math.Atan2(a[0].Float(), a[1].Float())), nil
		}),
		fn("atan2d", types(sql.Float8, sql.Float8), sql.Float8, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewFloat(math.Atan2(a[0].Float(), a[1].Float()) * 180 / math.Pi), nil
		}),
		fn("scale", types(sql.Numeric), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			d := a[0].Numeric()
			if d.Form != apd.Finite {
				return sql.Null, nil
			}
			return sql.NewInt(int64(decScale(d))), nil
		}),
		fn("width_bucket", types(sql.Float8, sql.Float8, sql.Float8, sql.Int4), sql.Int4, widthBucketFloat),
		fn("width_bucket", types(sql.Numeric, sql.Numeric, sql.Numeric, sql.Int4), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			for _, v := range a[:3] {
				if d := v.Numeric(); d.Form != apd.Finite {
					return sql.Null, sql.Errorf("2201G", "operand, lower bound, and upper bound cannot be NaN or infinity")
				}
			}
			return widthBucket(decFloat(a[0].Numeric()), decFloat(a[1].Numeric()), decFloat(a[2].Numeric()), a[3].Int())
		}),
	)
}

// degTrig evaluates sind/cosd exactly at multiples of 30 and 90 degrees, as
// PostgreSQL does, so that sind(30) is 0.5 and not 0.49999999999999994.
func degTrig(f func(float64) float64, x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return math.NaN()
	}
	r := math.Mod(x, 360)
	if r < 0 {
		r += 360
	}
	exact := map[float64]float64{}
	if f(0) == 0 { // sin
		exact = map[float64]float64{0: 0, 30: 0.5, 90: 1, 150: 0.5, 180: 0, 210: -0.5, 270: -1, 330: -0.5}
	} else {
		exact = map[float64]float64{0: 1, 60: 0.5, 90: 0, 120: -0.5, 180: -1, 240: -0.5, 270: 0, 300: 0.5}
	}
	if v, ok := exact[r]; ok {
		return v
	}
	return f(r * math.Pi / 180)
}

func logf(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		if x == 0 {
			return 0, sql.Errorf(codeInvalidArgumentForLog, "cannot take logarithm of zero")
		}
		if x < 0 {
			return 0, sql.Errorf(codeInvalidArgumentForLog, "cannot take logarithm of a negative number")
		}
		return f(x), nil
	}
}

func clampScale(s int64) int32 {
	return int32(min(max(s, -16383), 16383))
}

func gcd64(a, b int64) (int64, bool) {
	// Work in negative numbers so that MinInt64 is representable.
	if a > 0 {
		a = -a
	}
	if b > 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	if a == math.MinInt64 {
		return 0, false
	}
	return -a, true
}

func numCeil(d *apd.Decimal) (*apd.Decimal, error) {
	if d.Form != apd.Finite {
		return d, nil
	}
	r := new(apd.Decimal)
	numCtx(uint32(max(d.NumDigits()+int64(d.Exponent), 1)+1)).Ceil(r, d)
	return roundScale(r, 0, apd.RoundDown)
}

func numFloor(d *apd.Decimal) (*apd.Decimal, error) {
	if d.Form != apd.Finite {
		return d, nil
	}
	r := new(apd.Decimal)
	numCtx(uint32(max(d.NumDigits()+int64(d.Exponent), 1)+1)).Floor(r, d)
	return roundScale(r, 0, apd.RoundDown)
}

// finishScale rounds an intermediate result to PostgreSQL's display scale
// rscale, clamped as numeric.c clamps it.
func finishScale(r *apd.Decimal, rscale int64) (*apd.Decimal, error) {
	return roundScale(r, int32(min(max(rscale, 0), 1000)), apd.RoundHalfUp)
}

// workCtx has enough digits for a result of the given decimal weight to be
// correct to rscale places.
func workCtx(weight, rscale int64) *apd.Context {
	return numCtx(uint32(max(weight+rscale+10, 20)))
}

func numSqrt(d *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(d) {
		return d, nil
	}
	if d.Negative && !d.IsZero() {
		return nil, sql.Errorf(codeInvalidArgumentForPower, "cannot take square root of a negative number")
	}
	if d.Form == apd.Infinite {
		return d, nil
	}
	// numeric_sqrt: 16 significant digits, from the base-10000 weight.
	w := decWeight(d)
	w4 := w / 4
	if w < 0 && w%4 != 0 {
		w4--
	}
	sweight := (w4+1)*4/2 - 1
	rscale := max(16-sweight, int64(decScale(d)))
	r := new(apd.Decimal)
	workCtx(w/2+1, rscale).Sqrt(r, d)
	return finishScale(r, rscale)
}

func numExp(d *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(d) {
		return d, nil
	}
	if d.Form == apd.Infinite {
		if d.Negative {
			return apd.New(0, 0), nil
		}
		return d, nil
	}
	val := decFloat(d) * 0.434294481903252
	if val > 131072 {
		return nil, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	val = max(min(val, 2000), -2000)
	rscale := max(16-int64(val), int64(decScale(d)))
	r := new(apd.Decimal)
	workCtx(int64(val)+1, rscale).Exp(r, d)
	return finishScale(r, rscale)
}

// lnDweight is numeric.c's estimate_ln_dweight: the decimal weight of ln(d).
func lnDweight(d *apd.Decimal) int64 {
	one := apd.New(1, 0)
	if d.Cmp(apd.New(9, -1)) >= 0 && d.Cmp(apd.New(11, -1)) <= 0 {
		x := new(apd.Decimal)
		numCtx(uint32(d.NumDigits()+2)).Sub(x, d, one)
		if x.IsZero() {
			return 0
		}
		return decWeight(x)
	}
	l := math.Log10(math.Abs(math.Log(decFloat(d))))
	if math.IsInf(l, 0) || math.IsNaN(l) {
		// Beyond float8's range: ln(x) ~ weight*ln(10).
		l = math.Log10(math.Abs(float64(decWeight(d)) * math.Ln10))
	}
	return int64(l)
}

func lnCheck(d *apd.Decimal) error {
	if d.IsZero() {
		return sql.Errorf(codeInvalidArgumentForLog, "cannot take logarithm of zero")
	}
	if d.Negative {
		return sql.Errorf(codeInvalidArgumentForLog, "cannot take logarithm of a negative number")
	}
	return nil
}

func numLn(d *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(d) {
		return d, nil
	}
	if err := lnCheck(d); err != nil {
		return nil, err
	}
	if d.Form == apd.Infinite {
		return d, nil
	}
	rscale := max(16-lnDweight(d), int64(decScale(d)))
	r := new(apd.Decimal)
	workCtx(4, rscale).Ln(r, d)
	return finishScale(r, rscale)
}

func numLog(b, x *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(b) {
		return b, nil
	}
	if isNaN(x) {
		return x, nil
	}
	if err := lnCheck(b); err != nil {
		return nil, err
	}
	if err := lnCheck(x); err != nil {
		return nil, err
	}
	if b.Form == apd.Infinite || x.Form == apd.Infinite {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "log of infinity is not supported")
	}
	rscale := max(16-(lnDweight(x)-lnDweight(b)), int64(decScale(b)), int64(decScale(x)))
	c := workCtx(8, rscale+10)
	lb, lx, r := new(apd.Decimal), new(apd.Decimal), new(apd.Decimal)
	c.Ln(lb, b)
	c.Ln(lx, x)
	if lb.IsZero() {
		return nil, divByZero()
	}
	c.Quo(r, lx, lb)
	return finishScale(r, rscale)
}

func floatPower(_ *Context, a []sql.Value) (sql.Value, error) {
	x, y := a[0].Float(), a[1].Float()
	if x == 0 && y < 0 {
		return sql.Null, sql.Errorf(codeInvalidArgumentForPower, "zero raised to a negative power is undefined")
	}
	if x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0) {
		return sql.Null, sql.Errorf(codeInvalidArgumentForPower, "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(x, y)
	inf := math.IsInf(x, 0) || math.IsInf(y, 0)
	return checkFloat(r, inf, inf || x == 0)
}

func numPowerEval(_ *Context, a []sql.Value) (sql.Value, error) {
	r, err := numPower(a[0].Numeric(), a[1].Numeric())
	if err != nil {
		return sql.Null, err
	}
	return numVal(r), nil
}

func numPower(b, e *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(b) {
		if e.IsZero() {
			return apd.New(1, 0), nil
		}
		return b, nil
	}
	if isNaN(e) {
		if b.Cmp(apd.New(1, 0)) == 0 {
			return apd.New(1, 0), nil
		}
		return e, nil
	}
	if b.IsZero() && e.Negative {
		return nil, sql.Errorf(codeInvalidArgumentForPower, "zero raised to a negative power is undefined")
	}
	isInt := false
	if e.Form == apd.Finite {
		var integ, frac apd.Decimal
		e.Modf(&integ, &frac)
		isInt = frac.IsZero()
	}
	if b.Negative && !isInt && e.Form == apd.Finite {
		return nil, sql.Errorf(codeInvalidArgumentForPower, "a negative number raised to a non-integer power yields a complex result")
	}
	if b.Form != apd.Finite || e.Form != apd.Finite {
		f := math.Pow(decFloat(b), decFloat(e))
		return decFromFloat(f), nil
	}
	var rscale int64
	var weight float64
	if b.IsZero() {
		weight = 0
	} else {
		weight = decFloat(e) * math.Log10(math.Abs(decFloat(b)))
		if math.IsInf(weight, 0) || math.IsNaN(weight) {
			weight = decFloat(e) * float64(decWeight(b))
		}
	}
	if weight > 131072 {
		return nil, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	if isInt {
		// power_var with an integral exponent keeps 16 digits after the point
		// whatever the result's magnitude.
		rscale = max(16, int64(decScale(b)))
	} else {
		rscale = max(16-int64(max(min(weight, 2000), -2000)), int64(decScale(b)), int64(decScale(e)))
	}
	if weight < -float64(rscale)-2 {
		// Far below the last digit kept: the rounded result is zero.
		return roundScale(apd.New(0, 0), int32(min(rscale, 1000)), apd.RoundHalfUp)
	}
	r := new(apd.Decimal)
	c := workCtx(int64(max(weight, 0))+1, rscale)
	if _, err := c.Pow(r, b, e); err != nil || r.Form != apd.Finite {
		return nil, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return finishScale(r, rscale)
}

func numGcdLcm(x, y *apd.Decimal, lcm bool) (sql.Value, error) {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		return sql.NewNumeric(&apd.Decimal{Form: apd.NaN}), nil
	}
	scale := max(decScale(x), decScale(y))
	// Scale both to integers, take the gcd of the big coefficients, scale back.
	bx, by := new(apd.BigInt), new(apd.BigInt)
	var sx, sy apd.Decimal
	c := numCtx(uint32(max(x.NumDigits(), y.NumDigits()) + int64(scale) + 2))
	c.Quantize(&sx, x, -scale)
	c.Quantize(&sy, y, -scale)
	bx.Set(&sx.Coeff)
	by.Set(&sy.Coeff)
	g := new(apd.BigInt)
	if bx.Sign() == 0 {
		g.Set(by)
	} else if by.Sign() == 0 {
		g.Set(bx)
	} else {
		a, b := new(apd.BigInt).Set(bx), new(apd.BigInt).Set(by)
		for b.Sign() != 0 {
			a.Rem(a, b)
			a, b = b, a
		}
		g.Set(a)
	}
	if lcm {
		if bx.Sign() == 0 || by.Sign() == 0 {
			g.SetInt64(0)
		} else {
			q := new(apd.BigInt).Quo(bx, g)
			g.Mul(q, by)
		}
	}
	r := apd.NewWithBigInt(g, -scale)
	return numVal(r), nil
}

func widthBucketFloat(_ *Context, a []sql.Value) (sql.Value, error) {
	x, lo, hi := a[0].Float(), a[1].Float(), a[2].Float()
	if math.IsNaN(x) || math.IsNaN(lo) || math.IsNaN(hi) {
		return sql.Null, sql.Errorf("2201G", "operand, lower bound, and upper bound cannot be NaN")
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return sql.Null, sql.Errorf("2201G", "lower and upper bounds must be finite")
	}
	return widthBucket(x, lo, hi, a[3].Int())
}

func widthBucket(x, lo, hi float64, n int64) (sql.Value, error) {
	if n <= 0 {
		return sql.Null, sql.Errorf("2201G", "count must be greater than zero")
	}
	if lo == hi {
		return sql.Null, sql.Errorf("2201G", "lower bound cannot equal upper bound")
	}
	var r int64
	if lo < hi {
		switch {
		case x < lo:
			r = 0
		case x >= hi:
			r = n + 1
		default:
			r = int64(float64(n)*((x-lo)/(hi-lo))) + 1
		}
	} else {
		switch {
		case x > lo:
			r = 0
		case x <= hi:
			r = n + 1
		default:
			r = int64(float64(n)*((lo-x)/(lo-hi))) + 1
		}
	}
	if r > math.MaxInt32 {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "integer out of range")
	}
	return sql.NewInt(r), nil
}
