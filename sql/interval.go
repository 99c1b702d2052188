package sql

import (
	"math"
	"strconv"
	"strings"
)

// appendInterval writes iv in IntervalStyle postgres, as EncodeInterval does:
// "1 year 2 mons 3 days 04:05:06", "-1 days +02:00:00", "00:00:00".
func appendInterval(buf []byte, iv IntervalValue) []byte {
	year := int64(iv.Months) / 12
	mon := int64(iv.Months) % 12
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			buf = append(buf, ' ')
		}
		if isBefore && v > 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, v, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 {
			buf = append(buf, 's')
		}
		isBefore = v < 0
		isZero = false
	}
	part(year, "year")
	part(mon, "mon")
	part(int64(iv.Days), "day")
	us := iv.Micros
	if isZero || us != 0 {
		if !isZero {
			buf = append(buf, ' ')
		}
		if us < 0 {
			buf = append(buf, '-')
		} else if isBefore {
			buf = append(buf, '+')
		}
		// Negate in uint64 so that MinInt64 micros cannot overflow.
		u := uint64(us)
		if us < 0 {
			u = -u
		}
		h := u / uint64(microsPerHour)
		u -= h * uint64(microsPerHour)
		buf = appendPadU(buf, h, 2)
		buf = append(buf, ':')
		mi := u / uint64(microsPerMinute)
		u -= mi * uint64(microsPerMinute)
		buf = appendPadU(buf, mi, 2)
		buf = append(buf, ':')
		s := u / uint64(microsPerSecond)
		buf = appendPadU(buf, s, 2)
		buf = appendFraction(buf, int64(u-s*uint64(microsPerSecond)))
	}
	return buf
}

func appendPadU(buf []byte, v uint64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

// intervalSpan normalizes an interval for comparison the way interval_cmp does:
// a month is 30 days and a day 24 hours, so '1 mon' = '30 days'. The result is
// whole days and micros within [0, 1 day).
func intervalSpan(iv IntervalValue) (days, micros int64) {
	days = int64(iv.Months)*30 + int64(iv.Days)
	carry := floorDiv(iv.Micros, microsPerDay)
	return days + carry, iv.Micros - carry*microsPerDay
}

type unitKind int

const (
	uMicro unitKind = iota
	uMilli
	uSecond
	uMinute
	uHour
	uDay
	uWeek
	uMonth
	uYear
	uDecade
	uCentury
	uMillennium
)

var intervalUnits = map[string]unitKind{
	"microsecond": uMicro, "microseconds": uMicro, "usec": uMicro, "usecs": uMicro, "us": uMicro, "useconds": uMicro, "usecond": uMicro,
	"millisecond": uMilli, "milliseconds": uMilli, "msec": uMilli, "msecs": uMilli, "ms": uMilli, "mseconds": uMilli, "msecond": uMilli,
	"second": uSecond, "seconds": uSecond, "sec": uSecond, "secs": uSecond, "s": uSecond,
	"minute": uMinute, "minutes": uMinute, "min": uMinute, "mins": uMinute, "m": uMinute,
	"hour": uHour, "hours": uHour, "hr": uHour, "hrs": uHour, "h": uHour,
	"day": uDay, "days": uDay, "d": uDay,
	"week": uWeek, "weeks": uWeek, "w": uWeek,
	"month": uMonth, "months": uMonth, "mon": uMonth, "mons": uMonth,
	"year": uYear, "years": uYear, "yr": uYear, "yrs": uYear, "y": uYear,
	"decade": uDecade, "decades": uDecade, "dec": uDecade, "decs": uDecade,
	"century": uCentury, "centuries": uCentury, "cent": uCentury, "c": uCentury,
	"millennium": uMillennium, "millennia": uMillennium, "millenniums": uMillennium, "mil": uMillennium, "mils": uMillennium,
}

// ivAcc accumulates interval fields with overflow checks.
type ivAcc struct {
	months, days int64
	us           int64
	bad          bool
}

func (a *ivAcc) addMonths(v float64) {
	m := math.Round(v)
	a.months += int64(m)
	if math.Abs(m) > math.MaxInt32 {
		a.bad = true
	}
}

// addDays adds whole days and carries the fraction into micros, as
// AdjustFractDays/AdjustFractSeconds do.
func (a *ivAcc) addDays(v float64) {
	whole := math.Trunc(v)
	if math.Abs(whole) > math.MaxInt32 {
		a.bad = true
		return
	}
	a.days += int64(whole)
	a.addMicros((v - whole) * float64(microsPerDay))
}

func (a *ivAcc) addMicros(v float64) {
	if math.Abs(v) > 9.2e18 {
		a.bad = true
		return
	}
	r := int64(math.Round(v))
	s := a.us + r
	if (r > 0 && s < a.us) || (r < 0 && s > a.us) {
		a.bad = true
	}
	a.us = s
}

func (a *ivAcc) add(v float64, u unitKind) {
	switch u {
	case uMicro:
		a.addMicros(v)
	case uMilli:
		a.addMicros(v * 1000)
	case uSecond:
		a.addMicros(v * float64(microsPerSecond))
	case uMinute:
		a.addMicros(v * float64(microsPerMinute))
	case uHour:
		a.addMicros(v * float64(microsPerHour))
	case uDay:
		a.addDays(v)
	case uWeek:
		a.addDays(v * 7)
	case uMonth:
		whole := math.Trunc(v)
		a.addMonths(whole)
		a.addDays((v - whole) * 30)
	case uYear:
		a.addMonths(v * 12)
	case uDecade:
		a.addMonths(v * 120)
	case uCentury:
		a.addMonths(v * 1200)
	case uMillennium:
		a.addMonths(v * 12000)
	}
}

func (a *ivAcc) result() (IntervalValue, bool) {
	if a.bad || a.months > math.MaxInt32 || a.months < math.MinInt32 || a.days > math.MaxInt32 || a.days < math.MinInt32 {
		return IntervalValue{}, false
	}
	return IntervalValue{Months: int32(a.months), Days: int32(a.days), Micros: a.us}, true
}

// splitNumber splits a leading signed decimal number off s.
func splitNumber(s string) (num, rest string) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return "", s
	}
	return s[:i], s[i:]
}

