package exec

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"unsafe"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sql"
)

// The running state of the aggregates that aggOp maintains (flow_agg.go),
// and its encoding in the state store. Every part of it retracts exactly:
// after any sequence of changes the state is the one the present rows
// alone would give, so a view never drifts from its query.

// sumState is the running sum behind sum and avg. Integers add in an
// int64 until it overflows, then in a decimal that also takes numerics,
// as sumAcc does. A numeric sum's scale is the largest scale among the
// values present, so the number of values of each scale is kept (a
// retraction can lower it); NaN and infinities are counted apart, since
// Infinity - Infinity would leave a NaN behind. Floats are summed exactly
// (exactSum). The result is read through sumAcc and avgAcc, so that types,
// scales and rounding are those of a batch query.
type sumState struct {
	n int64 // non-NULL values
	i int64
	// w holds what a sum of ints alone never needs, allocated on first
	// use: a group's state is cached in memory (aggCache), and a count
	// or an integer sum would otherwise carry room for a decimal, scales,
	// a float and an interval.
	w *sumWide
}

// sumWide is a sum's state beyond int64s.
type sumWide struct {
	isDec bool // the sum is in dec
	dec   apd.Decimal
	// scales counts the finite numerics present by scale.
	scales          []scaleCount
	nan, pinf, ninf int64
	f               *exactSum
	iv              sql.IntervalValue
}

func (s *sumState) wide() *sumWide {
	if s.w == nil {
		s.w = &sumWide{}
	}
	return s.w
}

func (s *sumState) isDec() bool { return s.w != nil && s.w.isDec }

// memBytes is the heap the state holds beyond its own struct.
func (s *sumState) memBytes() int64 {
	w := s.w
	if w == nil {
		return 0
	}
	n := int64(unsafe.Sizeof(sumWide{})) + int64(cap(w.scales))*int64(unsafe.Sizeof(scaleCount{}))
	n += int64(len(w.dec.Coeff.Bits())) * 8
	if w.f != nil {
		n += int64(unsafe.Sizeof(exactSum{})) + int64(len(w.f.m.Bits()))*8
	}
	return n
}

type scaleCount struct {
	scale int32
	n     int64
}

func (s *sumState) toDec() *sumWide {
	w := s.wide()
	if !w.isDec {
		w.isDec = true
		w.dec.SetInt64(s.i)
		s.i = 0
	}
	return w
}

func (s *sumState) add(v sql.Value, d int64) {
	if v.IsNull() {
		return
	}
	s.n += d
	switch v.Kind() {
	case sql.KindInt:
		x := v.Int()
		if !s.isDec() {
			if p, ok := mulInt64(x, d); ok {
				if q, ok := addInt64(s.i, p); ok {
					s.i = q
					return
				}
			}
		}
		w := s.toDec()
		var t apd.Decimal
		decCtx.Mul(&t, apd.New(x, 0), apd.New(d, 0))
		decCtx.Add(&w.dec, &w.dec, &t)
	case sql.KindNumeric:
		x := v.Numeric()
		w := s.toDec()
		switch {
		case x.Form == apd.NaN || x.Form == apd.NaNSignaling:
			w.nan += d
			return
		case x.Form == apd.Infinite && x.Negative:
			w.ninf += d
			return
		case x.Form == apd.Infinite:
			w.pinf += d
			return
		}
		w.addScale(max(0, -x.Exponent), d)
		var t apd.Decimal
		decCtx.Mul(&t, x, apd.New(d, 0))
		decCtx.Add(&w.dec, &w.dec, &t)
	case sql.KindFloat:
		w := s.wide()
		if w.f == nil {
			w.f = &exactSum{}
		}
		w.f.add(v.Float(), d)
	case sql.KindInterval:
		iv := v.Interval()
		w := s.wide()
		w.iv.Months += iv.Months * int32(d)
		w.iv.Days += iv.Days * int32(d)
		w.iv.Micros += iv.Micros * d
	}
}

func (s *sumWide) addScale(scale int32, d int64) {
	for i := range s.scales {
		if s.scales[i].scale == scale {
			s.scales[i].n += d
			if s.scales[i].n == 0 {
				s.scales = append(s.scales[:i], s.scales[i+1:]...)
			}
			return
		}
	}
	s.scales = append(s.scales, scaleCount{scale: scale, n: d})
}

