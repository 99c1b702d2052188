package sql

import (
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	microsPerSecond = int64(1_000_000)
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour

	unixEpochJD = 2440588 // Julian day of 1970-01-01
	pgEpochJD   = 2451545 // Julian day of 2000-01-01

	// pgEpochDays and pgEpochMicros convert between eddy's 1970 epoch and the
	// 2000 epoch of PostgreSQL's binary format.
	pgEpochDays   = pgEpochJD - unixEpochJD
	pgEpochMicros = int64(pgEpochDays) * microsPerDay

	// PostgreSQL's accepted ranges, in eddy's units: dates from Julian day 0
	// (4714-11-24 BC) to 5874897-12-31, timestamps from 4714-11-24 BC on.
	// PostgreSQL's last timestamp, 294276-12-31, is 2^63 microseconds after
	// 2000-01-01 but not after 1970, where eddy counts from: eddy's timestamps
	// end 30 years earlier, in 294247 (the last two days are kept as margin so
	// zone offsets cannot overflow), and binary input beyond is rejected.
	minDateDays      = -unixEpochJD
	endDateDays      = 2147483494 - unixEpochJD // first day out of range
	minTimestampUnix = -211813488000000000 + pgEpochMicros
	endTimestampUnix = (math.MaxInt64/microsPerDay - 2) * microsPerDay
)

// Infinite dates and timestamps are the extreme int64 values, so that they
// order correctly with no special cases in Compare or the key encoding.
const (
	NegInfinity int64 = math.MinInt64
	PosInfinity int64 = math.MaxInt64
)

