package sql

import (
	"strconv"
	"strings"
)

// Functions with SQL-standard keyword syntax inside their parentheses
// (TRIM(BOTH x FROM s), POSITION(a IN b), SUBSTRING(s FROM a FOR b),
// OVERLAY(s PLACING t FROM a FOR b)) become plain calls: the TiDB grammar
// either lacks these forms or reads them with MySQL's meaning.

func wordIndex(ns []*node, w string) int {
	for i, n := range ns {
		if n.isWord(w) {
			return i
		}
	}
	return -1
}

// sqlSyntaxCall rewrites name(g) when g uses keyword syntax; ok is false
// when the call is an ordinary one.
func (r *rewriter) sqlSyntaxCall(name string, g *node, start int) (res *node, ok bool, err *Error) {
	ks := g.kids
	var parts [][]*node // argument expressions, in the plain call's order
	fname := name
	switch name {
	case "trim":
		dir := "both"
		i := 0
		if len(ks) > 0 && (ks[0].isWord("both") || ks[0].isWord("leading") || ks[0].isWord("trailing")) {
			dir, i = ks[0].tok.val, 1
		}
		from := wordIndex(ks, "from")
		if i == 0 && from < 0 {
			return nil, false, nil
		}
		fname = map[string]string{"both": "btrim", "leading": "ltrim", "trailing": "rtrim"}[dir]
		if from < 0 {
			parts = splitTop(ks[i:])
			break
		}
		parts = splitTop(ks[from+1:])
		if from > i {
			parts = append(parts, ks[i:from])
		}
	case "position":
		in := wordIndex(ks, "in")
		if in < 0 {
			return nil, false, nil
		}
		// POSITION(sub IN s) is strpos(s, sub).
		fname, parts = "strpos", [][]*node{ks[in+1:], ks[:in]}
	case "substring":
		from, four := wordIndex(ks, "from"), wordIndex(ks, "for")
		switch {
		case from < 0 && four < 0:
			return nil, false, nil
		case from >= 0 && four > from:
			parts = [][]*node{ks[:from], ks[from+1 : four], ks[four+1:]}
		case from >= 0 && four < 0:
			parts = [][]*node{ks[:from], ks[from+1:]}
		case from < 0:
			one := &node{kind: nLeaf, tok: token{kind: tkNumber, val: "1", pos: ks[four].tok.pos, end: ks[four].tok.end}, prim: true}
			parts = [][]*node{ks[:four], {one}, ks[four+1:]}
		default:
			return nil, true, r.errAt(ks[from])
		}
	case "overlay":
		pl, from, four := wordIndex(ks, "placing"), wordIndex(ks, "from"), wordIndex(ks, "for")
		if pl < 0 {
			return nil, false, nil
		}
		if from < pl {
			return nil, true, r.errAt(ks[pl])
		}
		if four > from {
			parts = [][]*node{ks[:pl], ks[pl+1 : from], ks[from+1 : four], ks[four+1:]}
		} else {
			parts = [][]*node{ks[:pl], ks[pl+1 : from], ks[from+1:]}
		}
	default:
		return nil, false, nil
	}
	args := make([][]*node, len(parts))
	for i, p := range parts {
		if len(p) == 0 {
			return nil, true, syntaxErrAt(r.src, g.close)
		}
		a, err := r.seq(p, ctxArgs)
		if err != nil {
			return nil, true, err
		}
		args[i] = a
	}
	return synth(func(w *writer) {
		w.add(fname, start)
		w.tight("(", g.tok.pos)
		for i, a := range args {
			if i > 0 {
				w.tight(", ", a[0].pos())
			}
			w.seq(a)
		}
		w.tight(")", g.close.pos)
	}), true, nil
}

