package builtin

import (
	"math"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

const (
	usPerSec  = int64(1_000_000)
	usPerMin  = 60 * usPerSec
	usPerHour = 60 * usPerMin
	usPerDay  = 24 * usPerHour
	unixJD    = 2440588 // Julian day of 1970-01-01
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func isInfinite(us int64) bool { return us == sql.NegInfinity || us == sql.PosInfinity }

// date2j and j2date are PostgreSQL's Julian day conversions (proleptic
// Gregorian, astronomical years: 0 is 1 BC).
func date2j(y, m, d int64) int64 {
	if m > 2 {
		m++
		y += 4800
	} else {
		m += 13
		y += 4799
	}
	century := y / 100
	j := y*365 - 32167
	j += y/4 - century + century/4
	j += 7834*m/256 + d
	return j
}

func j2date(jd int64) (y, m, d int64) {
	julian := jd + 32044
	quad := julian / 146097
	extra := (julian-quad*146097)*4 + 3
	julian += 60 + quad*3 + extra/146097
	quad = julian / 1461
	julian -= quad * 1461
	y = julian * 4 / 1461
	if y != 0 {
		julian = (julian+305)%365 + 123
	} else {
		julian = (julian+306)%366 + 123
	}
	y += quad * 4
	y -= 4800
	quad = julian * 2141 / 65536
	d = julian - 7834*quad/256
	m = (quad+10)%12 + 1
	return
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// tm is a broken-down local date and time, as PostgreSQL's struct pg_tm.
type tm struct {
	y, m, d, h, mi, s, us int64
	off                   int64 // UTC offset in seconds, for timestamptz
	tz                    bool
	zone                  string
}

func (t tm) days() int64  { return date2j(t.y, t.m, t.d) - unixJD }
func (t tm) clock() int64 { return ((t.h*60+t.mi)*60+t.s)*usPerSec + t.us }
func (t tm) local() int64 { return t.days()*usPerDay + t.clock() }

func dateTm(days int64) tm {
	y, m, d := j2date(days + unixJD)
	return tm{y: y, m: m, d: d}
}

func tsTm(us int64) tm {
	days := floorDiv(us, usPerDay)
	t := dateTm(days)
	clk := us - days*usPerDay
	t.h = clk / usPerHour
	t.mi = clk / usPerMin % 60
	t.s = clk / usPerSec % 60
	t.us = clk % usPerSec
	return t
}

func zoneAt(us int64, l *time.Location) (int64, string) {
	name, off := time.Unix(floorDiv(us, usPerSec), 0).In(l).Zone()
	return int64(off), name
}

func tstzTm(us int64, l *time.Location) tm {
	off, name := zoneAt(us, l)
	t := tsTm(us + off*usPerSec)
	t.off, t.tz, t.zone = off, true, name
	return t
}

// loadZone resolves a time zone argument as SET TIME ZONE does.
func loadZone(name string) (*time.Location, error) {
	l, err := ZoneLocation(name)
	if err != nil {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "time zone %q not recognized", name)
	}
	return l, nil
}

// units maps PostgreSQL's accepted spellings of date/time units to one name.
var units = func() map[string]string {
	m := map[string]string{}
	add := func(canon string, names ...string) {
		m[canon] = canon
		for _, n := range names {
			m[n] = canon
		}
	}
	add("microseconds", "microsecond", "us", "usec", "usecs", "useconds")
	add("milliseconds", "millisecond", "ms", "msec", "msecs", "mseconds")
	add("second", "seconds", "s", "sec", "secs")
	add("minute", "minutes", "m", "min", "mins")
	add("hour", "hours", "h", "hr", "hrs")
	add("day", "days", "d")
	add("week", "weeks", "w")
	add("month", "months", "mon", "mons")
	add("quarter", "quarters", "qtr")
	add("year", "years", "y", "yr", "yrs")
	add("decade", "decades", "dec", "decs")
	add("century", "centuries", "c", "cent")
	add("millennium", "millennia", "mil", "mils", "millenniums")
	add("epoch")
	add("dow")
	add("isodow")
	add("doy")
	add("isoyear")
	add("julian")
	add("timezone")
	add("timezone_hour")
	add("timezone_minute")
	return m
}()

func unitOf(field string) (string, bool) {
	u, ok := units[strings.ToLower(strings.TrimSpace(field))]
	return u, ok
}

func unitErr(field, typ string, known bool) error {
	if known {
		return sql.Errorf(sql.CodeFeatureNotSupported, "unit %q not supported for type %s", strings.ToLower(field), typ)
	}
	return sql.Errorf(sql.CodeInvalidParameterValue, "unit %q not recognized for type %s", strings.ToLower(field), typ)
}

// isoWeek returns the ISO 8601 week-numbering year and week of a date.
func isoWeek(y, m, d int64) (int64, int64) {
	t := time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)
	iy, iw := t.ISOWeek()
	return int64(iy), int64(iw)
}

func dow(days int64) int64 { return ((days+4)%7 + 7) % 7 } // 1970-01-01 was a Thursday

func yearField(y int64) int64 {
	if y > 0 {
		return y
	}
	return y - 1
}

// dateFields extracts the fields shared by date, timestamp and timestamptz.
func dateFields(u string, t tm) (int64, bool) {
	y := t.y
	switch u {
	case "year":
		return yearField(y), true
	case "month":
		return t.m, true
	case "day":
		return t.d, true
	case "quarter":
		return (t.m-1)/3 + 1, true
	case "week":
		_, w := isoWeek(t.y, t.m, t.d)
		return w, true
	case "isoyear":
		iy, _ := isoWeek(t.y, t.m, t.d)
		if iy <= 0 {
			iy--
		}
		return iy, true
	case "dow":
		return dow(t.days()), true
	case "isodow":
		d := dow(t.days())
		if d == 0 {
			d = 7
		}
		return d, true
	case "doy":
		return t.days() - (date2j(t.y, 1, 1) - unixJD) + 1, true
	case "decade":
		if y >= 0 {
			return y / 10, true
		}
		return -((8 - (y - 1)) / 10), true
	case "century":
		if y > 0 {
			return (y + 99) / 100, true
		}
		return -((99 - (y - 1)) / 100), true
	case "millennium":
		if y > 0 {
			return (y + 999) / 1000, true
		}
		return -((999 - (y - 1)) / 1000), true
	}
	return 0, false
}

func clockField(u string, h, mi, s, us int64) (*apd.Decimal, bool) {
	switch u {
	case "hour":
		return apd.New(h, 0), true
	case "minute":
		return apd.New(mi, 0), true
	case "second":
		return apd.New(s*usPerSec+us, -6), true
	case "milliseconds":
		return apd.New(s*usPerSec+us, -3), true
	case "microseconds":
		return apd.New(s*usPerSec+us, 0), true
	}
	return nil, false
}

func extractTimestamp(field string, us int64, tz bool, l *time.Location) (*apd.Decimal, error) {
	typ := "timestamp without time zone"
	if tz {
		typ = "timestamp with time zone"
	}
	u, ok := unitOf(field)
	if !ok {
		return nil, unitErr(field, typ, false)
	}
	if isInfinite(us) {
		switch u {
		case "epoch", "year", "decade", "century", "millennium", "julian", "isoyear":
			return &apd.Decimal{Form: apd.Infinite, Negative: us == sql.NegInfinity}, nil
		}
		return nil, nil
	}
	var t tm
	if tz {
		t = tstzTm(us, l)
	} else {
		t = tsTm(us)
	}
	if v, ok := dateFields(u, t); ok {
		return apd.New(v, 0), nil
	}
	if d, ok := clockField(u, t.h, t.mi, t.s, t.us); ok {
		return d, nil
	}
	switch u {
	case "epoch":
		return apd.New(us, -6), nil
	case "julian":
		// The day number plus the fraction of the day, as numeric division
		// gives it: 20 digits after the point.
		r := new(apd.Decimal)
		c := numCtx(40)
		c.Quo(r, apd.New(t.clock(), -6), apd.New(86400, 0))
		c.Add(r, r, apd.New(t.days()+unixJD, 0))
		c.Quantize(r, r, -20)
		return r, nil
	case "timezone", "timezone_hour", "timezone_minute":
		if !tz {
			break
		}
		switch u {
		case "timezone":
			return apd.New(t.off, 0), nil
		case "timezone_hour":
			return apd.New(t.off/3600, 0), nil
		default:
			return apd.New(t.off/60%60, 0), nil
		}
	}
	return nil, unitErr(field, typ, true)
}

func extractDate(field string, days int64) (*apd.Decimal, error) {
	u, ok := unitOf(field)
	if !ok {
		return nil, unitErr(field, "date", false)
	}
	if days == math.MinInt32 || days == math.MaxInt32 || isInfinite(days) {
		switch u {
		case "epoch", "year", "decade", "century", "millennium", "julian", "isoyear":
			return &apd.Decimal{Form: apd.Infinite, Negative: days < 0}, nil
		}
		return nil, nil
	}
	t := dateTm(days)
	if v, ok := dateFields(u, t); ok {
		return apd.New(v, 0), nil
	}
	switch u {
	case "epoch":
		return apd.New(days*86400, 0), nil
	case "julian":
		return apd.New(days+unixJD, 0), nil
	}
	return nil, unitErr(field, "date", true)
}

func extractTime(field string, us int64) (*apd.Decimal, error) {
	u, ok := unitOf(field)
	if !ok {
		return nil, unitErr(field, "time without time zone", false)
	}
	if d, ok := clockField(u, us/usPerHour, us/usPerMin%60, us/usPerSec%60, us%usPerSec); ok {
		return d, nil
	}
	if u == "epoch" {
		return apd.New(us, -6), nil
	}
	return nil, unitErr(field, "time without time zone", true)
}

func extractInterval(field string, iv sql.IntervalValue) (*apd.Decimal, error) {
	u, ok := unitOf(field)
	if !ok {
		return nil, unitErr(field, "interval", false)
	}
	years := int64(iv.Months) / 12
	months := int64(iv.Months) % 12
	us := iv.Micros
	if d, ok := clockField(u, us/usPerHour, us/usPerMin%60, us/usPerSec%60, us%usPerSec); ok {
		return d, nil
	}
	switch u {
	case "year":
		return apd.New(years, 0), nil
	case "month":
		return apd.New(months, 0), nil
	case "day":
		return apd.New(int64(iv.Days), 0), nil
	case "quarter":
		return apd.New(months/3+1, 0), nil
	case "decade":
		return apd.New(years/10, 0), nil
	case "century":
		return apd.New(years/100, 0), nil
	case "millennium":
		return apd.New(years/1000, 0), nil
	case "epoch":
		// A year is 365.25 days and a month 30, as interval_part counts them.
		secs := years*31557600 + (months*30+int64(iv.Days))*86400
		r := new(apd.Decimal)
		numCtx(40).Add(r, apd.New(secs*usPerSec, -6), apd.New(us, -6))
		return r, nil
	}
	return nil, unitErr(field, "interval", true)
}

// extractValue dispatches on the value's kind, for eddy_extract and date_part.
func extractValue(ctx *Context, field string, v sql.Value) (*apd.Decimal, error) {
	switch v.Kind() {
	case sql.KindDate:
		return extractDate(field, v.Int())
	case sql.KindTimestamp:
		return extractTimestamp(field, v.Int(), false, loc(ctx))
	case sql.KindTimestampTZ:
		return extractTimestamp(field, v.Int(), true, loc(ctx))
	case sql.KindTime:
		return extractTime(field, v.Int())
	case sql.KindInterval:
		return extractInterval(field, v.Interval())
	}
	return nil, sql.Errorf(sql.CodeDatatypeMismatch, "cannot extract from this type")
}

func truncTm(u string, t *tm) bool {
	switch u {
	case "millennium":
		if t.y > 0 {
			t.y = (t.y+999)/1000*1000 - 999
		} else {
			t.y = -((999-(t.y-1))/1000)*1000 + 1
		}
		t.m, t.d = 1, 1
	case "century":
		if t.y > 0 {
			t.y = (t.y+99)/100*100 - 99
		} else {
			t.y = -((99-(t.y-1))/100)*100 + 1
		}
		t.m, t.d = 1, 1
	case "decade":
		if t.y > 0 {
			t.y = t.y / 10 * 10
		} else {
			t.y = -((8 - (t.y - 1)) / 10) * 10
		}
		t.m, t.d = 1, 1
	case "year":
		t.m, t.d = 1, 1
	case "quarter":
		t.m, t.d = (t.m-1)/3*3+1, 1
	case "month":
		t.d = 1
	case "week":
		days := t.days() - (dow(t.days())+6)%7
		nt := dateTm(days)
		t.y, t.m, t.d = nt.y, nt.m, nt.d
	case "day", "hour", "minute", "second", "milliseconds", "microseconds":
	default:
		return false
	}
	switch u {
	case "microseconds":
		return true
	case "milliseconds":
		t.us = t.us / 1000 * 1000
		return true
	case "second":
		t.us = 0
		return true
	case "minute":
		t.s, t.us = 0, 0
		return true
	case "hour":
		t.mi, t.s, t.us = 0, 0, 0
		return true
	}
	t.h, t.mi, t.s, t.us = 0, 0, 0, 0
	return true
}

func dateTrunc(field string, us int64, tz bool, l *time.Location) (sql.Value, error) {
	u, ok := unitOf(field)
	typ := "timestamp without time zone"
	if tz {
		typ = "timestamp with time zone"
	}
	if !ok {
		return sql.Null, unitErr(field, typ, false)
	}
	mk := func(x int64) sql.Value {
		if tz {
			return sql.NewTimestampTZ(x)
		}
		return sql.NewTimestamp(x)
	}
	if isInfinite(us) {
		return mk(us), nil
	}
	var t tm
	if tz {
		t = tstzTm(us, l)
	} else {
		t = tsTm(us)
	}
	if !truncTm(u, &t) {
		return sql.Null, unitErr(field, typ, true)
	}
	if !tz {
		return mk(t.local()), nil
	}
	switch u {
	case "hour", "minute", "second", "milliseconds", "microseconds":
		// Units below a day keep the instant's own offset.
		return mk(t.local() - t.off*usPerSec), nil
	}
	return mk(sql.LocalToUTC(t.local(), l)), nil
}

func intervalTrunc(field string, iv sql.IntervalValue) (sql.Value, error) {
	u, ok := unitOf(field)
	if !ok {
		return sql.Null, unitErr(field, "interval", false)
	}
	years, months := int64(iv.Months)/12, int64(iv.Months)%12
	days, us := int64(iv.Days), iv.Micros
	switch u {
	case "millennium":
		years, months, days, us = years/1000*1000, 0, 0, 0
	case "century":
		years, months, days, us = years/100*100, 0, 0, 0
	case "decade":
		years, months, days, us = years/10*10, 0, 0, 0
	case "year":
		months, days, us = 0, 0, 0
	case "quarter":
		months, days, us = months/3*3, 0, 0
	case "month":
		days, us = 0, 0
	case "day":
		us = 0
	case "hour":
		us = us / usPerHour * usPerHour
	case "minute":
		us = us / usPerMin * usPerMin
	case "second":
		us = us / usPerSec * usPerSec
	case "milliseconds":
		us = us / 1000 * 1000
	case "microseconds":
	default:
		return sql.Null, unitErr(field, "interval", true)
	}
	return sql.NewInterval(sql.IntervalValue{Months: int32(years*12 + months), Days: int32(days), Micros: us}), nil
}

// age is timestamp_age: the symbolic difference in years, months and days
// with borrowing by the length of the month involved.
func age(t1, t2 tm, d1, d2 int64) sql.IntervalValue {
	us := t1.us - t2.us
	sec := t1.s - t2.s
	mi := t1.mi - t2.mi
	h := t1.h - t2.h
	d := t1.d - t2.d
	m := t1.m - t2.m
	y := t1.y - t2.y
	neg := d1 < d2
	if neg {
		us, sec, mi, h, d, m, y = -us, -sec, -mi, -h, -d, -m, -y
	}
	for us < 0 {
		us += usPerSec
		sec--
	}
	for sec < 0 {
		sec += 60
		mi--
	}
	for mi < 0 {
		mi += 60
		h--
	}
	for h < 0 {
		h += 24
		d--
	}
	for d < 0 {
		if neg {
			d += daysIn(t1.y, t1.m)
		} else {
			d += daysIn(t2.y, t2.m)
		}
		m--
	}
	for m < 0 {
		m += 12
		y--
	}
	if neg {
		us, sec, mi, h, d, m, y = -us, -sec, -mi, -h, -d, -m, -y
	}
	return sql.IntervalValue{Months: int32(y*12 + m), Days: int32(d), Micros: ((h*60+mi)*60+sec)*usPerSec + us}
}

func dateOutOfRange(y, m, d int64) error {
	return sql.Errorf(sql.CodeDatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
}

func makeDate(y, m, d int64) (int64, error) {
	if y == 0 || m < 1 || m > 12 || d < 1 {
		return 0, dateOutOfRange(y, m, d)
	}
	ay := y
	if y < 0 {
		ay = y + 1
	}
	if d > daysIn(ay, m) {
		return 0, dateOutOfRange(y, m, d)
	}
	return date2j(ay, m, d) - unixJD, nil
}

func makeTime(h, mi int64, sec float64) (int64, error) {
	us := int64(math.Round(sec * 1e6))
	if h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || us > 60*usPerSec ||
		(h == 24 && (mi != 0 || us != 0)) {
		return 0, sql.Errorf(sql.CodeDatetimeFieldOverflow, "time field value out of range: %d:%02d:%02g", h, mi, sec)
	}
	return (h*60+mi)*usPerMin + us, nil
}

func nowTZ(ctx *Context) int64 {
	if ctx == nil || ctx.Now.IsZero() {
		return time.Now().UnixMicro()
	}
	return ctx.Now.UnixMicro()
}

func nowLocal(ctx *Context) int64 {
	us := nowTZ(ctx)
	off, _ := zoneAt(us, loc(ctx))
	return us + off*usPerSec
}

// roundPrec rounds micros to p fractional digits, for current_timestamp(p).
func roundPrec(us, p int64) int64 {
	if p >= 6 || p < 0 {
		return us
	}
	q := int64(math.Pow10(int(6 - p)))
	return floorDiv(us+q/2, q) * q
}

func init() {
	nowFn := func(name string, volatile bool, get func(*Context) int64) []*Func {
		return []*Func{
			{Name: name, Ret: sql.TimestampTZ, Volatile: volatile, Eval: func(ctx *Context, _ []sql.Value) (sql.Value, error) {
				return sql.NewTimestampTZ(get(ctx)), nil
			}},
		}
	}
	for _, n := range []string{"now", "current_timestamp", "transaction_timestamp", "statement_timestamp"} {
		Register(nowFn(n, false, nowTZ)...)
	}
	Register(nowFn("clock_timestamp", true, func(*Context) int64 { return time.Now().UnixMicro() })...)
	Register(
		fn("current_timestamp", types(sql.Int4), sql.TimestampTZ, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewTimestampTZ(roundPrec(nowTZ(ctx), a[0].Int())), nil
		}),
		fn("localtimestamp", nil, sql.Timestamp, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			return sql.NewTimestamp(nowLocal(ctx)), nil
		}),
		fn("localtimestamp", types(sql.Int4), sql.Timestamp, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewTimestamp(roundPrec(nowLocal(ctx), a[0].Int())), nil
		}),
		fn("current_date", nil, sql.Date, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			return sql.NewDate(floorDiv(nowLocal(ctx), usPerDay)), nil
		}),
		// eddy has no time with time zone; current_time is the local time.
		fn("current_time", nil, sql.Time, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			l := nowLocal(ctx)
			return sql.NewTime(l - floorDiv(l, usPerDay)*usPerDay), nil
		}),
		fn("localtime", nil, sql.Time, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			l := nowLocal(ctx)
			return sql.NewTime(l - floorDiv(l, usPerDay)*usPerDay), nil
		}),
		fn("timeofday", nil, sql.Text, func(ctx *Context, _ []sql.Value) (sql.Value, error) {
			return sql.NewText(time.Now().In(loc(ctx)).Format("Mon Jan 02 15:04:05.000000 2006 MST")), nil
		}),
	)

	for _, t := range []sql.Type{sql.Date, sql.Timestamp, sql.TimestampTZ, sql.Time, sql.Interval} {
		Register(
			argsFree(fn("eddy_extract", types(sql.Text, t), sql.Numeric, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				d, err := extractValue(ctx, a[0].Text(), a[1])
				if err != nil || d == nil {
					return sql.Null, err
				}
				return sql.NewNumeric(d), nil
			})),
			argsFree(fn("date_part", types(sql.Text, t), sql.Float8, func(ctx *Context, a []sql.Value) (sql.Value, error) {
				v := a[1]
				if v.Kind() == sql.KindDate {
					// date_part(text, date) is date_part(text, date::timestamp).
					if !isInfinite(v.Int()) {
						v = sql.NewTimestamp(v.Int() * usPerDay)
					} else {
						v = sql.NewTimestamp(v.Int())
					}
				}
				d, err := extractValue(ctx, a[0].Text(), v)
				if err != nil || d == nil {
					return sql.Null, err
				}
				return sql.NewFloat(decFloat(d)), nil
			})),
		)
	}

	Register(
		// The timestamptz overload comes first: a date argument casts to
		// both equally well, and the resolver keeps the first of equal
		// candidates, while PostgreSQL picks timestamptz as the preferred
		// type of the datetime category.
		fn("date_trunc", types(sql.Text, sql.TimestampTZ), sql.TimestampTZ, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return dateTrunc(a[0].Text(), a[1].Int(), true, loc(ctx))
		}),
		fn("date_trunc", types(sql.Text, sql.Timestamp), sql.Timestamp, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return dateTrunc(a[0].Text(), a[1].Int(), false, nil)
		}),
		fn("date_trunc", types(sql.Text, sql.TimestampTZ, sql.Text), sql.TimestampTZ, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			l, err := loadZone(a[2].Text())
			if err != nil {
				return sql.Null, err
			}
			return dateTrunc(a[0].Text(), a[1].Int(), true, l)
		}),
		fn("date_trunc", types(sql.Text, sql.Interval), sql.Interval, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return intervalTrunc(a[0].Text(), a[1].Interval())
		}),
		fn("age", types(sql.Timestamp, sql.Timestamp), sql.Interval, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			x, y := a[0].Int(), a[1].Int()
			if isInfinite(x) || isInfinite(y) {
				return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "cannot subtract infinite timestamps")
			}
			return sql.NewInterval(age(tsTm(x), tsTm(y), x, y)), nil
		}),
		fn("age", types(sql.TimestampTZ, sql.TimestampTZ), sql.Interval, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			x, y := a[0].Int(), a[1].Int()
			if isInfinite(x) || isInfinite(y) {
				return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "cannot subtract infinite timestamps")
			}
			return sql.NewInterval(age(tstzTm(x, loc(ctx)), tstzTm(y, loc(ctx)), x, y)), nil
		}),
		fn("age", types(sql.Timestamp), sql.Interval, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			// age(ts) is age(current_date, ts): midnight today, local time.
			x := floorDiv(nowLocal(ctx), usPerDay) * usPerDay
			y := a[0].Int()
			if isInfinite(y) {
				return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "cannot subtract infinite timestamps")
			}
			return sql.NewInterval(age(tsTm(x), tsTm(y), x, y)), nil
		}),
		fn("age", types(sql.TimestampTZ), sql.Interval, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			x := sql.LocalToUTC(floorDiv(nowLocal(ctx), usPerDay)*usPerDay, loc(ctx))
			y := a[0].Int()
			if isInfinite(y) {
				return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "cannot subtract infinite timestamps")
			}
			return sql.NewInterval(age(tstzTm(x, loc(ctx)), tstzTm(y, loc(ctx)), x, y)), nil
		}),
		fn("make_date", types(sql.Int4, sql.Int4, sql.Int4), sql.Date, func(_ *Context, a []sql.Value) (sql.Value, error) {
			d, err := makeDate(a[0].Int(), a[1].Int(), a[2].Int())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewDate(d), nil
		}),
		fn("make_time", types(sql.Int4, sql.Int4, sql.Float8), sql.Time, func(_ *Context, a []sql.Value) (sql.Value, error) {
			t, err := makeTime(a[0].Int(), a[1].Int(), a[2].Float())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewTime(t), nil
		}),
		fn("make_timestamp", types(sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Float8), sql.Timestamp, func(_ *Context, a []sql.Value) (sql.Value, error) {
			us, err := makeTimestamp(a)
			if err != nil {
				return sql.Null, err
			}
			return sql.NewTimestamp(us), nil
		}),
		fn("make_timestamptz", types(sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Float8), sql.TimestampTZ, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			us, err := makeTimestamp(a)
			if err != nil {
				return sql.Null, err
			}
			return sql.NewTimestampTZ(sql.LocalToUTC(us, loc(ctx))), nil
		}),
		fn("make_timestamptz", types(sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Float8, sql.Text), sql.TimestampTZ, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			us, err := makeTimestamp(a)
			if err != nil {
				return sql.Null, err
			}
			l, err := loadZone(a[6].Text())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewTimestampTZ(sql.LocalToUTC(us, l)), nil
		}),
		fn("to_timestamp", types(sql.Float8), sql.TimestampTZ, func(_ *Context, a []sql.Value) (sql.Value, error) {
			f := a[0].Float()
			switch {
			case math.IsNaN(f):
				return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "timestamp cannot be NaN")
			case math.IsInf(f, 1):
				return sql.NewTimestampTZ(sql.PosInfinity), nil
			case math.IsInf(f, -1):
				return sql.NewTimestampTZ(sql.NegInfinity), nil
			}
			us := math.Round(f * 1e6)
			if us < -211813488000000000+946684800000000 || us >= 9223371331200000000 {
				return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "timestamp out of range: \"%s\"", sql.FormatText(a[0], sql.Float8, nil))
			}
			return sql.NewTimestampTZ(int64(us)), nil
		}),
		fn("isfinite", types(sql.Date), sql.Bool, finiteEval),
		fn("isfinite", types(sql.Timestamp), sql.Bool, finiteEval),
		fn("isfinite", types(sql.TimestampTZ), sql.Bool, finiteEval),
		fn("isfinite", types(sql.Interval), sql.Bool, func(*Context, []sql.Value) (sql.Value, error) { return sql.NewBool(true), nil }),
		fn("justify_days", types(sql.Interval), sql.Interval, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewInterval(justifyDays(a[0].Interval())), nil
		}),
		fn("justify_hours", types(sql.Interval), sql.Interval, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewInterval(justifyHours(a[0].Interval())), nil
		}),
		fn("justify_interval", types(sql.Interval), sql.Interval, func(_ *Context, a []sql.Value) (sql.Value, error) {
			iv := justifyDays(justifyHours(a[0].Interval()))
			// Make the signs of months and days-plus-time agree.
			rest := int64(iv.Days)*usPerDay + iv.Micros
			if iv.Months > 0 && rest < 0 {
				iv.Months--
				iv.Days += 30
			} else if iv.Months < 0 && rest > 0 {
				iv.Months++
				iv.Days -= 30
			}
			if iv.Days > 0 && iv.Micros < 0 {
				iv.Micros += usPerDay
				iv.Days--
			} else if iv.Days < 0 && iv.Micros > 0 {
				iv.Micros -= usPerDay
				iv.Days++
			}
			return sql.NewInterval(iv), nil
		}),
		fn("date_bin", types(sql.Interval, sql.Timestamp, sql.Timestamp), sql.Timestamp, func(_ *Context, a []sql.Value) (sql.Value, error) {
			us, err := dateBin(a[0].Interval(), a[1].Int(), a[2].Int())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewTimestamp(us), nil
		}),
		fn("date_bin", types(sql.Interval, sql.TimestampTZ, sql.TimestampTZ), sql.TimestampTZ, func(_ *Context, a []sql.Value) (sql.Value, error) {
			us, err := dateBin(a[0].Interval(), a[1].Int(), a[2].Int())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewTimestampTZ(us), nil
		}),
	)
	// make_interval(years, months, weeks, days, hours, mins, secs): every
	// argument defaults to zero, so each prefix is an overload.
	miArgs := types(sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Int4, sql.Float8)
	for n := 0; n <= len(miArgs); n++ {
		Register(fn("make_interval", miArgs[:n], sql.Interval, makeInterval))
	}
}

