package exec

import (
	"math"
	"math/big"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// decCtx does numeric arithmetic; PostgreSQL's numeric allows up to 1000
// digits after the point, so 1000+ significant digits covers every result
// its scale rules ask for.
var decCtx = apd.BaseContext.WithPrecision(2000)

func (rt *runtime) compileBinOp(e *planner.BinOp) (evalFn, error) {
	if f, ok, err := rt.compileNumericScale(e); ok {
		return f, err
	}
	l, err := rt.compile(e.L)
	if err != nil {
		return nil, err
	}
	r, err := rt.compile(e.R)
	if err != nil {
		return nil, err
	}
	op, typ, lt, rtyp := e.Op, e.Typ, e.L.Type(), e.R.Type()
	if op == planner.OpNullSafeEq {
		return func(row sql.Row) (sql.Value, error) {
			a, err := l(row)
			if err != nil {
				return a, err
			}
			b, err := r(row)
			if err != nil {
				return b, err
			}
			if a.IsNull() || b.IsNull() {
				return sql.NewBool(a.IsNull() && b.IsNull()), nil
			}
			return sql.NewBool(sql.Compare(a, b) == 0), nil
		}, nil
	}
	var apply func(a, b sql.Value) (sql.Value, error)
	switch {
	case op.IsComparison():
		compare := sql.Compare
		if lt.Kind() == sql.KindNumeric && rtyp.Kind() == sql.KindNumeric {
			compare = compareNumeric
		}
		apply = func(a, b sql.Value) (sql.Value, error) {
			c := compare(a, b)
			var res bool
			switch op {
			case planner.OpEq:
				res = c == 0
			case planner.OpNe:
				res = c != 0
			case planner.OpLt:
				res = c < 0
			case planner.OpLe:
				res = c <= 0
			case planner.OpGt:
				res = c > 0
			case planner.OpGe:
				res = c >= 0
			}
			return sql.NewBool(res), nil
		}
	case op == planner.OpConcat && typ.IsArray():
		return arrayConcat(l, r, lt.IsArray(), rtyp.IsArray()), nil
	case op == planner.OpConcat:
		if typ.OID == sql.OIDJSONB {
			return nil, errUnsupported("jsonb concatenation")
		}
		apply = func(a, b sql.Value) (sql.Value, error) { return sql.NewText(a.Text() + b.Text()), nil }
	case typ.Kind() == sql.KindInt && lt.Kind() == sql.KindInt && rtyp.Kind() == sql.KindInt:
		apply = func(a, b sql.Value) (sql.Value, error) { return intOp(op, a.Int(), b.Int(), typ) }
	case typ.Kind() == sql.KindFloat:
		apply = func(a, b sql.Value) (sql.Value, error) { return floatOp(op, a.Float(), b.Float(), typ) }
	case typ.Kind() == sql.KindNumeric && lt.Kind() == sql.KindNumeric:
		apply = func(a, b sql.Value) (sql.Value, error) { return numericOp(op, a.Numeric(), b.Numeric()) }
	default:
		apply = func(a, b sql.Value) (sql.Value, error) { return dateOp(op, a, b, lt, rtyp, typ, rt.loc()) }
	}
	return func(row sql.Row) (sql.Value, error) {
		// Both operands are evaluated before the NULL check, as PostgreSQL
		// evaluates a strict operator's arguments: NULL - 1/0 fails.
		a, err := l(row)
		if err != nil {
			return sql.Null, err
		}
		b, err := r(row)
		if err != nil {
			return sql.Null, err
		}
		if a.IsNull() || b.IsNull() {
			return sql.Null, nil
		}
		return apply(a, b)
	}, nil
}

func intBounds(t sql.Type) (int64, int64) {
	switch t.OID {
	case sql.OIDInt2:
		return math.MinInt16, math.MaxInt16
	case sql.OIDInt4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

var errDivZero = sql.Errorf(sql.CodeDivisionByZero, "division by zero")

// intOp does integer arithmetic with PostgreSQL's overflow errors: the result
// must fit the result type's width.
func intOp(op planner.Op, a, b int64, t sql.Type) (sql.Value, error) {
	lo, hi := intBounds(t)
	var r int64
	switch op {
	case planner.OpAdd:
		r = a + b
		if (r > a) != (b > 0) {
			return sql.Null, errOutOfRange(t)
		}
	case planner.OpSub:
		r = a - b
		if (r < a) != (b > 0) {
			return sql.Null, errOutOfRange(t)
		}
	case planner.OpMul:
		if a != 0 && b != 0 {
			hiP, loP := bits64Mul(a, b)
			if !hiP {
				return sql.Null, errOutOfRange(t)
			}
			r = loP
		}
	case planner.OpDiv:
		if b == 0 {
			return sql.Null, errDivZero
		}
		if b == -1 && a == lo {
			return sql.Null, errOutOfRange(t)
		}
		r = a / b
	case planner.OpMod:
		if b == 0 {
			return sql.Null, errDivZero
		}
		if b == -1 {
			return sql.NewInt(0), nil
		}
		r = a % b
	case planner.OpBitAnd:
		r = a & b
	case planner.OpBitOr:
		r = a | b
	case planner.OpBitXor:
		r = a ^ b
	case planner.OpShiftLeft:
		r = a << uint(b&63)
	case planner.OpShiftRight:
		r = a >> uint(b&63)
	case planner.OpPow:
		return floatOp(op, float64(a), float64(b), sql.Float8)
	default:
		return sql.Null, errUnsupported("integer operator " + op.String())
	}
	if r < lo || r > hi {
		return sql.Null, errOutOfRange(t)
	}
	return sql.NewInt(r), nil
}

// bits64Mul multiplies with overflow detection; ok is false on overflow.
func bits64Mul(a, b int64) (ok bool, r int64) {
	r = a * b
	if a == -1 && b == math.MinInt64 || b == -1 && a == math.MinInt64 {
		return false, 0
	}
	return r/b == a, r
}

func floatOp(op planner.Op, a, b float64, t sql.Type) (sql.Value, error) {
	var r float64
	switch op {
	case planner.OpAdd:
		r = a + b
	case planner.OpSub:
		r = a - b
	case planner.OpMul:
		r = a * b
	case planner.OpDiv:
		if b == 0 {
			return sql.Null, errDivZero
		}
		r = a / b
	case planner.OpMod:
		if b == 0 {
			return sql.Null, errDivZero
		}
		r = math.Mod(a, b)
	case planner.OpPow:
		if a == 0 && b < 0 {
			return sql.Null, sql.Errorf("2201F", "zero raised to a negative power is undefined")
		}
		if a < 0 && b != math.Trunc(b) {
			return sql.Null, sql.Errorf("2201F", "a negative number raised to a non-integer power yields a complex result")
		}
		r = math.Pow(a, b)
	default:
		return sql.Null, errUnsupported("float operator " + op.String())
	}
	if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "value out of range: overflow")
	}
	if t.OID == sql.OIDFloat4 {
		r = float64(float32(r))
	}
	return sql.NewFloat(r), nil
}

func numericOp(op planner.Op, a, b *apd.Decimal) (sql.Value, error) {
	if v, ok, err := numericSpecial(op, a, b); ok {
		return v, err
	}
	d := new(apd.Decimal)
	var err error
	switch op {
	case planner.OpAdd:
		_, err = decCtx.Add(d, a, b)
	case planner.OpSub:
		_, err = decCtx.Sub(d, a, b)
	case planner.OpMul:
		if x, ok := smallCoeff(a); ok {
			if y, ok := smallCoeff(b); ok {
				if p, ok := mulSmall(x, y, a.Negative != b.Negative, int64(a.Exponent)+int64(b.Exponent)); ok {
					return sql.NewNumeric(p), nil
				}
			}
		}
		_, err = decCtx.Mul(d, a, b)
	case planner.OpDiv:
		return numericDiv(a, b)
	case planner.OpMod:
		if b.IsZero() {
			return sql.Null, errDivZero
		}
		_, err = decCtx.Rem(d, a, b)
	case planner.OpPow:
		_, err = decCtx.Pow(d, a, b)
	default:
		return sql.Null, errUnsupported("numeric operator " + op.String())
	}
	if err != nil {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "numeric %s: %v", op, err)
	}
	return sql.NewNumeric(d), nil
}

