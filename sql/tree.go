package sql

import (
	"strings"
)

// The rewriter works on a tree of tokens in which every (...) and [...] is one
// node. Operand scanning then never needs to balance parentheses, and a
// rewritten fragment (a synthetic node) is again a single node.

type nodeKind uint8

const (
	nLeaf nodeKind = iota
	nParen
	nBracket
	nSynth
)

type node struct {
	kind  nodeKind
	tok   token // the leaf token, or the opening ( or [
	kids  []*node
	close token
	out   []piece // nSynth: rendered output

	prim  bool      // an operand: literal, identifier, call, group, cast ...
	ident bool      // a plain (possibly qualified) identifier
	call  bool      // a function call
	name  string    // call: function name; ident: last name part
	tight bool      // nParen: render "(" without a space (a call's argument list)
	word  string    // ident: the unquoted word it was made from, if single and rendered bare
	args  []*node   // a plain call's rewritten arguments (a FROM alias t(a, b) looks like a call)
	subs  *subChain // a subscripted value: its base and subscripts, so that a[1][2] is one call
}

func (n *node) pos() int {
	if n.kind == nSynth && len(n.out) > 0 {
		return n.out[0].src
	}
	return n.tok.pos
}

// isWord matches an unquoted word, whether it stayed a keyword or was taken
// as an identifier (first, last, ordinality ... are not reserved).
func (n *node) isWord(w string) bool {
	return (n.kind == nLeaf && n.tok.is(w)) || (n.kind == nSynth && n.word == w)
}
func (n *node) isPunct(p string) bool { return n.kind == nLeaf && n.tok.isP(p) }
func (n *node) isOp(o string) bool    { return n.kind == nLeaf && n.tok.isOp(o) }

// buildTree groups parentheses and brackets. toks ends with tkEOF, which is
// not part of the result.
func buildTree(src string, toks []token) ([]*node, *Error) {
	type frame struct {
		open *node
		kids []*node
	}
	var stack []frame
	var cur []*node
	for _, t := range toks {
		if t.kind == tkEOF {
			break
		}
		if t.kind == tkPunct && (t.val == "(" || t.val == "[") {
			k := nParen
			if t.val == "[" {
				k = nBracket
			}
			stack = append(stack, frame{open: &node{kind: k, tok: t}, kids: cur})
			cur = nil
			continue
		}
		if t.kind == tkPunct && (t.val == ")" || t.val == "]") {
			if len(stack) == 0 {
				return nil, syntaxErrAt(src, t)
			}
			f := stack[len(stack)-1]
			if (t.val == ")") != (f.open.kind == nParen) {
				return nil, syntaxErrAt(src, t)
			}
			stack = stack[:len(stack)-1]
			f.open.kids = cur
			f.open.close = t
			cur = append(f.kids, f.open)
			continue
		}
		cur = append(cur, &node{kind: nLeaf, tok: t})
	}
	if len(stack) > 0 {
		return nil, endOfInputErr(src, toks[len(toks)-1].pos)
	}
	return cur, nil
}

func syntaxErrAt(src string, t token) *Error {
	if t.kind == tkEOF {
		return endOfInputErr(src, t.pos)
	}
	return &Error{Code: CodeSyntaxError, Message: "syntax error at or near \"" + src[t.pos:t.end] + "\"", Position: charPos(src, t.pos)}
}

func endOfInputErr(src string, pos int) *Error {
	return &Error{Code: CodeSyntaxError, Message: "syntax error at end of input", Position: charPos(src, pos)}
}

// piece is a run of output text that came from one place in the user's text.
type piece struct {
	text string
	src  int
}

// writer renders nodes to text, inserting single spaces between tokens.
type writer struct {
	ps   []piece
	last byte
	n    int
}

func (w *writer) raw(text string, src int) {
	if text == "" {
		return
	}
	w.ps = append(w.ps, piece{text, src})
	w.last = text[len(text)-1]
	w.n += len(text)
}

// add appends text, preceded by a space unless punctuation makes it unneeded.
func (w *writer) add(text string, src int) {
	if text == "" {
		return
	}
	if w.n > 0 && w.last != '(' && w.last != '[' && w.last != '.' && w.last != ' ' {
		switch text[0] {
		case ')', ']', ',', '.':
		default:
			text = " " + text
		}
	}
	w.raw(text, src)
}

func (w *writer) tight(text string, src int) { w.raw(text, src) }

func (w *writer) frag(ps []piece) {
	for i, p := range ps {
		if i == 0 {
			w.add(p.text, p.src)
		} else {
			w.raw(p.text, p.src)
		}
	}
}

func (w *writer) node(n *node) {
	switch n.kind {
	case nSynth:
		w.frag(n.out)
	case nParen, nBracket:
		o, c := "(", ")"
		if n.kind == nBracket {
			o, c = "[", "]"
		}
		if n.tight {
			w.tight(o, n.tok.pos)
		} else {
			w.add(o, n.tok.pos)
		}
		w.seq(n.kids)
		w.tight(c, n.close.pos)
	default:
		w.add(leafText(n.tok), n.tok.pos)
	}
}

func (w *writer) seq(ns []*node) {
	for _, n := range ns {
		w.node(n)
	}
}

func (w *writer) String() string {
	var b strings.Builder
	for _, p := range w.ps {
		b.WriteString(p.text)
	}
	return b.String()
}

func leafText(t token) string {
	switch t.kind {
	case tkQIdent:
		return quoteIdent(t.val)
	case tkString:
		return quoteString(t.val)
	case tkParam:
		return "eddy_param(" + t.val + ")"
	case tkOp:
		if t.val == "#" {
			return "^" // PostgreSQL's bitwise xor is MySQL's ^
		}
	}
	return t.val
}

func quoteIdent(s string) string     { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteString(s string) string    { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func renderNodes(ns []*node) *writer { w := &writer{}; w.seq(ns); return w }

// synth builds a synthetic node from a rendering function.
func synth(f func(w *writer)) *node {
	w := &writer{}
	f(w)
	return &node{kind: nSynth, out: w.ps, prim: true}
}

// splitTop splits nodes at top-level commas.
func splitTop(ns []*node) [][]*node {
	var out [][]*node
	start := 0
	for i, n := range ns {
		if n.isPunct(",") {
			out = append(out, ns[start:i])
			start = i + 1
		}
	}
	return append(out, ns[start:])
}