func makeTimestamp(a []sql.Value) (int64, error) {
	d, err := makeDate(a[0].Int(), a[1].Int(), a[2].Int())
	if err != nil {
		return 0, err
	}
	t, err := makeTime(a[3].Int(), a[4].Int(), a[5].Float())
	if err != nil {
		return 0, err
	}
	return d*usPerDay + t, nil
}

func makeInterval(_ *Context, a []sql.Value) (sql.Value, error) {
	get := func(i int) int64 {
		if i < len(a) {
			return a[i].Int()
		}
		return 0
	}
	secs := 0.0
	if len(a) > 6 {
		secs = a[6].Float()
	}
	months := get(0)*12 + get(1)
	days := get(2)*7 + get(3)
	us := (get(4)*60+get(5))*usPerMin + int64(math.Round(secs*1e6))
	if months > math.MaxInt32 || months < math.MinInt32 || days > math.MaxInt32 || days < math.MinInt32 || math.IsInf(secs, 0) || math.IsNaN(secs) {
		return sql.Null, sql.Errorf(sql.CodeDatetimeFieldOverflow, "interval out of range")
	}
	return sql.NewInterval(sql.IntervalValue{Months: int32(months), Days: int32(days), Micros: us}), nil
}

func finiteEval(_ *Context, a []sql.Value) (sql.Value, error) {
	v := a[0].Int()
	return sql.NewBool(!isInfinite(v) && v != math.MinInt32 && v != math.MaxInt32), nil
}

