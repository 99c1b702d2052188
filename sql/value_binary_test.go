package sql

import (
	"encoding/hex"
	"testing"
	"time"
)

// binaryCases hold PostgreSQL 15's *_send output for the text input.
var binaryCases = []struct {
	t   Type
	in  string
	hex string
}{
	{Numeric, "1.50", "000200000000000200011388"},
	{Numeric, "-12345.678", "0003000140000003000109291a7c"},
	{Numeric, "0.00", "0000000000000002"},
	{Numeric, "100000", "0001000100000000000a"},
	{Numeric, "0.0001", "0001ffff000000040001"},
	{Numeric, "NaN", "00000000c0000000"},
	{Numeric, "123456789.000000001", "0006000200000009000109291a850000000003e8"},
	{Numeric, "1e20", "00010005000000000001"},
	{Numeric, "-0.5", "0001ffff400000011388"},
	{Timestamp, "2024-01-02 03:04:05.5", "0002b0ec851d9460"},
	{Date, "0044-03-15 BC", "fff49d7b"},
	{Interval, "1 year 2 days 00:00:01", "00000000000f4240000000020000000c"},
	{ArrayOf(Int4), "{1,NULL}", "00000001000000010000001700000002000000010000000400000001ffffffff"},
	{ArrayOf(Int2), "{{1,2},{3,4}}", "00000002000000000000001500000002000000010000000200000001000000020001000000020002000000020003000000020004"},
	{UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
	{JSONB, `{"a":1}`, "017b2261223a20317d"},
	{Int2, "-2", "fffe"},
	{Float4, "1.5", "3fc00000"},
	{Bool, "t", "01"},
}

func TestBinaryMatchesPostgres(t *testing.T) {
	for _, c := range binaryCases {
		v, err := ParseText(c.in, c.t, time.UTC)
		if err != nil {
			t.Fatalf("ParseText(%q): %v", c.in, err)
		}
		b, err := AppendBinary(nil, v, c.t)
		if err != nil {
			t.Fatalf("AppendBinary(%q): %v", c.in, err)
		}
		if got := hex.EncodeToString(b); got != c.hex {
			t.Errorf("AppendBinary(%s %q) = %s, want %s", c.t, c.in, got, c.hex)
		}
		back, err := ParseBinary(b, c.t)
		if err != nil {
			t.Fatalf("ParseBinary(%s %q): %v", c.t, c.in, err)
		}
		if a, b := FormatText(back, c.t, time.UTC), FormatText(v, c.t, time.UTC); a != b {
			t.Errorf("binary round trip of %s %q: %q, want %q", c.t, c.in, a, b)
		}
	}
}

// TestBinaryRoundTrip runs every text case PostgreSQL accepted through the
// binary format and back.
func TestBinaryRoundTrip(t *testing.T) {
	for _, c := range textCases {
		if c.code != "" {
			continue
		}
		v, err := ParseText(c.in, c.t, time.UTC)
		if err != nil {
			continue
		}
		b, err := AppendBinary(nil, v, c.t)
		if err != nil {
			t.Errorf("AppendBinary(%s %q): %v", c.t, c.in, err)
			continue
		}
		back, err := ParseBinary(b, c.t)
		if err != nil {
			t.Errorf("ParseBinary(%s %q): %v", c.t, c.in, err)
			continue
		}
		if a, w := FormatText(back, c.t, time.UTC), FormatText(v, c.t, time.UTC); a != w {
			t.Errorf("binary round trip of %s %q: %q, want %q", c.t, c.in, a, w)
		}
	}
}

func TestBinaryMalformed(t *testing.T) {
	for _, c := range []struct {
		t Type
		b string
	}{
		{Int4, "0001"}, {Int8, ""}, {Numeric, "0001"}, {Numeric, "00010000000000002710"},
		{Numeric, "00000000123400000"}, {ArrayOf(Int4), "00000001000000000000001700000005000000010000000400000001"},
		{ArrayOf(Int4), "ffffffff0000000000000017"}, {JSONB, "027b7d"}, {UUID, "00"}, {Date, "7ffffffe"},
		{Timestamp, "7ffffffffffffffe"},
	} {
		b, _ := hex.DecodeString(c.b)
		if _, err := ParseBinary(b, c.t); err == nil {
			t.Errorf("ParseBinary(%s, %s) succeeded", c.t, c.b)
		} else if code := errCode(err); code[:2] != "22" {
			t.Errorf("ParseBinary(%s, %s): code %s", c.t, c.b, code)
		}
	}
}

func TestTimestampExtremes(t *testing.T) {
	for _, c := range []struct {
		t  Type
		in string
	}{
		{Timestamp, "4714-11-24 00:00:00 BC"},
		{Timestamp, "294246-12-31 23:59:59.999999"},
		{TimestampTZ, "4714-11-24 00:00:00+00 BC"},
		{Date, "4714-11-24 BC"},
		{Date, "5874897-12-31"},
	} {
		v, err := ParseText(c.in, c.t, time.UTC)
		if err != nil {
			t.Fatalf("ParseText(%q): %v", c.in, err)
		}
		if got := FormatText(v, c.t, time.UTC); got != c.in {
			t.Errorf("text round trip %q -> %q", c.in, got)
		}
		b, _ := AppendBinary(nil, v, c.t)
		back, err := ParseBinary(b, c.t)
		if err != nil || back != v {
			t.Errorf("binary round trip %q: %v %v", c.in, back, err)
		}
	}
}

// TestBinaryRecord checks record_send's format against PostgreSQL's
// record_send(ROW(1::int8, 'a'::text, NULL::text, true)).
func TestBinaryRecord(t *testing.T) {
	v := NewArray([]Value{NewInt(1), NewText("a"), Null, NewBool(true)})
	b, err := AppendBinary(nil, v, Record)
	if err != nil {
		t.Fatal(err)
	}
	const want = "000000040000001400000008000000000000000100000019000000016100000019ffffffff000000100000000101"
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("record: %s, want %s", got, want)
	}
}
