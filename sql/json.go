package sql

import (
	"bytes"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

func jsonSyntaxError(s, typ string) error {
	return Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type %s", typ)
}

// normalizeJSONB parses s and prints it the way jsonb_out does: object keys
// ordered by length then bytes with the last duplicate winning, numbers as
// numeric prints them, ", " and ": " separators, PostgreSQL string escapes.
func normalizeJSONB(s string) (string, error) {
	p := jsonParser{s: s}
	p.ws()
	out, err := p.value(nil, 0)
	if err != nil {
		return "", err
	}
	p.ws()
	if p.i != len(s) {
		return "", jsonSyntaxError(s, "json")
	}
	return string(out), nil
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) fail() error { return jsonSyntaxError(p.s, "json") }

type jsonMember struct {
	key string
	val []byte
}

func (p *jsonParser) value(out []byte, depth int) ([]byte, error) {
	if depth > 1000 {
		return nil, Errorf(CodeProgramLimitExceeded, "stack depth limit exceeded")
	}
	if p.i >= len(p.s) {
		return nil, p.fail()
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		var members []jsonMember
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return append(out, '{', '}'), nil
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, p.fail()
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.fail()
			}
			p.i++
			p.ws()
			v, err := p.value(nil, depth+1)
			if err != nil {
				return nil, err
			}
			members = append(members, jsonMember{k, v})
			p.ws()
			if p.i >= len(p.s) {
				return nil, p.fail()
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == '}' {
				p.i++
				break
			}
			return nil, p.fail()
		}
		// Stable sort keeps input order among equal keys; the last one wins.
		slices.SortStableFunc(members, func(a, b jsonMember) int {
			if len(a.key) != len(b.key) {
				return len(a.key) - len(b.key)
			}
			return bytes.Compare([]byte(a.key), []byte(b.key))
		})
		out = append(out, '{')
		first := true
		for i, m := range members {
			if i+1 < len(members) && members[i+1].key == m.key {
				continue
			}
			if !first {
				out = append(out, ',', ' ')
			}
			first = false
			out = AppendJSONString(out, m.key)
			out = append(out, ':', ' ')
			out = append(out, m.val...)
		}
		return append(out, '}'), nil
	case c == '[':
		p.i++
		out = append(out, '[')
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return append(out, ']'), nil
		}
		for n := 0; ; n++ {
			if n > 0 {
				out = append(out, ',', ' ')
			}
			p.ws()
			var err error
			if out, err = p.value(out, depth+1); err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) {
				return nil, p.fail()
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ']' {
				p.i++
				return append(out, ']'), nil
			}
			return nil, p.fail()
		}
	case c == '"':
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		return AppendJSONString(out, k), nil
	case c == '-' || isDigit(c):
		start := p.i
		if c == '-' {
			p.i++
		}
		if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
			return nil, p.fail()
		}
		if p.s[p.i] == '0' {
			p.i++
		} else {
			for p.i < len(p.s) && isDigit(p.s[p.i]) {
				p.i++
			}
		}
		if p.i < len(p.s) && p.s[p.i] == '.' {
			p.i++
			if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
				return nil, p.fail()
			}
			for p.i < len(p.s) && isDigit(p.s[p.i]) {
				p.i++
			}
		}
		if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
			p.i++
			if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
				p.i++
			}
			if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
				return nil, p.fail()
			}
			for p.i < len(p.s) && isDigit(p.s[p.i]) {
				p.i++
			}
		}
		d, err := parseNumeric(p.s[start:p.i])
		if err != nil {
			return nil, err
		}
		return appendNumeric(out, d), nil
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(p.s)-p.i >= len(lit) && p.s[p.i:p.i+len(lit)] == lit {
				p.i += len(lit)
				return append(out, lit...), nil
			}
		}
		return nil, p.fail()
	}
}

// str decodes a JSON string literal at p.i.
func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if !utf8.ValidString(s) {
				return "", p.fail()
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	buf := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return "", p.fail()
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.fail()
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			return "", p.fail()
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail()
			}
			if r == 0 {
				return "", Errorf("22P05", "unsupported Unicode escape sequence")
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 || p.i+1 >= len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
					return "", p.fail()
				}
				p.i += 2
				r2, ok := p.hex4()
				if !ok {
					return "", p.fail()
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", p.fail()
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.fail()
		}
	}
	return "", p.fail()
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for k := 0; k < 4; k++ {
		h, ok := unhex(p.s[p.i+k])
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(h)
	}
	p.i += 4
	return r, true
}

// AppendJSONString quotes s as PostgreSQL's escape_json does.
func AppendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			out = append(out, '\\', '"')
		case '\\':
			out = append(out, '\\', '\\')
		case '\b':
			out = append(out, '\\', 'b')
		case '\f':
			out = append(out, '\\', 'f')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			if c < 0x20 {
				const hx = "0123456789abcdef"
				out = append(out, '\\', 'u', '0', '0', hx[c>>4], hx[c&15])
				continue
			}
			out = append(out, c)
		}
	}
	return append(out, '"')
}

// castJSONBScalar is PostgreSQL's jsonb -> numeric, integer, float and
// boolean casts: the document must be a scalar of the matching JSON type.
// ok is false for target types jsonb has no such cast to.
func castJSONBScalar(s string, to Type, explicit bool, loc *time.Location) (Value, bool, error) {
	want := byte('n')
	switch to.Kind() {
	case KindInt, KindFloat, KindNumeric:
	case KindBool:
		want = 'b'
	default:
		return Null, false, nil
	}
	s = strings.TrimSpace(s)
	got := byte('n')
	what := "number"
	switch {
	case s == "":
		return Null, true, jsonSyntaxError(s, "json")
	case s[0] == '{':
		got, what = 'o', "object"
	case s[0] == '[':
		got, what = 'a', "array"
	case s[0] == '"':
		got, what = 's', "string"
	case s == "null":
		got, what = 'z', "null"
	case s == "true" || s == "false":
		got, what = 'b', "boolean"
	}
	if got != want {
		return Null, true, Errorf(CodeInvalidParameterValue, "cannot cast jsonb %s to type %s", what, FormatType(to))
	}
	if want == 'b' {
		return NewBool(s == "true"), true, nil
	}
	d, err := ParseText(s, Numeric, nil)
	if err != nil {
		return Null, true, err
	}
	r, err := Cast(d, Numeric, to, explicit, loc)
	return r, true, err
}
