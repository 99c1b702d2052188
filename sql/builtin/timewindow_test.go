package builtin

import (
	"reflect"
	"testing"

	"github.com/eddysql/eddy/sql"
)

func TestTumbleFunctions(t *testing.T) {
	run(t, []tc{
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:09.999999"), iv("10 seconds"), iv("0")}, "2024-03-10 12:00:00"},
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:10"), iv("10 seconds"), iv("0")}, "2024-03-10 12:00:10"},
		{"eddy_tumble_end", []arg{ts("2024-03-10 12:00:10"), iv("10 seconds"), iv("0")}, "2024-03-10 12:00:20"},
		// Before 1970 the windows still fall on the same grid.
		{"eddy_tumble_start", []arg{ts("1969-12-31 23:59:55"), iv("10 seconds"), iv("0")}, "1969-12-31 23:59:50"},
		{"eddy_tumble_end", []arg{ts("1969-12-31 23:59:50"), iv("10 seconds"), iv("0")}, "1970-01-01 00:00:00"},
		// An offset shifts the grid; only its value modulo the size counts.
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:00"), iv("10 seconds"), iv("3 seconds")}, "2024-03-10 11:59:53"},
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:00"), iv("10 seconds"), iv("-17 seconds")}, "2024-03-10 11:59:53"},
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:00"), iv("10 seconds"), iv("1 day 3 seconds")}, "2024-03-10 11:59:53"},
		// A day is 24 hours; a timestamptz window is the same instant in
		// every zone (the session zone here is America/New_York).
		{"eddy_tumble_start", []arg{tstz("2024-03-10 12:00:00+00"), iv("1 day"), iv("0")}, "2024-03-09 19:00:00-05"},
		{"eddy_tumble_end", []arg{tstz("2024-03-10 12:00:00+00"), iv("1 day"), iv("0")}, "2024-03-10 20:00:00-04"},
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:00"), iv("1 mon"), iv("0")}, "ERROR 22023"},
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:00"), iv("0"), iv("0")}, "ERROR 22023"},
		{"eddy_tumble_start", []arg{ts("2024-03-10 12:00:00"), iv("-1 second"), iv("0")}, "ERROR 22023"},
		{"eddy_tumble_start", []arg{ts("infinity"), iv("1 second"), iv("0")}, "ERROR 22008"},
		{"eddy_tumble_end", []arg{ts("294247-01-07 23:00:00"), iv("1 day"), iv("0")}, "ERROR 22008"},
		{"eddy_tumble_start", []arg{ts("4714-11-24 00:00:00 BC"), iv("100 days"), iv("0")}, "ERROR 22008"},
	})
}

func TestHopStarts(t *testing.T) {
	const s = 1_000_000
	for _, c := range []struct {
		ts, slide, size, offset int64
		want                    []int64
		err                     string
	}{
		{ts: 12 * s, slide: 5 * s, size: 15 * s, want: []int64{0, 5 * s, 10 * s}},
		{ts: 10 * s, slide: 5 * s, size: 10 * s, want: []int64{5 * s, 10 * s}},
		{ts: -5 * s, slide: 5 * s, size: 10 * s, want: []int64{-10 * s, -5 * s}},
		{ts: -1, slide: 5 * s, size: 10 * s, want: []int64{-10 * s, -5 * s}},
		{ts: 0, slide: 10 * s, size: 20 * s, offset: 4 * s, want: []int64{-16 * s, -6 * s}},
		{ts: 0, slide: 10 * s, size: 10 * s, want: []int64{0}},
		{ts: 0, slide: 3 * s, size: 10 * s, err: "22023"},
		{ts: 0, slide: 1, size: 2 * MaxHopWindows, err: "54000"},
		{ts: sql.PosInfinity, slide: s, size: s, err: "22008"},
	} {
		got, err := HopStarts(c.ts, c.slide, c.size, c.offset)
		if c.err != "" {
			if e, ok := err.(*sql.Error); !ok || e.Code != c.err {
				t.Errorf("HopStarts(%d, %d, %d, %d): error %v, want %s", c.ts, c.slide, c.size, c.offset, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("HopStarts(%d, %d, %d, %d) = %v, %v; want %v", c.ts, c.slide, c.size, c.offset, got, err, c.want)
		}
	}
}

func TestWindowLength(t *testing.T) {
	for _, c := range []struct {
		iv       sql.IntervalValue
		positive bool
		want     int64
		err      string
	}{
		{iv: sql.IntervalValue{Days: 1, Micros: 5}, positive: true, want: 86_400_000_005},
		{iv: sql.IntervalValue{Days: -1, Micros: 5}, positive: false, want: -86_399_999_995},
		{iv: sql.IntervalValue{Days: 1, Micros: -86_400_000_000}, positive: true, err: "22023"},
		{iv: sql.IntervalValue{Months: 1}, positive: false, err: "22023"},
		{iv: sql.IntervalValue{Days: 2147483647, Micros: 1}, positive: true, err: "22023"},
	} {
		got, err := WindowLength("window size", c.iv, c.positive)
		if c.err != "" {
			if e, ok := err.(*sql.Error); !ok || e.Code != c.err {
				t.Errorf("WindowLength(%+v): error %v, want %s", c.iv, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("WindowLength(%+v) = %d, %v; want %d", c.iv, got, err, c.want)
		}
	}
}
