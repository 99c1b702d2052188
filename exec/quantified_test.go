package exec

import (
	"math/rand"
	"testing"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// TestSortedSetMatchesQuantified checks the prepared set against the plain
// pass over every value, for every operator, ANY and ALL, with NULLs on
// either side and empty answers.
func TestSortedSetMatchesQuantified(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	ops := []planner.Op{planner.OpEq, planner.OpNe, planner.OpLt, planner.OpLe, planner.OpGt, planner.OpGe}
	val := func() sql.Value {
		if r.Intn(8) == 0 {
			return sql.Null
		}
		return sql.NewInt(int64(r.Intn(6)))
	}
	for i := 0; i < 2000; i++ {
		rows := make([]sql.Row, r.Intn(5))
		vals := make([]sql.Value, len(rows))
		for j := range rows {
			vals[j] = val()
			rows[j] = sql.Row{vals[j]}
		}
		set := newSortedSet(rows)
		l := val()
		for _, op := range ops {
			for _, all := range []bool{false, true} {
				want := quantified(l, op, all, vals)
				got := set.quantified(l, op, all)
				if got.IsNull() != want.IsNull() || (!got.IsNull() && got.Bool() != want.Bool()) {
					t.Fatalf("%v %v all=%v %v: got %v, want %v", l, op, all, vals, got, want)
				}
			}
		}
	}
}

func BenchmarkInSubquery(b *testing.B) {
	rows := make([]sql.Row, 10000)
	vals := make([]sql.Value, len(rows))
	for i := range rows {
		vals[i] = sql.NewInt(int64(i * 3))
		rows[i] = sql.Row{vals[i]}
	}
	b.Run("scan", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			quantified(sql.NewInt(int64(i%30000)), planner.OpEq, false, vals)
		}
	})
	b.Run("sorted", func(b *testing.B) {
		set := newSortedSet(rows)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			set.quantified(sql.NewInt(int64(i%30000)), planner.OpEq, false)
		}
	})
}