// parseInterval accepts PostgreSQL's postgres-style interval input ("1 day",
// "2 hours 3 minutes", "1-2", "10:00:00", "-1 days +02:00:00", "@ 1 day ago",
// compact "1d2h") and ISO 8601 durations ("P1Y2M3DT4H5M6.5S").
func parseInterval(s string) (IntervalValue, error) { return parseIntervalBare(s, uSecond) }

// bareUnits decides the unit of each bare number (one with no unit after
// it) the way DecodeInterval does, reading right to left: the rightmost is in
// unit bare (seconds, or a field qualifier's last field), a number left of a
// clock time or of a bare hour is days ('3 4:05' is 3 days 04:05), and
// otherwise a number takes the unit of the field to its right.
func bareUnits(toks []string, bare unitKind) map[int]unitKind {
	out := map[int]unitKind{}
	typ := bare
	for i := len(toks) - 1; i >= 0; i-- {
		tok := toks[i]
		if u, ok := intervalUnits[tok]; ok {
			typ = u
			continue
		}
		if strings.IndexByte(tok, ':') >= 0 {
			typ = uDay
			continue
		}
		if _, err := strconv.ParseFloat(tok, 64); err != nil {
			continue
		}
		if i+1 < len(toks) {
			if u, ok := intervalUnits[toks[i+1]]; ok {
				if u == uHour {
					typ = uDay
				}
				continue
			}
		}
		out[i] = typ
		if typ == uHour {
			typ = uDay
		}
	}
	return out
}

