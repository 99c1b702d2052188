package sql

import (
	"github.com/cockroachdb/apd/v3"
)

// Value is one SQL value. It is a small struct passed by value so that rows
// ([]Value) hold their data inline: ints, floats, dates and timestamps need no
// allocation. The zero Value is NULL.
//
// A Value is 48 bytes: rows of many of them are what a stream's records
// become, so every word counts. An interval's months and days, rare in
// streams next to its microseconds, are boxed in p (as one int64, which
// Go boxes without allocating when it is below 256, as zero and small day
// counts are).
type Value struct {
	k Kind
	i int64  // bool (0/1), int, float bits, date, time, timestamp(tz), interval micros
	s string // text, bytes, json
	p any    // *apd.Decimal for numeric, []Value for arrays, int64 months<<32 | uint32(days) for a nonzero interval's
}

// Row is one tuple of values.
type Row []Value

// Null is the SQL NULL.
var Null = Value{}

func NewBool(b bool) Value {
	if b {
		return Value{k: KindBool, i: 1}
	}
	return Value{k: KindBool}
}
func NewInt(i int64) Value               { return Value{k: KindInt, i: i} }
func NewFloat(f float64) Value           { return Value{k: KindFloat, i: int64(float64bits(f))} }
func NewText(s string) Value             { return Value{k: KindText, s: s} }
func NewBytes(b []byte) Value            { return Value{k: KindBytes, s: string(b)} }
func NewBytesString(s string) Value      { return Value{k: KindBytes, s: s} }
func NewJSON(normalized string) Value    { return Value{k: KindJSON, s: normalized} }
func NewDate(daysSinceEpoch int64) Value { return Value{k: KindDate, i: daysSinceEpoch} }
func NewTime(micros int64) Value         { return Value{k: KindTime, i: micros} }
func NewTimestamp(microsSinceEpoch int64) Value {
	return Value{k: KindTimestamp, i: microsSinceEpoch}
}
func NewTimestampTZ(microsSinceEpochUTC int64) Value {
	return Value{k: KindTimestampTZ, i: microsSinceEpochUTC}
}

// NewNumeric wraps d; the caller must not modify d afterwards.
func NewNumeric(d *apd.Decimal) Value { return Value{k: KindNumeric, p: d} }

// NewInterval builds an interval of months, days and microseconds, kept apart as
// PostgreSQL keeps them (a month is not a fixed number of days).
func NewInterval(iv IntervalValue) Value {
	v := Value{k: KindInterval, i: iv.Micros}
	if md := int64(iv.Months)<<32 | int64(uint32(iv.Days)); md != 0 {
		v.p = md
	}
	return v
}

// NewArray wraps elems; the caller must not modify elems afterwards.
func NewArray(elems []Value) Value { return Value{k: KindArray, p: elems} }

// IntervalValue is PostgreSQL's interval: months, days and microseconds.
type IntervalValue struct {
	Months int32
	Days   int32
	Micros int64
}

func (v Value) Kind() Kind          { return v.k }
func (v Value) IsNull() bool        { return v.k == KindNull }
func (v Value) Bool() bool          { return v.i != 0 }
func (v Value) Int() int64          { return v.i }
func (v Value) Float() float64      { return float64frombits(uint64(v.i)) }
func (v Value) Text() string        { return v.s }
func (v Value) Bytes() []byte       { return []byte(v.s) }
func (v Value) BytesString() string { return v.s }
func (v Value) Numeric() *apd.Decimal {
	d, _ := v.p.(*apd.Decimal)
	return d
}
func (v Value) Array() []Value {
	a, _ := v.p.([]Value)
	return a
}
func (v Value) Interval() IntervalValue {
	md, _ := v.p.(int64)
	return IntervalValue{Months: int32(md >> 32), Days: int32(uint32(md)), Micros: v.i}
}
