package slt

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// numericOID is PostgreSQL's type OID of numeric (see Options.TrimNumeric).
const numericOID = 1700

func hasOID(rs *resultSet, oid uint32) bool { return slices.Contains(rs.oids, oid) }

// trimDecimals applies trimFraction to each whitespace-separated token of
// lines that is a plain decimal with a fraction (5727.60, -0.50).
func trimDecimals(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		for j, tok := range f {
			if isDecimal(tok) {
				f[j] = trimFraction(tok)
			}
		}
		out[i] = strings.Join(f, " ")
	}
	return out
}

func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	i := strings.IndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for k := 0; k < len(s); k++ {
		if k != i && !isDigit(s[k]) {
			return false
		}
	}
	return true
}

// timestamptzOID is PostgreSQL's type OID of timestamptz (see
// Options.FullOffset).
const timestamptzOID = 1184

// fullOffset gives a timestamptz's UTC offset its minutes when PostgreSQL
// left them off (+00 becomes +00:00, -05 becomes -05:00); +05:30 and
// infinity stay as they are.
func fullOffset(s string) string {
	n := len(s)
	if n < 3 || (s[n-3] != '+' && s[n-3] != '-') || !isDigit(s[n-2]) || !isDigit(s[n-1]) {
		return s
	}
	return s + ":00"
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// trimFraction drops the zeros that end a decimal fraction, and the point
// when nothing is left after it: 1.00 is 1, -0.50 is -0.5, 10 stays 10.
// NaN and the infinities have no point and stay as they are.
func trimFraction(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// boolOID is PostgreSQL's type OID of boolean, the one type whose text form
// ("t"/"f") the sqlite dialect must translate for numeric columns.
const boolOID = 16

// resultSet is one query's answer in text format. A nil value is SQL NULL.
type resultSet struct {
	oids         []uint32
	rows         [][][]byte
	rowsAffected int64
}

// renderSQLite renders every value by its column's declared type, as the
// reference harness does. The declared types must match the column count,
// which the reference harness also checks.
func renderSQLite(rs *resultSet, types string) ([][]string, error) {
	if len(types) != len(rs.oids) {
		return nil, fmt.Errorf("query declares %d columns (%q) but the result has %d", len(types), types, len(rs.oids))
	}
	out := make([][]string, len(rs.rows))
	for i, row := range rs.rows {
		r := make([]string, len(row))
		for j, v := range row {
			r[j] = renderTyped(v, types[j], rs.oids[j] == boolOID)
		}
		out[i] = r
	}
	return out, nil
}

func renderTyped(v []byte, typ byte, isBool bool) string {
	if v == nil {
		return "NULL"
	}
	s := string(v)
	switch typ {
	case 'I', 'i':
		if isBool {
			return boolNumber(s, "1", "0")
		}
		return renderInt(s)
	case 'R', 'r':
		if isBool {
			return boolNumber(s, "1.000", "0.000")
		}
		return renderReal(s)
	default:
		return renderText(s)
	}
}

func boolNumber(s, t, f string) string {
	if s == "t" || s == "true" {
		return t
	}
	return f
}

// renderInt converts text to an integer the way C's atoi/strtod and a cast
// would: the reference harness reads every value as text and prints %d.
func renderInt(s string) string {
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	if f, ok := parseCFloat(t); ok {
		switch {
		case math.IsNaN(f):
			return "0"
		case f >= math.MaxInt64:
			return strconv.FormatInt(math.MaxInt64, 10)
		case f <= math.MinInt64:
			return strconv.FormatInt(math.MinInt64, 10)
		}
		return strconv.FormatInt(int64(f), 10) // truncates toward zero, as C does
	}
	return "0"
}

func renderReal(s string) string {
	f, _ := parseCFloat(strings.TrimSpace(s))
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// parseCFloat parses the longest numeric prefix of s, as strtod does, so that
// text such as "12abc" still converts to 12 rather than failing.
func parseCFloat(s string) (float64, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil || isRangeErr(err) {
		return f, true
	}
	switch strings.ToLower(s) {
	case "infinity", "+infinity":
		return math.Inf(1), true
	case "-infinity":
		return math.Inf(-1), true
	}
	end := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= '0' && c <= '9') || c == '.' || ((c == '-' || c == '+') && i == 0) {
			end = i + 1
			continue
		}
		break
	}
	for ; end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f, true
		}
	}
	return 0, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// renderText applies the reference harness's text rules byte by byte.
