package exec

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/catalog"
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
