package sql

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestRowRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var dst Row
	for n := 0; n < 500; n++ {
		row := make(Row, r.IntN(8))
		for i := range row {
			row[i] = randValue(r, keyTypes[r.IntN(len(keyTypes))])
		}
		if n == 0 {
			row = append(row, num("123456789012345678901234567890.5"), num("-0.00"), num("NaN"))
		}
		enc := AppendRow(nil, row)
		var err error
		dst, err = DecodeRow(enc, dst)
		if err != nil {
			t.Fatalf("DecodeRow(%v): %v", row, err)
		}
		if len(dst) != len(row) {
			t.Fatalf("DecodeRow(%v) = %v", row, dst)
		}
		for i := range row {
			// Rows must keep values exactly, not just up to Compare: scale,
			// interval fields and -0 included.
			a := FormatText(row[i], defaultType(row[i].Kind()), time.UTC)
			b := FormatText(dst[i], defaultType(dst[i].Kind()), time.UTC)
			if row[i].Kind() != dst[i].Kind() || a != b || cmpWithNull(row[i], dst[i]) != 0 {
				t.Fatalf("column %d: %v became %v", i, row[i], dst[i])
			}
		}
		// Truncated input must fail, never panic.
		if len(enc) > 1 {
			if _, err := DecodeRow(enc[:len(enc)-1], dst); err == nil {
				t.Fatalf("truncated row %v decoded", row)
			}
		}
	}
}

func TestValueString(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{NewInt(42), "42"}, {NewText("it's"), "'it''s'"}, {Null, "NULL"}, {NewBool(true), "true"},
		{num("1.50"), "1.50"}, {NewDate(0), "'1970-01-01'"}, {NewArray([]Value{NewInt(1), Null}), "'{1,NULL}'"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func FuzzParseText(f *testing.F) {
	types := []Type{Bool, Int2, Int4, Int8, Float4, Float8, Numeric, Type{OID: OIDNumeric, Mod: NumericTypmod(5, 2)},
		Text, Type{OID: OIDVarchar, Mod: 7}, Type{OID: OIDBpchar, Mod: 7}, Bytea, Date, Time, Timestamp, TimestampTZ,
		Interval, JSON, JSONB, UUID, Oid, ArrayOf(Int4), ArrayOf(Text), ArrayOf(Numeric)}
	for _, c := range textCases {
		for i, t := range types {
			if t.Equal(c.t) {
				f.Add(c.in, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string, ti uint8) {
		typ := types[int(ti)%len(types)]
		v, err := ParseText(s, typ, time.UTC)
		if err != nil {
			if errCode(err) == "" || strings.HasPrefix(errCode(err), "not") || strings.HasPrefix(errCode(err), "XX") {
				t.Fatalf("ParseText(%q, %s): error without SQLSTATE: %v", s, typ, err)
			}
			return
		}
		out := FormatText(v, typ, time.UTC)
		// Output must be accepted as input and mean the same value.
		v2, err := ParseText(out, typ, time.UTC)
		if err != nil {
			t.Fatalf("ParseText(%q, %s) -> %q, which does not parse: %v", s, typ, out, err)
		}
		if cmpWithNull(v, v2) != 0 {
			t.Fatalf("ParseText(%q, %s) -> %q -> %v", s, typ, out, v2)
		}
		b, err := AppendBinary(nil, v, typ)
		if err != nil {
			t.Fatalf("AppendBinary(%v, %s): %v", v, typ, err)
		}
		if _, err := ParseBinary(b, typ); err != nil {
			t.Fatalf("ParseBinary(AppendBinary(%v, %s)): %v", v, typ, err)
		}
		k := AppendKey(nil, v)
		if back, _, err := DecodeKey(k, typ); err != nil || cmpWithNull(back, v) != 0 {
			t.Fatalf("key round trip of %v: %v, %v", v, back, err)
		}
	})
}

func FuzzDecodeRow(f *testing.F) {
	f.Add(AppendRow(nil, Row{NewInt(1), NewText("x"), Null, num("1.5"), NewArray([]Value{NewInt(1)})}))
	f.Add(AppendRow(nil, Row{NewInterval(IntervalValue{1, 2, 3}), NewFloat(1), num("1e100"), NewBool(true)}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		row, err := DecodeRow(b, nil)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to a row that decodes equal.
		row2, err := DecodeRow(AppendRow(nil, row), nil)
		if err != nil || len(row2) != len(row) {
			t.Fatalf("re-decode: %v %v", row2, err)
		}
		for i := range row {
			if cmpWithNull(row[i], row2[i]) != 0 {
				t.Fatalf("column %d: %v vs %v", i, row[i], row2[i])
			}
			_ = AppendKey(nil, row[i])
		}
	})
}

func FuzzParseBinary(f *testing.F) {
	for _, c := range binaryCases {
		v, _ := ParseText(c.in, c.t, time.UTC)
		b, _ := AppendBinary(nil, v, c.t)
		f.Add(b, uint8(c.t.OID))
	}
	types := []Type{Bool, Int2, Int4, Int8, Float4, Float8, Numeric, Text, Bytea, Date, Time, Timestamp, TimestampTZ,
		Interval, JSON, JSONB, UUID, Oid, ArrayOf(Int4), ArrayOf(Text), ArrayOf(Numeric), ArrayOf(Int2)}
	f.Fuzz(func(t *testing.T, b []byte, ti uint8) {
		typ := types[int(ti)%len(types)]
		v, err := ParseBinary(b, typ)
		if err != nil {
			return
		}
		_ = FormatText(v, typ, time.UTC)
	})
}
