package exec

import (
	"slices"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// sortedSet is an uncorrelated ANY/ALL subquery's answer prepared once for
// many probes: its non-NULL values in sql.Compare order, whether it held a
// NULL, and how many rows it had. x IN (SELECT ...) over a large table then
// costs a binary search per outer row instead of a pass over every value.
type sortedSet struct {
	vals    []sql.Value
	sawNull bool
	n       int
}

func newSortedSet(rows []sql.Row) *sortedSet {
	s := &sortedSet{n: len(rows), vals: make([]sql.Value, 0, len(rows))}
	for _, r := range rows {
		if r[0].IsNull() {
			s.sawNull = true
			continue
		}
		s.vals = append(s.vals, r[0])
	}
	slices.SortFunc(s.vals, sql.Compare)
	return s
}

// quantified is the package-level quantified for a prepared set: l op ANY
// (or ALL) with the same NULL rules.
func (s *sortedSet) quantified(l sql.Value, op planner.Op, all bool) sql.Value {
	if s.n == 0 {
		return sql.NewBool(all)
	}
	if l.IsNull() {
		return sql.Null
	}
	// ANY holds when some value satisfies op; ALL fails when some value
	// satisfies its negation. Otherwise a NULL makes the answer unknown.
	probe := op
	if all {
		probe = negateCmp(op)
	}
	if s.exists(l, probe) {
		return sql.NewBool(!all)
	}
	if s.sawNull {
		return sql.Null
	}
	return sql.NewBool(all)
}

// exists reports whether some non-NULL value v satisfies l op v.
func (s *sortedSet) exists(l sql.Value, op planner.Op) bool {
	if len(s.vals) == 0 {
		return false
	}
	lo, hi := s.vals[0], s.vals[len(s.vals)-1]
	switch op {
	case planner.OpEq:
		_, found := slices.BinarySearchFunc(s.vals, l, sql.Compare)
		return found
	case planner.OpNe:
		return sql.Compare(lo, l) != 0 || sql.Compare(hi, l) != 0
	case planner.OpLt:
		return sql.Compare(l, hi) < 0
	case planner.OpLe:
		return sql.Compare(l, hi) <= 0
	case planner.OpGt:
		return sql.Compare(l, lo) > 0
	case planner.OpGe:
		return sql.Compare(l, lo) >= 0
	}
	return false
}

// negateCmp is the comparison that holds exactly when op does not (for
// non-NULL operands).
func negateCmp(op planner.Op) planner.Op {
	switch op {
	case planner.OpEq:
		return planner.OpNe
	case planner.OpNe:
		return planner.OpEq
	case planner.OpLt:
		return planner.OpGe
	case planner.OpLe:
		return planner.OpGt
	case planner.OpGt:
		return planner.OpLe
	case planner.OpGe:
		return planner.OpLt
	}
	return op
}

// quantifiable reports whether a prepared set answers op ANY|ALL.
func quantifiable(op planner.Op) bool {
	switch op {
	case planner.OpEq, planner.OpNe, planner.OpLt, planner.OpLe, planner.OpGt, planner.OpGe:
		return true
	}
	return false
}
