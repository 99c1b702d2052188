package builtin

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Go's regexp costs hundreds of nanoseconds per call even on a short text
// (a machine from a pool, a visited bitmap cleared per call, a result
// allocated), and without a literal prefix it tries every start position:
// Nexmark's q21 spent a quarter of its time in regexp_match(url,
// '(&|^)channel_id=([^&]*)'). Patterns of a restricted shape are matched
// here instead, by a small backtracker that gives exactly the regexp
// package's answer (leftmost start, then the first alternative in order,
// greedy repetition), so the PostgreSQL semantics eddy has are unchanged.
//
// The shape: a concatenation of elements, each a sequence of atoms (a
// literal, a one-character class, ^ or $ of the whole text) or an
// alternation or optional of such sequences, optionally one capture
// group around it; the last element may instead be a repetition of a
// one-character class (x*, x+, x*?, x+?), captured or not, which then
// needs no backtracking: nothing follows it. Anything else (nested
// groups, case folding, line anchors, word boundaries, repetition in the
// middle) is left to the regexp package.

// simpleRE is a pattern of that shape.
type simpleRE struct {
	elems []reElem
	// ncap is the number of capture groups, as regexp's NumSubexp.
	ncap int
	// lit, when not empty, is a literal every match holds, at most back
	// bytes after the match's start: no match starts before its first
	// occurrence minus back.
	lit  string
	back int
}

type reElem struct {
	cap  int       // capture group number, 0 for none
	alts [][]atom  // the alternatives in order of preference (no rep)
	rep  *reRepeat // the repetition ending the pattern, or nil
}

type reRepeat struct {
	class     atom
	min       int // 0 or 1
	nonGreedy bool
}

type atomKind uint8

const (
	atomLit atomKind = iota
	atomClass
	atomBegin // ^ without the m flag, \A
	atomEnd   // $ without the m flag, \z
)

type atom struct {
	kind atomKind
	lit  string
	// ascii holds the class's members below utf8.RuneSelf; ranges all of
	// them, as syntax.Regexp.Rune (sorted pairs, inclusive).
	ascii  [2]uint64
	ranges []rune
}

// maxSimpleAlts bounds the alternatives of one element, and so the
// backtracking, which multiplies them.
const maxSimpleAlts = 8

// newSimpleRE returns the matcher of a simplified pattern, or nil when the
// pattern is not of the shape (or ncap does not match regexp's count).
func newSimpleRE(re *syntax.Regexp, ncap int) *simpleRE {
	items := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		items = re.Sub
	}
	m := &simpleRE{}
	for i, it := range items {
		var e reElem
		if it.Op == syntax.OpCapture {
			e.cap = it.Cap
			m.ncap++
			it = it.Sub[0]
		}
		last := i == len(items)-1
		switch {
		case (it.Op == syntax.OpStar || it.Op == syntax.OpPlus) && last:
			c, ok := toAtom(it.Sub[0])
			if !ok || c.kind != atomClass && c.kind != atomLit {
				return nil
			}
			if c.kind == atomLit {
				// One character: make it a class.
				r := []rune(c.lit)
				if len(r) != 1 {
					return nil
				}
				c = classAtom([]rune{r[0], r[0]})
			}
			e.rep = &reRepeat{class: c, nonGreedy: it.Flags&syntax.NonGreedy != 0}
			if it.Op == syntax.OpPlus {
				e.rep.min = 1
			}
		case it.Op == syntax.OpQuest:
			seq, ok := toSeq(it.Sub[0])
			if !ok {
				return nil
			}
			if it.Flags&syntax.NonGreedy != 0 {
				e.alts = [][]atom{nil, seq}
			} else {
				e.alts = [][]atom{seq, nil}
			}
		case it.Op == syntax.OpAlternate:
			if len(it.Sub) > maxSimpleAlts {
				return nil
			}
			for _, sub := range it.Sub {
				seq, ok := toSeq(sub)
				if !ok {
					return nil
				}
				e.alts = append(e.alts, seq)
			}
		default:
			seq, ok := toSeq(it)
			if !ok {
				return nil
			}
			e.alts = [][]atom{seq}
		}
		// A plain sequence joins a plain sequence before it: one element
		// less to recurse through.
		if n := len(m.elems); n > 0 && e.cap == 0 && e.rep == nil && len(e.alts) == 1 {
			if p := &m.elems[n-1]; p.cap == 0 && p.rep == nil && len(p.alts) == 1 {
				p.alts[0] = append(p.alts[0], e.alts[0]...)
				continue
			}
		}
		m.elems = append(m.elems, e)
	}
	if m.ncap != ncap {
		return nil
	}
	m.findLiteral()
	return m
}

// findLiteral sets lit and back from the first literal of an element
// without alternatives, when the elements before it have a bounded width.
func (m *simpleRE) findLiteral() {
	back := 0
	for _, e := range m.elems {
		if e.rep != nil {
			return
		}
		if len(e.alts) == 1 {
			for _, a := range e.alts[0] {
				if a.kind == atomLit {
					m.lit, m.back = a.lit, back
					return
				}
				back += a.maxWidth()
			}
			continue
		}
		w := 0
		for _, alt := range e.alts {
			aw := 0
			for _, a := range alt {
				aw += a.maxWidth()
			}
			w = max(w, aw)
		}
		back += w
	}
}

