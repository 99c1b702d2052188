package builtin

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
)

// PostgreSQL's regular expressions are Henry Spencer's AREs; eddy runs them
// on Go's RE2 after translating the differences that matter in practice:
// ARE's '.' matches newlines unless the 'n' flag is given, \m \M \y \Y and
// [[:<:]] [[:>:]] are word boundaries, \Z is the end of the text. Back
// references and lookaround have no RE2 equivalent and are reported as
// invalid expressions rather than silently matching something else.

type reFlags struct {
	global, icase, literal, expanded bool
	// newline: '.' stops at newlines and ^ $ match at line breaks.
	dotNL, multiline bool
}

func parseREFlags(flags string, allowGlobal bool, fname string) (reFlags, error) {
	f := reFlags{dotNL: true}
	for _, c := range flags {
		switch c {
		case 'g':
			if !allowGlobal {
				e := sql.Errorf(sql.CodeInvalidParameterValue, "%s() does not support the \"global\" option", fname)
				e.Hint = "Use the regexp_matches function instead."
				return f, e
			}
			f.global = true
		case 'i':
			f.icase = true
		case 'c':
			f.icase = false
		case 'n', 'm':
			f.dotNL, f.multiline = false, true
		case 's':
			f.dotNL, f.multiline = true, false
		case 'p':
			f.dotNL, f.multiline = false, false
		case 'w':
			f.dotNL, f.multiline = true, true
		case 'x':
			f.expanded = true
		case 't':
			f.expanded = false
		case 'q':
			f.literal = true
		default:
			return f, sql.Errorf(sql.CodeInvalidParameterValue, "invalid regular expression option: \"%c\"", c)
		}
	}
	return f, nil
}

type reKey struct {
	pat   string
	flags reFlags
}

var reCache = struct {
	sync.Mutex
	m map[reKey]*pgRE
}{m: map[reKey]*pgRE{}}

func badRE(msg string) error {
	return sql.Errorf(sql.CodeInvalidRegularExpression, "invalid regular expression: %s", msg)
}

// pgRE is a compiled PostgreSQL pattern. lit, when not empty, is text that
// every match contains: a text without it cannot match, and looking for it
// costs far less than running the automaton from each position.
type pgRE struct {
	re  *regexp.Regexp
	lit string
	// simple, when set, matches the pattern without the regexp package
	// (regex_simple.go).
	simple *simpleRE
}

// submatchIndex is regexp's FindStringSubmatchIndex; buf, when large
// enough, holds the result.
func (p *pgRE) submatchIndex(s string, buf []int) []int {
	if m := p.simple; m != nil {
		// find looks for its own literal, p.lit or a better one.
		n := 2 * (m.ncap + 1)
		if cap(buf) < n {
			buf = make([]int, n)
		}
		buf = buf[:n]
		for i := range buf {
			buf[i] = -1
		}
		if !m.find(s, buf) {
			return nil
		}
		return buf
	}
	if p.lit != "" && !strings.Contains(s, p.lit) {
		return nil
	}
	return p.re.FindStringSubmatchIndex(s)
}

func (p *pgRE) allSubmatchIndex(s string, n int) [][]int {
	if p.lit != "" && !strings.Contains(s, p.lit) {
		return nil
	}
	return p.re.FindAllStringSubmatchIndex(s, n)
}

func (p *pgRE) matchString(s string) bool {
	if m := p.simple; m != nil && m.ncap < len(matchBuf{})/2 {
		var buf matchBuf
		return m.find(s, buf[:2*(m.ncap+1)])
	}
	if p.lit != "" && !strings.Contains(s, p.lit) {
		return false
	}
	return p.re.MatchString(s)
}