// updateSubscripts turns UPDATE ... SET col[i] = v into
// SET col = eddy_array_set(col, i, v), which needs no planner support for
// assignment targets.
func updateSubscripts(in []*node) []*node {
	if len(in) == 0 || !in[0].isWord("update") {
		return in
	}
	set := wordIndex(in, "set")
	if set < 0 {
		return in
	}
	end := len(in)
	for i := set + 1; i < len(in); i++ {
		if in[i].isWord("where") || in[i].isWord("from") || in[i].isWord("returning") {
			end = i
			break
		}
	}
	var items []*node
	for _, it := range splitTop(in[set+1 : end]) {
		if len(it) == 0 {
			return in // a stray comma: let the grammar report it
		}
		if len(it) >= 4 && isNameTok(it[0]) && it[1].kind == nBracket && !hasPunct(it[1].kids, ":") && it[2].isOp("=") {
			col, b := it[0], it[1]
			p := b.tok.pos
			comma := func() *node { return &node{kind: nLeaf, tok: token{kind: tkPunct, val: ",", pos: p, end: p}} }
			kids := []*node{{kind: nLeaf, tok: col.tok}, comma()}
			kids = append(kids, b.kids...)
			kids = append(kids, comma())
			kids = append(kids, it[3:]...)
			call := &node{kind: nParen, tok: token{kind: tkPunct, val: "(", pos: p, end: p + 1},
				close: b.close, kids: kids, tight: true}
			fn := &node{kind: nLeaf, tok: token{kind: tkIdent, val: "eddy_array_set", pos: p, end: p}}
			it = []*node{col, it[2], fn, call}
		}
		if len(items) > 0 {
			items = append(items, &node{kind: nLeaf, tok: token{kind: tkPunct, val: ",", pos: it[0].pos(), end: it[0].pos()}})
		}
		items = append(items, it...)
	}
	out := append([]*node(nil), in[:set+1]...)
	out = append(out, items...)
	return append(out, in[end:]...)
}

// similarOp turns [NOT] SIMILAR TO at in[i] into one operator token for the
// operand scanner; out is what precedes it. It returns the new out and the
// index of the last consumed node, or ok false.
func similarOp(in []*node, i int, out []*node) ([]*node, int, bool) {
	if !in[i].isWord("similar") || !isWordNode(at(in, i+1), "to") {
		return out, i, false
	}
	v, pos := "@similar", in[i].tok.pos
	if n := len(out); n > 1 && out[n-1].isWord("not") && out[n-2].prim {
		v, pos = "@nsimilar", out[n-1].tok.pos
		out = out[:n-1]
	}
	return append(out, &node{kind: nLeaf, tok: token{kind: tkOp, val: v, pos: pos, end: in[i+1].tok.end}}), i + 1, true
}

func hasPunct(ns []*node, p string) bool {
	for _, n := range ns {
		if n.isPunct(p) {
			return true
		}
	}
	return false
}

// subChain is x[...][...]: PostgreSQL subscripts a multi-dimensional array
// in one step (a[2][1] is not (a[2])[1], which would subscript an element),
// and when any subscript is a slice, all of them are (a[2][1:1] is
// a[1:2][1:1]).
type subChain struct {
	base  *node
	parts []subPart
}

type subPart struct {
	lo, hi *node // hi alone for a plain index
	slice  bool
	pos    int
}

func (r *rewriter) subscriptChain(x *node, b *node) (*node, *Error) {
	part := func(ns []*node) (*node, *Error) {
		if len(ns) == 0 {
			return synth(func(w *writer) { w.add("null", b.tok.pos) }), nil
		}
		e, err := r.seq(ns, ctxArgs)
		if err != nil {
			return nil, err
		}
		return synth(func(w *writer) { w.seq(e) }), nil
	}
	colon := -1
	for i, k := range b.kids {
		if k.isPunct(":") {
			colon = i
			break
		}
	}
	var p subPart
	p.pos = b.tok.pos
	var err *Error
	if colon < 0 {
		if len(b.kids) == 0 {
			return nil, syntaxErrAt(r.src, b.close)
		}
		if p.hi, err = part(b.kids); err != nil {
			return nil, err
		}
	} else {
		p.slice = true
		if p.lo, err = part(b.kids[:colon]); err != nil {
			return nil, err
		}
		if p.hi, err = part(b.kids[colon+1:]); err != nil {
			return nil, err
		}
	}
	c := &subChain{base: x}
	if x.subs != nil {
		c.base = x.subs.base
		c.parts = append(c.parts, x.subs.parts...)
	}
	c.parts = append(c.parts, p)
	slice := false
	for _, q := range c.parts {
		slice = slice || q.slice
	}
	res := synth(func(w *writer) {
		if slice {
			w.add("eddy_slice(", c.base.pos())
		} else {
			w.add("eddy_subscript(", c.base.pos())
		}
		w.node(c.base)
		for _, q := range c.parts {
			w.tight(",", q.pos)
			if slice {
				if q.lo != nil {
					w.node(q.lo)
				} else {
					w.add("1", q.pos)
				}
				w.tight(",", q.pos)
			}
			w.node(q.hi)
		}
		w.tight(")", b.close.pos)
	})
	res.subs = c
	return res, nil
}

