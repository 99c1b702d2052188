package exec

import (
	"context"
	"math"
	"testing"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

func ts(sec int64) sql.Value { return sql.NewTimestamp(sec * 1_000_000) }

// admitRows is what dataflow.admit does with rows (d = 1), the reference
// for wmTally.admit.
func admitRows(rows []rejectedRow, hold bool, wm sql.Value, late int64, next sql.Value) (int64, sql.Value) {
	for _, r := range rows {
		if !hold && !wm.IsNull() && !r.t.IsNull() && sql.Compare(r.t, wm) < 0 {
			late++
			continue
		}
		if !r.x.IsNull() && (next.IsNull() || sql.Compare(r.x, next) > 0) {
			next = r.x
		}
	}
	return late, next
}

func TestSourceRejectsAdmit(t *testing.T) {
	rows := []rejectedRow{
		{ts(100), ts(95), 0, 1},
		{sql.Null, ts(300), 0, 2}, // never late
		{ts(50), ts(45), 1, 7},
		{ts(200), sql.Null, 1, 8},
		{ts(120), ts(115), 0, 3},
	}
	for _, perRow := range []bool{true, false} {
		r := &wmTally{perRow: perRow}
		for _, x := range rows {
			r.add(x.t, x.x, x.partition, x.offset)
		}
		if r.n != int64(len(rows)) {
			t.Fatalf("n = %d", r.n)
		}
		for _, hold := range []bool{true, false} {
			for _, wm := range []sql.Value{sql.Null, ts(10), ts(60), ts(110), ts(500)} {
				for _, next0 := range []sql.Value{sql.Null, ts(250), ts(1000)} {
					wantLate, wantNext := admitRows(rows, hold, wm, 3, next0)
					late, next, err := r.admit(hold, wm, 3, next0)
					if err != nil {
						if perRow || wantLate == 3 {
							t.Fatalf("perRow %v hold %v wm %v: %v", perRow, hold, wm, err)
						}
						continue // lateness needs the rows, which a load does not keep
					}
					if late != wantLate || sql.Compare(next, wantNext) != 0 || next.IsNull() != wantNext.IsNull() {
						t.Errorf("perRow %v hold %v wm %v next %v: got %d %v, want %d %v", perRow, hold, wm, next0, late, next, wantLate, wantNext)
					}
				}
			}
		}
	}
}

func TestSourceRejectsMergeSplit(t *testing.T) {
	a, b := &wmTally{perRow: true}, &wmTally{perRow: true}
	a.add(ts(10), ts(5), 0, 1)
	a.add(ts(30), ts(25), 1, 4)
	b.add(ts(20), ts(15), 0, 9)
	b.add(ts(5), ts(0), 1, 5)
	var m *wmTally
	m = m.merge(a).merge(nil).merge(b)
	if m.n != 4 || sql.Compare(m.minT, ts(5)) != 0 || sql.Compare(m.maxX, ts(25)) != 0 || len(m.rows) != 4 {
		t.Fatalf("merge: %+v", m)
	}
	first, rest, err := m.split(map[int32]int64{0: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Partition 0 before offset 5 goes first; partition 1, absent from
	// the first half's offsets, and offset 9 go after.
	if first.n != 1 || first.rows[0].offset != 1 || rest.n != 3 {
		t.Fatalf("split: first %+v rest %+v", first, rest)
	}
	if sql.Compare(rest.minT, ts(5)) != 0 || sql.Compare(rest.maxX, ts(25)) != 0 {
		t.Fatalf("split extremes: %+v", rest)
	}
	if _, _, err := (&wmTally{n: 1}).split(nil); err == nil {
		t.Fatal("split without rows should fail")
	}
}

// TestPushEvalSampling: a filter that keeps most records stops running in
// the decoders for a while; one that drops most keeps running.
func TestPushEvalSampling(t *testing.T) {
	for _, keepAll := range []bool{true, false} {
		e := &pushEval{pred: func(sql.Row) (sql.Value, error) { return sql.NewBool(keepAll), nil },
			wm: func(r sql.Row) (sql.Value, error) { return r[0], nil }}
		evals := 0
		pred := e.pred
		e.pred = func(r sql.Row) (sql.Value, error) { evals++; return pred(r) }
		for i := range 3 * pushSample {
			if got := e.keep(sql.Row{ts(int64(i))}, 0, int64(i)); got != keepAll {
				t.Fatalf("keepAll %v: record %d kept %v", keepAll, i, got)
			}
		}
		if keepAll && evals != pushSample {
			t.Errorf("a filter keeping everything ran %d times, want %d", evals, pushSample)
		}
		if !keepAll && evals != 3*pushSample {
			t.Errorf("a filter dropping everything ran %d times, want %d", evals, 3*pushSample)
		}
		if !keepAll {
			if d := e.take().dropped; d.n != 3*pushSample || sql.Compare(d.maxX, ts(3*pushSample-1)) != 0 {
				t.Errorf("dropped records not tallied: %+v", d)
			}
		}
	}
}

// TestSourceTallyKept: admit may skip its pass over a batch's rows only
// when the tally covers every row.
func TestSourceTallyKept(t *testing.T) {
	a := &sourceTally{}
	a.kept.add(ts(100), ts(95), 0, 0)
	a.kept.add(ts(110), ts(105), 0, 0)
	if !a.keptInTime(true, ts(500), 2) || a.keptInTime(true, ts(0), 3) {
		t.Fatal("kept tally of 2 rows")
	}
	if a.keptInTime(false, ts(105), 2) || !a.keptInTime(false, ts(100), 2) {
		t.Fatal("lateness of the kept rows")
	}
	var m *sourceTally
	// A batch without a tally (its rows counted nowhere) and one with.
	m = m.merge(nil).merge(a)
	if m.kept.n != 2 || sql.Compare(m.kept.raise(ts(0)), ts(105)) != 0 {
		t.Fatalf("merge: %+v", m)
	}
	if m.keptInTime(true, sql.Null, 5) {
		t.Fatal("3 rows without a tally were taken as covered")
	}
}

// TestCompileWatermark: the decoders' one-step evaluation of col -
// INTERVAL gives what the general evaluation gives, NULL and the extremes
// of int64 (where both wrap) included; other expressions are compiled as
// usual.
func TestCompileWatermark(t *testing.T) {
	e, s := openSession(t, t.TempDir())
	defer e.Close()
	rt := s.newRuntime(context.Background(), nil, nil)
	cols := []catalog.Column{{Name: "k", Type: sql.Int8}, {Name: "tm", Type: sql.Timestamp}, {Name: "tz", Type: sql.TimestampTZ}}
	for _, c := range []struct {
		col  string
		expr string
		fast bool
	}{
		{"tm", "tm - INTERVAL '4 seconds'", true},
		{"tm", "tm + INTERVAL '1.5 seconds'", true},
		{"tz", "tz - INTERVAL '1 minute'", true},
		{"tm", "tm - INTERVAL '1 day'", false},
		{"tm", "tm", false},
	} {
		rel := &catalog.Relation{Name: "ev", Kind: catalog.KindSource, Columns: cols, WatermarkColumn: c.col, WatermarkExpr: c.expr}
		col, x, err := e.planner.WatermarkBind(rel)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if c.fast {
			b, isBin := x.(*planner.BinOp)
			if !isBin {
				t.Fatalf("%s: bound as %T, not the shape the fast path takes", c.expr, x)
			}
			if _, ok := constantValue(rt, b.R); !ok {
				t.Fatalf("%s: %T is not taken as a constant", c.expr, b.R)
			}
		}
		fast, err := compileWatermark(rt, x, col)
		if err != nil {
			t.Fatal(err)
		}
		general, err := rt.compile(x)
		if err != nil {
			t.Fatal(err)
		}
		for _, us := range []int64{0, 1, -1, 1_436_918_400_000_000, math.MaxInt64, math.MinInt64, math.MaxInt64 - 3} {
			for _, null := range []bool{false, true} {
				row := sql.Row{sql.NewInt(1), sql.NewTimestamp(us), sql.NewTimestampTZ(us)}
				if null {
					row[col] = sql.Null
				}
				got, err1 := fast(row)
				want, err2 := general(row)
				if (err1 != nil) != (err2 != nil) || got.IsNull() != want.IsNull() || !got.IsNull() && (got.Kind() != want.Kind() || got.Int() != want.Int()) {
					t.Errorf("%s at %d (null %v): got %v %v, want %v %v", c.expr, us, null, got, err1, want, err2)
				}
			}
		}
	}
}