// compileRE compiles a PostgreSQL pattern; compiled patterns are cached
// because the same pattern is applied to every row. Call sites with a
// constant pattern compile it once instead (prepareRE).
func compileRE(pat string, f reFlags) (*pgRE, error) {
	f.global = false
	k := reKey{pat, f}
	reCache.Lock()
	re, ok := reCache.m[k]
	reCache.Unlock()
	if ok {
		return re, nil
	}
	re, err := newPGRE(pat, f)
	if err != nil {
		return nil, err
	}
	reCache.Lock()
	if len(reCache.m) > 1000 {
		reCache.m = map[reKey]*pgRE{}
	}
	reCache.m[k] = re
	reCache.Unlock()
	return re, nil
}

// newPGRE translates and compiles a pattern, without the cache.
func newPGRE(pat string, f reFlags) (*pgRE, error) {
	var src string
	if f.literal {
		src = regexp.QuoteMeta(pat)
	} else {
		var err error
		if src, err = translateRE(pat, f.expanded); err != nil {
			return nil, err
		}
	}
	prefix := ""
	if f.icase {
		prefix += "i"
	}
	if f.dotNL {
		prefix += "s"
	}
	if f.multiline {
		prefix += "m"
	}
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		msg := err.Error()
		var e *syntax.Error
		if errors.As(err, &e) {
			switch e.Code {
			case syntax.ErrMissingParen, syntax.ErrUnexpectedParen:
				msg = "parentheses () not balanced"
			case syntax.ErrMissingBracket:
				msg = "brackets [] not balanced"
			case syntax.ErrMissingRepeatArgument:
				msg = "quantifier operand invalid"
			case syntax.ErrInvalidPerlOp:
				msg = "lookaround constraints are not supported"
			default:
				msg = string(e.Code) + ": " + e.Expr
			}
		}
		return nil, badRE(msg)
	}
	p := &pgRE{re: re}
	// regexp.Compile parses src the same way, so this cannot fail.
	if t, err := syntax.Parse(src, syntax.Perl); err == nil {
		t = t.Simplify()
		p.lit = requiredLiteral(t)
		p.simple = newSimpleRE(t, re.NumSubexp())
	}
	return p, nil
}