// numericDiv divides with PostgreSQL's result scale (select_div_scale): at
// least 16 significant digits and no fewer decimals than either input.
func numericDiv(a, b *apd.Decimal) (sql.Value, error) {
	if v, ok, err := numericSpecial(planner.OpDiv, a, b); ok {
		return v, err
	}
	if b.IsZero() {
		return sql.Null, errDivZero
	}
	w1, f1 := baseWeight(a)
	w2, f2 := baseWeight(b)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := 16 - qweight*4
	rscale = max(rscale, scaleOf(a), scaleOf(b), 0)
	rscale = min(rscale, 1000)
	d := new(apd.Decimal)
	// The quotient is computed to two digits past rscale, truncated, then
	// rounded half up at rscale: truncating keeps whether the tail is at
	// least half, so the result is the exact quotient's, at a fraction of
	// the cost of decCtx's 2000 digits. |a/b| < 10^lead.
	lead := int64(a.NumDigits()) + int64(a.Exponent) - int64(b.NumDigits()) - int64(b.Exponent) + 1
	c := *decCtx // a copy: the changes must not leak into decCtx
	c.Precision = uint32(min(max(lead+int64(rscale)+2, 1), int64(decCtx.Precision)))
	c.Rounding = apd.RoundDown
	if _, err := c.Quo(d, a, b); err != nil {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "numeric division: %v", err)
	}
	c.Precision = decCtx.Precision
	c.Rounding = apd.RoundHalfUp
	if _, err := c.Quantize(d, d, int32(-rscale)); err != nil {
		return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "numeric division: %v", err)
	}
	return sql.NewNumeric(d), nil
}

