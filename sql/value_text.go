package sql

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatText renders v in PostgreSQL's text output format for type t.
func FormatText(v Value, t Type, loc *time.Location) string {
	switch v.k {
	case KindText, KindJSON:
		return v.s
	}
	var tmp [64]byte
	return string(AppendText(tmp[:0], v, t, loc))
}

// AppendText appends FormatText(v, t, loc) to buf. It dispatches on the
// value's kind, using t only where the kind does not say enough (float4 vs
// float8 digits, array element types).
func AppendText(buf []byte, v Value, t Type, loc *time.Location) []byte {
	switch v.k {
	case KindNull:
		return buf
	case KindBool:
		if v.i != 0 {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case KindInt:
		if t.OID == OIDRegtype && t.Elem == nil {
			return append(buf, regtypeName(uint32(v.i))...)
		}
		return strconv.AppendInt(buf, v.i, 10)
	case KindFloat:
		if t.OID == OIDFloat4 {
			return appendFloat(buf, v.Float(), 32)
		}
		return appendFloat(buf, v.Float(), 64)
	case KindNumeric:
		return appendNumeric(buf, v.Numeric())
	case KindText, KindJSON:
		return append(buf, v.s...)
	case KindBytes:
		buf = append(buf, '\\', 'x')
		return hex.AppendEncode(buf, []byte(v.s))
	case KindDate:
		return appendDate(buf, v.i)
	case KindTime:
		return appendClock(buf, v.i)
	case KindTimestamp:
		return appendTimestamp(buf, v.i)
	case KindTimestampTZ:
		return appendTimestampTZ(buf, v.i, loc)
	case KindInterval:
		return appendInterval(buf, v.Interval())
	case KindArray:
		if t.OID == OIDRecord {
			return appendRecordText(buf, v.Array(), loc)
		}
		if t.OID == OIDInt2Vector || t.OID == OIDOidVector {
			// int2vector and oidvector print as space-separated numbers.
			for i, e := range v.Array() {
				if i > 0 {
					buf = append(buf, ' ')
				}
				buf = AppendText(buf, e, Int8, loc)
			}
			return buf
		}
		et := Unknown
		if t.Elem != nil {
			et = *t.Elem
		}
		return appendArrayText(buf, v.Array(), t, et, loc)
	}
	return buf
}

// appendFloat writes f as float8out/float4out do with extra_float_digits = 1:
// the shortest digits that round-trip, in fixed notation when the decimal
// exponent is in [-4, 15) for float8 ([-4, 6) for float4), else d.ddde+XX.
func appendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	// e is d[.ddd]e±XX
	k := 0
	for e[k] != 'e' {
		k++
	}
	mant := e[:k]
	exp, _ := strconv.Atoi(string(e[k+1:]))
	var digits [24]byte
	nd := 0
	for _, c := range mant {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	if neg {
		buf = append(buf, '-')
	}
	limit := 15
	if bits == 32 {
		limit = 6
	}
	if exp < -4 || exp >= limit {
		buf = append(buf, digits[0])
		if nd > 1 {
			buf = append(buf, '.')
			buf = append(buf, digits[1:nd]...)
		}
		buf = append(buf, 'e')
		if exp < 0 {
			buf = append(buf, '-')
			exp = -exp
		} else {
			buf = append(buf, '+')
		}
		if exp < 10 {
			buf = append(buf, '0')
		}
		return strconv.AppendInt(buf, int64(exp), 10)
	}
	if exp < 0 {
		buf = append(buf, '0', '.')
		for i := exp + 1; i < 0; i++ {
			buf = append(buf, '0')
		}
		return append(buf, digits[:nd]...)
	}
	if nd <= exp+1 {
		buf = append(buf, digits[:nd]...)
		for i := nd; i <= exp; i++ {
			buf = append(buf, '0')
		}
		return buf
	}
	buf = append(buf, digits[:exp+1]...)
	buf = append(buf, '.')
	return append(buf, digits[exp+1:nd]...)
}

// arrayNeedsQuote reports whether array_out would quote the element s.
func arrayNeedsQuote(s []byte) bool {
	if len(s) == 0 || (len(s) == 4 && strings.EqualFold(string(s), "null")) {
		return true
	}
	for _, c := range s {
		switch c {
		case '"', '\\', '{', '}', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

func appendArrayText(buf []byte, elems []Value, t, et Type, loc *time.Location) []byte {
	buf = append(buf, '{')
	for i, e := range elems {
		if i > 0 {
			buf = append(buf, ',')
		}
		switch e.k {
		case KindNull:
			buf = append(buf, "NULL"...)
			continue
		case KindArray:
			buf = appendArrayText(buf, e.Array(), t, et, loc)
			continue
		}
		start := len(buf)
		buf = AppendText(buf, e, et, loc)
		if arrayNeedsQuote(buf[start:]) {
			elem := string(buf[start:])
			buf = append(buf[:start], '"')
			for j := 0; j < len(elem); j++ {
				if elem[j] == '"' || elem[j] == '\\' {
					buf = append(buf, '\\')
				}
				buf = append(buf, elem[j])
			}
			buf = append(buf, '"')
		}
	}
	return append(buf, '}')
}

// ParseText parses PostgreSQL text input for type t.
func ParseText(s string, t Type, loc *time.Location) (Value, error) {
	if t.Elem != nil {
		return parseArrayText(s, t, loc)
	}
	switch t.OID {
	case OIDBool:
		b, ok := parseBool(s)
		if !ok {
			return Null, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type boolean: %q", s)
		}
		return NewBool(b), nil
	case OIDInt2:
		return parseIntText(s, "smallint", math.MinInt16, math.MaxInt16)
	case OIDInt4:
		return parseIntText(s, "integer", math.MinInt32, math.MaxInt32)
	case OIDInt8:
		return parseIntText(s, "bigint", math.MinInt64, math.MaxInt64)
	case OIDOid, OIDRegclass, OIDRegtype, OIDRegnamespace, OIDRegproc:
		v, err := parseIntText(s, "oid", math.MinInt32, math.MaxUint32)
		if err == nil && v.i < 0 {
			// oidin accepts negative int32s and wraps them, as strtoul does.
			v.i = int64(uint32(int32(v.i)))
		}
		return v, err
	case OIDFloat4:
		return parseFloatText(s, 32)
	case OIDFloat8:
		return parseFloatText(s, 64)
	case OIDNumeric:
		d, err := parseNumeric(s)
		if err != nil {
			return Null, err
		}
		if d, err = applyNumericTypmod(d, t.Mod); err != nil {
			return Null, err
		}
		return NewNumeric(d), nil
	case OIDBytea:
		b, err := parseBytea(s)
		if err != nil {
			return Null, err
		}
		return NewBytes(b), nil
	case OIDDate:
		d, err := parseDate(s)
		if err != nil {
			return Null, err
		}
		return NewDate(d), nil
	case OIDTime:
		us, err := parseTime(s)
		if err != nil {
			return Null, err
		}
		if t.Mod >= 0 {
			us = roundMicros(us, t.Mod)
		}
		return NewTime(us), nil
	case OIDTimestamp, OIDTimestampTZ:
		tz := t.OID == OIDTimestampTZ
		us, err := parseTimestamp(s, tz, loc)
		if err != nil {
			return Null, err
		}
		if t.Mod >= 0 && us != NegInfinity && us != PosInfinity {
			us = roundMicros(us, t.Mod)
		}
		if tz {
			return NewTimestampTZ(us), nil
		}
		return NewTimestamp(us), nil
	case OIDInterval:
		iv, err := parseInterval(s)
		if err != nil {
			return Null, err
		}
		return NewInterval(iv), nil
	case OIDJSON, OIDJSONB:
		// Like text, JSON must be valid UTF-8 without NUL: encoding/json
		// would carry invalid bytes inside strings through.
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return Null, invalidUTF8()
		}
	}
	switch t.OID {
	case OIDJSON:
		if !json.Valid([]byte(s)) {
			return Null, jsonSyntaxError(s, "json")
		}
		return NewJSON(s), nil
	case OIDJSONB:
		n, err := normalizeJSONB(s)
		if err != nil {
			return Null, err
		}
		return NewJSON(n), nil
	case OIDUUID:
		u, ok := parseUUID(s)
		if !ok {
			return Null, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type uuid: %q", s)
		}
		return NewText(u), nil
	}
	// Text reaching us from the wire was verified by the protocol layer in
	// PostgreSQL; here it may come from anywhere, and NUL cannot be stored.
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return Null, invalidUTF8()
	}
	switch t.OID {
	case OIDVarchar, OIDBpchar, OIDName, OIDChar:
		r, err := coerceString(s, t, false)
		if err != nil {
			return Null, err
		}
		return NewText(r), nil
	}
	return NewText(s), nil
}

// coerceString applies a string type's length rules: varchar(n) and char(n)
// reject over-long values on assignment unless the excess is spaces, and
// truncate on explicit casts; char(n) pads with spaces; name keeps 63 bytes;
// "char" keeps one byte.
func coerceString(s string, t Type, explicit bool) (string, error) {
	switch t.OID {
	case OIDName:
		if len(s) > 63 {
			s = truncateBytes(s, 63)
		}
		return s, nil
	case OIDChar:
		if len(s) > 1 {
			return s[:1], nil
		}
		return s, nil
	case OIDVarchar, OIDBpchar:
	default:
		return s, nil
	}
	if t.Mod < 4 {
		return s, nil
	}
	n := int(t.Mod - 4)
	l := utf8.RuneCountInString(s)
	if l > n {
		cut := runeOffset(s, n)
		if !explicit && strings.Trim(s[cut:], " ") != "" {
			return "", Errorf(CodeStringDataRightTrunc, "value too long for type %s", FormatType(t))
		}
		s = s[:cut]
		l = n
	}
	if t.OID == OIDBpchar && l < n {
		s += strings.Repeat(" ", n-l)
	}
	return s, nil
}

func runeOffset(s string, n int) int {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func parseBool(s string) (bool, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return false, false
	}
	// boolin accepts any unambiguous prefix of the words.
	pre := func(word string, min int) bool { return len(t) >= min && strings.HasPrefix(word, t) }
	switch {
	case pre("true", 1), pre("yes", 1), pre("on", 2), t == "1":
		return true, true
	case pre("false", 1), pre("no", 1), pre("off", 2), t == "0":
		return false, true
	}
	return false, false
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseIntText follows pg_strtoint: optional spaces, sign, decimal digits,
// optional spaces, nothing else.
func parseIntText(s, typ string, lo, hi int64) (Value, error) {
	i, j := 0, len(s)
	for i < j && isSpaceByte(s[i]) {
		i++
	}
	for j > i && isSpaceByte(s[j-1]) {
		j--
	}
	body := s[i:j]
	neg := false
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	if body == "" {
		return Null, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type %s: %q", typ, s)
	}
	var u uint64
	over := false
	for k := 0; k < len(body); k++ {
		c := body[k]
		if c < '0' || c > '9' {
			return Null, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type %s: %q", typ, s)
		}
		if u > (math.MaxUint64-9)/10 {
			over = true
		} else {
			u = u*10 + uint64(c-'0')
		}
	}
	var v int64
	switch {
	case over:
	case neg && u <= 1<<63:
		v = -int64(u)
	case !neg && u <= math.MaxInt64:
		v = int64(u)
	default:
		over = true
	}
	if over || v < lo || v > hi {
		return Null, Errorf(CodeNumericValueOutOfRange, "value %q is out of range for type %s", s, typ)
	}
	return NewInt(v), nil
}

func parseFloatText(s string, bits int) (Value, error) {
	typ := "double precision"
	if bits == 32 {
		typ = "real"
	}
	t := strings.TrimSpace(s)
	bad := func() (Value, error) {
		return Null, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type %s: %q", typ, s)
	}
	if t == "" || strings.IndexByte(t, '_') >= 0 {
		// Go accepts underscores; strtod does not.
		return bad()
	}
	if l := strings.ToLower(t); strings.Contains(l, "0x") && !strings.ContainsRune(l, 'p') {
		// strtod reads hex without a binary exponent; Go requires one.
		t += "p0"
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) > 1 {
		return bad()
	}
	switch strings.ToLower(body) {
	case "infinity", "inf", "nan":
		f, _ := strconv.ParseFloat(t, 64)
		if bits == 32 {
			f = float64(float32(f))
		}
		return NewFloat(f), nil
	}
	f, err := strconv.ParseFloat(t, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return Null, Errorf(CodeNumericValueOutOfRange, "%q is out of range for type %s", t, typ)
		}
		return bad()
	}
	if f == 0 && hasNonZeroDigit(t) {
		// strtod reports underflow as ERANGE and PG rejects it.
		return Null, Errorf(CodeNumericValueOutOfRange, "%q is out of range for type %s", t, typ)
	}
	return NewFloat(f), nil
}

func hasNonZeroDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' || s[i] == 'E' {
			return false
		}
		if s[i] >= '1' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// parseBytea accepts the hex format (\x followed by hex pairs, spaces allowed
// between pairs) and the escape format (\\ and \ooo octal escapes).
func parseBytea(s string) ([]byte, error) {
	if len(s) >= 2 && s[0] == '\\' && (s[1] == 'x' || s[1] == 'X') {
		out := make([]byte, 0, (len(s)-2)/2)
		for i := 2; i < len(s); {
			c := s[i]
			if isSpaceByte(c) {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return nil, Errorf(CodeInvalidParameterValue, "invalid hexadecimal digit: %q", string(c))
			}
			if i+1 >= len(s) {
				return nil, Errorf(CodeInvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(s[i+1])
			if !ok {
				return nil, Errorf(CodeInvalidParameterValue, "invalid hexadecimal digit: %q", string(s[i+1]))
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	}
	return ParseByteaEscape(s)
}

// ParseByteaEscape reads bytea's escape format (\\ and \ooo), which
// decode(s, 'escape') also reads.
func ParseByteaEscape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i++
			continue
		}
		if i+3 < len(s)+0 && s[i+1] >= '0' && s[i+1] <= '3' && s[i+2] >= '0' && s[i+2] <= '7' && s[i+3] >= '0' && s[i+3] <= '7' {
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		return nil, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type bytea")
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseUUID accepts what uuid_in does: 32 hex digits, optionally in braces,
// with a hyphen allowed after any group of four digits.
func parseUUID(s string) (string, bool) {
	t := s
	if len(t) >= 2 && t[0] == '{' && t[len(t)-1] == '}' {
		t = t[1 : len(t)-1]
	}
	var raw [16]byte
	n := 0
	for i := 0; i < len(t); {
		if n == 32 {
			return "", false
		}
		hi, ok1 := unhex(t[i])
		if i+1 >= len(t) {
			return "", false
		}
		lo, ok2 := unhex(t[i+1])
		if !ok1 || !ok2 {
			return "", false
		}
		raw[n/2] = hi<<4 | lo
		n += 2
		i += 2
		if n%4 == 0 && n < 32 && i < len(t) && t[i] == '-' {
			i++
		}
	}
	if n != 32 {
		return "", false
	}
	return formatUUID(raw[:]), true
}

func formatUUID(b []byte) string {
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		const hx = "0123456789abcdef"
		out[j], out[j+1] = hx[c>>4], hx[c&15]
		j += 2
	}
	return string(out[:])
}

func malformedArray(s, detail string) error {
	return &Error{Code: CodeInvalidTextRepresentation, Message: "malformed array literal: " + strconv.Quote(s), Detail: detail}
}

// parseArrayText parses array_in's syntax: {a,b,"c d",NULL,{nested}}, with an
// optional dimension decoration [lo:hi]= that is checked only for syntax.
func parseArrayText(s string, t Type, loc *time.Location) (Value, error) {
	p := arrayParser{s: s, et: *t.Elem, loc: loc}
	p.skipSpace()
	if p.i < len(s) && s[p.i] == '[' {
		eq := strings.IndexByte(s[p.i:], '=')
		if eq < 0 {
			return Null, malformedArray(s, `Missing "=" after array dimensions.`)
		}
		p.i += eq + 1
		p.skipSpace()
	}
	if p.i >= len(s) || s[p.i] != '{' {
		return Null, malformedArray(s, `Array value must start with "{" or dimension information.`)
	}
	elems, err := p.parse(0)
	if err != nil {
		return Null, err
	}
	p.skipSpace()
	if p.i != len(s) {
		return Null, malformedArray(s, "Junk after closing right brace.")
	}
	return NewArray(elems), nil
}

type arrayParser struct {
	s   string
	i   int
	et  Type
	loc *time.Location
}

func (p *arrayParser) skipSpace() {
	for p.i < len(p.s) && isSpaceByte(p.s[p.i]) {
		p.i++
	}
}

// parse reads one brace-enclosed level starting at '{'.
func (p *arrayParser) parse(depth int) ([]Value, error) {
	if depth > 6 {
		return nil, Errorf(CodeProgramLimitExceeded, "number of array dimensions exceeds the maximum allowed (6)")
	}
	p.i++ // '{'
	elems := []Value{}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return elems, nil
	}
	var buf []byte
	subLen, nested, scalar := -1, false, false
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, malformedArray(p.s, "Unexpected end of input.")
		}
		c := p.s[p.i]
		switch {
		case c == '{':
			if scalar {
				return nil, malformedArray(p.s, "Unexpected \"{\" character.")
			}
			nested = true
			sub, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			if subLen >= 0 && len(sub) != subLen {
				return nil, malformedArray(p.s, "Multidimensional arrays must have sub-arrays with matching dimensions.")
			}
			subLen = len(sub)
			elems = append(elems, NewArray(sub))
		case c == '}' || c == ',':
			return nil, malformedArray(p.s, "Unexpected \""+string(c)+"\" character.")
		default:
			if nested {
				return nil, malformedArray(p.s, "Unexpected array element.")
			}
			scalar = true
			buf = buf[:0]
			quoted, escaped := false, false
			if c == '"' {
				quoted = true
				p.i++
				closed := false
				for p.i < len(p.s) {
					c := p.s[p.i]
					p.i++
					if c == '\\' && p.i < len(p.s) {
						buf = append(buf, p.s[p.i])
						p.i++
						continue
					}
					if c == '"' {
						closed = true
						break
					}
					buf = append(buf, c)
				}
				if !closed {
					return nil, malformedArray(p.s, "Unexpected end of input.")
				}
			} else {
				lastKept := 0
				for p.i < len(p.s) {
					c := p.s[p.i]
					if c == ',' || c == '}' {
						break
					}
					if c == '{' || c == '"' {
						return nil, malformedArray(p.s, "Unexpected \""+string(c)+"\" character.")
					}
					p.i++
					if c == '\\' {
						if p.i >= len(p.s) {
							return nil, malformedArray(p.s, "Unexpected end of input.")
						}
						buf = append(buf, p.s[p.i])
						p.i++
						escaped = true
						lastKept = len(buf)
						continue
					}
					buf = append(buf, c)
					if !isSpaceByte(c) {
						lastKept = len(buf)
					}
				}
				buf = buf[:lastKept]
			}
			if !quoted && !escaped && len(buf) == 4 && strings.EqualFold(string(buf), "null") {
				elems = append(elems, Null)
			} else {
				if !quoted && len(buf) == 0 {
					return nil, malformedArray(p.s, "Unexpected \",\" character.")
				}
				v, err := ParseText(string(buf), p.et, p.loc)
				if err != nil {
					return nil, err
				}
				elems = append(elems, v)
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, malformedArray(p.s, "Unexpected end of input.")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return elems, nil
		default:
			return nil, malformedArray(p.s, "Unexpected array element.")
		}
	}
}

// regtypeName is regtypeout: the type's name as format_type prints it
// ("integer", "text[]"), or the bare OID for a type eddy does not know.
func regtypeName(oid uint32) string {
	if s := FormatType(TypeByOID(oid)); !strings.HasPrefix(s, "type ") {
		return s
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// appendRecordText is record_out: (1,,"a b"), with NULL fields empty and
// fields quoted when they hold a delimiter, quote, space or nothing.
func appendRecordText(buf []byte, fields []Value, loc *time.Location) []byte {
	buf = append(buf, '(')
	for i, f := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		if f.k == KindNull {
			continue
		}
		s := FormatText(f, Unknown, loc)
		if s == "" || strings.ContainsAny(s, "(),\"\\ \t\n") {
			buf = append(buf, '"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' || s[j] == '\\' {
					buf = append(buf, s[j])
				}
				buf = append(buf, s[j])
			}
			buf = append(buf, '"')
			continue
		}
		buf = append(buf, s...)
	}
	return append(buf, ')')
}
