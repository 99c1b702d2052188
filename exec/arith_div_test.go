package exec

import (
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sql"
)

// TestNumericDivExact: numericDiv, which divides to a few digits past the
// result scale, gives what dividing to decCtx's full precision and then
// rounding gives, over quotients of every size, exact ones, and ones that
// end in 5 at the rounding digit.
func TestNumericDivExact(t *testing.T) {
	full := func(a, b *apd.Decimal) string {
		w1, f1 := baseWeight(a)
		w2, f2 := baseWeight(b)
		qweight := w1 - w2
		if f1 <= f2 {
			qweight--
		}
		rscale := min(max(16-qweight*4, scaleOf(a), scaleOf(b), 0), 1000)
		d := new(apd.Decimal)
		c := *decCtx
		c.Rounding = apd.RoundHalfUp
		if _, err := c.Quo(d, a, b); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Quantize(d, d, int32(-rscale)); err != nil {
			t.Fatal(err)
		}
		return sql.FormatText(sql.NewNumeric(d), sql.Unknown, nil)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dec := func() *apd.Decimal {
		coeff := rng.Int64N(1_000_000_000_000) - 500_000_000_000
		if rng.IntN(3) == 0 {
			coeff = rng.Int64N(2000) - 1000
		}
		return apd.New(coeff, int32(rng.IntN(30)-15))
	}
	cases := [][2]*apd.Decimal{
		{apd.New(1, 0), apd.New(3, 0)},
		{apd.New(2, 0), apd.New(3, 0)},
		{apd.New(5, 0), apd.New(2, 0)},
		{apd.New(1, -20), apd.New(2, 0)},   // 5 past the rounding digit
		{apd.New(-1, -20), apd.New(2, 0)},  // half away from zero
		{apd.New(15, -17), apd.New(10, 0)}, // ...15 at the last digit
		{apd.New(1, 30), apd.New(7, -30)},
		{apd.New(0, 0), apd.New(7, 0)},
	}
	for i := 0; i < 20000; i++ {
		a, b := dec(), dec()
		if b.IsZero() {
			continue
		}
		cases = append(cases, [2]*apd.Decimal{a, b})
		// Exact halves at the result scale.
		h := new(apd.Decimal)
		if _, err := decCtx.Mul(h, a, apd.New(2, 0)); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, [2]*apd.Decimal{a, apd.New(2, 0)}, [2]*apd.Decimal{h, apd.New(4, 0)})
	}
	for _, c := range cases {
		got, err := numericDiv(c[0], c[1])
		if err != nil {
			t.Fatalf("%s / %s: %v", c[0], c[1], err)
		}
		if want := full(c[0], c[1]); sql.FormatText(got, sql.Unknown, nil) != want {
			t.Fatalf("%s / %s = %s, want %s", c[0], c[1], sql.FormatText(got, sql.Unknown, nil), want)
		}
	}
}
