package planner

import "strings"

// A temporal filter is a conjunct of a view's WHERE that compares the row
// with the current time: ts > now() - interval '1 hour', ts BETWEEN now()
// AND now() + interval '1 day'. A view maintains it by the wall clock (rows
// enter when the clock reaches their lower bound and leave when it passes
// their upper bound, exec/temporal_filter.go) rather than freezing now() at
// the moment each row arrived, which CheckContinuous refuses.

// TemporalConjunct is one comparison of a row side with a now side.
type TemporalConjunct struct {
	// Pred is the whole comparison, true or not for a row at a time.
	Pred Expr
	// Row is the side over the row; Now the side over now().
	Row, Now Expr
	// Lower: the comparison holds from some time on (ts <= now() + k);
	// otherwise it holds until some time (ts > now() - k).
	Lower bool
}

// nowFuncs are the functions whose value is the current time; the other
// time-dependent ones (current_date, clock_timestamp...) are not accepted
// in a temporal filter.
var nowFuncs = map[string]bool{
	"now": true, "current_timestamp": true, "localtimestamp": true,
	"transaction_timestamp": true, "statement_timestamp": true,
}

// SplitTemporal splits a filter's predicate into its temporal conjuncts and
// the rest.
func SplitTemporal(pred Expr) (temporal []TemporalConjunct, rest []Expr) {
	for _, c := range conjuncts(pred) {
		if t, ok := temporalConjunct(c); ok {
			temporal = append(temporal, t)
		} else {
			rest = append(rest, c)
		}
	}
	return temporal, rest
}

// Conjoin is the AND of es (nil for none).
func Conjoin(es []Expr) Expr { return conjoin(es) }

// HasTemporalFilter reports whether a plan has a temporal filter.
func HasTemporalFilter(n Node) bool {
	found := false
	walkPlan(n, func(n Node) bool {
		if f, ok := n.(*Filter); ok {
			if t, _ := SplitTemporal(f.Pred); len(t) > 0 {
				found = true
			}
		}
		return !found
	})
	return found
}

func temporalConjunct(e Expr) (TemporalConjunct, bool) {
	b, ok := e.(*BinOp)
	if !ok {
		return TemporalConjunct{}, false
	}
	op := b.Op
	row, now := b.L, b.R
	if !isNowSide(now) {
		row, now = now, row
		op = op.Commute()
	}
	if !isNowSide(now) || !isRowSide(row) {
		return TemporalConjunct{}, false
	}
	// row op now, with now growing with the clock.
	switch op {
	case OpLt, OpLe:
		return TemporalConjunct{Pred: e, Row: row, Now: now, Lower: true}, true
	case OpGt, OpGe:
		return TemporalConjunct{Pred: e, Row: row, Now: now}, true
	}
	return TemporalConjunct{}, false
}

// isNowSide reports whether e is one call of a now function moved by
// constants and casts, so that it never decreases as the clock moves on.
func isNowSide(e Expr) bool {
	calls := 0
	var walk func(e Expr) bool
	walk = func(e Expr) bool {
		switch e := e.(type) {
		case *Const:
			return true
		case *Cast:
			return walk(e.Input)
		case *Call:
			if !nowFuncs[strings.ToLower(e.Fn.Name)] {
				return false
			}
			for _, a := range e.Args {
				if _, ok := a.(*Const); !ok {
					return false
				}
			}
			calls++
			return true
		case *BinOp:
			switch e.Op {
			case OpAdd:
				if isConstExpr(e.R) {
					return walk(e.L)
				}
				return isConstExpr(e.L) && walk(e.R)
			case OpSub:
				// now() - k grows with now(); k - now() does not.
				return isConstExpr(e.R) && walk(e.L)
			}
		}
		return false
	}
	return walk(e) && calls == 1
}

// isConstExpr reports whether e is the same for every row at every time
// (interval '1 day' * 7).
func isConstExpr(e Expr) bool {
	ok := true
	walkExpr(e, func(e Expr) bool {
		switch e := e.(type) {
		case *Const, *Cast, *BinOp, *Neg:
		case *Call:
			ok = !e.Fn.Volatile && !timeDependent[strings.ToLower(e.Fn.Name)]
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// isRowSide reports whether e reads only the row: no clock, nothing
// volatile, no subquery.
func isRowSide(e Expr) bool {
	ok := true
	walkExpr(e, func(e Expr) bool {
		switch e := e.(type) {
		case *Subquery, *OuterRef:
			ok = false
		case *Call:
			if e.Fn.Volatile || timeDependent[strings.ToLower(e.Fn.Name)] {
				ok = false
			}
		}
		return ok
	})
	return ok
}
