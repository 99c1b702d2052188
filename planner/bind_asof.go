package planner

import "github.com/eddysql/eddy/sql"

// checkAsof refuses an ASOF join that is not an inner or left join with an
// equality and one inequality between its sides.
func checkAsof(j *Join) error {
	if j.Kind != JoinInner && j.Kind != JoinLeft {
		return sql.Errorf(sql.CodeFeatureNotSupported, "ASOF takes an inner or left join only")
	}
	if len(j.LeftKeys) == 0 {
		return sql.Errorf(sql.CodeFeatureNotSupported, "an ASOF join needs an equality between its sides")
	}
	n := 0
	for _, c := range conjuncts(j.On) {
		if _, _, _, ok := asofCompare(c, len(j.Left.Columns())); ok {
			n++
		}
	}
	if n != 1 {
		return sql.Errorf(sql.CodeFeatureNotSupported, "an ASOF join needs exactly one inequality (<, <=, >, >=) between its sides")
	}
	return nil
}

// AsofInequality finds the inequality of an ASOF join's condition: the
// expression over the left row, the one over the right row (shifted to
// the right row's columns), and whether the closest right row is the
// least (the right side is above the left's: l < r, l <= r).
func AsofInequality(j *Join) (l, r Expr, least bool, ok bool) {
	for _, c := range conjuncts(j.On) {
		if l, r, least, ok = asofCompare(c, len(j.Left.Columns())); ok {
			return l, r, least, true
		}
	}
	return nil, nil, false, false
}

func asofCompare(c Expr, nl int) (l, r Expr, least bool, ok bool) {
	be, isBin := c.(*BinOp)
	if !isBin {
		return nil, nil, false, false
	}
	var above bool // the right side is the greater
	switch be.Op {
	case OpLt, OpLe:
		above = true
	case OpGt, OpGe:
	default:
		return nil, nil, false, false
	}
	ls, rs := exprSide(be.L, nl), exprSide(be.R, nl)
	switch {
	case ls == sideLeft && rs == sideRight:
		return be.L, shiftCols(be.R, -nl), above, true
	case ls == sideRight && rs == sideLeft:
		return be.R, shiftCols(be.L, -nl), !above, true
	}
	return nil, nil, false, false
}