func scaleOf(d *apd.Decimal) int {
	if d.Exponent < 0 {
		return int(-d.Exponent)
	}
	return 0
}

// baseWeight returns the weight and first digit of d in PostgreSQL's
// base-10000 representation.
func baseWeight(d *apd.Decimal) (weight, first int) {
	if d.IsZero() {
		return 0, 0
	}
	// Digits before the point: number of decimal digits + exponent.
	coeff := new(big.Int).Abs(d.Coeff.MathBigInt())
	s := coeff.String()
	intDigits := len(s) + int(d.Exponent) // position of the point from the left
	// Base-10000 weight of the leading group.
	var w int
	if intDigits > 0 {
		w = (intDigits - 1) / 4
	} else {
		w = -((-intDigits)/4 + 1)
	}
	// Leading group value: the digits that fall into the group of weight w.
	groupStart := intDigits - (w+1)*4 // index in s where that group starts (may be negative)
	val := 0
	for i := groupStart; i < groupStart+4; i++ {
		val *= 10
		if i >= 0 && i < len(s) {
			val += int(s[i] - '0')
		}
	}
	return w, val
}

// arrayConcat evaluates ||: a NULL array counts as empty, a NULL element is
// still appended, as in PostgreSQL.
func arrayConcat(l, r evalFn, lArr, rArr bool) evalFn {
	return func(row sql.Row) (sql.Value, error) {
		a, err := l(row)
		if err != nil {
			return sql.Null, err
		}
		b, err := r(row)
		if err != nil {
			return sql.Null, err
		}
		var out []sql.Value
		part := func(v sql.Value, isArr bool) {
			if isArr {
				out = append(out, v.Array()...)
			} else {
				out = append(out, v)
			}
		}
		if lArr && rArr && a.IsNull() && b.IsNull() {
			return sql.Null, nil
		}
		part(a, lArr)
		part(b, rArr)
		return sql.NewArray(out), nil
	}
}
