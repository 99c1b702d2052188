package sql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind classifies PostgreSQL tokens. The lexer follows PostgreSQL's rules
// (not MySQL's): '#' is an operator, backslashes in ” strings are literal,
// "x" is an identifier, /* */ comments nest.
type tokKind uint8

const (
	tkEOF    tokKind = iota
	tkIdent          // unquoted word; val is lowercased
	tkQIdent         // "quoted" identifier; val keeps case
	tkString         // any string literal form; val is the decoded content
	tkNumber         // numeric literal; val is the text
	tkParam          // $n; val is n
	tkOp             // operator; val is the operator text
	tkPunct          // ( ) [ ] , ; . :
)

type token struct {
	kind tokKind
	val  string
	pos  int // byte offset of the token in the query string
	end  int // byte offset just past the token
}

func (t token) is(word string) bool { return t.kind == tkIdent && t.val == word }
func (t token) isP(p string) bool   { return t.kind == tkPunct && t.val == p }
func (t token) isOp(o string) bool  { return t.kind == tkOp && t.val == o }

// lexer tokenizes src[pos:end] but reports offsets into all of src, so that
// embedded statements keep positions in the user's text.
type lexer struct {
	src string
	pos int
	end int
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isOpChar(c byte) bool { return strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0 }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// lexAll tokenizes src[start:end] fully; the last token is tkEOF.
func lexAll(src string, start, end int) ([]token, *Error) {
	l := &lexer{src: src, pos: start, end: end}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		// PostgreSQL concatenates string literals separated by whitespace that
		// contains a newline ('a'\n'b' is 'ab').
		if t.kind == tkString && len(toks) > 0 {
			p := toks[len(toks)-1]
			if p.kind == tkString && strings.ContainsAny(src[p.end:t.pos], "\n\r") &&
				strings.TrimSpace(src[p.end:t.pos]) == "" && src[t.pos] == '\'' {
				toks[len(toks)-1].val += t.val
				toks[len(toks)-1].end = t.end
				continue
			}
		}
		toks = append(toks, t)
		if t.kind == tkEOF {
			return toks, nil
		}
	}
}

func (l *lexer) errAt(pos int, msg string) *Error {
	return &Error{Code: CodeSyntaxError, Message: msg, Position: charPos(l.src, pos)}
}

