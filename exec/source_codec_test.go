package exec

import (
	"fmt"
	"testing"
	"time"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// fuzzColumns cover every kind of value a record decoder fills in.
var fuzzColumns = []catalog.Column{
	{Name: "i", Type: sql.Int8}, {Name: "n", Type: sql.Numeric}, {Name: "f", Type: sql.Float8},
	{Name: "t", Type: sql.Text}, {Name: "b", Type: sql.Bool}, {Name: "ts", Type: sql.Timestamp},
	{Name: "tz", Type: sql.TimestampTZ}, {Name: "j", Type: sql.JSONB}, {Name: "a", Type: sql.Type{OID: sql.OIDInt4Array, Mod: -1}},
	{Name: "d", Type: sql.Date}, {Name: "iv", Type: sql.Interval}, {Name: "by", Type: sql.Bytea},
}

// FuzzDecodeRecord feeds arbitrary record values to every format's decoder:
// none may panic (a failure becomes a skipped or dead-lettered record, or
// 22P02 with on_error = 'fail'), and a decoded row must encode and decode
// as a stored row.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range []string{
		`{"i": 1, "n": 1.50, "f": 1e300, "t": "x\u00e9", "b": true, "ts": "2026-01-01 00:00:00",
		  "tz": "2026-01-01T00:00:00Z", "j": {"a": [1, null]}, "a": [1, 2], "d": "2026-02-28", "iv": "1 day", "by": "\\x00ff"}`,
		`{"i": "12"}`, `{"i": 9223372036854775808}`, `[]`, `null`, `{"t": "\ud800"}`, `{"j": 1e999999}`,
		"1,1.5,2,x,t,2026-01-01 00:00:00,2026-01-01 00:00:00+00,{},\"{1,2}\",2026-01-01,1 day,\\x00",
		"\"unterminated", "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	decoders := map[string]recordDecoder{}
	for _, format := range []string{"json", "csv", "text", "bytes"} {
		decoders[format] = newRecordDecoder(format, fuzzColumns, time.UTC)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		for format, dec := range decoders {
			row := make(sql.Row, len(fuzzColumns))
			err := dec.decode(value, row)
			if err != nil {
				continue
			}
			for i, v := range row {
				if v.IsNull() {
					row[i] = sql.Null
				}
			}
			if _, err := sql.DecodeRow(sql.AppendRow(nil, row), nil); err != nil {
				t.Fatalf("%s: %q: decoded row does not round-trip: %v", format, value, err)
			}
		}
	})
}

// TestJSONDecoderFastPaths checks that text and ISO timestamps, which skip
// the general text input, decode as ParseText reads them, in a zone other
// than UTC too; forms the fast path leaves alone still parse in full.
func TestJSONDecoderFastPaths(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database")
	}
	cols := []catalog.Column{{Name: "t", Type: sql.Text}, {Name: "ts", Type: sql.Timestamp}, {Name: "tz", Type: sql.TimestampTZ},
		{Name: "ts3", Type: sql.Type{OID: sql.OIDTimestamp, Mod: 3}}}
	dec := newRecordDecoder("json", cols, loc)
	for _, c := range []struct{ t, ts string }{
		{"plain", "2015-07-15 10:11:12.123456"}, {"é\u00e9", "2024-03-10 02:30:00"}, {"", "2015-07-15T10:11:12"},
		{"x", "2015-07-15 23:59:60"}, {"y", "2015-07-15 10:11:12.1234567"}, {"z", "July 15 2015 10:11"},
		{"w", "2015-07-15 10:11:12+02"},
	} {
		value := []byte(`{"t":"` + c.t + `","ts":"` + c.ts + `","tz":"` + c.ts + `","ts3":"` + c.ts + `"}`)
		row := make(sql.Row, len(cols))
		if err := dec.decode(value, row); err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		for i, col := range cols {
			s := c.ts
			if i == 0 {
				s = c.t
			}
			want, err := sql.ParseText(s, col.Type, loc)
			if err != nil {
				t.Fatalf("%q as %s: %v", s, col.Type, err)
			}
			if sql.Compare(row[i], want) != 0 {
				t.Errorf("%s: column %s = %v, ParseText gives %v", value, col.Name, row[i], want)
			}
		}
	}
	row := make(sql.Row, len(cols))
	if err := dec.decode([]byte(`{"t":"a\u0000b"}`), row); err == nil {
		t.Errorf("NUL in text decoded as %v", row[0])
	}
	if err := dec.decode([]byte("{\"t\":\"\xff\"}"), row); err == nil {
		t.Errorf("invalid UTF-8 decoded as %v", row[0])
	}
}

