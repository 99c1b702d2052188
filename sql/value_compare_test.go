package sql

import (
	"bytes"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func num(s string) Value {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return NewNumeric(d)
}

func hashOf(v Value) uint64 {
	var h maphash.Hash
	h.SetSeed(HashSeed)
	Hash(&h, v)
	return h.Sum64()
}

func TestCompareMixedNumeric(t *testing.T) {
	for _, c := range []struct {
		a, b Value
		want int
	}{
		{NewInt(1), NewFloat(1), 0},
		{NewInt(1), num("1.000"), 0},
		{NewFloat(0.5), num("0.5"), 0},
		{NewFloat(0.1), num("0.1"), 1}, // 0.1 as a double is slightly above 0.1
		{NewInt(math.MaxInt64), NewFloat(9223372036854775807), -1},
		{NewInt(2), NewFloat(1.5), 1},
		{NewInt(-2), NewFloat(-1.5), -1},
		{NewFloat(math.NaN()), NewFloat(math.Inf(1)), 1},
		{NewFloat(math.NaN()), NewFloat(math.NaN()), 0},
		{NewFloat(math.Copysign(0, -1)), NewFloat(0), 0},
		{num("NaN"), num("Infinity"), 1},
		{num("NaN"), NewFloat(math.NaN()), 0},
		{num("-Infinity"), NewInt(math.MinInt64), -1},
		{num("1e22"), NewFloat(1e22), 0},
		{num("1e30"), NewFloat(1e30), -1}, // 1e30 as a double is 1000000000000000019884624838656
		{NewText("a"), NewText("b"), -1},
		{NewText("B"), NewText("a"), -1}, // C collation
		{NewInterval(IntervalValue{Months: 1}), NewInterval(IntervalValue{Days: 30}), 0},
		{NewInterval(IntervalValue{Days: 1}), NewInterval(IntervalValue{Micros: 24 * microsPerHour}), 0},
		{NewArray([]Value{NewInt(1), Null}), NewArray([]Value{NewInt(1), NewInt(5)}), 1},
		{NewArray([]Value{NewInt(1)}), NewArray([]Value{NewInt(1), NewInt(0)}), -1},
		{NewDate(1), NewTimestamp(microsPerDay), 0},
	} {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Compare(c.b, c.a); got != -c.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", c.b, c.a, got, -c.want)
		}
		if Equal(c.a, c.b) != (c.want == 0) {
			t.Errorf("Equal(%v, %v) disagrees with Compare", c.a, c.b)
		}
		if c.want == 0 && hashOf(c.a) != hashOf(c.b) {
			t.Errorf("Hash(%v) != Hash(%v) though they are equal", c.a, c.b)
		}
	}
}

// randValue returns a random value of type t, biased towards edge cases.
func randValue(r *rand.Rand, t Type) Value {
	if r.IntN(20) == 0 {
		return Null
	}
	switch t.Kind() {
	case KindBool:
		return NewBool(r.IntN(2) == 0)
	case KindInt:
		switch r.IntN(4) {
		case 0:
			return NewInt([]int64{0, 1, -1, math.MaxInt64, math.MinInt64}[r.IntN(5)])
		case 1:
			return NewInt(r.Int64N(200) - 100)
		}
		return NewInt(int64(r.Uint64()))
	case KindFloat:
		switch r.IntN(4) {
		case 0:
			return NewFloat([]float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, -math.MaxFloat64}[r.IntN(7)])
		case 1:
			return NewFloat(float64(r.IntN(20)-10) / 4)
		}
		return NewFloat(math.Float64frombits(r.Uint64()))
	case KindNumeric:
		switch r.IntN(6) {
		case 0:
			return num([]string{"NaN", "Infinity", "-Infinity", "0", "0.000", "-0.0"}[r.IntN(6)])
		case 1:
			return num(randDigits(r, 40) + "e" + string(rune('0'+r.IntN(10))))
		}
		s := randDigits(r, 25)
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		if k := r.IntN(len(s) + 1); k > 0 && s[k-1] != '-' {
			s = s[:k] + "." + s[k:] + "0"
		}
		return num(s)
	case KindText, KindBytes, KindJSON:
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = []byte{0, 1, 'a', 'b', 0xff, ' '}[r.IntN(6)]
		}
		return Value{k: t.Kind(), s: string(b)}
	case KindDate, KindTime, KindTimestamp, KindTimestampTZ:
		if r.IntN(10) == 0 {
			return Value{k: t.Kind(), i: []int64{NegInfinity, PosInfinity}[r.IntN(2)]}
		}
		return Value{k: t.Kind(), i: r.Int64N(1<<50) - 1<<49}
	case KindInterval:
		return NewInterval(IntervalValue{Months: int32(r.IntN(5) - 2), Days: int32(r.IntN(70) - 35), Micros: r.Int64N(4*microsPerDay) - 2*microsPerDay})
	case KindArray:
		n := r.IntN(4)
		a := make([]Value, n)
		for i := range a {
			a[i] = randValue(r, *t.Elem)
		}
		return NewArray(a)
	}
	return Null
}

