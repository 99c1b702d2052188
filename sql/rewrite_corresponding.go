package sql

import "strings"

// CorrespondingAlias starts the alias of the subquery that stands for the
// right operand of UNION/INTERSECT/EXCEPT ... CORRESPONDING [BY (cols)]
// (SQL:2016, as RisingWave has it; PostgreSQL lacks it). The TiDB grammar
// has no CORRESPONDING, so the operand becomes
//
//	SELECT * FROM (operand) AS "eddy_corresponding\x1fc1\x1fc2"
//
// with the BY list (if any) after the separator, and the planner, which
// knows both operands' columns, matches them by name.
const CorrespondingAlias = "eddy_corresponding"

// corresponding rewrites the CORRESPONDING clauses of one query sequence
// (raw nodes, before any other rewrite), rewriting each right operand as a
// query of its own.
func (r *rewriter) corresponding(in []*node) ([]*node, *Error) {
	k := -1
	for i, n := range in {
		if n.isWord("corresponding") && i > 0 {
			p := in[i-1]
			if (p.isWord("all") || p.isWord("distinct")) && i > 1 {
				p = in[i-2]
			}
			if isSetOp(p) {
				k = i
				break
			}
		}
	}
	if k < 0 {
		return in, nil
	}
	var cols []string
	start := k + 1
	if isWordNode(at(in, start), "by") {
		list := at(in, start+1)
		if list == nil || list.kind != nParen {
			return nil, r.errAt(in[start])
		}
		for _, item := range splitTop(list.kids) {
			if len(item) != 1 || item[0].kind != nLeaf || (item[0].tok.kind != tkIdent && item[0].tok.kind != tkQIdent) {
				if len(item) == 0 {
					return nil, r.errAt(list)
				}
				return nil, r.errAt(item[0])
			}
			cols = append(cols, item[0].tok.val)
		}
		if len(cols) == 0 {
			return nil, r.errAt(list)
		}
		start += 2
	}
	end := start
	for end < len(in) && !isSetOp(in[end]) && !in[end].isWord("order") && !in[end].isWord("limit") &&
		!in[end].isWord("offset") && !in[end].isWord("fetch") {
		end++
	}
	if end == start {
		return nil, r.errEnd(in[:start], in[start-1].pos())
	}
	// The operand is rewritten on its own (it may hold CORRESPONDING no
	// further: the next one, after it, is handled by the recursion on the
	// rest).
	operand, err := r.seq(in[start:end], ctxQuery)
	if err != nil {
		return nil, err
	}
	alias := CorrespondingAlias
	if cols != nil {
		alias += "\x1f" + strings.Join(cols, "\x1f")
	}
	pos := in[k].pos()
	wrapped := synth(func(w *writer) {
		w.add("select * from (", pos)
		w.seq(operand)
		w.tight(") as "+quoteIdent(alias), pos)
	})
	wrapped.prim = true
	rest, err := r.corresponding(in[end:])
	if err != nil {
		return nil, err
	}
	out := append(append([]*node(nil), in[:k]...), wrapped)
	return append(out, rest...), nil
}
