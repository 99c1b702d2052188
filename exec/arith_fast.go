package exec

import (
	"cmp"
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

// pow10u holds 10^0 to 10^19, the powers of ten a uint64 holds.
var pow10u = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// cmpNumericSmall compares finite numerics whose coefficients fit in 64
// bits as sql.Compare does (apd's Cmp: by value, -0 equal to 0), without
// apd's scaling of one coefficient to the other's exponent. ok is false
// for any other operands.
func cmpNumericSmall(a, b *apd.Decimal) (c int, ok bool) {
	if a.Form != apd.Finite || b.Form != apd.Finite || !a.Coeff.IsUint64() || !b.Coeff.IsUint64() {
		return 0, false
	}
	ca, cb := a.Coeff.Uint64(), b.Coeff.Uint64()
	sa, sb := signOf(ca, a.Negative), signOf(cb, b.Negative)
	if sa != sb || sa == 0 {
		return cmp.Compare(int64(sa), int64(sb)), true
	}
	m := cmpMagnitude(ca, int64(a.Exponent), cb, int64(b.Exponent))
	if sa < 0 {
		m = -m
	}
	return m, true
}

func signOf(coeff uint64, neg bool) int {
	switch {
	case coeff == 0:
		return 0
	case neg:
		return -1
	}
	return 1
}

// cmpMagnitude compares ca*10^ea with cb*10^eb, both coefficients nonzero.
func cmpMagnitude(ca uint64, ea int64, cb uint64, eb int64) int {
	if ea < eb {
		return -cmpMagnitude(cb, eb, ca, ea)
	}
	d := ea - eb
	if d >= int64(len(pow10u)) {
		return 1 // ca*10^d >= 10^20 exceeds any uint64 cb
	}
	hi, lo := bits.Mul64(ca, pow10u[d])
	if hi != 0 {
		return 1
	}
	return cmp.Compare(lo, cb)
}

// compareNumeric is sql.Compare for operands of type numeric.
func compareNumeric(a, b sql.Value) int {
	if a.Kind() == sql.KindNumeric && b.Kind() == sql.KindNumeric {
		if c, ok := cmpNumericSmall(a.Numeric(), b.Numeric()); ok {
			return c
		}
	}
	return sql.Compare(a, b)
}