func randDigits(r *rand.Rand, max int) string {
	n := 1 + r.IntN(max)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func cmpWithNull(a, b Value) int {
	switch {
	case a.IsNull() && b.IsNull():
		return 0
	case a.IsNull():
		return -1
	case b.IsNull():
		return 1
	}
	return Compare(a, b)
}

var keyTypes = []Type{Bool, Int8, Float8, Numeric, Text, Bytea, JSONB, Date, Time, Timestamp, TimestampTZ, Interval, ArrayOf(Int4), ArrayOf(Text), ArrayOf(Numeric)}

// TestKeyOrderMatchesCompare checks that key bytes order as Compare does,
// that equal values encode identically and hash identically, and that keys
// decode to an equal value.
func TestKeyOrderMatchesCompare(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range keyTypes {
		vals := make([]Value, 300)
		for i := range vals {
			vals[i] = randValue(r, typ)
		}
		keys := make([][]byte, len(vals))
		for i, v := range vals {
			keys[i] = AppendKey(nil, v)
			back, rest, err := DecodeKey(append(keys[i], 0xAB), typ)
			if err != nil || len(rest) != 1 || cmpWithNull(back, v) != 0 {
				t.Fatalf("%s: DecodeKey(AppendKey(%v)) = %v, rest %x, %v", typ, v, back, rest, err)
			}
		}
		for i := range vals {
			for j := range vals {
				c := cmpWithNull(vals[i], vals[j])
				if k := bytes.Compare(keys[i], keys[j]); k != c {
					t.Fatalf("%s: Compare(%v, %v) = %d but key order %d", typ, vals[i], vals[j], c, k)
				}
				if c == 0 && !vals[i].IsNull() && hashOf(vals[i]) != hashOf(vals[j]) {
					t.Fatalf("%s: equal %v and %v hash differently", typ, vals[i], vals[j])
				}
			}
		}
	}
}

func TestKeyConcatenation(t *testing.T) {
	// Composite keys: ("a", 2) < ("a\x00", 1) < ("ab", 0).
	k := func(s string, i int64) []byte { return AppendKey(AppendKey(nil, NewText(s)), NewInt(i)) }
	if !(bytes.Compare(k("a", 2), k("a\x00", 1)) < 0 && bytes.Compare(k("a\x00", 1), k("ab", 0)) < 0) {
		t.Fatal("composite key order wrong")
	}
	b := k("a\x00b", -7)
	v1, rest, err := DecodeKey(b, Text)
	if err != nil || v1.Text() != "a\x00b" {
		t.Fatalf("decode text: %v %v", v1, err)
	}
	v2, rest, err := DecodeKey(rest, Int8)
	if err != nil || v2.Int() != -7 || len(rest) != 0 {
		t.Fatalf("decode int: %v %v", v2, err)
	}
}

func TestKeyNumericTypmodScale(t *testing.T) {
	typ := Type{OID: OIDNumeric, Mod: NumericTypmod(10, 2)}
	v, _ := ParseText("1.5", typ, time.UTC)
	back, _, err := DecodeKey(AppendKey(nil, v), typ)
	if err != nil || FormatText(back, typ, nil) != "1.50" {
		t.Fatalf("got %v, %v", back, err)
	}
}

func TestHashRow(t *testing.T) {
	a := Row{NewInt(1), NewText("x"), NewFloat(2)}
	b := Row{NewFloat(1), NewText("y"), num("2.0")}
	if HashRow(HashSeed, a, []int{0, 2}) != HashRow(HashSeed, b, []int{0, 2}) {
		t.Fatal("equal columns hash differently")
	}
	if HashRow(HashSeed, a, nil) == HashRow(HashSeed, b, nil) {
		t.Fatal("different rows collide")
	}
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	vals := []Value{NewInt(-12345), NewFloat(3.25), NewFloat(1e300), NewText("hello"), NewTimestamp(1e15), NewDate(19000)}
	row := make(Row, 0, 8)
	enc := AppendRow(nil, Row{NewInt(1), NewInt(2), NewBool(true), NewFloat(1)})
	var h maphash.Hash
	h.SetSeed(HashSeed)
	allocs := testing.AllocsPerRun(100, func() {
		for _, v := range vals {
			buf = AppendText(buf[:0], v, Float8, time.UTC)
			buf = AppendKey(buf[:0], v)
			Hash(&h, v)
			_ = Compare(v, v)
		}
		row, _ = DecodeRow(enc, row)
	})
	if allocs != 0 {
		t.Fatalf("hot paths allocate %v times per run", allocs)
	}
}