// normalize returns a decimal sum to an int64 once no numeric is left and
// it fits again, so that the state of an integer sum stays small.
func (s *sumState) normalize() {
	w := s.w
	if w == nil {
		return
	}
	if w.isDec && len(w.scales) == 0 && w.nan == 0 && w.pinf == 0 && w.ninf == 0 {
		var q apd.Decimal
		if _, err := decCtx.Quantize(&q, &w.dec, 0); err == nil && q.Cmp(&w.dec) == 0 && q.Coeff.IsInt64() {
			if i, err := q.Int64(); err == nil {
				w.isDec, s.i = false, i
				w.dec.SetInt64(0)
			}
		}
	}
	if !w.isDec && len(w.scales) == 0 && w.f == nil && w.iv == (sql.IntervalValue{}) {
		s.w = nil // back to ints alone: drop the wide part
	}
}

// acc is the sum as a sumAcc of result type typ, whose result() gives
// what a batch query gives over the values present.
func (s *sumState) acc(typ sql.Type) (*sumAcc, error) {
	a := &sumAcc{typ: typ, n: s.n, i: s.i}
	w := s.w
	if w == nil {
		return a, nil
	}
	a.isDec, a.iv = w.isDec, w.iv
	if w.f != nil {
		a.f = w.f.float()
	}
	if !w.isDec {
		return a, nil
	}
	d := new(apd.Decimal)
	switch {
	case w.nan > 0 || (w.pinf > 0 && w.ninf > 0):
		d.Form = apd.NaN
	case w.pinf > 0:
		d.Form = apd.Infinite
	case w.ninf > 0:
		d.Form, d.Negative = apd.Infinite, true
	default:
		var scale int32
		for _, c := range w.scales {
			if c.n > 0 {
				scale = max(scale, c.scale)
			}
		}
		if _, err := decCtx.Quantize(d, &w.dec, -scale); err != nil {
			return nil, sql.Errorf(sql.CodeNumericValueOutOfRange, "numeric sum: %v", err)
		}
	}
	a.dec = d
	return a, nil
}

func mulInt64(a, b int64) (int64, bool) {
	switch b {
	case 1:
		return a, true
	case -1:
		return -a, a != math.MinInt64
	}
	hi, lo := bits.Mul64(uint64(abs64(a)), uint64(abs64(b)))
	if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || b == math.MinInt64 {
		return 0, false
	}
	p := int64(lo)
	if (a < 0) != (b < 0) {
		p = -p
	}
	return p, true
}

func abs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	if (s > a) == (b > 0) || b == 0 {
		return s, true
	}
	return 0, false
}

// exactSum is the exact sum of float64 values, m·2^e, with NaN and the
// infinities counted apart. A float running sum would keep the rounding
// of values long retracted (1e20 + 1 - 1e20 = 0); this one reads, at any
// time, the sum of the values present rounded once to the nearest float.
type exactSum struct {
	m               big.Int
	e               int
	nan, pinf, ninf int64
}

func (s *exactSum) add(f float64, d int64) {
	switch {
	case math.IsNaN(f):
		s.nan += d
		return
	case math.IsInf(f, 1):
		s.pinf += d
		return
	case math.IsInf(f, -1):
		s.ninf += d
		return
	case f == 0:
		return
	}
	mant, exp := math.Frexp(f) // f = mant·2^exp, 0.5 <= |mant| < 1
	var x big.Int
	x.SetInt64(int64(mant * (1 << 53)))
	e := exp - 53
	if d != 1 {
		x.Mul(&x, big.NewInt(d))
	}
	switch {
	case s.m.Sign() == 0:
		s.m.Set(&x)
		s.e = e
	case e < s.e:
		s.m.Lsh(&s.m, uint(s.e-e))
		s.e = e
		s.m.Add(&s.m, &x)
	default:
		x.Lsh(&x, uint(e-s.e))
		s.m.Add(&s.m, &x)
	}
	if s.m.Sign() == 0 {
		s.e = 0
	} else if tz := s.m.TrailingZeroBits(); tz > 0 {
		s.m.Rsh(&s.m, tz)
		s.e += int(tz)
	}
}

func (s *exactSum) float() float64 {
	switch {
	case s.nan > 0 || (s.pinf > 0 && s.ninf > 0):
		return math.NaN()
	case s.pinf > 0:
		return math.Inf(1)
	case s.ninf > 0:
		return math.Inf(-1)
	case s.m.Sign() == 0:
		return 0
	}
	var f big.Float
	f.SetInt(&s.m)
	f.SetMantExp(&f, s.e)
	v, _ := f.Float64()
	return v
}

