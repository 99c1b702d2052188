package sql

// ParseTimestampISO reads the one timestamp form that machines write most,
// YYYY-MM-DD HH:MM:SS with an optional fraction of up to six digits and a
// space or T between date and time, without a zone, into microseconds
// since the Unix epoch; ok is false for anything else, which
// ParseText reads (and judges) in full. It builds nothing, so decoders of
// records call it first.
func ParseTimestampISO(b []byte) (us int64, ok bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != ' ' && b[10] != 'T') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	h, ok4 := digits(b[11:13])
	mi, ok5 := digits(b[14:16])
	s, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, false
	}
	// A leap second, hour 24 and year 0 are the full parser's to judge.
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	var frac int64
	if rest := b[19:]; len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 7 {
			return 0, false
		}
		f, ok := digits(rest[1:])
		if !ok {
			return 0, false
		}
		for i := len(rest) - 1; i < 6; i++ {
			f *= 10
		}
		frac = f
	}
	days := date2j(y, m, d) - unixEpochJD
	return days*microsPerDay + ((h*60+mi)*60+s)*microsPerSecond + frac, true
}

// digits reads a run of ASCII digits.
func digits(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