func renderText(s string) string {
	if s == "" {
		return "(empty)"
	}
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '@'
		}
	}
	return string(b)
}

// renderRS renders values as the server printed them, with sqllogictest-rs's
// two conventions for NULL and the empty string.
func renderRS(rs *resultSet, o Options) [][]string {
	out := make([][]string, len(rs.rows))
	for i, row := range rs.rows {
		r := make([]string, len(row))
		for j, v := range row {
			switch {
			case v == nil:
				r[j] = "NULL"
			case len(v) == 0:
				r[j] = "(empty)"
			case o.TrimNumeric && rs.oids[j] == numericOID:
				r[j] = trimFraction(string(v))
			case o.FullOffset && rs.oids[j] == timestamptzOID:
				r[j] = fullOffset(string(v))
			default:
				r[j] = string(v)
			}
		}
		out[i] = r
	}
	return out
}

// sortRowsByColumns sorts rows comparing column by column with byte-wise
// string comparison (strcmp), so "10" sorts before "9".
func sortRowsByColumns(rows [][]string) {
	slices.SortStableFunc(rows, func(a, b []string) int {
		for i := 0; i < len(a) && i < len(b); i++ {
			if c := strings.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
		return len(a) - len(b)
	})
}

func flatten(rows [][]string) []string {
	var vals []string
	for _, r := range rows {
		vals = append(vals, r...)
	}
	return vals
}

// hashValues is the harness's md5 over every value followed by a newline.
func hashValues(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashLine(vals []string) string {
	return fmt.Sprintf("%d values hashing to %s", len(vals), hashValues(vals))
}

// sqliteLines sorts rendered rows and lays them out one value per line,
// replaced by the hash line when there are more values than the threshold.
// It also returns the hash, which labelled queries compare.
func sqliteLines(rows [][]string, mode sortMode, threshold int) (lines []string, hash string) {
	if mode == sortRows {
		sortRowsByColumns(rows)
	}
	vals := flatten(rows)
	if mode == sortValues {
		slices.Sort(vals)
	}
	hash = hashValues(vals)
	if threshold > 0 && len(vals) > threshold {
		return []string{hashLine(vals)}, hash
	}
	return vals, hash
}

// normalizeLine collapses whitespace the way sqllogictest-rs's default
// validator does on both sides of the comparison.
func normalizeLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// rsLines lays out actual rows for comparison in the rs dialect: one row per
// line (or one value per line in valuewise mode), whitespace-normalised,
// sorted, or hashed when the file set a threshold and it is exceeded.
func rsLines(rows [][]string, mode sortMode, threshold int, valuewise bool) []string {
	var lines []string
	if mode == sortValues || valuewise {
		for _, r := range rows {
			for _, v := range r {
				if mode == sortValues {
					// Split like the expected side, which cannot tell a space
					// inside a value from one between values.
					lines = append(lines, strings.Fields(v)...)
				} else {
					lines = append(lines, normalizeLine(v))
				}
			}
		}
	} else {
		for _, r := range rows {
			vals := make([]string, len(r))
			for i, v := range r {
				vals[i] = normalizeLine(v)
			}
			lines = append(lines, strings.Join(vals, " "))
		}
	}
	if mode == sortRows || mode == sortValues {
		slices.Sort(lines)
	}
	if threshold > 0 {
		vals := flatten(rows)
		if mode == sortValues {
			vals = lines
		} else if mode == sortRows {
			// Hash in the sorted row order.
			sorted := slices.Clone(rows)
			sortRowsByColumns(sorted)
			vals = flatten(sorted)
		}
		if len(vals) > threshold {
			return []string{hashLine(vals)}
		}
	}
	return lines
}

// rsExpected normalises the expected lines of an rs-dialect query so they
// can be compared with rsLines.
func rsExpected(expected []string, mode sortMode) []string {
	var lines []string
	for _, l := range expected {
		if mode == sortValues {
			lines = append(lines, strings.Fields(l)...)
			continue
		}
		lines = append(lines, normalizeLine(l))
	}
	if mode == sortRows || mode == sortValues {
		if !(len(lines) == 1 && strings.Contains(lines[0], " values hashing to ")) {
			slices.Sort(lines)
		}
	}
	return lines
}