// maxWidth is the most bytes a matches.
func (a *atom) maxWidth() int {
	switch a.kind {
	case atomLit:
		return len(a.lit)
	case atomClass:
		return utf8.UTFMax
	}
	return 0
}

// toSeq turns a node into a sequence of atoms.
func toSeq(re *syntax.Regexp) ([]atom, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return nil, true
	case syntax.OpConcat:
		var out []atom
		for _, sub := range re.Sub {
			s, ok := toSeq(sub)
			if !ok {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	}
	a, ok := toAtom(re)
	if !ok {
		return nil, false
	}
	return []atom{a}, true
}

func toAtom(re *syntax.Regexp) (atom, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return atom{}, false
		}
		for _, r := range re.Rune {
			// U+FFFD also matches an invalid byte, which a comparison
			// of bytes would not; surrogates and runes past the range
			// have no encoding to compare.
			if r == utf8.RuneError || !utf8.ValidRune(r) {
				return atom{}, false
			}
		}
		return atom{kind: atomLit, lit: string(re.Rune)}, true
	case syntax.OpCharClass:
		if len(re.Rune)%2 != 0 {
			return atom{}, false
		}
		return classAtom(re.Rune), true
	case syntax.OpAnyCharNotNL:
		return classAtom([]rune{0, '\n' - 1, '\n' + 1, utf8.MaxRune}), true
	case syntax.OpAnyChar:
		return classAtom([]rune{0, utf8.MaxRune}), true
	case syntax.OpBeginText:
		return atom{kind: atomBegin}, true
	case syntax.OpEndText:
		return atom{kind: atomEnd}, true
	}
	return atom{}, false
}

func classAtom(ranges []rune) atom {
	a := atom{kind: atomClass, ranges: ranges}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1] && r < utf8.RuneSelf; r++ {
			a.ascii[r>>6] |= 1 << (r & 63)
		}
	}
	return a
}

// classWidth is how many bytes the class atom a matches at s[pos:], or -1.
func (a *atom) classWidth(s string, pos int) int {
	if pos >= len(s) {
		return -1
	}
	if c := s[pos]; c < utf8.RuneSelf {
		if a.ascii[c>>6]&(1<<(c&63)) != 0 {
			return 1
		}
		return -1
	}
	// As the regexp package reads text: an invalid byte is U+FFFD.
	r, w := utf8.DecodeRuneInString(s[pos:])
	for i := 0; i+1 < len(a.ranges); i += 2 {
		if r < a.ranges[i] {
			break
		}
		if r <= a.ranges[i+1] {
			return w
		}
	}
	return -1
}

// matchSeq matches the atoms at s[pos:] and returns the end, or -1.
func matchSeq(s string, pos int, seq []atom) int {
	for i := range seq {
		a := &seq[i]
		switch a.kind {
		case atomLit:
			if !strings.HasPrefix(s[pos:], a.lit) {
				return -1
			}
			pos += len(a.lit)
		case atomClass:
			w := a.classWidth(s, pos)
			if w < 0 {
				return -1
			}
			pos += w
		case atomBegin:
			if pos != 0 {
				return -1
			}
		case atomEnd:
			if pos != len(s) {
				return -1
			}
		}
	}
	return pos
}

// find sets caps (2*(ncap+1) entries) to the leftmost-first match of s, as
// regexp.FindStringSubmatchIndex would, and reports whether there is one.
func (m *simpleRE) find(s string, caps []int) bool {
	start := 0
	if m.lit != "" {
		i := strings.Index(s, m.lit)
		if i < 0 {
			return false
		}
		start = max(i-m.back, 0)
		// The regexp package tries the positions where a character starts,
		// reading from 0 with an invalid byte as one character: a byte that
		// does not continue a sequence always starts one.
		for start > 0 && start < len(s) && s[start]&0xc0 == 0x80 {
			start--
		}
	}
	for pos := start; ; {
		if end := m.matchAt(s, pos, 0, caps); end >= 0 {
			caps[0], caps[1] = pos, end
			return true
		}
		if pos >= len(s) {
			return false
		}
		if s[pos] < utf8.RuneSelf {
			pos++
		} else {
			_, w := utf8.DecodeRuneInString(s[pos:])
			pos += w
		}
	}
}

// matchAt matches elements ei on at s[pos:], setting their groups in caps,
// and returns the end of the match, or -1.
func (m *simpleRE) matchAt(s string, pos, ei int, caps []int) int {
	if ei == len(m.elems) {
		return pos
	}
	e := &m.elems[ei]
	if r := e.rep; r != nil {
		end, n := pos, 0
		for !r.nonGreedy || n < r.min {
			w := r.class.classWidth(s, end)
			if w < 0 {
				break
			}
			end += w
			n++
		}
		if n < r.min {
			return -1
		}
		if e.cap > 0 {
			caps[2*e.cap], caps[2*e.cap+1] = pos, end
		}
		return end // a repetition is the last element
	}
	for _, alt := range e.alts {
		p := matchSeq(s, pos, alt)
		if p < 0 {
			continue
		}
		if end := m.matchAt(s, p, ei+1, caps); end >= 0 {
			if e.cap > 0 {
				caps[2*e.cap], caps[2*e.cap+1] = pos, p
			}
			return end
		}
	}
	return -1
}
