package sql

import "strings"

// Binary operators that TiDB lacks or reads differently are rewritten into
// calls. Their operands are found by precedence over the already collapsed
// primaries, following PostgreSQL's operator precedence table.

// opPrec returns the binding strength of a binary operator node, or -1.
func opPrec(n *node) int {
	if n == nil || n.kind != nLeaf {
		return -1
	}
	t := n.tok
	if t.kind == tkIdent {
		switch t.val {
		case "between", "in", "like", "ilike", "similar":
			return 4
		}
		return -1
	}
	if t.kind != tkOp {
		return -1
	}
	switch t.val {
	case "@tz":
		return 9
	case "^":
		return 8
	case "*", "/", "%":
		return 7
	case "+", "-":
		return 6
	case "<", ">", "=", "<=", ">=", "<>", "!=":
		return 3
	case "@isdf", "@isndf":
		return 2
	case "@similar", "@nsimilar":
		return 4
	}
	if strings.HasPrefix(t.val, "@like:") {
		return 4
	}
	switch t.val {
	case "::":
		return -1
	}
	return 5
}

var opFuncs = map[string]string{
	"@tz":       "eddy_at_time_zone",
	"^":         "power",
	"->":        "eddy_json_get",
	"->>":       "eddy_json_get_text",
	"#>":        "eddy_json_path",
	"#>>":       "eddy_json_path_text",
	"@>":        "eddy_contains",
	"<@":        "eddy_contained",
	"&&":        "eddy_overlaps",
	"~":         "eddy_regex",
	"~*":        "eddy_regex_ci",
	"!~":        "not eddy_regex",
	"!~*":       "not eddy_regex_ci",
	"@similar":  "eddy_similar",
	"@nsimilar": "not eddy_similar",
	"?":         "eddy_json_exists",
	"?|":        "eddy_json_exists_any",
	"?&":        "eddy_json_exists_all",
	"#-":        "jsonb_delete_path",
	"@?":        "jsonb_path_exists",
	"^@":        "starts_with",
	"~~":        "(like)",
	"~~*":       "(ilike)",
	"!~~":       "(not like)",
	"!~~*":      "(not ilike)",
}

// prefixFuncs are PostgreSQL's prefix operators that TiDB lacks.
var prefixFuncs = map[string]string{
	"|/":  "sqrt",
	"||/": "cbrt",
}

func isRewrittenOp(n *node) bool {
	if n == nil || n.kind != nLeaf || n.tok.kind != tkOp {
		return false
	}
	if n.tok.val == "@isdf" || n.tok.val == "@isndf" || strings.HasPrefix(n.tok.val, "@like:") {
		return true
	}
	f, ok := opFuncs[n.tok.val]
	return ok && f != ""
}

func isUnaryOp(n *node) bool {
	return n != nil && n.kind == nLeaf && n.tok.kind == tkOp && (n.tok.val == "-" || n.tok.val == "+" || n.tok.val == "~")
}

// prefixOps rewrites |/ x and ||/ x; the operand extends over operators
// that bind tighter than PostgreSQL's generic operator class, as in PG.
func (r *rewriter) prefixOps(out []*node) ([]*node, *Error) {
	for i := len(out) - 1; i >= 0; i-- {
		n := out[i]
		if n.kind != nLeaf || n.tok.kind != tkOp || prefixFuncs[n.tok.val] == "" || (i > 0 && out[i-1].prim) {
			continue
		}
		rr := i + 1
		for rr < len(out) && isUnaryOp(out[rr]) {
			rr++
		}
		if rr >= len(out) {
			return nil, r.errEnd(out, n.tok.end)
		}
		if !out[rr].prim {
			return nil, r.errAt(out[rr])
		}
		for rr+2 < len(out) && opPrec(out[rr+1]) > 5 && !isRewrittenOp(out[rr+1]) && out[rr+2].prim {
			rr += 2
		}
		f, arg, op := prefixFuncs[n.tok.val], append([]*node(nil), out[i+1:rr+1]...), n.tok
		res := synth(func(w *writer) {
			w.add(f+"(", op.pos)
			w.seq(arg)
			w.tight(")", op.pos)
		})
		out = append(append(append([]*node(nil), out[:i]...), res), out[rr+1:]...)
	}
	return out, nil
}

// checkBareParams rejects a ? left over after operator rewriting: TiDB
// would read it as a parameter marker, PostgreSQL has none.
func (r *rewriter) checkBareParams(out []*node) *Error {
	for _, n := range out {
		if n.kind == nLeaf && n.tok.kind == tkOp && (n.tok.val == "?" || n.tok.val == "?|" || n.tok.val == "?&" || n.tok.val == "@?") {
			return r.errAt(n)
		}
	}
	return nil
}