// namedParams are PostgreSQL's parameter names (and defaults, "" for none)
// of the builtins that callers address by name (make_interval(days => 3)).
// TiDB has no named arguments, so the dialect layer puts them in position.
var namedParams = map[string][][2]string{
	"make_interval":  {{"years", "0"}, {"months", "0"}, {"weeks", "0"}, {"days", "0"}, {"hours", "0"}, {"mins", "0"}, {"secs", "0.0"}},
	"make_date":      {{"year", ""}, {"month", ""}, {"day", ""}},
	"make_time":      {{"hour", ""}, {"min", ""}, {"sec", ""}},
	"make_timestamp": {{"year", ""}, {"month", ""}, {"mday", ""}, {"hour", ""}, {"min", ""}, {"sec", ""}},
	"make_timestamptz": {{"year", ""}, {"month", ""}, {"mday", ""}, {"hour", ""}, {"min", ""}, {"sec", ""},
		{"timezone", ""}},
	"jsonb_set":    {{"jsonb_in", ""}, {"path", ""}, {"replacement", ""}, {"create_if_missing", "true"}},
	"jsonb_insert": {{"jsonb_in", ""}, {"path", ""}, {"replacement", ""}, {"insert_after", "false"}},
}

// namedArgs reorders an argument list that uses name => value (or the older
// name := value) into positional form. Trailing parameters nobody named are
// left out so that the builtin's shorter overload (or its own default)
// applies; a gap before a named one is filled with the default.
func (r *rewriter) namedArgs(name string, g *node) (*node, *Error) {
	args := splitTop(g.kids)
	named := false
	for _, a := range args {
		if len(a) >= 3 && isNameTok(a[0]) && (a[1].isOp("=>") || a[1].isOp(":=")) {
			named = true
		}
	}
	if !named {
		return g, nil
	}
	fname := strings.TrimPrefix(strings.ToLower(name), "pg_catalog.")
	params, ok := namedParams[fname]
	if !ok {
		return nil, &Error{Code: CodeFeatureNotSupported, Message: "named arguments are not supported for function " + fname, Position: charPos(r.src, g.tok.pos)}
	}
	slots := make([][]*node, len(params))
	lastSet, seenNamed := -1, false
	for i, a := range args {
		if len(a) >= 3 && isNameTok(a[0]) && (a[1].isOp("=>") || a[1].isOp(":=")) {
			seenNamed = true
			k := -1
			for p := range params {
				if params[p][0] == a[0].tok.val {
					k = p
				}
			}
			if k < 0 || slots[k] != nil {
				return nil, &Error{Code: CodeUndefinedFunction, Message: "function " + fname + " has no parameter " + a[0].tok.val + " (or it is given twice)",
					Hint: "No function matches the given name and argument types. You might need to add explicit type casts.", Position: charPos(r.src, a[0].tok.pos)}
			}
			slots[k] = a[2:]
			lastSet = max(lastSet, k)
			continue
		}
		if seenNamed {
			return nil, &Error{Code: CodeSyntaxError, Message: "positional argument cannot follow named argument", Position: charPos(r.src, a[0].pos())}
		}
		if i >= len(params) {
			return nil, &Error{Code: CodeUndefinedFunction, Message: "function " + fname + " has " + strconv.Itoa(len(params)) + " parameters", Position: charPos(r.src, a[0].pos())}
		}
		slots[i] = a
		lastSet = max(lastSet, i)
	}
	var kids []*node
	for k := 0; k <= lastSet; k++ {
		if k > 0 {
			kids = append(kids, &node{kind: nLeaf, tok: token{kind: tkPunct, val: ",", pos: g.tok.pos}})
		}
		if slots[k] == nil {
			if params[k][1] == "" {
				return nil, &Error{Code: CodeUndefinedFunction, Message: "function " + fname + " requires argument " + params[k][0], Position: charPos(r.src, g.tok.pos)}
			}
			kind := tkNumber
			if params[k][1] == "true" || params[k][1] == "false" {
				kind = tkIdent // a keyword, which the operand pass makes a boolean
			}
			kids = append(kids, &node{kind: nLeaf, tok: token{kind: kind, val: params[k][1], pos: g.tok.pos, end: g.tok.pos}, prim: kind == tkNumber})
			continue
		}
		kids = append(kids, slots[k]...)
	}
	ng := *g
	ng.kids = kids
	return &ng, nil
}
