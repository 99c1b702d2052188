package exec

import (
	"math"
	"math/bits"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Numeric products of small operands (a price times a rate) skip apd's
// general path: the coefficients multiply in 64 bits and the exponents
// add, which is all apd's Mul does when nothing rounds, as nothing does
// within numeric's 2000-digit precision.

// maxFastExponent bounds the exponents the fast path produces, far inside
// apd's limits, so that its exponent checks could not have failed.
const maxFastExponent = 10000

// mulSmall returns x * y, or ok false when the operands are not finite or
// the product's coefficient does not fit in 63 bits. neg and exp are the
// product's sign and exponent, as apd's Mul sets them (so 0 * -1 is -0,
// which numeric prints as 0).
func mulSmall(x, y uint64, neg bool, exp int64) (*apd.Decimal, bool) {
	hi, lo := bits.Mul64(x, y)
	if hi != 0 || lo > math.MaxInt64 || exp > maxFastExponent || exp < -maxFastExponent {
		return nil, false
	}
	d := &apd.Decimal{Negative: neg, Exponent: int32(exp)}
	d.Coeff.SetUint64(lo)
	return d, true
}

// smallCoeff is d's coefficient when d is finite and it fits in 63 bits.
func smallCoeff(d *apd.Decimal) (uint64, bool) {
	if d.Form != apd.Finite || !d.Coeff.IsUint64() {
		return 0, false
	}
	c := d.Coeff.Uint64()
	return c, c <= math.MaxInt64
}

// compileNumericScale compiles c * i::numeric and i::numeric * c, for a
// numeric constant c and an integer i, without making i a numeric first.
// ok is false for any other operation.
func (rt *runtime) compileNumericScale(e *planner.BinOp) (evalFn, bool, error) {
	if e.Op != planner.OpMul || e.Typ.Kind() != sql.KindNumeric {
		return nil, false, nil
	}
	c, castExpr := e.L, e.R
	if _, ok := c.(*planner.Const); !ok {
		c, castExpr = e.R, e.L
	}
	k, ok := c.(*planner.Const)
	if !ok || k.Val.Kind() != sql.KindNumeric {
		return nil, false, nil
	}
	cast, ok := castExpr.(*planner.Cast)
	if !ok || cast.Typ.Kind() != sql.KindNumeric || cast.Input.Type().Kind() != sql.KindInt || cast.Typ.Mod != -1 {
		return nil, false, nil
	}
	cd := k.Val.Numeric()
	cx, ok := smallCoeff(cd)
	if !ok {
		return nil, false, nil
	}
	in, err := rt.compile(cast.Input)
	if err != nil {
		return nil, true, err
	}
	cneg, cexp := cd.Negative, int64(cd.Exponent)
	return func(row sql.Row) (sql.Value, error) {
		v, err := in(row)
		if err != nil || v.IsNull() {
			return sql.Null, err
		}
		i := v.Int()
		u := uint64(i)
		if i < 0 {
			u = -u
		}
		if d, ok := mulSmall(cx, u, cneg != (i < 0), cexp); ok {
			return sql.NewNumeric(d), nil
		}
		return numericOp(planner.OpMul, cd, sql.NumericFromInt(i))
	}, true, nil
}