func (r *rewriter) operators(out []*node) ([]*node, *Error) {
	out, err := r.prefixOps(out)
	if err != nil {
		return nil, err
	}
	for {
		best, bestPrec := -1, -1
		for i, n := range out {
			if !isRewrittenOp(n) || i == 0 || !out[i-1].prim {
				continue // a unary ~ is bitwise not, as in MySQL
			}
			if p := opPrec(n); p > bestPrec {
				best, bestPrec = i, p
			}
		}
		if best < 0 {
			if err := r.checkBareParams(out); err != nil {
				return nil, err
			}
			return out, nil
		}
		i, p := best, bestPrec
		// left operand
		l := i - 1
		for {
			for l-1 >= 0 && isUnaryOp(out[l-1]) && (l-2 < 0 || !out[l-2].prim) {
				l--
			}
			if l-2 >= 0 && out[l-2].prim {
				q := opPrec(out[l-1])
				if q > p || (q == p && p == 5) {
					l -= 2
					continue
				}
			}
			break
		}
		// right operand
		rr := i + 1
		for rr < len(out) && isUnaryOp(out[rr]) {
			rr++
		}
		if rr >= len(out) {
			return nil, r.errEnd(out, out[i].tok.end)
		}
		if !out[rr].prim {
			return nil, r.errAt(out[rr])
		}
		for rr+2 < len(out) && opPrec(out[rr+1]) > p {
			k := rr + 2
			for k < len(out) && isUnaryOp(out[k]) {
				k++
			}
			if k >= len(out) || !out[k].prim {
				break
			}
			rr = k
		}
		left := append([]*node(nil), out[l:i]...)
		right := append([]*node(nil), out[i+1:rr+1]...)
		op := out[i].tok
		var res *node
		key := op.val
		if strings.HasPrefix(key, "@like:") {
			key = "@like"
		}
		switch key {
		case "@isdf", "@isndf":
			res = synth(func(w *writer) {
				if op.val == "@isdf" {
					w.add("not", op.pos)
				}
				w.add("(", left[0].pos())
				w.seq(left)
				w.add("<=>", op.pos)
				w.seq(right)
				w.tight(")", op.pos)
			})
		case "~~", "~~*", "!~~", "!~~*":
			kw := strings.Trim(opFuncs[op.val], "()")
			res = synth(func(w *writer) {
				w.add("(", left[0].pos())
				w.seq(left)
				w.add(kw, op.pos)
				w.seq(right)
				w.tight(")", op.pos)
			})
		case "@like":
			mode := strings.TrimPrefix(op.val, "@like:")
			res = synth(func(w *writer) {
				w.add("eddy_like_any(", left[0].pos())
				w.seq(left)
				w.tight(",", op.pos)
				w.seq(right)
				w.tight(", ", op.pos)
				w.raw(quoteString(mode), op.pos)
				w.tight(")", op.pos)
			})
		default:
			f := opFuncs[op.val]
			res = synth(func(w *writer) {
				w.add(f+"(", left[0].pos())
				w.seq(left)
				w.tight(",", op.pos)
				w.seq(right)
				w.tight(")", op.pos)
			})
		}
		n := append([]*node(nil), out[:l]...)
		n = append(n, res)
		out = append(n, out[rr+1:]...)
	}
}

// betweenSymmetric rewrites x [NOT] BETWEEN SYMMETRIC a AND b, which TiDB
// lacks, into PostgreSQL's own expansion (x BETWEEN a AND b OR x BETWEEN b
// AND a); least/greatest would be wrong because they skip NULLs. ASYMMETRIC
// is the default and is dropped. It runs after operators, so every operand is
// a run of primaries joined by operators binding tighter than BETWEEN.
func (r *rewriter) betweenSymmetric(out []*node) ([]*node, *Error) {
	tighter := func(n *node) bool { return opPrec(n) > 4 && !(n.kind == nLeaf && n.tok.kind == tkIdent) }
	// operandEnd returns the last index of the operand starting at i.
	operandEnd := func(i int) (int, *Error) {
		for i < len(out) && isUnaryOp(out[i]) {
			i++
		}
		if i >= len(out) {
			return 0, r.errEnd(out, out[len(out)-1].pos())
		}
		if !out[i].prim {
			return 0, r.errAt(out[i])
		}
		for i+2 < len(out) && tighter(out[i+1]) {
			k := i + 2
			for k < len(out) && isUnaryOp(out[k]) {
				k++
			}
			if k >= len(out) || !out[k].prim {
				break
			}
			i = k
		}
		return i, nil
	}
	for i := 0; i+1 < len(out); i++ {
		if !out[i].isWord("between") {
			continue
		}
		if out[i+1].isWord("asymmetric") {
			out = append(out[:i+1:i+1], out[i+2:]...)
			continue
		}
		if !out[i+1].isWord("symmetric") {
			continue
		}
		neg := i > 0 && out[i-1].isWord("not")
		l := i - 1
		if neg {
			l--
		}
		if l < 0 || !out[l].prim {
			return nil, r.errAt(out[i])
		}
		for l-2 >= 0 && out[l-2].prim && tighter(out[l-1]) {
			l -= 2
		}
		for l-1 >= 0 && isUnaryOp(out[l-1]) && (l-2 < 0 || !out[l-2].prim) {
			l--
		}
		ae, err := operandEnd(i + 2)
		if err != nil {
			return nil, err
		}
		if ae+1 >= len(out) || !out[ae+1].isWord("and") {
			if ae+1 >= len(out) {
				return nil, r.errEnd(out, out[ae].pos())
			}
			return nil, r.errAt(out[ae+1])
		}
		be, err := operandEnd(ae + 2)
		if err != nil {
			return nil, err
		}
		x := append([]*node(nil), out[l:i]...)
		if neg {
			x = x[:len(x)-1]
		}
		a, b := append([]*node(nil), out[i+2:ae+1]...), append([]*node(nil), out[ae+2:be+1]...)
		pos := out[i].tok.pos
		res := synth(func(w *writer) {
			if neg {
				w.add("not", pos)
			}
			w.add("((", pos)
			w.seq(x)
			w.add("between", pos)
			w.seq(a)
			w.add("and", pos)
			w.seq(b)
			w.tight(") or (", pos)
			w.seq(x)
			w.add("between", pos)
			w.seq(b)
			w.add("and", pos)
			w.seq(a)
			w.tight("))", pos)
		})
		n := append([]*node(nil), out[:l]...)
		n = append(n, res)
		out = append(n, out[be+1:]...)
		i = l
	}
	return out, nil
}