// charPos converts a byte offset into PostgreSQL's 1-based character position.
func charPos(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// skip passes whitespace and comments.
func (l *lexer) skip() *Error {
	for l.pos < l.end {
		c := l.src[l.pos]
		switch {
		case isSpace(c):
			l.pos++
		case c == '-' && l.pos+1 < l.end && l.src[l.pos+1] == '-':
			for l.pos < l.end && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '/' && l.pos+1 < l.end && l.src[l.pos+1] == '*':
			start := l.pos
			depth := 0
			for {
				if l.pos+1 >= l.end {
					l.pos = l.end
					return l.errAt(start, "unterminated /* comment")
				}
				if l.src[l.pos] == '/' && l.src[l.pos+1] == '*' {
					depth++
					l.pos += 2
				} else if l.src[l.pos] == '*' && l.src[l.pos+1] == '/' {
					depth--
					l.pos += 2
					if depth == 0 {
						break
					}
				} else {
					l.pos++
				}
			}
		default:
			return nil
		}
	}
	return nil
}

// multi-character operators eddy knows, longest first.
// Longer operators first: "||/" before "||", "!~~*" before "!~~".
var multiOps = []string{"!~~*", "->>", "#>>", "!~*", "!~~", "~~*", "||/", "->", "#>", "#-", "@>", "<@", "@?", "?|", "?&", "^@", "|/",
	"<=", ">=", "<>", "!=", "||", "!~", "~*", "~~", "<<", ">>", "&&", "=>", ":="}

func (l *lexer) next() (token, *Error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.pos
	if l.pos >= l.end {
		return token{kind: tkEOF, pos: l.end, end: l.end}, nil
	}
	s := l.src
	c := s[l.pos]
	tok := func(k tokKind, v string) (token, *Error) {
		return token{kind: k, val: v, pos: start, end: l.pos}, nil
	}
	peek := func(i int) byte {
		if l.pos+i < l.end {
			return s[l.pos+i]
		}
		return 0
	}
	switch {
	case (c == 'e' || c == 'E') && peek(1) == '\'':
		l.pos++
		v, err := l.escapeString(start)
		if err != nil {
			return token{}, err
		}
		return tok(tkString, v)
	case (c == 'n' || c == 'N') && peek(1) == '\'':
		l.pos++
		v, err := l.quoted('\'', start)
		if err != nil {
			return token{}, err
		}
		return tok(tkString, v)
	case (c == 'u' || c == 'U') && peek(1) == '&' && (peek(2) == '\'' || peek(2) == '"'):
		q := peek(2)
		l.pos += 2
		v, err := l.quoted(q, start)
		if err != nil {
			return token{}, err
		}
		v, err = l.unicodeEscapes(v, start)
		if err != nil {
			return token{}, err
		}
		if q == '"' {
			return tok(tkQIdent, v)
		}
		return tok(tkString, v)
	case isIdentStart(c):
		for l.pos < l.end && isIdentCont(s[l.pos]) {
			l.pos++
		}
		return tok(tkIdent, strings.ToLower(s[start:l.pos]))
	case c == '"':
		v, err := l.quoted('"', start)
		if err != nil {
			return token{}, err
		}
		if v == "" {
			return token{}, l.errAt(start, "zero-length delimited identifier at or near \"\"\"\"")
		}
		return tok(tkQIdent, v)
	case c == '\'':
		v, err := l.quoted('\'', start)
		if err != nil {
			return token{}, err
		}
		return tok(tkString, v)
	case c == '$':
		if isDigit(peek(1)) {
			l.pos++
			for l.pos < l.end && isDigit(s[l.pos]) {
				l.pos++
			}
			return tok(tkParam, s[start+1:l.pos])
		}
		// dollar quote: $tag$ ... $tag$
		j := l.pos + 1
		for j < l.end && s[j] != '$' && isIdentCont(s[j]) && s[j] != '$' {
			j++
		}
		if j < l.end && s[j] == '$' && (j == l.pos+1 || isIdentStart(s[l.pos+1])) {
			delim := s[l.pos : j+1]
			k := strings.Index(s[j+1:l.end], delim)
			if k < 0 {
				l.pos = l.end
				return token{}, l.errAt(start, "unterminated dollar-quoted string at or near \""+clip(s[start:l.end])+"\"")
			}
			v := s[j+1 : j+1+k]
			l.pos = j + 1 + k + len(delim)
			return tok(tkString, v)
		}
		l.pos++
		return token{}, l.errAt(start, "syntax error at or near \"$\"")
	case isDigit(c) || (c == '.' && isDigit(peek(1))):
		for l.pos < l.end && isDigit(s[l.pos]) {
			l.pos++
		}
		// "1..2" is not a number followed by ".2"; only take the dot when a
		// digit or a non-dot follows.
		if l.pos < l.end && s[l.pos] == '.' && peek(1) != '.' {
			l.pos++
			for l.pos < l.end && isDigit(s[l.pos]) {
				l.pos++
			}
		}
		if l.pos < l.end && (s[l.pos] == 'e' || s[l.pos] == 'E') {
			j := l.pos + 1
			if j < l.end && (s[j] == '+' || s[j] == '-') {
				j++
			}
			if j < l.end && isDigit(s[j]) {
				for j < l.end && isDigit(s[j]) {
					j++
				}
				l.pos = j
			}
		}
		if l.pos < l.end && isIdentStart(s[l.pos]) {
			// PostgreSQL rejects 123abc as trailing junk.
			for l.pos < l.end && isIdentCont(s[l.pos]) {
				l.pos++
			}
			return token{}, l.errAt(start, "trailing junk after numeric literal at or near \""+s[start:l.pos]+"\"")
		}
		return tok(tkNumber, s[start:l.pos])
	case strings.IndexByte("()[],;.", c) >= 0:
		l.pos++
		return tok(tkPunct, string(c))
	case c == ':':
		if peek(1) == ':' {
			l.pos += 2
			return tok(tkOp, "::")
		}
		if peek(1) == '=' {
			l.pos += 2
			return tok(tkOp, ":=")
		}
		l.pos++
		return tok(tkPunct, ":")
	case isOpChar(c):
		rest := s[l.pos:l.end]
		for _, op := range multiOps {
			// An operator never swallows the start of a comment: 'a'||/*c*/'b'.
			if n := len(op); strings.HasPrefix(rest, op) && !(len(rest) > n && (op[n-1] == '/' && rest[n] == '*' || op[n-1] == '-' && rest[n] == '-')) {
				l.pos += len(op)
				return tok(tkOp, op)
			}
		}
		l.pos++
		return tok(tkOp, string(c))
	}
	_, size := utf8.DecodeRuneInString(s[l.pos:l.end])
	l.pos += size
	return token{}, l.errAt(start, "syntax error at or near \""+s[start:l.pos]+"\"")
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

// quoted reads a q-delimited literal with doubled-q escapes; l.pos is at the
// opening quote.
func (l *lexer) quoted(q byte, start int) (string, *Error) {
	s := l.src
	l.pos++
	var b strings.Builder
	for {
		if l.pos >= l.end {
			if q == '"' {
				return "", l.errAt(start, "unterminated quoted identifier at or near \""+clip(s[start:l.end])+"\"")
			}
			return "", l.errAt(start, "unterminated quoted string at or near \""+clip(s[start:l.end])+"\"")
		}
		c := s[l.pos]
		if c == q {
			if l.pos+1 < l.end && s[l.pos+1] == q {
				b.WriteByte(q)
				l.pos += 2
				continue
			}
			l.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		l.pos++
	}
}

// escapeString reads an E” string body; l.pos is at the opening quote.
func (l *lexer) escapeString(start int) (string, *Error) {
	s := l.src
	l.pos++
	var b strings.Builder
	for {
		if l.pos >= l.end {
			return "", l.errAt(start, "unterminated quoted string at or near \""+clip(s[start:l.end])+"\"")
		}
		c := s[l.pos]
		switch {
		case c == '\'':
			if l.pos+1 < l.end && s[l.pos+1] == '\'' {
				b.WriteByte('\'')
				l.pos += 2
				continue
			}
			l.pos++
			return b.String(), nil
		case c == '\\' && l.pos+1 < l.end:
			e := s[l.pos+1]
			l.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'x':
				n := 0
				for n < 2 && l.pos+n < l.end && isHex(s[l.pos+n]) {
					n++
				}
				if n == 0 {
					b.WriteByte('x')
					continue
				}
				v, _ := strconv.ParseUint(s[l.pos:l.pos+n], 16, 8)
				b.WriteByte(byte(v))
				l.pos += n
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if l.pos+n > l.end || !allHex(s[l.pos:l.pos+n]) {
					return "", &Error{Code: CodeInvalidEscapeSequence, Message: "invalid Unicode escape", Position: charPos(s, l.pos-2)}
				}
				v, _ := strconv.ParseUint(s[l.pos:l.pos+n], 16, 32)
				if v == 0 || !utf8.ValidRune(rune(v)) {
					return "", &Error{Code: CodeInvalidEscapeSequence, Message: "invalid Unicode escape value", Position: charPos(s, l.pos-2)}
				}
				b.WriteRune(rune(v))
				l.pos += n
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < l.end && s[l.pos] >= '0' && s[l.pos] <= '7'; k++ {
						v = v*8 + int(s[l.pos]-'0')
						l.pos++
					}
					b.WriteByte(byte(v))
				} else {
					b.WriteByte(e)
				}
			}
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
}

// unicodeEscapes decodes U&” escapes (\XXXX, \+XXXXXX, \\) with the default
// escape character; UESCAPE is not supported.
func (l *lexer) unicodeEscapes(v string, start int) (string, *Error) {
	if !strings.Contains(v, `\`) {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		switch {
		case i+1 < len(v) && v[i+1] == '\\':
			b.WriteByte('\\')
			i++
		case i+4 < len(v) && allHex(v[i+1:i+5]):
			r, _ := strconv.ParseUint(v[i+1:i+5], 16, 32)
			b.WriteRune(rune(r))
			i += 4
		case i+7 < len(v) && v[i+1] == '+' && allHex(v[i+2:i+8]):
			r, _ := strconv.ParseUint(v[i+2:i+8], 16, 32)
			if !utf8.ValidRune(rune(r)) {
				return "", &Error{Code: CodeSyntaxError, Message: "invalid Unicode escape value", Position: charPos(l.src, start)}
			}
			b.WriteRune(rune(r))
			i += 7
		default:
			return "", &Error{Code: CodeSyntaxError, Message: "invalid Unicode escape", Position: charPos(l.src, start)}
		}
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return len(s) > 0
}
