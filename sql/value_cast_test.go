package sql

import (
	"testing"
	"time"
)

// castCases were checked against PostgreSQL 15 with timezone America/New_York.
func TestCast(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata")
	}
	varchar3 := Type{OID: OIDVarchar, Mod: 7}
	for _, c := range []struct {
		from     Type
		in       string
		to       Type
		explicit bool
		out      string
		code     string
	}{
		{Float8, "1.5", Int4, true, "2", ""},
		{Float8, "2.5", Int4, true, "2", ""},
		{Float8, "NaN", Int4, true, "", "22003"},
		{Float8, "1e10", Int4, true, "", "22003"},
		{Float8, "9223372036854775807", Int8, true, "", "22003"},
		{Numeric, "2.5", Int4, true, "3", ""},
		{Numeric, "-2.5", Int4, true, "-3", ""},
		{Numeric, "NaN", Int4, true, "", "0A000"},
		{Numeric, "Infinity", Int8, true, "", "0A000"},
		{Int4, "70000", Int2, true, "", "22003"},
		{Int8, "2147483648", Int4, true, "", "22003"},
		{Int4, "-1", Oid, true, "4294967295", ""},
		{Text, "abcd", varchar3, true, "abc", ""},
		{Text, "abcd", varchar3, false, "", "22001"},
		{Text, "abc  ", varchar3, false, "abc", ""},
		{Float8, "1e20", Numeric, true, "100000000000000000000", ""},
		{Float8, "0.1", Numeric, true, "0.1", ""},
		{Float4, "0.1", Numeric, true, "0.1", ""},
		{Float8, "Infinity", Numeric, true, "Infinity", ""},
		{Numeric, "12.345", Type{OID: OIDNumeric, Mod: NumericTypmod(4, 2)}, true, "12.35", ""},
		{Numeric, "123.4", Type{OID: OIDNumeric, Mod: NumericTypmod(4, 2)}, true, "", "22003"},
		{Float8, "1e39", Float4, true, "", "22003"},
		{Int8, "3", Float8, true, "3", ""},
		{Numeric, "1.25", Float8, true, "1.25", ""},
		{Timestamp, "2024-01-02 03:04:05", TimestampTZ, true, "2024-01-02 03:04:05-05", ""},
		{TimestampTZ, "2024-01-02 03:04:05+00", Date, true, "2024-01-01", ""},
		{TimestampTZ, "2024-01-02 03:04:05+00", Time, true, "22:04:05", ""},
		{TimestampTZ, "2024-07-02 03:04:05+00", Timestamp, true, "2024-07-01 23:04:05", ""},
		{Date, "2024-01-02", TimestampTZ, true, "2024-01-02 00:00:00-05", ""},
		{Date, "2024-01-02", Timestamp, true, "2024-01-02 00:00:00", ""},
		{Timestamp, "2024-01-02 03:04:05", Date, true, "2024-01-02", ""},
		{Interval, "25:00:00", Time, true, "01:00:00", ""},
		{Time, "01:02:03", Interval, true, "01:02:03", ""},
		{Bool, "t", Text, true, "true", ""},
		{Type{OID: OIDBpchar, Mod: 8}, "ab", Text, true, "ab", ""},
		{Text, "ab", Type{OID: OIDBpchar, Mod: 8}, true, "ab  ", ""},
		{ArrayOf(Float8), "{1.5,2.5}", ArrayOf(Int4), true, "{2,2}", ""},
		{JSON, `{"b":1,"a":2}`, JSONB, true, `{"a": 2, "b": 1}`, ""},
		{JSONB, `{"a": 2}`, Text, true, `{"a": 2}`, ""},
		{Int4, "1", Bool, true, "t", ""},
		{Bool, "t", Int4, true, "1", ""},
		{Text, "42", Int4, true, "42", ""},
		{Text, "x", Int4, true, "", "22P02"},
		{Int4, "1", Date, true, "", "42846"},
		{Date, "2024-01-02", Int4, true, "", "42846"},
		{Numeric, "1", Bool, true, "", "42846"},
		{ArrayOf(Int4), "{1}", Int4, true, "", "42846"},
		{Int4, "5", Numeric, true, "5", ""},
		{Int8, "5", Type{OID: OIDRegclass, Mod: -1}, true, "5", ""},
		{UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Text, true, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""},
		{Text, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", UUID, true, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""},
	} {
		v, err := ParseText(c.in, c.from, ny)
		if err != nil {
			t.Fatalf("ParseText(%q, %s): %v", c.in, c.from, err)
		}
		got, err := Cast(v, c.from, c.to, c.explicit, ny)
		if code := errCode(err); code != c.code {
			t.Errorf("Cast(%s %q to %s): error %v, want code %q", c.from, c.in, c.to, err, c.code)
			continue
		}
		if err == nil {
			if s := FormatText(got, c.to, ny); s != c.out {
				t.Errorf("Cast(%s %q to %s) = %q, want %q", c.from, c.in, c.to, s, c.out)
			}
		}
	}
	if v, err := Cast(Null, Int4, Date, true, ny); err != nil || !v.IsNull() {
		t.Errorf("Cast(NULL) = %v, %v", v, err)
	}
}
