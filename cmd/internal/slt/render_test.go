package slt

import (
	"slices"
	"testing"
)

func TestRenderTyped(t *testing.T) {
	tests := []struct {
		v      []byte
		typ    byte
		isBool bool
		want   string
	}{
		{nil, 'I', false, "NULL"},
		{nil, 'T', false, "NULL"},
		{[]byte("42"), 'I', false, "42"},
		{[]byte("-7"), 'I', false, "-7"},
		{[]byte("2.5"), 'I', false, "2"},
		{[]byte("-2.5"), 'I', false, "-2"},
		{[]byte("1e3"), 'I', false, "1000"},
		{[]byte("12abc"), 'I', false, "12"},
		{[]byte("abc"), 'I', false, "0"},
		{[]byte("t"), 'I', true, "1"},
		{[]byte("f"), 'I', true, "0"},
		{[]byte("1"), 'R', false, "1.000"},
		{[]byte("2.0005"), 'R', false, "2.001"}, // 2.0005 is just above the tie in binary
		{[]byte("-0.0001"), 'R', false, "-0.000"},
		{[]byte("NaN"), 'R', false, "nan"},
		{[]byte("-Infinity"), 'R', false, "-inf"},
		{[]byte("t"), 'R', true, "1.000"},
		{[]byte("t"), 'T', true, "t"},
		{[]byte(""), 'T', false, "(empty)"},
		{[]byte("a\tb"), 'T', false, "a@b"},
		{[]byte("é"), 'T', false, "@@"},
		{[]byte("~ ok"), 'T', false, "~ ok"},
	}
	for _, tt := range tests {
		if got := renderTyped(tt.v, tt.typ, tt.isBool); got != tt.want {
			t.Errorf("renderTyped(%q, %c, %v) = %q, want %q", tt.v, tt.typ, tt.isBool, got, tt.want)
		}
	}
}

func TestRenderSQLiteColumnCount(t *testing.T) {
	rs := &resultSet{oids: []uint32{23, 23}}
	if _, err := renderSQLite(rs, "I"); err == nil {
		t.Fatal("want an error for a column count mismatch")
	}
}

func TestSQLiteLines(t *testing.T) {
	rows := func() [][]string { return [][]string{{"9", "b"}, {"10", "a"}, {"10", "0"}} }
	tests := []struct {
		name      string
		mode      sortMode
		threshold int
		want      []string
	}{
		{"nosort", sortNone, 0, []string{"9", "b", "10", "a", "10", "0"}},
		{"rowsort is strcmp", sortRows, 0, []string{"10", "0", "10", "a", "9", "b"}},
		{"valuesort", sortValues, 0, []string{"0", "10", "10", "9", "a", "b"}},
		{"at threshold", sortNone, 6, []string{"9", "b", "10", "a", "10", "0"}},
		// md5 of "10\n0\n10\na\n9\nb\n"
		{"over threshold", sortRows, 5, []string{"6 values hashing to " + hashValues([]string{"10", "0", "10", "a", "9", "b"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := sqliteLines(rows(), tt.mode, tt.threshold)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHashValues(t *testing.T) {
	// printf '1\n10\n2\n20\n3\n30\n' | md5sum
	if got := hashValues([]string{"1", "10", "2", "20", "3", "30"}); got != "eec09b499a9f85c0bf4b07134d807d7a" {
		t.Errorf("hash = %s", got)
	}
}

// TestTrimNumeric checks that only numeric columns lose the zeros ending
// their fraction, and only those zeros.
func TestTrimNumeric(t *testing.T) {
	rs := &resultSet{oids: []uint32{1700, 1700, 1700, 1700, 1700, 1700, 25, 701}, rows: [][][]byte{
		{[]byte("1.00"), []byte("-0.50"), []byte("10"), []byte("100.010"), []byte("NaN"), nil, []byte("1.00"), []byte("1.50")},
	}}
	want := []string{"1", "-0.5", "10", "100.01", "NaN", "NULL", "1.00", "1.50"}
	if got := renderRS(rs, Options{TrimNumeric: true})[0]; !slices.Equal(got, want) {
		t.Errorf("trimmed: got %q, want %q", got, want)
	}
	if got := renderRS(rs, Options{})[0]; got[0] != "1.00" || got[3] != "100.010" {
		t.Errorf("untrimmed: got %q", got)
	}
}

func TestTrimDecimals(t *testing.T) {
	got := trimDecimals([]string{"58 22910.41 5727.60", "x 1.00  -0.50 10 1.2.0 a.10 2022-07-19 12:31:22.070"})
	want := []string{"58 22910.41 5727.6", "x 1 -0.5 10 1.2.0 a.10 2022-07-19 12:31:22.070"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFullOffset checks that only timestamptz columns gain the minutes of
// an offset that lacks them.
func TestFullOffset(t *testing.T) {
	rs := &resultSet{oids: []uint32{1184, 1184, 1184, 1184, 1114, 25}, rows: [][][]byte{
		{[]byte("2024-01-01 06:00:00+00"), []byte("2024-01-01 06:00:00.5-05"), []byte("2024-01-01 06:00:00+05:30"), []byte("infinity"), []byte("2024-01-01 06:00:00"), []byte("x+00")},
	}}
	want := []string{"2024-01-01 06:00:00+00:00", "2024-01-01 06:00:00.5-05:00", "2024-01-01 06:00:00+05:30", "infinity", "2024-01-01 06:00:00", "x+00"}
	if got := renderRS(rs, Options{FullOffset: true})[0]; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := renderRS(rs, Options{})[0]; got[0] != "2024-01-01 06:00:00+00" {
		t.Errorf("without FullOffset: got %q", got)
	}
}

func TestRS(t *testing.T) {
	rs := &resultSet{oids: []uint32{23, 25, 1114}, rows: [][][]byte{
		{[]byte("2"), nil, []byte("2022-01-01 11:00:00")},
		{[]byte("1"), []byte(""), []byte("2023-05-06 16:00:00")},
	}}
	rows := renderRS(rs, Options{})
	tests := []struct {
		name      string
		mode      sortMode
		valuewise bool
		expected  []string
	}{
		{"nosort", sortNone, false, []string{"2 NULL 2022-01-01   11:00:00", " 1\t(empty) 2023-05-06 16:00:00"}},
		{"rowsort sorts both sides", sortRows, false, []string{"2 NULL 2022-01-01 11:00:00", "1 (empty) 2023-05-06 16:00:00"}},
		{"valuesort", sortValues, false, []string{"1 2", "(empty) NULL 11:00:00 16:00:00 2022-01-01 2023-05-06"}},
		{"valuewise", sortNone, true, []string{"2", "NULL", "2022-01-01 11:00:00", "1", "(empty)", "2023-05-06 16:00:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rsLines(rows, tt.mode, 0, tt.valuewise)
			want := rsExpected(tt.expected, tt.mode)
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}