// TestJSONDecoderUnusedColumns: text columns no reader needs are checked
// but not built, so the same records decode or fail as when all are read.
func TestJSONDecoderUnusedColumns(t *testing.T) {
	cols := []catalog.Column{{Name: "a", Type: sql.Int8}, {Name: "t", Type: sql.Text}, {Name: "n", Type: sql.Int8}}
	dec := newSourceDecoder("json", cols, time.UTC, []bool{true, false, false})
	full := newRecordDecoder("json", cols, time.UTC)
	for _, v := range []string{`{"a": 1, "t": "x", "n": 2}`, `{"a": 1, "t": "a\u0000"}`, `{"t": 12, "a": 3}`,
		`{"t": [1, {"b": null}], "a": 4}`, `{"t": "\ud83d\ude00", "a": 5}`, `{"t": tru, "a": 6}`, `{"n": "x", "a": 7}`} {
		row := make(sql.Row, len(cols))
		err := dec.decode([]byte(v), row)
		ferr := full.decode([]byte(v), make(sql.Row, len(cols)))
		if (err == nil) != (ferr == nil) {
			t.Fatalf("%s: decode error %v, with every column %v", v, err, ferr)
		}
		if err == nil && !row[1].IsNull() {
			t.Errorf("%s: unused text column built as %v", v, row[1])
		}
	}
}

// TestColumnsRead: which input columns expressions read, and when it
// cannot tell.
func TestColumnsRead(t *testing.T) {
	ref := func(i int) planner.Expr { return &planner.ColRef{Idx: i, Typ: sql.Int8} }
	got := columnsRead(make([]bool, 4), &planner.BinOp{Op: planner.OpAdd, L: ref(0), R: ref(2)})
	if fmt.Sprint(got) != "[true false true false]" {
		t.Errorf("a + c reads %v", got)
	}
	if got := columnsRead(make([]bool, 4), &planner.Subquery{Kind: planner.SubqueryExists}); got != nil {
		t.Errorf("a subquery reads %v, want unknown (nil)", got)
	}
	if got := columnsRead(make([]bool, 1), ref(3)); got != nil {
		t.Errorf("a column out of range reads %v, want unknown (nil)", got)
	}
}

// TestJSONDecoderIntegers: the one-pass integer path reads what the
// general path (a JSON number through the type's text input) reads, and
// refuses what it refuses.
func TestJSONDecoderIntegers(t *testing.T) {
	for _, typ := range []sql.Type{sql.Int2, sql.Int4, sql.Int8} {
		dec := newRecordDecoder("json", []catalog.Column{{Name: "i", Type: typ}}, time.UTC)
		for _, num := range []string{"0", "-0", "7", "-7", "32767", "32768", "-32768", "-32769", "2147483647", "2147483648",
			"-2147483649", "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808",
			"-9223372036854775808", "-9223372036854775809", "1.0", "1e2", "1E2", "01", "-01", "-", "1x", "12345678901234567890123"} {
			row := make(sql.Row, 1)
			err := dec.decode([]byte(`{"i":`+num+`}`), row)
			valid := num != "01" && num != "-01" && num != "-" && num != "1x"
			var want sql.Value
			var werr error = errJSONSyntax
			if valid {
				want, werr = sql.ParseText(num, typ, time.UTC)
			}
			if (err == nil) != (werr == nil) {
				t.Errorf("%s as %s: error %v, want %v", num, typ, err, werr)
			} else if err == nil && sql.Compare(row[0], want) != 0 {
				t.Errorf("%s as %s: %v, want %v", num, typ, row[0], want)
			}
		}
	}
}

// TestJSONDecoderTexts: text values, gathered while the record decodes
// and built at its end, come out as the record says, the last of a
// repeated key winning.
func TestJSONDecoderTexts(t *testing.T) {
	cols := []catalog.Column{{Name: "t", Type: sql.Text}, {Name: "u", Type: sql.Text}, {Name: "i", Type: sql.Int8}}
	dec := newRecordDecoder("json", cols, time.UTC)
	for _, c := range []struct{ in, want string }{
		{`{"t":"a","u":"bc","i":1}`, "[a bc 1]"},
		{`{"t":"a","t":null}`, "[NULL NULL NULL]"},
		{`{"t":"a","t":"b","u":"é"}`, "[b é NULL]"},
		{`{"t":null,"t":"c"}`, "[c NULL NULL]"},
		{`{"t":"x\"y","u":12}`, `[x"y 12 NULL]`},
		{`{"u":"","t":"q"}`, "[q  NULL]"},
	} {
		row := make(sql.Row, len(cols))
		if err := dec.decode([]byte(c.in), row); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		var got []string
		for _, v := range row {
			if v.IsNull() {
				got = append(got, "NULL")
			} else {
				got = append(got, sql.FormatText(v, sql.Text, time.UTC))
			}
		}
		if s := fmt.Sprint(got); s != c.want {
			t.Errorf("%s: %s, want %s", c.in, s, c.want)
		}
	}
	// A record that fails leaves nothing for the next.
	row := make(sql.Row, len(cols))
	if err := dec.decode([]byte(`{"t":"a","i":"x"}`), row); err == nil {
		t.Fatal(`{"i":"x"} decoded`)
	}
	row = make(sql.Row, len(cols))
	if err := dec.decode([]byte(`{"i":2}`), row); err != nil || !row[0].IsNull() {
		t.Errorf(`{"i":2} after a failed record: %v, %v`, row, err)
	}
}
