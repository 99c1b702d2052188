package exec

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// runWindow runs one window call over rows (i, x) and returns the call's
// column, in input order.
func runWindow(tb testing.TB, rows []sql.Row, c planner.WindowCall) []sql.Value {
	tb.Helper()
	// The operator copies its input rows, so rows can be shared across runs.
	w := &windowOp{rt: &runtime{ctx: context.Background()}, in: newSliceOp(rows), calls: []planner.WindowCall{c}}
	out := make([]sql.Value, 0, len(rows))
	err := drain(context.Background(), w, func(r sql.Row, d int64) error {
		out = append(out, r[len(r)-1])
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

var (
	colI = &planner.ColRef{Idx: 0, Typ: sql.Int8}
	colX = &planner.ColRef{Idx: 1, Typ: sql.Int8}
)

func sumCall(frame *planner.Frame) planner.WindowCall {
	return planner.WindowCall{Func: "sum", Agg: &planner.AggFunc{Name: "sum"}, Args: []planner.Expr{colX},
		Order: []planner.SortKey{{Expr: colI}}, Frame: frame, Type: sql.Numeric}
}

func intConst(n int64) planner.Expr { return &planner.Const{Val: sql.NewInt(n), Typ: sql.Int8} }

// TestWindowSlidingMatchesRecompute checks the sliding accumulators against
// sums recomputed for every frame, over frames of each mode and exclusion,
// with duplicate order keys (peers) and NULL arguments.
func TestWindowSlidingMatchesRecompute(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var rows []sql.Row
	for i := 0; i < 200; i++ {
		x := sql.NewInt(int64(rng.Intn(100) - 50))
		if rng.Intn(10) == 0 {
			x = sql.Null
		}
		rows = append(rows, sql.Row{sql.NewInt(int64(rng.Intn(60))), x})
	}
	kinds := []planner.BoundKind{planner.UnboundedPreceding, planner.Preceding, planner.CurrentRow, planner.Following, planner.UnboundedFollowing}
	for _, mode := range []string{"rows", "range", "groups"} {
		for _, sk := range kinds[:4] {
			for _, ek := range kinds[1:] {
				if sk > ek || (sk == ek && sk != planner.CurrentRow && sk != planner.Preceding && sk != planner.Following) {
					continue
				}
				for ex := planner.ExcludeNoOthers; ex <= planner.ExcludeTies; ex++ {
					f := &planner.Frame{Rows: mode == "rows", Groups: mode == "groups", StartKind: sk, EndKind: ek, Exclude: ex}
					so, eo := int64(3), int64(2)
					if sk == planner.Preceding || sk == planner.Following {
						f.StartOff = intConst(so)
					}
					if ek == planner.Preceding || ek == planner.Following {
						f.EndOff = intConst(eo)
					}
					if mode == "range" {
						mk := func(k planner.BoundKind, off int64) planner.Expr {
							op := planner.OpAdd
							if k == planner.Preceding {
								op = planner.OpSub
							}
							return &planner.BinOp{Op: op, L: colI, R: intConst(off), Typ: sql.Int8}
						}
						if f.StartOff != nil {
							f.StartVal = mk(sk, so)
						}
						if f.EndOff != nil {
							f.EndVal = mk(ek, eo)
						}
						if f.StartVal != nil || f.EndVal != nil {
							f.RangeKey = colI
						}
					}
					for _, agg := range []string{"sum", "max"} {
						name := fmt.Sprintf("%s/%s/%d-%d/exclude%d", agg, mode, sk, ek, ex)
						c := sumCall(f)
						c.Func, c.Agg.Name = agg, agg
						got := runWindow(t, rows, c)
						want := bruteAgg(rows, f, agg == "max")
						for i := range got {
							if sql.Compare(got[i], want[i]) != 0 || got[i].IsNull() != want[i].IsNull() {
								t.Fatalf("%s: row %d (i=%v): got %v, want %v", name, i, rows[i][0], got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// bruteAgg is the definition: for each row, sum (or max) x over the rows
// its frame holds, position by position.
func bruteAgg(rows []sql.Row, f *planner.Frame, isMax bool) []sql.Value {
	key := func(r sql.Row) int64 { return r[0].Int() }
	// Positions in the stable sort order decide ROWS frames; the number of
	// smaller distinct keys decides GROUPS frames.
	posOf := make([]int, len(rows))
	grpOf := make([]int, len(rows))
	for j, rj := range rows {
		seen := map[int64]bool{}
		for k, rk := range rows {
			if key(rk) < key(rj) || (key(rk) == key(rj) && k < j) {
				posOf[j]++
			}
			if key(rk) < key(rj) {
				seen[key(rk)] = true
			}
		}
		grpOf[j] = len(seen)
	}
	pos := func(j int) int { return posOf[j] }
	out := make([]sql.Value, len(rows))
	for i, ri := range rows {
		var sum int64
		n := 0
		pi, gi := pos(i), grpOf[i]
		in := func(j int) bool {
			var d int64 // distance of row j from row i in the frame's unit
			switch {
			case f.Rows:
				d = int64(pos(j) - pi)
			case f.Groups:
				d = int64(grpOf[j] - gi)
			default:
				d = key(rows[j]) - key(ri)
			}
			ok := func(k planner.BoundKind, off int64, start bool) bool {
				switch k {
				case planner.UnboundedPreceding, planner.UnboundedFollowing:
					return true
				case planner.Preceding:
					off = -off
				case planner.CurrentRow:
					off = 0
				}
				if start {
					return d >= off
				}
				return d <= off
			}
			var so, eo int64
			if f.StartOff != nil {
				so = f.StartOff.(*planner.Const).Val.Int()
			}
			if f.EndOff != nil {
				eo = f.EndOff.(*planner.Const).Val.Int()
			}
			if !ok(f.StartKind, so, true) || !ok(f.EndKind, eo, false) {
				return false
			}
			peer := key(rows[j]) == key(ri)
			switch f.Exclude {
			case planner.ExcludeCurrentRow:
				return j != i
			case planner.ExcludeGroup:
				return !peer
			case planner.ExcludeTies:
				return j == i || !peer
			}
			return true
		}
		for j, rj := range rows {
			if in(j) && !rj[1].IsNull() {
				x := rj[1].Int()
				switch {
				case !isMax:
					sum += x
				case n == 0 || x > sum:
					sum = x
				}
				n++
			}
		}
		out[i] = sql.Null
		if n > 0 {
			out[i] = sql.NewInt(sum)
		}
	}
	return out
}

func benchRows(n int) []sql.Row {
	rows := make([]sql.Row, n)
	for i := range rows {
		rows[i] = sql.Row{sql.NewInt(int64(i)), sql.NewInt(int64(i % 1000))}
	}
	return rows
}

// BenchmarkWindowRunningSum is sum(x) OVER (ORDER BY i) over one partition
// of 100k rows: the frame start never moves, so one accumulator runs along.
func BenchmarkWindowRunningSum(b *testing.B) {
	rows := benchRows(100_000)
	c := sumCall(nil)
	c.Type = sql.Int8
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runWindow(b, rows, c)
	}
}

// BenchmarkWindowSlidingSum is sum(x) OVER (ORDER BY i ROWS BETWEEN 100
// PRECEDING AND CURRENT ROW) over 100k rows: rows leaving the frame are
// retracted.
func BenchmarkWindowSlidingSum(b *testing.B) {
	rows := benchRows(100_000)
	c := sumCall(&planner.Frame{Rows: true, StartKind: planner.Preceding, StartOff: intConst(100), EndKind: planner.CurrentRow})
	c.Type = sql.Int8
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runWindow(b, rows, c)
	}
}
