package sql

import (
	"math"
	"testing"
	"unsafe"
)

// TestValueSize: rows are slices of Values, so the struct's size is every
// row's; an interval keeps its months and days outside the inline words.
func TestValueSize(t *testing.T) {
	if n := unsafe.Sizeof(Value{}); n != 48 {
		t.Fatalf("sql.Value is %d bytes, want 48", n)
	}
}

func TestIntervalRoundTrip(t *testing.T) {
	for _, iv := range []IntervalValue{
		{}, {Micros: 1}, {Days: 1}, {Days: 255}, {Days: 256}, {Days: -1}, {Months: 1}, {Months: -1, Days: 3, Micros: -7},
		{Months: math.MaxInt32, Days: math.MinInt32, Micros: math.MaxInt64},
		{Months: math.MinInt32, Days: math.MaxInt32, Micros: math.MinInt64},
	} {
		v := NewInterval(iv)
		if got := v.Interval(); got != iv {
			t.Errorf("NewInterval(%+v).Interval() = %+v", iv, got)
		}
		if v.Kind() != KindInterval || v.Numeric() != nil || v.Array() != nil {
			t.Errorf("NewInterval(%+v): kind %v, numeric %v, array %v", iv, v.Kind(), v.Numeric(), v.Array())
		}
		w := NewInterval(iv)
		if Compare(v, w) != 0 {
			t.Errorf("NewInterval(%+v) differs from itself", iv)
		}
		dec, err := DecodeRow(AppendRow(nil, Row{v}), nil)
		if err != nil || dec[0].Interval() != iv {
			t.Errorf("row round trip of %+v: %+v, %v", iv, dec, err)
		}
	}
}