// stateReader reads the parts of a state record.
type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, w := binary.Varint(r.b)
	if w <= 0 {
		r.err = errStateCorrupt
		return 0
	}
	r.b = r.b[w:]
	return v
}

func (r *stateReader) bytes() []byte {
	n := r.varint()
	if r.err != nil {
		return nil
	}
	if n < 0 || n > int64(len(r.b)) {
		r.err = errStateCorrupt
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *stateReader) value() sql.Value {
	b := r.bytes()
	if r.err != nil {
		return sql.Null
	}
	row, err := sql.DecodeRow(b, nil)
	if err != nil || len(row) != 1 {
		r.err = errStateCorrupt
		return sql.Null
	}
	return row[0]
}

var errStateCorrupt = sql.Errorf(sql.CodeDataCorrupted, "view state: corrupt aggregate state")

func appendBytes(buf, b []byte) []byte {
	return append(binary.AppendVarint(buf, int64(len(b))), b...)
}

func appendValue(buf []byte, v sql.Value) []byte {
	return appendBytes(buf, sql.AppendRow(nil, sql.Row{v}))
}

const (
	sumHasInt = 1 << iota
	sumHasDec
	sumHasFloat
	sumHasInterval
)

func (s *sumState) append(buf []byte) []byte {
	s.normalize()
	buf = binary.AppendVarint(buf, s.n)
	w := s.w
	if w == nil {
		w = &zeroWide
	}
	var flags byte
	if w.isDec {
		flags |= sumHasDec
	} else if s.i != 0 {
		flags |= sumHasInt
	}
	if w.f != nil {
		flags |= sumHasFloat
	}
	if w.iv != (sql.IntervalValue{}) {
		flags |= sumHasInterval
	}
	buf = append(buf, flags)
	if flags&sumHasInt != 0 {
		buf = binary.AppendVarint(buf, s.i)
	}
	if flags&sumHasDec != 0 {
		buf = appendValue(buf, sql.NewNumeric(&w.dec))
		buf = binary.AppendVarint(buf, w.nan)
		buf = binary.AppendVarint(buf, w.pinf)
		buf = binary.AppendVarint(buf, w.ninf)
		buf = binary.AppendVarint(buf, int64(len(w.scales)))
		for _, c := range w.scales {
			buf = binary.AppendVarint(buf, int64(c.scale))
			buf = binary.AppendVarint(buf, c.n)
		}
	}
	if flags&sumHasFloat != 0 {
		f := w.f
		buf = binary.AppendVarint(buf, f.nan)
		buf = binary.AppendVarint(buf, f.pinf)
		buf = binary.AppendVarint(buf, f.ninf)
		buf = binary.AppendVarint(buf, int64(f.e))
		buf = binary.AppendVarint(buf, int64(f.m.Sign()))
		buf = appendBytes(buf, f.m.Bytes())
	}
	if flags&sumHasInterval != 0 {
		buf = binary.AppendVarint(buf, int64(w.iv.Months))
		buf = binary.AppendVarint(buf, int64(w.iv.Days))
		buf = binary.AppendVarint(buf, w.iv.Micros)
	}
	return buf
}

// zeroWide stands for an absent wide part when encoding; never written.
var zeroWide sumWide

func (s *sumState) read(r *stateReader) {
	s.n = r.varint()
	if r.err != nil || len(r.b) == 0 {
		r.err = errStateCorrupt
		return
	}
	flags := r.b[0]
	r.b = r.b[1:]
	if flags&sumHasInt != 0 {
		s.i = r.varint()
	}
	if flags&sumHasDec != 0 {
		w := s.wide()
		w.isDec = true
		v := r.value()
		if r.err == nil && v.Kind() == sql.KindNumeric {
			w.dec.Set(v.Numeric())
		}
		w.nan, w.pinf, w.ninf = r.varint(), r.varint(), r.varint()
		n := r.varint()
		for i := int64(0); i < n && r.err == nil; i++ {
			w.scales = append(w.scales, scaleCount{scale: int32(r.varint()), n: r.varint()})
		}
	}
	if flags&sumHasFloat != 0 {
		f := &exactSum{}
		f.nan, f.pinf, f.ninf = r.varint(), r.varint(), r.varint()
		f.e = int(r.varint())
		sign := r.varint()
		f.m.SetBytes(r.bytes())
		if sign < 0 {
			f.m.Neg(&f.m)
		}
		s.wide().f = f
	}
	if flags&sumHasInterval != 0 {
		s.wide().iv = sql.IntervalValue{Months: int32(r.varint()), Days: int32(r.varint()), Micros: r.varint()}
	}
}
