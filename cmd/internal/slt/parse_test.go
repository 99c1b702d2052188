package slt

import (
	"reflect"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		format string
		src    string
		want   []record
	}{
		{
			name:   "sqlite statements and query",
			format: FormatSQLite,
			src: "# leading comment\n" +
				"statement ok\nCREATE TABLE t1(a INTEGER)\n\n" +
				"statement error\nSELECT nope\n\n" +
				"query IT rowsort label-1\nSELECT a,\n# comment inside is dropped\n b FROM t1\n----\n1\nx\n\n" +
				"query I nosort\nSELECT 1 WHERE false\n",
			want: []record{
				{line: 2, kind: kindStatement, sql: "CREATE TABLE t1(a INTEGER)", directive: "statement ok"},
				{line: 5, kind: kindStatement, sql: "SELECT nope", expectError: true, directive: "statement error"},
				{line: 8, kind: kindQuery, sql: "SELECT a,\n b FROM t1", types: "IT", sort: sortRows, label: "label-1",
					expected: []string{"1", "x"}, directive: "query IT rowsort label-1"},
				{line: 16, kind: kindQuery, sql: "SELECT 1 WHERE false", types: "I", sort: sortNone, directive: "query I nosort"},
			},
		},
		{
			name:   "conditions with trailing comments, halt, hash-threshold",
			format: FormatSQLite,
			src: "hash-threshold 3\n\n" +
				"skipif mysql # not there\nonlyif postgresql\nstatement ok\nSELECT 1\n\n" +
				"onlyif mssql\nhalt\n",
			want: []record{
				{line: 1, kind: kindHashThreshold, threshold: 3, directive: "hash-threshold 3"},
				{line: 5, kind: kindStatement, sql: "SELECT 1", directive: "statement ok",
					conds: []condition{{only: false, engine: "mysql"}, {only: true, engine: "postgresql"}}},
				{line: 9, kind: kindHalt, conds: []condition{{only: true, engine: "mssql"}}, directive: "halt"},
			},
		},
		{
			name:   "crlf line endings",
			format: FormatSQLite,
			src:    "query I\r\nSELECT 1\r\n----\r\n1\r\n",
			want: []record{
				{line: 1, kind: kindQuery, sql: "SELECT 1", types: "I", expected: []string{"1"}, directive: "query I"},
			},
		},
		{
			name:   "rs rows, error forms, count, retry",
			format: FormatRS,
			src: "statement error The return value type .* (int)\nselect 1;\n\n" +
				"statement error\nselect 2\n----\ndb error: first\n\nsecond\n\n\n" +
				"statement count 2 retry 3 backoff 1s\ninsert into t values (1), (2);\n\n" +
				"query IIT rowsort retry 2 backoff 500ms\nselect * from t;\n----\n1  2   2022-01-01 11:00:00\n\n" +
				"query error division by zero\nselect 1/0\n\n" +
				"query I\nselect 1 where false\n----\n\n",
			want: []record{
				{line: 1, kind: kindStatement, sql: "select 1;", expectError: true, errRegex: "The return value type .* (int)",
					directive: "statement error The return value type .* (int)"},
				{line: 4, kind: kindStatement, sql: "select 2", expectError: true, errMessage: "db error: first\n\nsecond",
					hasErrMessage: true, directive: "statement error"},
				{line: 12, kind: kindStatement, sql: "insert into t values (1), (2);", count: 2, hasCount: true,
					retries: 3, backoff: time.Second, directive: "statement count 2 retry 3 backoff 1s"},
				{line: 15, kind: kindQuery, sql: "select * from t;", types: "IIT", sort: sortRows, retries: 2,
					backoff: 500 * time.Millisecond, expected: []string{"1  2   2022-01-01 11:00:00"},
					directive: "query IIT rowsort retry 2 backoff 500ms"},
				{line: 20, kind: kindQuery, sql: "select 1/0", expectError: true, errRegex: "division by zero",
					directive: "query error division by zero"},
				{line: 23, kind: kindQuery, sql: "select 1 where false", types: "I", directive: "query I"},
			},
		},
		{
			name:   "rs statement err, -- comments and # results, as some RisingWave scripts have them",
			format: FormatRS,
			src:    "statement err\nselect nope\n\n-- an SQL comment between records\nquery I\nselect 1\n-- within SQL it stays\n----\n1\n\nquery T\nselect '#1'\n----\n#1\n",
			want: []record{
				{line: 1, kind: kindStatement, sql: "select nope", expectError: true, directive: "statement err"},
				{line: 5, kind: kindQuery, sql: "select 1\n-- within SQL it stays", types: "I", expected: []string{"1"}, directive: "query I"},
				{line: 11, kind: kindQuery, sql: "select '#1'", types: "T", expected: []string{"#1"}, directive: "query T"},
			},
		},
		{
			name:   "rs controls and unsupported records",
			format: FormatRS,
			src: "control sortmode rowsort\n\ncontrol resultmode valuewise\n\nsleep 10ms\n\nsubtest x\n\n" +
				"include other.slt\n\nsystem ok\necho hi\n----\nhi\n\nconnection other\nstatement ok\nselect 1\n\n" +
				"frobnicate\nstuff\n",
			want: []record{
				{line: 1, kind: kindSortMode, sort: sortRows, directive: "control sortmode rowsort"},
				{line: 3, kind: kindResultMode, valuewise: true, directive: "control resultmode valuewise"},
				{line: 5, kind: kindSleep, sleep: 10 * time.Millisecond, directive: "sleep 10ms"},
				{line: 7, kind: kindIgnored, directive: "subtest x"},
				{line: 9, kind: kindUnsupported, unsupport: "include is not supported: run the included files directly",
					directive: "include other.slt"},
				{line: 11, kind: kindUnsupported, unsupport: "system (shell commands) is not supported", directive: "system ok"},
				{line: 17, kind: kindStatement, connection: "other", sql: "select 1", directive: "statement ok"},
				{line: 20, kind: kindUnsupported, unsupport: `unknown record type "frobnicate"`, directive: "frobnicate"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseScript(tt.src, tt.format)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d records, want %d:\n%+v", len(got), len(tt.want), got)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestFormatFor(t *testing.T) {
	for name, want := range map[string]string{
		"select1.test": FormatSQLite, "a/b.slt": FormatRS, "x.slt.part": FormatRS, "noext": FormatRS,
	} {
		if got := FormatFor(name); got != want {
			t.Errorf("FormatFor(%q) = %q, want %q", name, got, want)
		}
	}
}
