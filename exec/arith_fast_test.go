package exec

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// TestNumericMulFastPath: numericOp's 64-bit product agrees with apd's
// Mul, sign of zero and trailing zeros included, and leaves to apd what
// does not fit.
func TestNumericMulFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	coeffs := []int64{0, 1, 7, 908, 1000, 4294967296, 3037000499, 3037000500, 9223372036854775807}
	for range 5000 {
		a := apd.New(coeffs[r.IntN(len(coeffs))]-r.Int64N(3), int32(r.IntN(9)-6))
		b := apd.New(r.Int64N(1<<uint(r.IntN(62)+1)), int32(r.IntN(7)-3))
		a.Negative, b.Negative = r.IntN(2) == 0, r.IntN(2) == 0
		want := new(apd.Decimal)
		if _, err := decCtx.Mul(want, a, b); err != nil {
			t.Fatal(err)
		}
		got, err := numericOp(planner.OpMul, a, b)
		if err != nil {
			t.Fatal(err)
		}
		g := got.Numeric()
		if g.Cmp(want) != 0 || g.Exponent != want.Exponent || g.Negative != want.Negative || g.Form != want.Form {
			t.Fatalf("%s * %s = %s (exp %d neg %v), apd gives %s (exp %d neg %v)", a, b, g, g.Exponent, g.Negative, want, want.Exponent, want.Negative)
		}
	}
}

// TestNumericScale: a numeric constant times an integer cast to numeric,
// computed without the cast. The answers are PostgreSQL 15's.
func TestNumericScale(t *testing.T) {
	e, s := openSession(t, t.TempDir())
	defer e.Close()
	rows := query(t, s, `SELECT 0.908 * x::numeric, x::numeric * -0.5, 0.10 * x, x * 1e-3
		FROM (VALUES (0::int8), (-1), (9223372036854775807), (-9223372036854775808), (NULL), (12345)) v(x)`)
	want := []string{
		"0.000 0.0 0.00 0.000",
		"-0.908 0.5 -0.10 -0.001",
		"8374821809464136432.756 -4611686018427387903.5 922337203685477580.70 9223372036854775.807",
		"-8374821809464136433.664 4611686018427387904.0 -922337203685477580.80 -9223372036854775.808",
		"NULL NULL NULL NULL",
		"11209.260 -6172.5 1234.50 12.345",
	}
	for i, r := range rows {
		var got []string
		for _, v := range r {
			if v.IsNull() {
				got = append(got, "NULL")
			} else {
				got = append(got, sql.FormatText(v, sql.Numeric, nil))
			}
		}
		if g := strings.Join(got, " "); g != want[i] {
			t.Errorf("row %d: %s, want %s", i, g, want[i])
		}
	}
}

// TestCompareNumericFastPath: the 64-bit comparison agrees with
// sql.Compare, zeros of either sign, far-apart exponents and the
// non-finite values it leaves to sql.Compare included.
func TestCompareNumericFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []*apd.Decimal{{Form: apd.NaN}, {Form: apd.Infinite}, {Form: apd.Infinite, Negative: true}}
	gen := func() *apd.Decimal {
		if r.IntN(20) == 0 {
			return special[r.IntN(len(special))]
		}
		coeffs := []int64{0, 1, 9, 10, 908, 1000000, 999999999999999999, 9223372036854775807}
		c := coeffs[r.IntN(len(coeffs))]
		if r.IntN(2) == 0 {
			c = r.Int64N(1 << uint(r.IntN(62)+1))
		}
		d := apd.New(c, int32(r.IntN(50)-25))
		d.Negative = r.IntN(2) == 0
		if r.IntN(10) == 0 { // a coefficient beyond 64 bits
			d.Coeff.Mul(&d.Coeff, apd.NewBigInt(1<<40))
		}
		return d
	}
	for range 20000 {
		a, b := gen(), gen()
		if r.IntN(5) == 0 { // equal values written with different scales
			b = new(apd.Decimal)
			b.Set(a)
			if b.Form == apd.Finite && b.Exponent > -20 {
				b.Coeff.Mul(&b.Coeff, apd.NewBigInt(100))
				b.Exponent -= 2
			}
		}
		x, y := sql.NewNumeric(a), sql.NewNumeric(b)
		if got, want := compareNumeric(x, y), sql.Compare(x, y); got != want {
			t.Fatalf("compare(%s, %s) = %d, sql.Compare gives %d", a, b, got, want)
		}
	}
}

// TestNumericScaleSlab: results carved from the expression's slab stay
// apart, across chunks, after the rows that made them are gone.
func TestNumericScaleSlab(t *testing.T) {
	e, s := openSession(t, t.TempDir())
	defer e.Close()
	n := 3*decSlabChunk + 5
	rows := query(t, s, `SELECT x, 0.908 * x::numeric FROM generate_series(-5, `+strconv.Itoa(n-6)+`) x ORDER BY x`)
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		x := r[0].Int()
		want := new(apd.Decimal)
		if _, err := decCtx.Mul(want, apd.New(908, -3), apd.New(x, 0)); err != nil {
			t.Fatal(err)
		}
		if got := r[1].Numeric(); got.Cmp(want) != 0 || got.Exponent != -3 {
			t.Fatalf("0.908 * %d = %s, want %s", x, got, want)
		}
	}
}