func justifyDays(iv sql.IntervalValue) sql.IntervalValue {
	m := int64(iv.Days) / 30
	iv.Days -= int32(m * 30)
	iv.Months += int32(m)
	if iv.Months > 0 && iv.Days < 0 {
		iv.Days += 30
		iv.Months--
	} else if iv.Months < 0 && iv.Days > 0 {
		iv.Days -= 30
		iv.Months++
	}
	return iv
}

func justifyHours(iv sql.IntervalValue) sql.IntervalValue {
	d := iv.Micros / usPerDay
	iv.Micros -= d * usPerDay
	iv.Days += int32(d)
	if iv.Days > 0 && iv.Micros < 0 {
		iv.Micros += usPerDay
		iv.Days--
	} else if iv.Days < 0 && iv.Micros > 0 {
		iv.Micros -= usPerDay
		iv.Days++
	}
	return iv
}

func dateBin(stride sql.IntervalValue, ts, origin int64) (int64, error) {
	if isInfinite(ts) {
		return 0, sql.Errorf(sql.CodeFeatureNotSupported, "timestamps cannot be binned into infinite intervals")
	}
	if stride.Months != 0 {
		return 0, sql.Errorf(sql.CodeFeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
	}
	s := int64(stride.Days)*usPerDay + stride.Micros
	if s <= 0 {
		return 0, sql.Errorf(sql.CodeDatetimeFieldOverflow, "stride must be greater than zero")
	}
	delta := ts - origin
	return origin + floorDiv(delta, s)*s, nil
}