func parseIntervalBare(s string, bare unitKind) (IntervalValue, error) {
	bad := func() error {
		return Errorf(CodeInvalidDatetimeFormat, "invalid input syntax for type interval: %q", s)
	}
	rng := func() error {
		return Errorf(CodeDatetimeFieldOverflow, "interval field value out of range: %q", s)
	}
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return IntervalValue{}, bad()
	}
	var a ivAcc
	if t[0] == 'p' {
		if !parseISOInterval(t[1:], &a) {
			return IntervalValue{}, bad()
		}
		iv, ok := a.result()
		if !ok {
			return IntervalValue{}, rng()
		}
		return iv, nil
	}
	t = strings.TrimPrefix(t, "@")
	toks := strings.Fields(t)
	ago := false
	if n := len(toks); n > 0 && toks[n-1] == "ago" {
		ago = true
		toks = toks[:n-1]
	}
	if len(toks) == 0 {
		return IntervalValue{}, bad()
	}
	bares := bareUnits(toks, bare)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		switch {
		case strings.IndexByte(tok, ':') >= 0:
			if !parseIntervalClock(tok, &a) {
				return IntervalValue{}, bad()
			}
		case isYearMonth(tok):
			neg := tok[0] == '-'
			body := strings.TrimLeft(tok, "+-")
			j := strings.IndexByte(body, '-')
			y, ok1 := atoi(body[:j])
			m, ok2 := atoi(body[j+1:])
			if !ok1 || !ok2 || m > 11 {
				return IntervalValue{}, rng()
			}
			v := float64(y*12 + m)
			if neg {
				v = -v
			}
			a.addMonths(v)
		default:
			// A run of number+unit pairs, units glued or in the next token.
			rest := tok
			for rest != "" {
				num, r := splitNumber(rest)
				if num == "" {
					return IntervalValue{}, bad()
				}
				v, err := strconv.ParseFloat(num, 64)
				if err != nil {
					return IntervalValue{}, bad()
				}
				unitStr := r
				j := 0
				for j < len(r) && !isDigit(r[j]) && r[j] != '+' && r[j] != '-' && r[j] != '.' {
					j++
				}
				unitStr, rest = r[:j], r[j:]
				if unitStr == "" && rest == "" && i+1 < len(toks) {
					if _, ok := intervalUnits[toks[i+1]]; ok {
						i++
						unitStr = toks[i]
					}
				}
				if unitStr == "" {
					u, ok := bares[i]
					if !ok {
						u = bare
					}
					a.add(v, u)
					continue
				}
				u, ok := intervalUnits[unitStr]
				if !ok {
					return IntervalValue{}, bad()
				}
				a.add(v, u)
			}
		}
	}
	iv, ok := a.result()
	if !ok {
		return IntervalValue{}, rng()
	}
	if ago {
		iv = IntervalValue{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return iv, nil
}

func isYearMonth(tok string) bool {
	body := strings.TrimLeft(tok, "+-")
	if len(tok)-len(body) > 1 {
		return false
	}
	j := strings.IndexByte(body, '-')
	return j > 0 && isDigits(body[:j]) && isDigits(body[j+1:])
}

// parseIntervalClock parses [+-]hh:mm[:ss[.frac]]; hours may be large.
func parseIntervalClock(tok string, a *ivAcc) bool {
	neg := false
	if tok[0] == '+' || tok[0] == '-' {
		neg = tok[0] == '-'
		tok = tok[1:]
	}
	parts := strings.Split(tok, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	h, ok := atoi(parts[0])
	if !ok {
		return false
	}
	var mi, sec int64
	frac := ""
	last := parts[len(parts)-1]
	if k := strings.IndexByte(last, '.'); k >= 0 {
		frac = last[k+1:]
		last = last[:k]
		if frac != "" && !isDigits(frac) {
			return false
		}
	}
	if len(parts) == 2 {
		if frac != "" {
			// mm:ss.frac
			mi, sec = h, 0
			h = 0
			if sec, ok = atoi(last); !ok {
				return false
			}
		} else if mi, ok = atoi(last); !ok {
			return false
		}
	} else {
		if mi, ok = atoi(parts[1]); !ok {
			return false
		}
		if sec, ok = atoi(last); !ok {
			return false
		}
	}
	if mi > 59 || sec > 59 || h > math.MaxInt64/microsPerHour-1 {
		a.bad = true
		return true
	}
	us := h*microsPerHour + mi*microsPerMinute + sec*microsPerSecond + fracMicros(frac)
	if neg {
		us = -us
	}
	s := a.us + us
	if (us > 0 && s < a.us) || (us < 0 && s > a.us) {
		a.bad = true
	}
	a.us = s
	return true
}

func parseISOInterval(t string, a *ivAcc) bool {
	inTime := false
	if t == "" {
		return false
	}
	for t != "" {
		if t[0] == 't' {
			if inTime {
				return false
			}
			inTime = true
			t = t[1:]
			continue
		}
		num, rest := splitNumber(t)
		if num == "" || rest == "" {
			return false
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return false
		}
		switch c := rest[0]; {
		case !inTime && c == 'y':
			a.add(v, uYear)
		case !inTime && c == 'm':
			a.add(v, uMonth)
		case !inTime && c == 'w':
			a.add(v, uWeek)
		case !inTime && c == 'd':
			a.add(v, uDay)
		case inTime && c == 'h':
			a.add(v, uHour)
		case inTime && c == 'm':
			a.add(v, uMinute)
		case inTime && c == 's':
			a.add(v, uSecond)
		default:
			return false
		}
		t = rest[1:]
	}
	return true
}

// intervalRanges are the field qualifiers the SQL grammar allows after an
// interval literal, each with the unit a bare number is read in (the
// rightmost field, as DecodeInterval does).
var intervalRanges = map[string]string{
	"year": "year", "month": "month", "day": "day", "hour": "hour", "minute": "minute", "second": "second",
	"year to month": "month", "day to hour": "hour", "day to minute": "minute", "day to second": "second",
	"hour to minute": "minute", "hour to second": "second", "minute to second": "second",
}

// qualifyInterval reads interval literal text under a field qualifier
// (interval '1' day, interval '1-2' year to month) and truncates the value
// to the qualifier's precision as AdjustIntervalForTypmod does; prec is the
// fractional-second precision, or -1.
func qualifyInterval(s, rng string, prec int) (IntervalValue, error) {
	unit := intervalRanges[rng]
	t := strings.TrimSpace(s)
	if rng == "minute to second" && strings.Count(t, ":") == 1 && !strings.ContainsAny(t, " ") {
		// mm:ss rather than hh:mm
		t = "0:" + t
	}
	iv, err := parseIntervalBare(t, intervalUnits[unit])
	if err != nil {
		return iv, Errorf(CodeInvalidDatetimeFormat, "invalid input syntax for type interval: \"%s\"", s)
	}
	const usHour, usMinute = 3_600_000_000, 60_000_000
	switch unit {
	case "year":
		if rng == "year" {
			iv = IntervalValue{Months: iv.Months / 12 * 12}
		}
	case "month":
		iv.Days, iv.Micros = 0, 0
	case "day":
		iv.Micros = 0
	case "hour":
		iv.Micros = iv.Micros / usHour * usHour
	case "minute":
		iv.Micros = iv.Micros / usMinute * usMinute
	case "second":
		if prec >= 0 && prec < 6 {
			scale := int64(math.Pow10(6 - prec))
			if iv.Micros >= 0 {
				iv.Micros = (iv.Micros + scale/2) / scale * scale
			} else {
				iv.Micros = -((-iv.Micros + scale/2) / scale * scale)
			}
		}
	}
	return iv, nil
}

// qualifiedIntervalText is qualifyInterval's result as interval input text,
// for the dialect layer, which rewrites the literal into a plain one.
func qualifiedIntervalText(s, rng string, prec int) (string, error) {
	iv, err := qualifyInterval(s, rng, prec)
	if err != nil {
		return "", err
	}
	return string(appendInterval(nil, iv)), nil
}
