package exec

import (
	"time"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

const (
	microsPerDay = int64(86400_000_000)
)

// dateOp implements date/time arithmetic; intervals add months, then days,
// then microseconds, as PostgreSQL does (timestamptz in the session zone).
func dateOp(op planner.Op, a, b sql.Value, lt, rtyp, t sql.Type, loc *time.Location) (sql.Value, error) {
	lo, ro := lt.OID, rtyp.OID
	switch {
	case lo == sql.OIDDate && ro == sql.OIDDate && op == planner.OpSub:
		return sql.NewInt(a.Int() - b.Int()), nil
	case lo == sql.OIDDate && rtyp.Kind() == sql.KindInt:
		if op == planner.OpSub {
			return sql.NewDate(a.Int() - b.Int()), nil
		}
		return sql.NewDate(a.Int() + b.Int()), nil
	case lt.Kind() == sql.KindInt && ro == sql.OIDDate:
		return sql.NewDate(a.Int() + b.Int()), nil
	case lo == sql.OIDDate && ro == sql.OIDTime:
		return sql.NewTimestamp(a.Int()*microsPerDay + b.Int()), nil
	case lo == sql.OIDTime && ro == sql.OIDDate:
		return sql.NewTimestamp(b.Int()*microsPerDay + a.Int()), nil
	case ro == sql.OIDInterval && (lo == sql.OIDDate || lo == sql.OIDTimestamp || lo == sql.OIDTimestampTZ):
		iv := b.Interval()
		if op == planner.OpSub {
			iv = sql.IntervalValue{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
		}
		micros := a.Int()
		if lo == sql.OIDDate {
			micros *= microsPerDay
		}
		return addInterval(micros, iv, lo == sql.OIDTimestampTZ, loc, t), nil
	case lo == sql.OIDInterval && (ro == sql.OIDDate || ro == sql.OIDTimestamp || ro == sql.OIDTimestampTZ):
		micros := b.Int()
		if ro == sql.OIDDate {
			micros *= microsPerDay
		}
		return addInterval(micros, a.Interval(), ro == sql.OIDTimestampTZ, loc, t), nil
	case (lo == sql.OIDTimestamp || lo == sql.OIDTimestampTZ) && lo == ro && op == planner.OpSub:
		d := a.Int() - b.Int()
		return sql.NewInterval(sql.IntervalValue{Days: int32(d / microsPerDay), Micros: d % microsPerDay}), nil
	case lo == sql.OIDTime && ro == sql.OIDTime:
		return sql.NewInterval(sql.IntervalValue{Micros: a.Int() - b.Int()}), nil
	case lo == sql.OIDTime && ro == sql.OIDInterval:
		m := b.Interval().Micros
		if op == planner.OpSub {
			m = -m
		}
		r := (a.Int() + m) % microsPerDay
		if r < 0 {
			r += microsPerDay
		}
		return sql.NewTime(r), nil
	case lo == sql.OIDInterval && ro == sql.OIDInterval:
		x, y := a.Interval(), b.Interval()
		if op == planner.OpSub {
			y = sql.IntervalValue{Months: -y.Months, Days: -y.Days, Micros: -y.Micros}
		}
		return sql.NewInterval(sql.IntervalValue{Months: x.Months + y.Months, Days: x.Days + y.Days, Micros: x.Micros + y.Micros}), nil
	case lo == sql.OIDInterval || ro == sql.OIDInterval:
		iv, n := a, b
		nt := rtyp
		if ro == sql.OIDInterval {
			iv, n, nt = b, a, lt
		}
		f := toFloat(n, nt)
		if op == planner.OpDiv {
			if f == 0 {
				return sql.Null, errDivZero
			}
			f = 1 / f
		}
		return sql.NewInterval(scaleInterval(iv.Interval(), f)), nil
	}
	return sql.Null, errUnsupported("operator " + op.String() + " on " + lt.String() + " and " + rtyp.String())
}

func toFloat(v sql.Value, t sql.Type) float64 {
	switch v.Kind() {
	case sql.KindInt:
		return float64(v.Int())
	case sql.KindFloat:
		return v.Float()
	case sql.KindNumeric:
		f, _ := v.Numeric().Float64()
		return f
	}
	return 0
}

// scaleInterval multiplies an interval, cascading fractional months into days
// and fractional days into microseconds as PostgreSQL's interval_mul does.
func scaleInterval(iv sql.IntervalValue, f float64) sql.IntervalValue {
	months := float64(iv.Months) * f
	wholeMonths := int32(months)
	days := float64(iv.Days)*f + (months-float64(wholeMonths))*30
	wholeDays := int32(days)
	micros := float64(iv.Micros)*f + (days-float64(wholeDays))*float64(microsPerDay)
	return sql.IntervalValue{Months: wholeMonths, Days: wholeDays, Micros: int64(micros + 0.5*sign(micros))}
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

func addInterval(micros int64, iv sql.IntervalValue, tz bool, loc *time.Location, t sql.Type) sql.Value {
	if iv.Months != 0 || iv.Days != 0 {
		zone := time.UTC
		if tz {
			zone = loc
		}
		tm := time.UnixMicro(micros).In(zone)
		tm = tm.AddDate(0, int(iv.Months), 0)
		// AddDate normalizes Jan 31 + 1 month to Mar 3; PostgreSQL clamps to
		// the month's last day.
		if want := (int(time.UnixMicro(micros).In(zone).Month()) - 1 + int(iv.Months)) % 12; want >= 0 && int(tm.Month())-1 != want || want < 0 && int(tm.Month())-1 != want+12 {
			tm = tm.AddDate(0, 0, -tm.Day())
		}
		tm = tm.AddDate(0, 0, int(iv.Days))
		if !tz {
			y, m, d := tm.Date()
			h, mi, s := tm.Clock()
			tm = time.Date(y, m, d, h, mi, s, tm.Nanosecond(), time.UTC)
		}
		micros = tm.UnixMicro()
	}
	micros += iv.Micros
	if t.OID == sql.OIDTimestampTZ {
		return sql.NewTimestampTZ(micros)
	}
	return sql.NewTimestamp(micros)
}
