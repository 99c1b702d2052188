package exec

import (
	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// numericSpecial applies PostgreSQL's rules for NaN and ±Infinity operands
// (numeric.c), which differ from the General Decimal Arithmetic that apd
// follows: there Infinity - Infinity or Infinity * 0 is an invalid
// operation, in PostgreSQL it is NaN. ok is false when both operands are
// finite and the ordinary arithmetic applies. Power is left to apd, whose
// special cases already agree with PostgreSQL's.
func numericSpecial(op planner.Op, a, b *apd.Decimal) (v sql.Value, ok bool, err error) {
	aFin, bFin := a.Form == apd.Finite, b.Form == apd.Finite
	if aFin && bFin || op == planner.OpPow {
		return sql.Null, false, nil
	}
	nan := sql.NewNumeric(&apd.Decimal{Form: apd.NaN})
	inf := func(neg bool) sql.Value { return sql.NewNumeric(&apd.Decimal{Form: apd.Infinite, Negative: neg}) }
	if a.Form == apd.NaN || a.Form == apd.NaNSignaling || b.Form == apd.NaN || b.Form == apd.NaNSignaling {
		return nan, true, nil
	}
	switch op {
	case planner.OpAdd, planner.OpSub:
		bNeg := b.Negative != (op == planner.OpSub)
		switch {
		case !aFin && !bFin && a.Negative != bNeg:
			return nan, true, nil
		case !aFin:
			return inf(a.Negative), true, nil
		default:
			return inf(bNeg), true, nil
		}
	case planner.OpMul:
		if (aFin && a.IsZero()) || (bFin && b.IsZero()) {
			return nan, true, nil
		}
		return inf(a.Negative != b.Negative), true, nil
	case planner.OpDiv:
		switch {
		case !aFin && !bFin:
			return nan, true, nil
		case !aFin:
			if b.IsZero() {
				return sql.Null, true, errDivZero
			}
			return inf(a.Negative != b.Negative), true, nil
		default: // finite / ±Infinity
			return sql.NewNumeric(new(apd.Decimal)), true, nil
		}
	case planner.OpMod:
		if !aFin {
			if bFin && b.IsZero() {
				return sql.Null, true, errDivZero
			}
			return nan, true, nil
		}
		return sql.NewNumeric(new(apd.Decimal).Set(a)), true, nil
	}
	return sql.Null, false, nil
}
