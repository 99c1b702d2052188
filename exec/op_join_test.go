package exec

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// intRows returns n one-column rows holding i % mod.
func intRows(n, mod int) []sql.Row {
	rows := make([]sql.Row, n)
	for i := range rows {
		rows[i] = sql.Row{sql.NewInt(int64(i % mod))}
	}
	return rows
}

// runJoin drains a join of left and right and returns how many rows it
// produced (weighted by their diffs) and the largest batch it handed out.
func runJoin(t *testing.T, kind planner.JoinKind, left, right []sql.Row, keyed bool, on evalFn) (rows int64, maxBatch int) {
	t.Helper()
	j := &joinOp{rt: &runtime{ctx: context.Background()}, kind: kind, l: newSliceOp(left), r: newSliceOp(right), lw: 1, rw: 1, on: on}
	if keyed {
		key := func(r sql.Row) (sql.Value, error) { return r[0], nil }
		j.lkeys, j.rkeys = []evalFn{key}, []evalFn{key}
	}
	ctx := context.Background()
	for {
		b, err := j.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return rows, maxBatch
		}
		maxBatch = max(maxBatch, b.Len())
		for _, d := range b.Diffs {
			rows += d
		}
	}
}

// TestJoinBatchesStayBounded checks that a join hands out at most batchSize
// rows at a time however many partners a left row has: a chain of cross
// joins (FROM t1, t2, t3, ... as in SQLite's select5) used to build each
// level's whole product for a left batch, so memory grew with the product.
func TestJoinBatchesStayBounded(t *testing.T) {
	left, right := intRows(300, 300), intRows(500, 500)
	cases := []struct {
		name  string
		kind  planner.JoinKind
		left  []sql.Row
		right []sql.Row
		keyed bool
		on    evalFn
		want  int64
	}{
		{"cross", planner.JoinInner, left, right, false, nil, 300 * 500},
		{"one key, many partners", planner.JoinInner, intRows(40, 2), intRows(3000, 2), true, nil, 40 * 1500},
		{"left join pads the unmatched", planner.JoinLeft, intRows(2000, 4000), intRows(1000, 1000), true, nil, 2000},
		{"semi join emits each left row once", planner.JoinSemi, intRows(3000, 3), intRows(3000, 3), true, nil, 3000},
		{"anti join", planner.JoinAnti, intRows(3000, 10), intRows(5, 5), true, nil, 1500},
		{"condition on the pair", planner.JoinInner, left, right, false, func(r sql.Row) (sql.Value, error) {
			return sql.NewBool(r[0].Int() < r[1].Int()), nil
		}, countLess(300, 500)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, maxBatch := runJoin(t, c.kind, c.left, c.right, c.keyed, c.on)
			if rows != c.want {
				t.Errorf("got %d rows, want %d", rows, c.want)
			}
			if maxBatch > batchSize {
				t.Errorf("a batch held %d rows, more than %d", maxBatch, batchSize)
			}
		})
	}
}

// countLess counts the pairs (i, j), i < n, j < m, with i < j.
func countLess(n, m int) int64 {
	var c int64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if i < j {
				c++
			}
		}
	}
	return c
}

// BenchmarkCrossJoin measures a nested loop producing a million pairs.
func BenchmarkCrossJoin(b *testing.B) {
	left, right := intRows(1000, 1000), intRows(1000, 1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		j := &joinOp{rt: &runtime{ctx: context.Background()}, kind: planner.JoinInner, l: newSliceOp(left), r: newSliceOp(right), lw: 1, rw: 1}
		n := 0
		if err := drain(context.Background(), j, func(sql.Row, int64) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 1000*1000 {
			b.Fatalf("got %d pairs", n)
		}
	}
}
