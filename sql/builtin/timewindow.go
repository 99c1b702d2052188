package builtin

import (
	"math"

	"github.com/eddysql/eddy/sql"
)

// Time windows: the arithmetic behind TUMBLE and HOP in FROM. The planner
// turns TUMBLE(rel, ts, size [, offset]) into a projection that appends
// eddy_tumble_start(ts, size, offset) and eddy_tumble_end(ts, size, offset)
// to each row, and HOP into a lateral join with the set-returning eddy_hop
// (evaluated by exec with HopStarts).
//
// Windows are fixed lengths of time, a day counting 24 hours, so an interval
// with months or years is refused. They are half-open [start, end) and
// aligned on the Unix epoch shifted by offset: window starts are
// offset + k*size for every integer k. A timestamp is a clock reading, so
// its windows fall on the clock; a timestamptz counts microseconds from
// 1970-01-01 00:00 UTC, so its windows are the same instants in every time
// zone (a one-hour window starts at :30 on a clock at UTC+05:30).

// WindowLength is the length in microseconds of a window interval (what
// names it in errors). A size or slide must be positive; an offset may be
// anything (it only shifts the grid).
func WindowLength(what string, iv sql.IntervalValue, positive bool) (int64, error) {
	if iv.Months != 0 {
		return 0, sql.Errorf(sql.CodeInvalidParameterValue, "%s must not contain months or years: a month has no fixed length", what)
	}
	us, ok := mul64(int64(iv.Days), usPerDay)
	if ok {
		us, ok = add64(us, iv.Micros)
	}
	if !ok {
		return 0, sql.Errorf(sql.CodeInvalidParameterValue, "%s is out of range", what)
	}
	if us <= 0 && positive {
		return 0, sql.Errorf(sql.CodeInvalidParameterValue, "%s must be positive", what)
	}
	return us, nil
}

// MaxHopWindows bounds size/slide of a HOP: each input row becomes that
// many output rows.
const MaxHopWindows = 1_000_000

// TumbleStart is the start of the size-long window that holds ts.
func TumbleStart(ts, size, offset int64) (int64, error) {
	if isInfinite(ts) {
		return 0, sql.Errorf(sql.CodeDatetimeFieldOverflow, "timestamp out of range: an infinite timestamp is in no window")
	}
	// The offset counts only modulo size; reduced, ts - off cannot
	// overflow for a timestamp in range.
	off := offset - floorDiv(offset, size)*size
	d, ok := add64(ts, -off)
	if !ok {
		return 0, errTimestampRange()
	}
	start, ok := mul64(floorDiv(d, size), size)
	if ok {
		start, ok = add64(start, off)
	}
	if !ok || !sql.TimestampInRange(start) {
		return 0, errTimestampRange()
	}
	return start, nil
}

// TumbleEnd is the end (exclusive) of the size-long window that holds ts.
func TumbleEnd(ts, size, offset int64) (int64, error) {
	start, err := TumbleStart(ts, size, offset)
	if err != nil {
		return 0, err
	}
	return windowEnd(start, size)
}

// HopStarts lists, in ascending order, the starts of the size-long windows
// that begin every slide and hold ts: size/slide of them. size must be a
// multiple of slide.
func HopStarts(ts, slide, size, offset int64) ([]int64, error) {
	if size%slide != 0 {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "window size must be a multiple of the window slide")
	}
	n := size / slide
	if n > MaxHopWindows {
		return nil, sql.Errorf(sql.CodeProgramLimitExceeded, "a hop window size may be at most %d times its slide", MaxHopWindows)
	}
	last, err := TumbleStart(ts, slide, offset)
	if err != nil {
		return nil, err
	}
	if _, err := windowEnd(last, size); err != nil {
		return nil, err
	}
	first := last - (n-1)*slide // > ts - size, so in range when ts is
	if !sql.TimestampInRange(first) {
		return nil, errTimestampRange()
	}
	starts := make([]int64, n)
	for i := range starts {
		starts[i] = first + int64(i)*slide
	}
	return starts, nil
}

func errTimestampRange() error {
	return sql.Errorf(sql.CodeDatetimeFieldOverflow, "timestamp out of range")
}

func windowEnd(start, size int64) (int64, error) {
	end, ok := add64(start, size)
	if !ok || !sql.TimestampInRange(end) {
		return 0, errTimestampRange()
	}
	return end, nil
}

func add64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	return p, p/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
}

func tumbleEval(end bool, tz bool) func(*Context, []sql.Value) (sql.Value, error) {
	return func(_ *Context, a []sql.Value) (sql.Value, error) {
		size, err := WindowLength("window size", a[1].Interval(), true)
		if err != nil {
			return sql.Null, err
		}
		offset, err := WindowLength("window offset", a[2].Interval(), false)
		if err != nil {
			return sql.Null, err
		}
		f := TumbleStart
		if end {
			f = TumbleEnd
		}
		us, err := f(a[0].Int(), size, offset)
		if err != nil {
			return sql.Null, err
		}
		if tz {
			return sql.NewTimestampTZ(us), nil
		}
		return sql.NewTimestamp(us), nil
	}
}

func init() {
	Register(
		fn("eddy_tumble_start", types(sql.Timestamp, sql.Interval, sql.Interval), sql.Timestamp, tumbleEval(false, false)),
		fn("eddy_tumble_start", types(sql.TimestampTZ, sql.Interval, sql.Interval), sql.TimestampTZ, tumbleEval(false, true)),
		fn("eddy_tumble_end", types(sql.Timestamp, sql.Interval, sql.Interval), sql.Timestamp, tumbleEval(true, false)),
		fn("eddy_tumble_end", types(sql.TimestampTZ, sql.Interval, sql.Interval), sql.TimestampTZ, tumbleEval(true, true)),
	)
}