// requiredLiteral returns the longest literal that every match of re
// contains, or "". Only what must match is followed: a concatenation's
// parts, a group, a repetition of at least one. A case-folded literal
// does not count, nor one with U+FFFD, which also matches an invalid
// UTF-8 byte that is not its encoding.
func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		for _, r := range re.Rune {
			if r == utf8.RuneError {
				return ""
			}
		}
		return string(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if l := requiredLiteral(sub); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

func translateRE(p string, expanded bool) (string, error) {
	var b strings.Builder
	inBracket := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if inBracket {
			b.WriteByte(c)
			switch {
			case c == '\\' && i+1 < len(p):
				i++
				b.WriteByte(p[i])
			case c == '[' && i+1 < len(p) && (p[i+1] == ':' || p[i+1] == '.' || p[i+1] == '='):
				end := strings.Index(p[i+2:], string(p[i+1])+"]")
				if end >= 0 {
					b.WriteString(p[i+1 : i+2+end+2])
					i += end + 3
				}
			case c == ']':
				inBracket = false
			}
			continue
		}
		switch c {
		case '[':
			if strings.HasPrefix(p[i:], "[[:<:]]") || strings.HasPrefix(p[i:], "[[:>:]]") {
				b.WriteString(`\b`)
				i += 6
				continue
			}
			inBracket = true
			b.WriteByte(c)
			// A ']' first in the set (after an optional '^') is literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case '\\':
			if i+1 >= len(p) {
				return "", badRE("invalid escape \\ sequence")
			}
			i++
			e := p[i]
			switch {
			case e >= '1' && e <= '9':
				return "", badRE("back references are not supported")
			case e == 'm' || e == 'M' || e == 'y':
				b.WriteString(`\b`)
			case e == 'Y':
				b.WriteString(`\B`)
			case e == 'Z':
				b.WriteString(`\z`)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		case ' ', '\t', '\n', '\r':
			if !expanded {
				b.WriteByte(c)
			}
		case '#':
			if expanded {
				for i < len(p) && p[i] != '\n' {
					i++
				}
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// appendReplacement expands PostgreSQL's replacement syntax: \1..\9 are
// groups, \& the whole match, \\ a backslash.
func appendReplacement(b *strings.Builder, src, rep string, m []int) {
	for i := 0; i < len(rep); i++ {
		c := rep[i]
		if c != '\\' || i+1 >= len(rep) {
			b.WriteByte(c)
			continue
		}
		n := rep[i+1]
		switch {
		case n >= '1' && n <= '9':
			g := int(n - '0')
			if 2*g+1 < len(m) && m[2*g] >= 0 {
				b.WriteString(src[m[2*g]:m[2*g+1]])
			}
			i++
		case n == '&':
			b.WriteString(src[m[0]:m[1]])
			i++
		case n == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte('\\')
		}
	}
}

func regexpReplace(src, pat, rep, flags string) (sql.Value, error) {
	f, err := parseREFlags(flags, true, "regexp_replace")
	if err != nil {
		return sql.Null, err
	}
	re, err := compileRE(pat, f)
	if err != nil {
		return sql.Null, err
	}
	return re.replace(src, rep, f.global), nil
}

func (p *pgRE) replace(src, rep string, global bool) sql.Value {
	n := 1
	if global {
		n = -1
	}
	ms := p.allSubmatchIndex(src, n)
	if ms == nil {
		return sql.NewText(src)
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(src[last:m[0]])
		appendReplacement(&b, src, rep, m)
		last = m[1]
	}
	b.WriteString(src[last:])
	return sql.NewText(b.String())
}

// regexpMatch returns regexp_match's text[]: the capture groups, or the whole
// match when the pattern has none; NULL when there is no match.
func regexpMatch(src, pat, flags string) (sql.Value, error) {
	f, err := parseREFlags(flags, false, "regexp_match")
	if err != nil {
		return sql.Null, err
	}
	re, err := compileRE(pat, f)
	if err != nil {
		return sql.Null, err
	}
	return re.firstMatch(src), nil
}

// matchBuf holds the groups of most patterns' match without allocating.
type matchBuf [16]int

func (p *pgRE) firstMatch(src string) sql.Value {
	var buf matchBuf
	m := p.submatchIndex(src, buf[:0])
	if m == nil {
		return sql.Null
	}
	return sql.NewArray(matchGroups(src, m))
}

// RegexpMatches computes the rows of the set-returning regexp_matches: a
// text[] per match (the capture groups, or the whole match when the pattern
// has none); only the first match unless flags has 'g'.
func RegexpMatches(src, pat, flags string) ([]sql.Value, error) {
	f, err := parseREFlags(flags, true, "regexp_matches")
	if err != nil {
		return nil, err
	}
	re, err := compileRE(pat, f)
	if err != nil {
		return nil, err
	}
	n := 1
	if f.global {
		n = -1
	}
	var out []sql.Value
	for _, m := range re.allSubmatchIndex(src, n) {
		out = append(out, sql.NewArray(matchGroups(src, m)))
	}
	return out, nil
}

func matchGroups(src string, m []int) []sql.Value {
	if len(m) == 2 {
		return []sql.Value{sql.NewText(src[m[0]:m[1]])}
	}
	out := make([]sql.Value, 0, len(m)/2-1)
	for g := 1; g < len(m)/2; g++ {
		if m[2*g] < 0 {
			out = append(out, sql.Null)
		} else {
			out = append(out, sql.NewText(src[m[2*g]:m[2*g+1]]))
		}
	}
	return out
}

func regexMatches(src, pat string, icase bool) (bool, error) {
	re, err := compileRE(pat, reFlags{dotNL: true, icase: icase})
	if err != nil {
		return false, err
	}
	return re.matchString(src), nil
}

// prepareRE specializes a regular expression function to a constant
// pattern (argument pat) and flags (argument flags; none when flags < 0,
// or fixed ones in fixed). A NULL or invalid pattern or flags is left to
// the row path and its errors. eval gets the source text and the
// arguments.
func prepareRE(pat, flags int, fixed reFlags, allowGlobal bool, fname string,
	eval func(p *pgRE, global bool, src string, a []sql.Value) sql.Value) func([]sql.Value, []bool) EvalFunc {
	return func(consts []sql.Value, isConst []bool) EvalFunc {
		if !isConst[pat] || consts[pat].IsNull() {
			return nil
		}
		f := fixed
		if flags >= 0 {
			if !isConst[flags] || consts[flags].IsNull() {
				return nil
			}
			var err error
			if f, err = parseREFlags(consts[flags].Text(), allowGlobal, fname); err != nil {
				return nil
			}
		}
		global := f.global
		f.global = false
		p, err := newPGRE(consts[pat].Text(), f)
		if err != nil {
			return nil
		}
		return func(_ *Context, a []sql.Value) (sql.Value, error) {
			return eval(p, global, a[0].Text(), a), nil
		}
	}
}

// prepareREMatch is prepareRE for the boolean operators (~, ~*, regexp_like).
func prepareREMatch(icase bool) func([]sql.Value, []bool) EvalFunc {
	return prepareRE(1, -1, reFlags{dotNL: true, icase: icase}, false, "", func(p *pgRE, _ bool, src string, _ []sql.Value) sql.Value {
		return sql.NewBool(p.matchString(src))
	})
}

// substring is substring(text FROM pattern): the first parenthesized
// group if there is one, else the whole match; NULL when nothing matches.
func (p *pgRE) substring(src string) sql.Value {
	var buf matchBuf
	m := p.submatchIndex(src, buf[:0])
	if m == nil {
		return sql.Null
	}
	if len(m) > 2 {
		if m[2] < 0 {
			return sql.Null
		}
		return sql.NewText(src[m[2]:m[3]])
	}
	return sql.NewText(src[m[0]:m[1]])
}

func (p *pgRE) count(src string) sql.Value {
	if p.lit != "" && !strings.Contains(src, p.lit) {
		return intOf(0)
	}
	return intOf(len(p.re.FindAllStringIndex(src, -1)))
}

// RegexpMatchGroup specializes (regexp_match(src, pat [, flags]))[group],
// with f regexp_match and its pattern, flags and the subscript constant
// (consts and isConst as a Prepare gets them, for f's arguments): the
// group's text without building the array. nil when f is not
// regexp_match or the constants do not prepare; the plain evaluation then
// reports their errors per row.
func RegexpMatchGroup(f *Func, consts []sql.Value, isConst []bool, group int64) func(src string) sql.Value {
	if f.Name != "regexp_match" || f.Prepare == nil || len(consts) < 2 || len(consts) > 3 || len(isConst) != len(consts) {
		return nil
	}
	if !isConst[1] || consts[1].IsNull() {
		return nil
	}
	fl := reFlags{dotNL: true}
	if len(consts) == 3 {
		if !isConst[2] || consts[2].IsNull() {
			return nil
		}
		var err error
		if fl, err = parseREFlags(consts[2].Text(), false, "regexp_match"); err != nil {
			return nil
		}
	}
	p, err := newPGRE(consts[1].Text(), fl)
	if err != nil {
		return nil
	}
	return func(src string) sql.Value {
		var buf matchBuf
		m := p.submatchIndex(src, buf[:0])
		if m == nil {
			return sql.Null
		}
		// The array holds the groups, or the whole match when there is none.
		g := int64(len(m)/2 - 1)
		if g == 0 {
			if group != 1 {
				return sql.Null
			}
			return sql.NewText(src[m[0]:m[1]])
		}
		if group < 1 || group > g || m[2*group] < 0 {
			return sql.Null
		}
		return sql.NewText(src[m[2*group]:m[2*group+1]])
	}
}
