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
	if !mulSmallOK(x, y, exp) {
		return nil, false
	}
	return mulSmallInto(new(apd.Decimal), x, y, neg, exp), true
}

// mulSmallOK tells whether mulSmall succeeds.
func mulSmallOK(x, y uint64, exp int64) bool {
	hi, lo := bits.Mul64(x, y)
	return hi == 0 && lo <= math.MaxInt64 && exp <= maxFastExponent && exp >= -maxFastExponent
}

// mulSmallInto is mulSmall into d, once mulSmallOK said it succeeds.
func mulSmallInto(d *apd.Decimal, x, y uint64, neg bool, exp int64) *apd.Decimal {
	*d = apd.Decimal{Negative: neg, Exponent: int32(exp)}
	d.Coeff.SetUint64(x * y)
	return d
}

// decSlab hands out numerics carved from chunks, so that an expression
// that makes a numeric per row (q1's 0.908 * price) allocates once per
// many rows. A numeric once handed out is never written again: values
// are immutable once made. One slab serves one compiled expression, which
// runs on one goroutine at a time, as every evalFn does.
type decSlab struct {
	free []apd.Decimal
}

// decSlabChunk is how many numerics one allocation holds: a chunk stays
// alive while any of its numerics does, so it is kept small.
const decSlabChunk = 64

func (s *decSlab) next() *apd.Decimal {
	if len(s.free) == 0 {
		s.free = make([]apd.Decimal, decSlabChunk)
	}
	d := &s.free[0]
	s.free = s.free[1:]
	return d
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
	var slab decSlab
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
		if mulSmallOK(cx, u, cexp) {
			return sql.NewNumeric(mulSmallInto(slab.next(), cx, u, cneg != (i < 0), cexp)), nil
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
