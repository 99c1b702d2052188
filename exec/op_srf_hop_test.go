package exec

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// TestFuncJoinHop checks HOP's in-place windows against eddy_hop's rows
// through the general path, for both timestamp types, NULL times, an
// offset and retractions.
func TestFuncJoinHop(t *testing.T) {
	iv := func(us int64) planner.Expr {
		return &planner.Const{Val: sql.NewInterval(sql.IntervalValue{Micros: us}), Typ: sql.Interval}
	}
	for _, typ := range []sql.Type{sql.Timestamp, sql.TimestampTZ} {
		mk := sql.NewTimestamp
		if typ.OID == sql.OIDTimestampTZ {
			mk = sql.NewTimestampTZ
		}
		var rows []sql.Row
		for i := range int64(3000) {
			ts := mk(i*777_777 - 1_000_000_000)
			if i%97 == 0 {
				ts = sql.Null
			}
			rows = append(rows, sql.Row{sql.NewInt(i), ts})
		}
		left := []planner.Column{{Name: "id", Type: sql.Int8}, {Name: "ts", Type: typ}}
		win := []planner.Column{{Name: "window_start", Type: typ}, {Name: "window_end", Type: typ}}
		for _, lens := range [][3]int64{{2e6, 10e6, 0}, {3e6, 3e6, 500_000}, {1e6, 7e6, -250_000}} {
			n := &planner.FuncJoin{
				Left: &planner.Values{Cols: left},
				Call: planner.SRFCall{Name: "eddy_hop", Cols: win,
					Args: []planner.Expr{&planner.ColRef{Idx: 1, Typ: typ}, iv(lens[0]), iv(lens[1]), iv(lens[2])}},
				Cols: append(slices.Clone(left), win...),
			}
			run := func(fast bool) []string {
				rt := &runtime{ctx: context.Background()}
				op := &funcJoinOp{rt: rt, n: n, left: &diffSlice{rows: rows}}
				var err error
				if op.args, err = rt.compileAll(n.Call.Args); err != nil {
					t.Fatal(err)
				}
				if fast {
					if op.hop, err = constHop(n.Call); err != nil || op.hop == nil {
						t.Fatalf("constHop: %v %v", op.hop, err)
					}
				}
				var out []string
				err = drain(context.Background(), op, func(r sql.Row, d int64) error {
					out = append(out, fmt.Sprint(r, d))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			got, want := run(true), run(false)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Fatalf("%s %v: got %d rows, want %d\n got: %.300q\nwant: %.300q", typ, lens, len(got), len(want), got, want)
			}
		}
	}
}

// diffSlice emits rows in batches, every third retracted.
type diffSlice struct {
	rows []sql.Row
	pos  int
	b    Batch
}

func (s *diffSlice) Next(context.Context) (*Batch, error) {
	if s.pos >= len(s.rows) {
		return nil, nil
	}
	end := min(s.pos+batchSize, len(s.rows))
	s.b.reset()
	for i, r := range s.rows[s.pos:end] {
		d := int64(1)
		if (s.pos+i)%3 == 0 {
			d = -2
		}
		s.b.Add(r, d)
	}
	s.pos = end
	return &s.b, nil
}