// TimestampInRange reports whether us (microseconds from 1970) is a finite
// timestamp eddy can represent.
func TimestampInRange(us int64) bool {
	return us >= minTimestampUnix && us < endTimestampUnix
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// date2j and j2date are PostgreSQL's Julian day conversions, proleptic
// Gregorian, with astronomical years (1 BC is year 0).
func date2j(y, m, d int64) int64 {
	if m > 2 {
		m++
		y += 4800
	} else {
		m += 13
		y += 4799
	}
	century := floorDiv(y, 100)
	j := y*365 - 32167
	j += floorDiv(y, 4) - century + floorDiv(century, 4)
	j += 7834*m/256 + d
	return j
}

func j2date(jd int64) (y, m, d int64) {
	julian := uint64(jd) + 32044
	quad := julian / 146097
	extra := (julian-quad*146097)*4 + 3
	julian += 60 + quad*3 + extra/146097
	quad = julian / 1461
	julian -= quad * 1461
	yy := julian * 4 / 1461
	if yy != 0 {
		julian = (julian+305)%365 + 123
	} else {
		julian = (julian+306)%366 + 123
	}
	yy += quad * 4
	y = int64(yy) - 4800
	q := julian * 2141 / 65536
	d = int64(julian - 7834*q/256)
	m = int64((q+10)%12 + 1)
	return
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

var monthDays = [13]int64{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysIn(y, m int64) int64 {
	if m == 2 && isLeap(y) {
		return 29
	}
	return monthDays[m]
}

func appendPad(buf []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

// appendYMD writes y-m-d for an astronomical year and reports whether the
// year is BC (the caller appends " BC" where PostgreSQL puts it).
func appendYMD(buf []byte, days int64) ([]byte, bool) {
	y, m, d := j2date(days + unixEpochJD)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPad(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPad(buf, m, 2)
	buf = append(buf, '-')
	buf = appendPad(buf, d, 2)
	return buf, bc
}

func appendDate(buf []byte, days int64) []byte {
	switch days {
	case NegInfinity:
		return append(buf, "-infinity"...)
	case PosInfinity:
		return append(buf, "infinity"...)
	}
	buf, bc := appendYMD(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendClock writes hh:mm:ss[.ffffff] with trailing zeros of the fraction
// trimmed; hours may exceed 24 for intervals.
func appendClock(buf []byte, micros int64) []byte {
	h := micros / microsPerHour
	micros -= h * microsPerHour
	mi := micros / microsPerMinute
	micros -= mi * microsPerMinute
	s := micros / microsPerSecond
	f := micros - s*microsPerSecond
	buf = appendPad(buf, h, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, mi, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, s, 2)
	return appendFraction(buf, f)
}

func appendFraction(buf []byte, f int64) []byte {
	if f == 0 {
		return buf
	}
	buf = append(buf, '.')
	var tmp [6]byte
	for i := 5; i >= 0; i-- {
		tmp[i] = byte('0' + f%10)
		f /= 10
	}
	n := 6
	for n > 1 && tmp[n-1] == '0' {
		n--
	}
	return append(buf, tmp[:n]...)
}

func appendTimestamp(buf []byte, micros int64) []byte {
	switch micros {
	case NegInfinity:
		return append(buf, "-infinity"...)
	case PosInfinity:
		return append(buf, "infinity"...)
	}
	days := floorDiv(micros, microsPerDay)
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendClock(buf, micros-days*microsPerDay)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// zoneOffset returns the UTC offset in seconds of loc at the instant unixSec.
func zoneOffset(unixSec int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return 0
	}
	_, off := time.Unix(unixSec, 0).In(loc).Zone()
	return int64(off)
}

func appendTimestampTZ(buf []byte, micros int64, loc *time.Location) []byte {
	switch micros {
	case NegInfinity:
		return append(buf, "-infinity"...)
	case PosInfinity:
		return append(buf, "infinity"...)
	}
	off := zoneOffset(floorDiv(micros, microsPerSecond), loc)
	local := micros + off*microsPerSecond
	days := floorDiv(local, microsPerDay)
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendClock(buf, local-days*microsPerDay)
	buf = appendOffset(buf, off)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendOffset writes a UTC offset as PostgreSQL does: +hh, +hh:mm or +hh:mm:ss.
func appendOffset(buf []byte, off int64) []byte {
	if off < 0 {
		buf = append(buf, '-')
		off = -off
	} else {
		buf = append(buf, '+')
	}
	buf = appendPad(buf, off/3600, 2)
	if m, s := off/60%60, off%60; m != 0 || s != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, m, 2)
		if s != 0 {
			buf = append(buf, ':')
			buf = appendPad(buf, s, 2)
		}
	}
	return buf
}

// LocalToUTC interprets local wall-clock micros in loc. Where the wall time is
// skipped or repeated by a transition, it picks the later UTC instant, which
// is what PostgreSQL's DetermineTimeZoneOffset ends up choosing in both cases.
func LocalToUTC(local int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return local
	}
	sec := floorDiv(local, microsPerSecond)
	oa := zoneOffset(sec-86400, loc)
	ob := zoneOffset(sec+86400, loc)
	var off int64
	if oa == ob {
		off = zoneOffset(sec-oa, loc)
		if zoneOffset(sec-off, loc) != off {
			off = oa
		}
	} else {
		va := zoneOffset(sec-oa, loc) == oa
		vb := zoneOffset(sec-ob, loc) == ob
		switch {
		case va && !vb:
			off = oa
		case vb && !va:
			off = ob
		default:
			off = min(oa, ob)
		}
	}
	return local - off*microsPerSecond
}

// dtFields is a parsed date/time string before it is checked and converted.
type dtFields struct {
	y, m, d          int64
	hasDate          bool
	yearDigits       int
	h, mi, s, us     int64
	hasTime          bool
	ampm             int // 0 none, 1 am, 2 pm
	bc               bool
	hasZone          bool
	zoneOff          int64 // seconds east of UTC
	zoneLoc          *time.Location
	special          int64 // NegInfinity or PosInfinity when set
	isSpecial, epoch bool
	badZone          string
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) (int64, bool) {
	if !isDigits(s) || len(s) > 18 {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// parseDT tokenizes the date/time forms eddy accepts: ISO 8601 with a space or
// T, MDY with slashes, an optional zone (Z, +hh[:mm[:ss]], +hhmm, a zone name),
// AM/PM, BC/AD, and the specials epoch and [+-]infinity.
func parseDT(s string) (dtFields, bool) {
	var f dtFields
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "epoch":
		f.epoch = true
		return f, true
	case "infinity", "+infinity":
		f.isSpecial, f.special = true, PosInfinity
		return f, true
	case "-infinity":
		f.isSpecial, f.special = true, NegInfinity
		return f, true
	}
	fields := strings.Fields(t)
	if len(fields) == 0 {
		return f, false
	}
	// Split "dateTtime".
	if i := strings.IndexAny(fields[0], "Tt"); i > 0 && i+1 < len(fields[0]) &&
		isDigit(fields[0][i-1]) && isDigit(fields[0][i+1]) {
		rest := append([]string{fields[0][:i], fields[0][i+1:]}, fields[1:]...)
		fields = rest
	}
	fields, ok := monthNameDate(fields, &f)
	if !ok {
		return f, false
	}
	for _, fld := range fields {
		low := strings.ToLower(fld)
		switch {
		case low == "bc":
			f.bc = true
		case low == "ad":
		case low == "am" || low == "a.m.":
			f.ampm = 1
		case low == "pm" || low == "p.m.":
			f.ampm = 2
		case low == "z" || low == "utc" || low == "gmt" || low == "zulu" || low == "ut":
			f.hasZone, f.zoneOff, f.zoneLoc = true, 0, nil
		case isDigit(fld[0]) && strings.IndexByte(fld, ':') >= 0:
			if f.hasTime {
				return f, false
			}
			if !parseClockField(fld, &f) {
				return f, false
			}
		case isDigit(fld[0]):
			if f.hasDate {
				// A bare number after a time can only be a zone like "-08" split
				// off by spaces, which we do not accept; reject.
				return f, false
			}
			if !parseDateField(fld, &f) {
				return f, false
			}
		case (fld[0] == '+' || fld[0] == '-') && len(fld) > 1 && isDigit(fld[1]):
			off, ok := parseOffset(fld)
			if !ok || f.hasZone {
				return f, false
			}
			f.hasZone, f.zoneOff = true, off
		default:
			if f.hasZone || !isZoneName(fld) {
				return f, false
			}
			loc, err := time.LoadLocation(fld)
			if err != nil {
				if f.hasDate || f.hasTime {
					f.badZone = strings.ToLower(fld)
				}
				return f, false
			}
			f.hasZone, f.zoneLoc = true, loc
		}
	}
	return f, f.hasDate || f.hasTime
}

var monthNames = map[string]int64{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// monthOf recognizes a month name as PostgreSQL's datetime lexer does: the
// full name or its three-letter abbreviation ("sept" too).
func monthOf(w string) (int64, bool) {
	w = strings.ToLower(w)
	if len(w) < 3 {
		return 0, false
	}
	m, ok := monthNames[w[:3]]
	if !ok {
		return 0, false
	}
	full := time.Month(m).String()
	if w == w[:3] || w == strings.ToLower(full) || w == "sept" {
		return m, true
	}
	return 0, false
}

// monthNameDate takes a date written with a month name ("Jan 2, 2024",
// "2 January 2024", "2024-Jan-02") out of fields into f, and returns the
// fields left (a time, a zone). Of the two numbers beside the month, one
// with three or more digits is the year; otherwise the day comes first.
// ok is false for a month name with the wrong numbers around it.
func monthNameDate(fields []string, f *dtFields) ([]string, bool) {
	var parts []string
	for _, fld := range fields {
		fld = strings.Trim(fld, ",")
		if strings.ContainsAny(fld, "-/") && strings.IndexFunc(fld, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0 &&
			isDigit(fld[len(fld)-1]) {
			parts = append(parts, strings.FieldsFunc(fld, func(r rune) bool { return r == '-' || r == '/' })...)
			continue
		}
		parts = append(parts, strings.Split(fld, ",")...)
	}
	mi := -1
	for i, p := range parts {
		if _, ok := monthOf(p); ok {
			mi = i
			break
		}
	}
	if mi < 0 {
		return fields, true
	}
	var nums []string
	var rest []string
	for i, p := range parts {
		switch {
		case i == mi || p == "":
		case isDigits(p) && len(nums) < 2:
			nums = append(nums, p)
		default:
			rest = append(rest, p)
		}
	}
	if len(nums) != 2 {
		return nil, false
	}
	day, year := nums[0], nums[1]
	if len(day) >= 3 {
		day, year = year, day
	}
	f.m, _ = monthOf(parts[mi])
	f.d, _ = atoi(day)
	f.y, _ = atoi(year)
	f.yearDigits = len(year)
	f.hasDate = true
	return rest, true
}

func isZoneName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_' || c == '-' || c == '+' || isDigit(c)) {
			return false
		}
	}
	return len(s) > 0 && !strings.Contains(s, "..")
}

func parseDateField(fld string, f *dtFields) bool {
	sep := byte(0)
	for i := 0; i < len(fld); i++ {
		if fld[i] == '-' || fld[i] == '/' || fld[i] == '.' {
			sep = fld[i]
			break
		}
	}
	if sep == 0 {
		// YYYYMMDD, or a bare year (PG accepts neither alone; keep YYYYMMDD).
		if len(fld) != 8 || !isDigits(fld) {
			return false
		}
		f.y, _ = atoi(fld[:4])
		f.m, _ = atoi(fld[4:6])
		f.d, _ = atoi(fld[6:])
		f.yearDigits = 4
		f.hasDate = true
		return true
	}
	parts := strings.Split(fld, string(sep))
	if len(parts) != 3 {
		return false
	}
	// A trailing zone glued to an ISO date ("2024-01-02+02") is not accepted.
	a, ok1 := atoi(parts[0])
	b, ok2 := atoi(parts[1])
	c, ok3 := atoi(parts[2])
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	if len(parts[0]) >= 3 {
		f.y, f.m, f.d, f.yearDigits = a, b, c, len(parts[0])
	} else {
		// DateStyle MDY.
		f.m, f.d, f.y, f.yearDigits = a, b, c, len(parts[2])
	}
	f.hasDate = true
	return true
}

// parseClockField parses hh:mm[:ss[.frac]] with an optional zone suffix.
func parseClockField(fld string, f *dtFields) bool {
	end := len(fld)
	for i := 1; i < len(fld); i++ {
		c := fld[i]
		if c == '+' || c == '-' || c == 'Z' || c == 'z' {
			end = i
			break
		}
	}
	clock, zone := fld[:end], fld[end:]
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	var ok bool
	if f.h, ok = atoi(parts[0]); !ok || len(parts[0]) > 2 {
		return false
	}
	if f.mi, ok = atoi(parts[1]); !ok || len(parts[1]) != 2 {
		return false
	}
	if len(parts) == 3 {
		sec := parts[2]
		frac := ""
		if i := strings.IndexByte(sec, '.'); i >= 0 {
			sec, frac = sec[:i], sec[i+1:]
			if frac != "" && !isDigits(frac) {
				return false
			}
		}
		if f.s, ok = atoi(sec); !ok || len(sec) != 2 {
			return false
		}
		f.us = fracMicros(frac)
	}
	f.hasTime = true
	if zone != "" {
		if zone == "Z" || zone == "z" {
			f.hasZone, f.zoneOff = true, 0
			return true
		}
		off, ok := parseOffset(zone)
		if !ok {
			return false
		}
		f.hasZone, f.zoneOff = true, off
	}
	return true
}

// fracMicros rounds a string of fractional-second digits to microseconds,
// half up (may return 1000000, which the caller carries).
func fracMicros(frac string) int64 {
	var us int64
	for i := 0; i < 6; i++ {
		us *= 10
		if i < len(frac) {
			us += int64(frac[i] - '0')
		}
	}
	if len(frac) > 6 {
		// PostgreSQL computes rint(strtod("0.fff") * 1e6); match its
		// rounding of digits past the microsecond exactly.
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err == nil {
			return int64(math.RoundToEven(f * 1e6))
		}
	}
	return us
}

// parseOffset parses +hh, +hh:mm, +hh:mm:ss, +hhmm and returns seconds east.
func parseOffset(z string) (int64, bool) {
	if len(z) < 2 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	sign := int64(1)
	if z[0] == '-' {
		sign = -1
	}
	body := z[1:]
	var h, m, s int64
	var ok bool
	if strings.IndexByte(body, ':') >= 0 {
		p := strings.Split(body, ":")
		if len(p) > 3 {
			return 0, false
		}
		if h, ok = atoi(p[0]); !ok {
			return 0, false
		}
		if m, ok = atoi(p[1]); !ok {
			return 0, false
		}
		if len(p) == 3 {
			if s, ok = atoi(p[2]); !ok {
				return 0, false
			}
		}
	} else {
		switch len(body) {
		case 1, 2:
			h, ok = atoi(body)
		case 4:
			h, ok = atoi(body[:2])
			m, _ = atoi(body[2:])
		case 6:
			h, ok = atoi(body[:2])
			m, _ = atoi(body[2:4])
			s, _ = atoi(body[4:])
		}
		if !ok {
			return 0, false
		}
	}
	if h > 15 || m > 59 || s > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + s), true
}

// dtError distinguishes syntax errors (22007) from range errors (22008).
type dtError int

const (
	dtOK dtError = iota
	dtSyntax
	dtFieldRange
	dtRange
)

// resolveDate checks the date fields and returns days since 1970-01-01.
func (f *dtFields) resolveDate() (int64, dtError) {
	y := f.y
	if f.yearDigits <= 2 && !f.bc {
		if y < 70 {
			y += 2000
		} else {
			y += 1900
		}
	}
	if f.bc {
		if y <= 0 {
			return 0, dtFieldRange
		}
		y = 1 - y
	} else if y <= 0 {
		return 0, dtFieldRange
	}
	if f.m < 1 || f.m > 12 || f.d < 1 || f.d > daysIn(y, f.m) {
		return 0, dtFieldRange
	}
	if y > 6000000 {
		return 0, dtRange
	}
	return date2j(y, f.m, f.d) - unixEpochJD, dtOK
}

// resolveClock checks the time fields and returns micros since midnight
// (up to 24:00:00, and past it for a leap second).
func (f *dtFields) resolveClock() (int64, dtError) {
	if !f.hasTime {
		return 0, dtOK
	}
	h := f.h
	switch f.ampm {
	case 1:
		if h > 12 {
			return 0, dtFieldRange
		}
		if h == 12 {
			h = 0
		}
	case 2:
		if h > 12 {
			return 0, dtFieldRange
		}
		if h != 12 {
			h += 12
		}
	}
	if h > 24 || f.mi > 59 || f.s > 60 {
		return 0, dtFieldRange
	}
	us := h*microsPerHour + f.mi*microsPerMinute + f.s*microsPerSecond + f.us
	if h == 24 && us != 24*microsPerHour {
		return 0, dtFieldRange
	}
	return us, dtOK
}

func dtErr(kind dtError, typ, s string) error {
	switch kind {
	case dtFieldRange:
		return Errorf(CodeDatetimeFieldOverflow, "date/time field value out of range: %q", s)
	case dtRange:
		name := "timestamp"
		if typ == "date" {
			name = "date"
		}
		return Errorf(CodeDatetimeFieldOverflow, "%s out of range: %q", name, s)
	}
	return Errorf(CodeInvalidDatetimeFormat, "invalid input syntax for type %s: %q", typ, s)
}

func parseDate(s string) (int64, error) {
	f, ok := parseDT(s)
	if !ok {
		return 0, dtErr(dtSyntax, "date", s)
	}
	if f.isSpecial {
		return f.special, nil
	}
	if f.epoch {
		return 0, nil
	}
	if !f.hasDate {
		return 0, dtErr(dtSyntax, "date", s)
	}
	if _, e := f.resolveClock(); e != dtOK {
		return 0, dtErr(e, "date", s)
	}
	d, e := f.resolveDate()
	if e != dtOK {
		return 0, dtErr(e, "date", s)
	}
	if d < minDateDays || d >= endDateDays {
		return 0, dtErr(dtRange, "date", s)
	}
	return d, nil
}

// parseTimestamp parses timestamp (tz=false) or timestamptz (tz=true) input.
func parseTimestamp(s string, tz bool, loc *time.Location) (int64, error) {
	typ := "timestamp"
	if tz {
		typ = "timestamp with time zone"
	}
	f, ok := parseDT(s)
	if !ok {
		if f.badZone != "" {
			return 0, Errorf(CodeInvalidParameterValue, "time zone %q not recognized", f.badZone)
		}
		return 0, dtErr(dtSyntax, typ, s)
	}
	if f.isSpecial {
		return f.special, nil
	}
	if f.epoch {
		return 0, nil
	}
	if !f.hasDate {
		return 0, dtErr(dtSyntax, typ, s)
	}
	d, e := f.resolveDate()
	if e != dtOK {
		return 0, dtErr(e, typ, s)
	}
	clock, e := f.resolveClock()
	if e != dtOK {
		return 0, dtErr(e, typ, s)
	}
	if d < minDateDays-1 || d >= endTimestampUnix/microsPerDay {
		return 0, dtErr(dtRange, typ, s)
	}
	us := d*microsPerDay + clock
	if tz {
		switch {
		case f.zoneLoc != nil:
			us = LocalToUTC(us, f.zoneLoc)
		case f.hasZone:
			us -= f.zoneOff * microsPerSecond
		default:
			us = LocalToUTC(us, loc)
		}
	}
	if us < minTimestampUnix || us >= endTimestampUnix {
		return 0, dtErr(dtRange, typ, s)
	}
	return us, nil
}

func parseTime(s string) (int64, error) {
	f, ok := parseDT(s)
	if !ok || !f.hasTime || f.isSpecial || f.epoch {
		if strings.EqualFold(strings.TrimSpace(s), "allballs") {
			return 0, nil
		}
		return 0, dtErr(dtSyntax, "time", s)
	}
	us, e := f.resolveClock()
	if e != dtOK {
		return 0, dtErr(e, "time", s)
	}
	if us > microsPerDay {
		return 0, dtErr(dtFieldRange, "time", s)
	}
	return us, nil
}

// roundMicros rounds a non-negative-or-negative micros value to precision p
// (0..6) fractional digits, half away from zero, like AdjustTimestampForTypmod.
func roundMicros(us int64, p int32) int64 {
	if p < 0 || p >= 6 {
		return us
	}
	scale := int64(1)
	for i := p; i < 6; i++ {
		scale *= 10
	}
	if us >= 0 {
		return (us + scale/2) / scale * scale
	}
	return -((-us + scale/2) / scale * scale)
}
