package builtin

import (
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestToCharTimestampSpans: to_char of a timestamp by a constant template
// answers as Eval does for timestamps that walk across the boundaries of
// days, hours, minutes, seconds and microseconds, forwards and back, so
// that a kept result is reused only within the span it covers.
func TestToCharTimestampSpans(t *testing.T) {
	f := resolve(t, "to_char", []sql.Type{sql.Timestamp, sql.Text})
	templates := []string{"YYYY-MM-DD", "HH24:MI", "HH12 AM", "MI:SS", "SSSS", "DD HH24:MI:SS.US", "FF3", "Day J WW Q",
		"YYYY-MM-DD\"T\"HH24:MI:SS.MS TZ"}
	rng := rand.New(rand.NewPCG(9, 10))
	steps := []int64{1, usPerSec - 1, usPerSec, usPerMin, usPerHour, usPerDay, 37 * usPerMin}
	for _, tpl := range templates {
		ev := f.Prepare([]sql.Value{sql.Null, sql.NewText(tpl)}, []bool{false, true})
		if ev == nil {
			t.Fatalf("%q: not prepared", tpl)
		}
		us := int64(-3*usPerDay + 12345)
		for range 3000 {
			d := steps[rng.IntN(len(steps))]
			if rng.IntN(3) == 0 {
				d = -d
			}
			us += d
			args := []sql.Value{sql.NewTimestamp(us), sql.NewText(tpl)}
			want, err := f.Eval(testCtx(), args)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ev(testCtx(), args)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text() != want.Text() {
				t.Fatalf("to_char(%d, %q) = %q, want %q", us, tpl, got.Text(), want.Text())
			}
		}
	}
}
