package builtin

import (
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

// Template patterns of to_char, to_date and to_timestamp, longest first
// where one is a prefix of another. Matching is case-sensitive, as in
// PostgreSQL, and the case of name patterns picks the output case.
var dtPatterns = []string{
	"A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy", "D",
	"FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "HH24", "HH12", "HH", "IDDD", "ID", "IW", "IYYY", "IYY", "IY", "I",
	"J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon", "OF", "P.M.", "PM", "Q", "RM", "SSSSS", "SSSS", "SS",
	"TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY", "YYY", "YY", "Y",
	"a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day", "ddd", "dd", "dy", "d",
	"ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "hh24", "hh12", "hh", "iddd", "id", "iw", "iyyy", "iyy", "iy", "i",
	"j", "mi", "mm", "month", "mon", "ms", "of", "p.m.", "pm", "q", "rm", "sssss", "ssss", "ss",
	"tzh", "tzm", "tz", "us", "ww", "w", "y,yyy", "yyyy", "yyy", "yy", "y",
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var romanMonths = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

type fmtItem struct {
	lit     string // literal text when pat is ""
	pat     string
	up      string // pat in upper case, which names the field
	fm, th  bool
	thUpper bool
}

func parseDTFormat(f string) []fmtItem {
	var items []fmtItem
	for i := 0; i < len(f); {
		fm := false
		for {
			switch {
			case strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm"):
				fm = true
				i += 2
				continue
			case strings.HasPrefix(f[i:], "FX") || strings.HasPrefix(f[i:], "fx"),
				strings.HasPrefix(f[i:], "TM") || strings.HasPrefix(f[i:], "tm"):
				i += 2
				continue
			}
			break
		}
		if i >= len(f) {
			break
		}
		matched := ""
		for _, p := range dtPatterns {
			if strings.HasPrefix(f[i:], p) {
				matched = p
				break
			}
		}
		if matched != "" {
			it := fmtItem{pat: matched, up: strings.ToUpper(matched), fm: fm}
			i += len(matched)
			if strings.HasPrefix(f[i:], "TH") || strings.HasPrefix(f[i:], "th") {
				it.th, it.thUpper = true, f[i] == 'T'
				i += 2
			}
			if strings.HasPrefix(f[i:], "SP") || strings.HasPrefix(f[i:], "sp") {
				i += 2
			}
			items = append(items, it)
			continue
		}
		switch f[i] {
		case '"':
			j := i + 1
			var b strings.Builder
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				b.WriteByte(f[j])
				j++
			}
			items = append(items, fmtItem{lit: b.String()})
			i = j + 1
		case '\\':
			if i+1 < len(f) && f[i+1] == '"' {
				items = append(items, fmtItem{lit: `"`})
				i += 2
			} else {
				items = append(items, fmtItem{lit: `\`})
				i++
			}
		default:
			items = append(items, fmtItem{lit: f[i : i+1]})
			i++
		}
	}
	return items
}

func ordinal(n int64, upper bool) string {
	s := "th"
	if m := n % 100; m < 11 || m > 13 {
		switch n % 10 {
		case 1:
			s = "st"
		case 2:
			s = "nd"
		case 3:
			s = "rd"
		}
	}
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

func casePick(pat, name string) string {
	switch {
	case pat == strings.ToUpper(pat):
		return strings.ToUpper(name)
	case pat == strings.ToLower(pat):
		return strings.ToLower(name)
	}
	return name
}

// dtChar is to_char over broken-down fields; interval says the fields are an
// interval's (hours may exceed 23 and there is no weekday).
func dtChar(t tm, format string, interval bool) string {
	return string(appendDTChar(nil, t, parseDTFormat(format), interval))
}

// appendNum appends a number field: zero-padded to width unless FM, then
// its ordinal suffix for TH.
func appendNum(b []byte, it fmtItem, v int64, width int) []byte {
	if it.fm {
		b = strconv.AppendInt(b, v, 10)
	} else {
		u := uint64(v)
		if v < 0 {
			b = append(b, '-')
			u = -u
		}
		var d [20]byte
		digits := strconv.AppendUint(d[:0], u, 10)
		for n := len(digits); n < width; n++ {
			b = append(b, '0')
		}
		b = append(b, digits...)
	}
	if it.th {
		if v < 0 {
			v = -v
		}
		b = append(b, ordinal(v, it.thUpper)...)
	}
	return b
}

// appendName appends a name field, blank-padded to width unless FM.
func appendName(b []byte, it fmtItem, s string, width int) []byte {
	b = append(b, s...)
	if !it.fm {
		for n := len(s); n < width; n++ {
			b = append(b, ' ')
		}
	}
	return b
}

// appendDTChar appends to_char of t by the parsed template items.
func appendDTChar(b []byte, t tm, items []fmtItem, interval bool) []byte {
	year := t.y
	if !interval && year <= 0 {
		year = 1 - year // BC years print as positive
	}
	days := t.days()
	for _, it := range items {
		if it.pat == "" {
			b = append(b, it.lit...)
			continue
		}
		p := it.up
		switch p {
		case "YYYY":
			b = appendNum(b, it, year, 4)
		case "Y,YYY":
			s := strconv.FormatInt(year, 10)
			for len(s) < 4 {
				s = "0" + s
			}
			b = append(b, s[:len(s)-3]...)
			b = append(b, ',')
			b = append(b, s[len(s)-3:]...)
		case "YYY":
			b = appendNum(b, it, year%1000, 3)
		case "YY":
			b = appendNum(b, it, year%100, 2)
		case "Y":
			b = appendNum(b, it, year%10, 1)
		case "IYYY", "IYY", "IY", "I":
			iy, _ := isoWeek(t.y, t.m, t.d)
			var mod int64
			switch p {
			case "IYYY":
				mod = 100000000
			case "IYY":
				mod = 1000
			case "IY":
				mod = 100
			default:
				mod = 10
			}
			b = appendNum(b, it, iy%mod, len(p))
		case "MM":
			b = appendNum(b, it, t.m, 2)
		case "DD":
			b = appendNum(b, it, t.d, 2)
		case "DDD":
			if interval {
				b = appendNum(b, it, t.d, 3)
			} else {
				b = appendNum(b, it, days-(date2j(t.y, 1, 1)-unixJD)+1, 3)
			}
		case "IDDD":
			_, w := isoWeek(t.y, t.m, t.d)
			b = appendNum(b, it, (w-1)*7+(dow(days)+6)%7+1, 3)
		case "D":
			b = appendNum(b, it, dow(days)+1, 1)
		case "ID":
			b = appendNum(b, it, (dow(days)+6)%7+1, 1)
		case "HH", "HH12":
			h := t.h % 12
			if h == 0 {
				h = 12
			}
			b = appendNum(b, it, h, 2)
		case "HH24":
			b = appendNum(b, it, t.h, 2)
		case "MI":
			b = appendNum(b, it, t.mi, 2)
		case "SS":
			b = appendNum(b, it, t.s, 2)
		case "MS":
			b = appendNum(b, it, t.us/1000, 3)
		case "US":
			b = appendNum(b, it, t.us, 6)
		case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
			n := int(p[2] - '0')
			b = appendNum(b, it, t.us/int64(math.Pow10(6-n)), n)
		case "SSSS", "SSSSS":
			b = appendNum(b, it, (t.h*60+t.mi)*60+t.s, 0)
		case "AM", "PM", "A.M.", "P.M.":
			s := "AM"
			if t.h%24 >= 12 {
				s = "PM"
			}
			if strings.Contains(p, ".") {
				s = s[:1] + "." + s[1:] + "."
			}
			b = append(b, casePick(it.pat, s)...)
		case "BC", "AD", "B.C.", "A.D.":
			s := "AD"
			if t.y <= 0 && !interval {
				s = "BC"
			}
			if strings.Contains(p, ".") {
				s = s[:1] + "." + s[1:] + "."
			}
			b = append(b, casePick(it.pat, s)...)
		case "MONTH":
			if t.m >= 1 && t.m <= 12 {
				b = appendName(b, it, casePick(it.pat, monthNames[t.m-1]), 9)
			}
		case "MON":
			if t.m >= 1 && t.m <= 12 {
				b = append(b, casePick(it.pat, monthNames[t.m-1][:3])...)
			}
		case "DAY":
			b = appendName(b, it, casePick(it.pat, dayNames[dow(days)]), 9)
		case "DY":
			b = append(b, casePick(it.pat, dayNames[dow(days)][:3])...)
		case "Q":
			b = appendNum(b, it, (t.m-1)/3+1, 1)
		case "WW":
			b = appendNum(b, it, (days-(date2j(t.y, 1, 1)-unixJD))/7+1, 2)
		case "IW":
			_, w := isoWeek(t.y, t.m, t.d)
			b = appendNum(b, it, w, 2)
		case "W":
			b = appendNum(b, it, (t.d-1)/7+1, 1)
		case "CC":
			c, _ := dateFields("century", t)
			if interval {
				c = t.y / 100
			}
			b = appendNum(b, it, c, 2)
		case "J":
			b = appendNum(b, it, days+unixJD, 0)
		case "RM":
			if t.m >= 1 && t.m <= 12 {
				b = appendName(b, it, casePick(it.pat, romanMonths[t.m-1]), 4)
			}
		case "TZ":
			if t.tz {
				b = append(b, casePick(it.pat, zoneAbbrev(t))...)
			}
		case "OF":
			if t.tz {
				b = append(b, offsetText(t.off)...)
			}
		case "TZH":
			if t.tz {
				b = append(b, offsetText(t.off)[:3]...)
			}
		case "TZM":
			if t.tz {
				o := t.off
				if o < 0 {
					o = -o
				}
				b = appendNum(b, fmtItem{}, o/60%60, 2)
			}
		}
	}
	return b
}

// zoneAbbrev is the zone's abbreviation, or its offset where the zone
// database has none (Go reports those as "+03" and the like already).
func zoneAbbrev(t tm) string {
	if t.zone != "" {
		return t.zone
	}
	return offsetText(t.off)
}

func offsetText(off int64) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := sign + pad2(off/3600)
	if m := off / 60 % 60; m != 0 {
		s += ":" + pad2(m)
	}
	return s
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

func intervalTm(iv sql.IntervalValue) tm {
	us := iv.Micros
	return tm{y: int64(iv.Months) / 12, m: int64(iv.Months) % 12, d: int64(iv.Days),
		h: us / usPerHour, mi: us / usPerMin % 60, s: us / usPerSec % 60, us: us % usPerSec}
}

// parseDateTime is to_timestamp(text, text) and to_date: it reads fields in
// the order the template gives them. Separators in the template match any
// run of non-alphanumeric input, as PostgreSQL's non-FX mode does.
func parseDateTime(s, format string) (t tm, tzSet bool, err error) {
	t = tm{y: 1, m: 1, d: 1}
	pm, hasAMPM, bc := false, false, false
	i := 0
	invalid := func(pat string) error {
		rest := s[min(i, len(s)):]
		return sql.Errorf(codeInvalidDatetimeFormat, "invalid value %q for %q", rest, pat)
	}
	readInt := func(maxDigits int, pat string) (int64, error) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		for j < len(s) && j-i < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		v, e := strconv.ParseInt(s[i:j], 10, 64)
		if e != nil {
			return 0, invalid(pat)
		}
		i = j
		return v, nil
	}
	readName := func(names []string, abbrev bool, pat string) (int64, error) {
		for k, n := range names {
			if abbrev {
				n = n[:3]
			}
			if len(s)-i >= len(n) && strings.EqualFold(s[i:i+len(n)], n) {
				i += len(n)
				return int64(k), nil
			}
		}
		return 0, invalid(pat)
	}
	var doy int64 = -1
	for _, it := range parseDTFormat(format) {
		if it.pat == "" {
			// A literal: skip one matching character, or any separators.
			if i < len(s) && it.lit != "" && s[i] == it.lit[0] {
				i++
				continue
			}
			for i < len(s) && !isAlnum(s[i]) {
				i++
			}
			continue
		}
		for i < len(s) && !isAlnum(s[i]) && s[i] != '-' && s[i] != '+' {
			i++
		}
		var v int64
		p := strings.ToUpper(it.pat)
		switch p {
		case "YYYY", "IYYY":
			v, err = readInt(9, it.pat)
			t.y = v
		case "Y,YYY":
			var hi, lo int64
			if hi, err = readInt(3, it.pat); err == nil {
				if i < len(s) && s[i] == ',' {
					i++
				}
				lo, err = readInt(3, it.pat)
				t.y = hi*1000 + lo
			}
		case "YYY", "IYY":
			v, err = readInt(3, it.pat)
			t.y = v
			if v < 100 {
				t.y += 2000
			} else if v < 1000 {
				t.y += 1000
			}
		case "YY", "IY":
			v, err = readInt(2, it.pat)
			t.y = v + 1900
			if v < 70 {
				t.y = v + 2000
			}
		case "Y", "I":
			v, err = readInt(1, it.pat)
			t.y = 2000 + v
		case "MM":
			t.m, err = readInt(2, it.pat)
		case "DD":
			t.d, err = readInt(2, it.pat)
		case "DDD":
			doy, err = readInt(3, it.pat)
		case "HH", "HH12":
			t.h, err = readInt(2, it.pat)
			if err == nil && (t.h < 1 || t.h > 12) {
				return t, false, sql.Errorf(sql.CodeDatetimeFieldOverflow, "hour \"%d\" is invalid for the 12-hour clock", t.h)
			}
		case "HH24":
			t.h, err = readInt(2, it.pat)
		case "MI":
			t.mi, err = readInt(2, it.pat)
		case "SS":
			t.s, err = readInt(2, it.pat)
		case "MS":
			v, err = readInt(3, it.pat)
			t.us += v * 1000
		case "US":
			start := i
			v, err = readInt(6, it.pat)
			for k := i - start; k < 6; k++ {
				v *= 10
			}
			t.us += v
		case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
			n := int(p[2] - '0')
			start := i
			v, err = readInt(n, it.pat)
			for k := i - start; k < 6; k++ {
				v *= 10
			}
			t.us += v
		case "SSSS", "SSSSS":
			v, err = readInt(5, it.pat)
			t.h, t.mi, t.s = v/3600, v/60%60, v%60
		case "AM", "PM", "A.M.", "P.M.":
			hasAMPM = true
			up := strings.ToUpper(s[i:min(i+len(p), len(s))])
			switch strings.ReplaceAll(up, ".", "") {
			case "AM":
			case "PM":
				pm = true
			default:
				return t, false, invalid(it.pat)
			}
			i += len(p)
		case "BC", "AD", "B.C.", "A.D.":
			up := strings.ToUpper(s[i:min(i+len(p), len(s))])
			bc = strings.HasPrefix(up, "B")
			i += len(p)
		case "MONTH":
			v, err = readName(monthNames, false, it.pat)
			t.m = v + 1
		case "MON":
			v, err = readName(monthNames, true, it.pat)
			t.m = v + 1
		case "DAY":
			_, err = readName(dayNames, false, it.pat)
		case "DY":
			_, err = readName(dayNames, true, it.pat)
		case "J":
			v, err = readInt(9, it.pat)
			nt := dateTm(v - unixJD)
			t.y, t.m, t.d = nt.y, nt.m, nt.d
		case "TZH":
			v, err = readInt(3, it.pat)
			t.off = v * 3600
			tzSet = true
		case "TZM":
			v, err = readInt(2, it.pat)
			if t.off < 0 {
				v = -v
			}
			t.off += v * 60
			tzSet = true
		case "Q", "W", "WW", "IW", "D", "ID", "CC", "RM", "TZ", "OF", "IDDD":
			// Read and ignore, as PostgreSQL does for most of these.
			for i < len(s) && isAlnum(s[i]) {
				i++
			}
		}
		if err != nil {
			return t, false, err
		}
		i = min(i, len(s))
	}
	if hasAMPM {
		if pm && t.h < 12 {
			t.h += 12
		} else if !pm && t.h == 12 {
			t.h = 0
		}
	}
	if bc {
		t.y = 1 - t.y
	}
	if doy >= 0 {
		nt := dateTm(date2j(t.y, 1, 1) - unixJD + doy - 1)
		t.y, t.m, t.d = nt.y, nt.m, nt.d
	}
	if t.m < 1 || t.m > 12 || t.d < 1 || t.d > daysIn(t.y, t.m) || t.h > 24 || t.mi > 59 || t.s > 60 {
		return t, false, sql.Errorf(sql.CodeDatetimeFieldOverflow, "date/time field value out of range: %q", s)
	}
	return t, tzSet, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// numFormat is a parsed numeric to_char template.
type numFormat struct {
	items     []string // one per template element
	intDigits int
	fracDig   int
	zeroFrom  int // index among integer digit positions from which zeros are printed
	hasPoint  bool
	fm        bool
	sign      string // "", "S", "MI", "PL", "SG", "PR"
	eeee      bool
}

func parseNumFormat(f string) numFormat {
	nf := numFormat{zeroFrom: -1}
	seenPoint := false
	for i := 0; i < len(f); {
		up := strings.ToUpper(f[i:])
		switch {
		case strings.HasPrefix(up, "FM"):
			nf.fm = true
			i += 2
			continue
		case strings.HasPrefix(up, "EEEE"):
			nf.eeee = true
			i += 4
			continue
		case strings.HasPrefix(up, "MI"), strings.HasPrefix(up, "PL"), strings.HasPrefix(up, "SG"), strings.HasPrefix(up, "PR"):
			nf.sign = up[:2]
			nf.items = append(nf.items, up[:2])
			i += 2
			continue
		case strings.HasPrefix(up, "TH"):
			nf.items = append(nf.items, f[i:i+2])
			i += 2
			continue
		}
		c := f[i]
		switch {
		case c == '9' || c == '0':
			if seenPoint {
				nf.fracDig++
			} else {
				if c == '0' && nf.zeroFrom < 0 {
					nf.zeroFrom = nf.intDigits
				}
				nf.intDigits++
			}
			nf.items = append(nf.items, string(c))
		case c == '.' || c == 'D' || c == 'd':
			if !seenPoint {
				seenPoint = true
				nf.hasPoint = true
				nf.items = append(nf.items, ".")
			} else {
				nf.items = append(nf.items, string(c))
			}
		case c == ',' || c == 'G' || c == 'g':
			nf.items = append(nf.items, ",")
		case c == 'S' || c == 's':
			nf.sign = "S"
			nf.items = append(nf.items, "S")
		default:
			nf.items = append(nf.items, "lit:"+string(c))
		}
		i++
	}
	return nf
}

// numChar is to_char for numbers, working on the decimal d.
func numChar(d *apd.Decimal, format string) string {
	nf := parseNumFormat(format)
	neg := d.Negative && !d.IsZero()
	if d.Form != apd.Finite {
		var b strings.Builder
		for range nf.intDigits + nf.fracDig + 1 {
			b.WriteByte('#')
		}
		return b.String()
	}
	abs := new(apd.Decimal).Abs(d)
	if nf.eeee {
		s := ""
		if neg {
			s = "-"
		} else if !nf.fm {
			s = " "
		}
		f := decFloat(abs)
		e := 0
		if f != 0 {
			e = int(math.Floor(math.Log10(f)))
		}
		m := new(apd.Decimal)
		numCtx(40).Quo(m, abs, apd.New(1, int32(e)))
		r, _ := roundScale(m, int32(nf.fracDig), apd.RoundHalfUp)
		if r.Cmp(apd.New(10, 0)) >= 0 {
			e++
			numCtx(40).Quo(m, abs, apd.New(1, int32(e)))
			r, _ = roundScale(m, int32(nf.fracDig), apd.RoundHalfUp)
		}
		es := strconv.Itoa(abs64(e))
		if len(es) < 2 {
			es = "0" + es
		}
		sign := "+"
		if e < 0 {
			sign = "-"
		}
		return s + r.Text('f') + "e" + sign + es
	}
	r, _ := roundScale(abs, int32(nf.fracDig), apd.RoundHalfUp)
	txt := r.Text('f')
	intPart, fracPart := txt, ""
	if k := strings.IndexByte(txt, '.'); k >= 0 {
		intPart, fracPart = txt[:k], txt[k+1:]
	}
	for len(fracPart) < nf.fracDig {
		fracPart += "0"
	}
	if intPart == "0" && (nf.hasPoint || nf.intDigits == 0) {
		intPart = ""
	}
	overflow := len(intPart) > nf.intDigits
	lead := nf.intDigits - len(intPart)
	var b strings.Builder
	signChar := func() string {
		switch nf.sign {
		case "S":
			if neg {
				return "-"
			}
			return "+"
		case "":
			if neg {
				return "-"
			}
			return " "
		}
		return ""
	}
	signDone := nf.sign != "" && nf.sign != "S"
	// A leading S goes before the first digit, like the default sign.
	leadingS := nf.sign == "S" && len(nf.items) > 0 && nf.items[0] == "S"
	if leadingS {
		signDone = false
	}
	intPos, fracPos := 0, 0
	started, afterPoint := false, false
	emitSign := func() {
		if !signDone {
			b.WriteString(signChar())
			signDone = true
		}
	}
	for _, it := range nf.items {
		switch {
		case it == "9" || it == "0":
			if afterPoint {
				c := byte('#')
				if !overflow {
					c = fracPart[fracPos]
				}
				b.WriteByte(c)
				fracPos++
				continue
			}
			k := intPos
			intPos++
			if overflow {
				emitSign()
				b.WriteByte('#')
				started = true
				continue
			}
			if k < lead {
				if nf.zeroFrom >= 0 && k >= nf.zeroFrom {
					emitSign()
					b.WriteByte('0')
					started = true
				} else {
					b.WriteByte(' ')
				}
				continue
			}
			emitSign()
			b.WriteByte(intPart[k-lead])
			started = true
		case it == ".":
			emitSign()
			b.WriteByte('.')
			afterPoint = true
		case it == ",":
			if started {
				b.WriteByte(',')
			} else {
				b.WriteByte(' ')
			}
		case it == "S":
			if !leadingS {
				b.WriteString(signChar())
			}
		case it == "MI":
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte(' ')
			}
		case it == "PL":
			if neg {
				b.WriteByte(' ')
			} else {
				b.WriteByte('+')
			}
		case it == "SG":
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case it == "PR":
		case strings.EqualFold(it, "TH"):
			if !neg {
				n, _ := strconv.ParseInt(intPart, 10, 64)
				b.WriteString(ordinal(n, it == "TH"))
			}
		case strings.HasPrefix(it, "lit:"):
			b.WriteString(it[4:])
		}
	}
	emitSign()
	out := b.String()
	if nf.sign == "PR" {
		if neg {
			out = "<" + strings.TrimLeft(out, " ") + ">"
			out = strings.Repeat(" ", max(0, len(b.String())-len(out)+2)) + out
		} else {
			out = " " + out + " "
		}
	}
	if nf.fm {
		out = strings.TrimLeft(out, " ")
		// Trailing zeros printed for 9 positions after the point go away.
		if nf.hasPoint && !overflow {
			k := strings.IndexByte(out, '.')
			if k >= 0 {
				tail := out[k+1:]
				nines := 0
				for i := len(nf.items) - 1; i >= 0 && (nf.items[i] == "9" || nf.items[i] == "0"); i-- {
					if nf.items[i] != "9" {
						break
					}
					nines++
				}
				j := len(tail)
				for j > 0 && nines > 0 && tail[j-1] == '0' {
					j--
					nines--
				}
				out = out[:k+1] + tail[:j]
			}
		}
	}
	return out
}

func abs64(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func toNumber(s, format string) (sql.Value, error) {
	neg := strings.Contains(s, "-") || (strings.Contains(s, "<") && strings.Contains(s, ">"))
	nf := parseNumFormat(format)
	var digits strings.Builder
	seenPoint := false
	fracLeft := nf.fracDig
	intLeft := nf.intDigits
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if seenPoint {
				if fracLeft > 0 {
					digits.WriteByte(c)
					fracLeft--
				}
			} else if intLeft > 0 {
				digits.WriteByte(c)
				intLeft--
			}
		case c == '.' && nf.hasPoint && !seenPoint:
			seenPoint = true
			digits.WriteByte('.')
		}
	}
	t := digits.String()
	if t == "" || t == "." {
		return sql.Null, sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid input syntax for type numeric: \" \"")
	}
	if neg {
		t = "-" + t
	}
	return sql.ParseText(t, sql.Numeric, nil)
}

func init() {
	Register(
		&Func{Name: "to_char", Args: types(sql.Timestamp, sql.Text), Ret: sql.Text,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if isInfinite(a[0].Int()) {
					return sql.Null, nil
				}
				return sql.NewText(dtChar(tsTm(a[0].Int()), a[1].Text(), false)), nil
			},
			Prepare: prepareTSChar},
		&Func{Name: "to_char", Args: types(sql.TimestampTZ, sql.Text), Ret: sql.Text,
			Eval: func(ctx *Context, a []sql.Value) (sql.Value, error) {
				if isInfinite(a[0].Int()) {
					return sql.Null, nil
				}
				return sql.NewText(dtChar(tstzTm(a[0].Int(), loc(ctx)), a[1].Text(), false)), nil
			},
			Prepare: prepareDTChar(func(ctx *Context, v sql.Value) (tm, bool) {
				if isInfinite(v.Int()) {
					return tm{}, false
				}
				return tstzTm(v.Int(), loc(ctx)), true
			}, false)},
		&Func{Name: "to_char", Args: types(sql.Interval, sql.Text), Ret: sql.Text,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return sql.NewText(dtChar(intervalTm(a[0].Interval()), a[1].Text(), true)), nil
			},
			Prepare: prepareDTChar(func(_ *Context, v sql.Value) (tm, bool) {
				return intervalTm(v.Interval()), true
			}, true)},
		fn("to_char", types(sql.Numeric, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(numChar(a[0].Numeric(), a[1].Text())), nil
		}),
		fn("to_char", types(sql.Float8, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			// float8 rounds half to even where numeric rounds half away.
			f := a[0].Float()
			nf := parseNumFormat(a[1].Text())
			if !math.IsInf(f, 0) && !math.IsNaN(f) && !nf.eeee {
				p := math.Pow10(nf.fracDig)
				if r := math.RoundToEven(f*p) / p; !math.IsInf(r, 0) {
					f = r
				}
			}
			return sql.NewText(numChar(decFromFloat(f), a[1].Text())), nil
		}),
		fn("to_char", types(sql.Int8, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(numChar(apd.New(a[0].Int(), 0), a[1].Text())), nil
		}),
		fn("to_char", types(sql.Int4, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(numChar(apd.New(a[0].Int(), 0), a[1].Text())), nil
		}),
		fn("to_date", types(sql.Text, sql.Text), sql.Date, func(_ *Context, a []sql.Value) (sql.Value, error) {
			t, _, err := parseDateTime(a[0].Text(), a[1].Text())
			if err != nil {
				return sql.Null, err
			}
			return sql.NewDate(t.days()), nil
		}),
		fn("to_timestamp", types(sql.Text, sql.Text), sql.TimestampTZ, func(ctx *Context, a []sql.Value) (sql.Value, error) {
			t, tzSet, err := parseDateTime(a[0].Text(), a[1].Text())
			if err != nil {
				return sql.Null, err
			}
			if tzSet {
				return sql.NewTimestampTZ(t.local() - t.off*usPerSec), nil
			}
			return sql.NewTimestampTZ(sql.LocalToUTC(t.local(), loc(ctx))), nil
		}),
		fn("to_number", types(sql.Text, sql.Text), sql.Numeric, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return toNumber(a[0].Text(), a[1].Text())
		}),
	)
}

// prepareDTChar parses a constant to_char template once for its call site.
// fields breaks the value down; false means infinity, whose text is NULL.
func prepareDTChar(fields func(*Context, sql.Value) (tm, bool), interval bool) func([]sql.Value, []bool) EvalFunc {
	return func(consts []sql.Value, isConst []bool) EvalFunc {
		if !isConst[1] || consts[1].IsNull() {
			return nil
		}
		items := parseDTFormat(consts[1].Text())
		return func(ctx *Context, a []sql.Value) (sql.Value, error) {
			t, ok := fields(ctx, a[0])
			if !ok {
				return sql.Null, nil
			}
			var buf [64]byte
			return sql.NewText(string(appendDTChar(buf[:0], t, items, interval))), nil
		}
	}
}

// prepareTSChar is to_char of a timestamp by a constant template. Rows
// bring timestamps close together (q16 formats each bid's time by day and
// by minute), so the last result is kept with the span of time it covers:
// the template's finest field (tsCharUnit) sets the span, and a timestamp
// within it prints the same text, returned without formatting or
// allocating it again. The entry sits behind an atomic pointer: a prepared
// function may be evaluated by several goroutines at once.
func prepareTSChar(consts []sql.Value, isConst []bool) EvalFunc {
	if !isConst[1] || consts[1].IsNull() {
		return nil
	}
	items := parseDTFormat(consts[1].Text())
	unit := tsCharUnit(items)
	type entry struct {
		span int64
		out  sql.Value
	}
	var last atomic.Pointer[entry]
	return func(_ *Context, a []sql.Value) (sql.Value, error) {
		us := a[0].Int()
		if isInfinite(us) {
			return sql.Null, nil
		}
		span := floorDiv(us, unit)
		if e := last.Load(); e != nil && e.span == span {
			return e.out, nil
		}
		var buf [64]byte
		out := sql.NewText(string(appendDTChar(buf[:0], tsTm(us), items, false)))
		last.Store(&entry{span: span, out: out})
		return out, nil
	}
}

// tsCharUnit is the span of time, in microseconds, within which to_char
// of a timestamp by items prints the same: a day where no field is finer,
// else that of the finest field. Fields not named here count as finest.
func tsCharUnit(items []fmtItem) int64 {
	unit := usPerDay
	for _, it := range items {
		if it.pat == "" {
			continue
		}
		switch it.up {
		case "A.D.", "AD", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "D", "IDDD", "ID", "IW",
			"IYYY", "IYY", "IY", "I", "J", "MM", "MONTH", "MON", "Q", "RM", "WW", "W",
			"Y,YYY", "YYYY", "YYY", "YY", "Y":
		case "HH", "HH12", "HH24", "AM", "PM", "A.M.", "P.M.":
			unit = min(unit, usPerHour)
		case "MI":
			unit = min(unit, usPerMin)
		case "SS", "SSSS", "SSSSS":
			unit = min(unit, usPerSec)
		default:
			unit = 1
		}
	}
	return unit
}
