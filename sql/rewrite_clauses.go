package sql

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Clause-level rewrites over a sequence whose operands are already collapsed.

func isSetOp(n *node) bool {
	return n != nil && (n.isWord("union") || n.isWord("intersect") || n.isWord("except"))
}

// values turns VALUES lists in query position into SELECT ... UNION ALL
// SELECT ..., naming the columns column1, column2, ... as PostgreSQL does.
func (r *rewriter) values(out []*node) ([]*node, *Error) {
	for i := 0; i < len(out); i++ {
		if !out[i].isWord("values") {
			continue
		}
		p := at(out, i-1)
		if p != nil && (p.isWord("all") || p.isWord("distinct")) {
			p = at(out, i-2)
			if !isSetOp(p) {
				continue
			}
		}
		if i > 0 && !isSetOp(p) {
			continue
		}
		j := i + 1
		var rows []*node
		for j < len(out) && out[j].kind == nParen {
			rows = append(rows, out[j])
			j++
			if j < len(out) && out[j].isPunct(",") && at(out, j+1) != nil && out[j+1].kind == nParen {
				j++
				continue
			}
			break
		}
		if len(rows) == 0 {
			continue
		}
		for _, row := range rows[1:] {
			if len(splitTop(row.kids)) != len(splitTop(rows[0].kids)) {
				return nil, &Error{Code: CodeSyntaxError, Message: "VALUES lists must all be the same length", Position: charPos(r.src, row.tok.pos)}
			}
		}
		vpos := out[i].tok.pos
		sel := synth(func(w *writer) {
			for ri, row := range rows {
				if ri > 0 {
					w.add("union all", row.tok.pos)
				}
				w.add("select", row.tok.pos)
				for ci, col := range splitTop(row.kids) {
					if ci > 0 {
						w.tight(",", row.tok.pos)
					}
					w.seq(col)
					if ri == 0 {
						w.add("as column"+itoa(ci+1), row.tok.pos)
					}
				}
			}
		})
		tail := out[j:]
		if i == 0 && len(tail) > 0 {
			inner := sel
			sel = synth(func(w *writer) {
				w.add("select * from (", vpos)
				w.node(inner)
				w.tight(`) as "*VALUES*"`, vpos)
			})
		}
		n := append([]*node(nil), out[:i]...)
		n = append(n, sel)
		out = append(n, tail...)
	}
	return out, nil
}

func itoa(i int) string {
	const d = "0123456789"
	if i < 10 {
		return d[i : i+1]
	}
	return itoa(i/10) + d[i%10:i%10+1]
}

var orderEnd = wordSet(`limit offset fetch for union intersect except window rows range groups returning`)

// orderBy rewrites "x [ASC|DESC] NULLS FIRST|LAST" into
// "eddy_nulls_first(x) [ASC|DESC]" (TiDB has no NULLS ordering).
func (r *rewriter) orderBy(out []*node) []*node {
	for i := 0; i+1 < len(out); i++ {
		if !out[i].isWord("order") || !out[i+1].isWord("by") {
			continue
		}
		j := i + 2
		for j < len(out) && !(out[j].kind == nLeaf && out[j].tok.kind == tkIdent && orderEnd[out[j].tok.val]) {
			j++
		}
		items := splitTop(out[i+2 : j])
		var repl []*node
		for k, it := range items {
			if k > 0 {
				repl = append(repl, &node{kind: nLeaf, tok: token{kind: tkPunct, val: ",", pos: it0pos(it, out[i].tok.pos)}})
			}
			expr, dir, nulls := splitOrderItem(it)
			if nulls == "" {
				repl = append(repl, it...)
				continue
			}
			pos := it0pos(it, out[i].tok.pos)
			e := expr
			repl = append(repl, synth(func(w *writer) {
				w.add("eddy_nulls_"+nulls+"(", pos)
				w.seq(e)
				w.tight(")", pos)
				if dir != "" {
					w.add(dir, pos)
				}
			}))
		}
		n := append([]*node(nil), out[:i+2]...)
		n = append(n, repl...)
		out = append(n, out[j:]...)
		i += 1 + len(repl)
	}
	return out
}

func it0pos(it []*node, def int) int {
	if len(it) > 0 {
		return it[0].pos()
	}
	return def
}

var fromEnd = wordSet(`where group having window order limit offset fetch union intersect except for returning set`)

func isJoinWord(n *node) bool {
	return n != nil && n.kind == nLeaf && n.tok.kind == tkIdent && joinWords[n.tok.val]
}

// aliasName returns the name of a single-identifier node usable as an alias.
func aliasName(n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.kind == nLeaf && n.tok.kind == tkQIdent {
		return n.tok.val, true
	}
	if n.kind == nSynth && n.ident && n.name != "" {
		return n.name, true
	}
	return "", false
}

// from rewrites FROM lists: table functions become
// (SELECT eddy_table_function('f', args)) AS alias, column alias lists are
// folded into the alias as "t\x1fa\x1fb", and FULL JOIN becomes a LEFT JOIN
// whose condition is wrapped in eddy_full_join*.
func (r *rewriter) from(out []*node) ([]*node, *Error) {
	var res []*node
	i := 0
	for i < len(out) {
		n := out[i]
		res = append(res, n)
		i++
		if !n.isWord("from") || (len(res) >= 2 && res[len(res)-2].isWord("distinct")) {
			continue
		}
		full, natural, asof := false, false, false
		for i < len(out) {
			// one FROM item
			if out[i].isWord("lateral") || out[i].isWord("only") {
				res = append(res, out[i])
				i++
			}
			if i >= len(out) {
				return nil, r.errEnd(out, 0)
			}
			item := out[i]
			i++
			temporal := !item.call && temporalClause(out, i)
			if temporal {
				i += 5
			}
			ordinality := false
			if isWordNode(at(out, i), "with") && isWordNode(at(out, i+1), "ordinality") {
				ordinality = true
				i += 2
			}
			hasAs := false
			if isWordNode(at(out, i), "as") {
				hasAs = true
				i++
			}
			alias, hasAlias := aliasName(at(out, i))
			if hasAlias && asofStart(out, i) {
				hasAlias = false
			}
			var aliasNode *node
			var cols []string
			if c := at(out, i); !hasAlias && c != nil && c.call && c.args != nil && !strings.Contains(c.name, ".") {
				// t(a, b) was read as a call: it is an alias with column names
				hasAlias, aliasNode = true, c
				alias = strings.Trim(c.name, `"`)
				for _, a := range splitTop(c.args) {
					name, ok := aliasName(at(a, 0))
					if !ok || len(a) != 1 {
						return nil, r.errAt(c)
					}
					cols = append(cols, name)
				}
				if cols == nil {
					cols = []string{}
				}
				i++
			} else if hasAlias {
				aliasNode = out[i]
				i++
			} else if hasAs {
				if i >= len(out) {
					return nil, r.errEnd(out, 0)
				}
				return nil, r.errAt(out[i])
			}
			if hasAlias && cols == nil && at(out, i) != nil && out[i].kind == nParen {
				for _, c := range splitTop(out[i].kids) {
					name, ok := aliasName(at(c, 0))
					if !ok {
						return nil, r.errAt(out[i])
					}
					cols = append(cols, name)
				}
				i++
			}
			switch {
			case item.call:
				if !hasAlias {
					alias = item.name
					if k := strings.LastIndexByte(alias, '.'); k >= 0 {
						alias = alias[k+1:]
					}
					alias = strings.Trim(alias, `"`)
				}
				fn := "eddy_table_function"
				if ordinality {
					fn = "eddy_table_function_ordinality"
				}
				nm, args := item.name, callArgs(item)
				pos := item.pos()
				al := aliasIdent(alias, cols)
				res = append(res, synth(func(w *writer) {
					w.add("(select "+fn+"(", pos)
					w.raw(quoteString(nm), pos)
					if len(args) > 0 {
						w.tight(",", pos)
						w.frag(args)
					}
					w.tight("))", pos)
					w.add("as "+al, pos)
				}))
			case ordinality:
				return nil, r.errAt(item)
			case temporal:
				if cols != nil {
					return nil, r.errAt(aliasNode)
				}
				if !hasAlias {
					alias = strings.Trim(item.name, `"`)
				}
				al := quoteIdent(TemporalAlias + "\x1f" + alias)
				pos := item.pos()
				res = append(res, item, synth(func(w *writer) { w.add("as "+al, pos) }))
			case cols != nil:
				al := aliasIdent(alias, cols)
				pos := aliasNode.pos()
				res = append(res, item, synth(func(w *writer) { w.add("as "+al, pos) }))
			default:
				res = append(res, item)
				if hasAlias {
					if hasAs {
						res = append(res, &node{kind: nLeaf, tok: token{kind: tkIdent, val: "as", pos: aliasNode.pos()}})
					}
					res = append(res, aliasNode)
				}
			}
			if full && natural {
				pos := item.pos()
				res = append(res, synth(func(w *writer) { w.add("on eddy_full_join_natural()", pos) }))
			}
			// join condition
			if asof && !isWordNode(at(out, i), "on") {
				return nil, r.errAt(item) // ASOF takes ON only
			}
			if isWordNode(at(out, i), "on") {
				j := i + 1
				for j < len(out) && !isJoinWord(out[j]) && !out[j].isPunct(",") && !(out[j].kind == nLeaf && out[j].tok.kind == tkIdent && fromEnd[out[j].tok.val]) {
					j++
				}
				// An empty condition is left to TiDB, which reports the syntax error.
				if (full || asof) && j > i+1 {
					cond := out[i+1 : j]
					pos := out[i].tok.pos
					fn := "eddy_full_join("
					if asof {
						fn = AsofMarker + "("
					}
					res = append(res, synth(func(w *writer) {
						w.add("on "+fn, pos)
						w.seq(cond)
						w.tight(")", pos)
					}))
				} else {
					res = append(res, out[i:j]...)
				}
				i = j
			} else if isWordNode(at(out, i), "using") && at(out, i+1) != nil && out[i+1].kind == nParen {
				if full {
					g := out[i+1]
					pos := out[i].tok.pos
					res = append(res, synth(func(w *writer) {
						w.add("on eddy_full_join_using(", pos)
						w.seq(g.kids)
						w.tight(")", pos)
					}))
				} else {
					res = append(res, out[i], out[i+1])
				}
				i += 2
			}
			full, natural, asof = false, false, false
			// what follows the item
			if at(out, i) != nil && out[i].isPunct(",") {
				res = append(res, out[i])
				i++
				continue
			}
			if asofStart(out, i) {
				asof = true
				i++
			}
			if isJoinWord(at(out, i)) {
				for i < len(out) && isJoinWord(out[i]) {
					w := out[i].tok.val
					switch w {
					case "full":
						full = true
						res = append(res, &node{kind: nLeaf, tok: token{kind: tkIdent, val: "left", pos: out[i].tok.pos}})
					case "natural":
						natural = true
					case "outer":
					default:
						res = append(res, out[i])
					}
					i++
					if w == "join" || w == "straight_join" {
						break
					}
				}
				if natural && !full {
					// keep NATURAL for TiDB: insert it before the join kind
					k := len(res) - 1
					for k > 0 && isJoinWord(res[k-1]) {
						k--
					}
					nat := &node{kind: nLeaf, tok: token{kind: tkIdent, val: "natural", pos: res[k].pos()}}
					res = append(res[:k], append([]*node{nat}, res[k:]...)...)
					natural = false
				}
				continue
			}
			break
		}
	}
	return res, nil
}

func aliasIdent(alias string, cols []string) string {
	if cols == nil {
		return quoteIdent(alias)
	}
	return quoteIdent(alias + "\x1f" + strings.Join(cols, "\x1f"))
}

// callArgs returns the rendered argument list of a call node (between the
// outermost parentheses of the call itself).
func callArgs(n *node) []piece {
	ps := n.out
	// The call renders as name "(" args ")"; find the first "(" piece.
	start := -1
	for k, p := range ps {
		if p.text == "(" {
			start = k
			break
		}
	}
	if start < 0 || len(ps) < start+2 {
		return nil
	}
	return ps[start+1 : len(ps)-1]
}

// limit normalizes LIMIT/OFFSET/FETCH into TiDB's LIMIT n OFFSET m.
func (r *rewriter) limit(out []*node) ([]*node, *Error) {
	first := -1
	var lim, off []*node
	hasLim := false
	end := len(out)
	i := 0
	for i < len(out) {
		n := out[i]
		switch {
		case n.isWord("limit"):
			if first < 0 {
				first = i
			}
			j := i + 1
			for j < len(out) && !isLimitEnd(out[j]) {
				j++
			}
			if j == i+1 {
				return nil, r.errEnd(out[:j], n.tok.end)
			}
			if !(j == i+2 && out[i+1].isWord("all")) {
				v, null, err := r.limitCount(out[i+1:j], "LIMIT")
				if err != nil {
					return nil, err
				}
				if !null {
					lim, hasLim = v, true
				}
			}
			i = j
			end = i
		case n.isWord("offset"):
			if first < 0 {
				first = i
			}
			j := i + 1
			for j < len(out) && !isLimitEnd(out[j]) && !out[j].isWord("row") && !out[j].isWord("rows") {
				j++
			}
			if j == i+1 {
				return nil, r.errEnd(out[:j], n.tok.end)
			}
			v, null, err := r.limitCount(out[i+1:j], "OFFSET")
			if err != nil {
				return nil, err
			}
			if !null {
				off = v
			}
			if j < len(out) && (out[j].isWord("row") || out[j].isWord("rows")) {
				j++
			}
			i = j
			end = i
		case n.isWord("fetch") && first >= -1 && (isWordNode(at(out, i+1), "first") || isWordNode(at(out, i+1), "next")):
			if first < 0 {
				first = i
			}
			j := i + 2
			k := j
			for k < len(out) && !out[k].isWord("row") && !out[k].isWord("rows") {
				k++
			}
			if k >= len(out) {
				return nil, r.errEnd(out, n.tok.end)
			}
			if k == j {
				lim = []*node{{kind: nLeaf, tok: token{kind: tkNumber, val: "1", pos: n.tok.pos}, prim: true}}
			} else {
				lim = out[j:k]
			}
			hasLim = true
			k++
			if isWordNode(at(out, k), "only") {
				k++
			} else if isWordNode(at(out, k), "with") && isWordNode(at(out, k+1), "ties") {
				return nil, &Error{Code: CodeFeatureNotSupported, Message: "FETCH ... WITH TIES is not supported", Position: charPos(r.src, out[k].tok.pos)}
			} else {
				if k >= len(out) {
					return nil, r.errEnd(out, n.tok.end)
				}
				return nil, r.errAt(out[k])
			}
			i = k
			end = i
		default:
			if first >= 0 {
				// LIMIT/OFFSET are the last clauses but for FOR UPDATE etc.
				i = len(out)
				continue
			}
			i++
		}
	}
	if first < 0 {
		return out, nil
	}
	pos := out[first].pos()
	var res []*node
	res = append(res, out[:first]...)
	if hasLim || off != nil {
		l, o := lim, off
		res = append(res, synth(func(w *writer) {
			w.add("limit", pos)
			if hasLim {
				w.seq(l)
			} else {
				w.add("18446744073709551615", pos)
			}
			if o != nil {
				w.add("offset", pos)
				w.seq(o)
			}
		}))
	}
	return append(res, out[end:]...), nil
}

// limitCount checks a LIMIT or OFFSET count that is a constant. The TiDB
// grammar takes only unsigned integers there, but PostgreSQL takes any bigint
// expression: NULL means no limit (or no offset), a string literal is cast to
// bigint, and a negative count is a runtime error with its own SQLSTATE, not
// a syntax error.
func (r *rewriter) limitCount(ns []*node, clause string) ([]*node, bool, *Error) {
	pos := charPos(r.src, ns[0].pos())
	text := strings.NewReplacer(" ", "", "(", "", ")", "").Replace(renderNodes(ns).String())
	if strings.EqualFold(text, "null") {
		return nil, true, nil
	}
	if len(ns) == 1 && ns[0].kind == nLeaf && ns[0].tok.kind == tkString {
		n, err := strconv.ParseInt(strings.TrimSpace(ns[0].tok.val), 10, 64)
		if err != nil {
			return nil, false, &Error{Code: CodeInvalidTextRepresentation, Position: pos,
				Message: `invalid input syntax for type bigint: "` + ns[0].tok.val + `"`}
		}
		text = strconv.FormatInt(n, 10)
		ns = []*node{{kind: nLeaf, tok: token{kind: tkNumber, val: text, pos: ns[0].tok.pos, end: ns[0].tok.end}, prim: true}}
	}
	if len(ns) == 1 && ns[0].kind == nLeaf && ns[0].tok.kind == tkNumber {
		// The count is bigint: a numeric constant rounds to one (LIMIT 2.5
		// is 3) and one beyond its range is an error, where the TiDB
		// grammar would reject a fraction and take 2^63 as no limit.
		var d apd.Decimal
		if _, _, err := d.SetString(ns[0].tok.val); err == nil {
			var i apd.Decimal
			_, _ = apd.BaseContext.WithPrecision(1000).RoundToIntegralValue(&i, &d)
			n, err := i.Int64()
			if err != nil {
				return nil, false, &Error{Code: CodeNumericValueOutOfRange, Message: "bigint out of range"}
			}
			text = strconv.FormatInt(n, 10)
			ns = []*node{{kind: nLeaf, tok: token{kind: tkNumber, val: text, pos: ns[0].tok.pos, end: ns[0].tok.end}, prim: true}}
		}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && n < 0 {
		code := CodeInvalidRowCountInLimit
		if clause == "OFFSET" {
			code = CodeInvalidRowCountInOffset
		}
		return nil, false, &Error{Code: code, Message: clause + " must not be negative"}
	}
	return ns, false, nil
}

func isLimitEnd(n *node) bool {
	return n.isWord("offset") || n.isWord("limit") || n.isWord("fetch") || n.isWord("for") || n.isPunct(";")
}

var groupByEnd = wordSet(`having window order limit offset fetch union intersect except for returning`)

// groupingSets rewrites PostgreSQL's grouping-set forms in GROUP BY, which the
// TiDB grammar lacks (it has only WITH ROLLUP), into calls that the planner
// expands into a list of grouping sets:
//
//	ROLLUP (a, (b, c))          eddy_rollup(a, eddy_set(b, c))
//	CUBE (a, b)                 eddy_cube(a, b)
//	GROUPING SETS ((a, b), ())  eddy_grouping_sets(eddy_set(a, b), eddy_set())
//	()                          eddy_set()
//
// The markers keep the user's structure rather than expanding it here: the
// cross product of the items and the meaning of nested sets are semantics,
// which belong to the planner. It runs on the raw tree, before operands are
// collapsed, so the items' expressions are rewritten as usual afterwards.
func (r *rewriter) groupingSets(in []*node) []*node {
	for i := 0; i+1 < len(in); i++ {
		if !in[i].isWord("group") || !in[i+1].isWord("by") {
			continue
		}
		j := i + 2
		for j < len(in) && !(in[j].kind == nLeaf && in[j].tok.kind == tkIdent && groupByEnd[in[j].tok.val]) && !in[j].isPunct(";") {
			j++
		}
		items := splitTop(in[i+2 : j])
		changed := false
		var repl []*node
		for k, it := range items {
			if k > 0 {
				repl = append(repl, &node{kind: nLeaf, tok: token{kind: tkPunct, val: ",", pos: it0pos(it, in[i].tok.pos)}})
			}
			x, ok := groupingItem(it, false)
			changed = changed || ok
			repl = append(repl, x...)
		}
		if !changed {
			continue
		}
		out := append([]*node(nil), in[:i+2]...)
		out = append(out, repl...)
		in = append(out, in[j:]...)
		i += 1 + len(repl)
	}
	return in
}

// groupingItem rewrites one GROUP BY item (or one element of a grouping-set
// list when inList) and reports whether it changed anything.
func groupingItem(it []*node, inList bool) ([]*node, bool) {
	call := func(name string, open *node, elems [][]*node, nested bool) []*node {
		var kids []*node
		for k, e := range elems {
			if k > 0 {
				kids = append(kids, &node{kind: nLeaf, tok: token{kind: tkPunct, val: ",", pos: it0pos(e, open.tok.pos)}})
			}
			if nested {
				e, _ = groupingItem(e, true)
			}
			kids = append(kids, e...)
		}
		p := open.tok.pos
		return []*node{
			{kind: nLeaf, tok: token{kind: tkIdent, val: name, pos: p, end: p}},
			{kind: nParen, tok: open.tok, close: open.close, kids: kids, tight: true},
		}
	}
	switch {
	case len(it) == 2 && (it[0].isWord("rollup") || it[0].isWord("cube")) && it[1].kind == nParen && len(it[1].kids) > 0:
		return call("eddy_"+it[0].tok.val, it[1], splitTop(it[1].kids), true), true
	case len(it) == 3 && it[0].isWord("grouping") && it[1].isWord("sets") && it[2].kind == nParen && len(it[2].kids) > 0:
		return call("eddy_grouping_sets", it[2], splitTop(it[2].kids), true), true
	case len(it) == 1 && it[0].kind == nParen && len(it[0].kids) == 0:
		return call("eddy_set", it[0], nil, false), true
	case len(it) == 1 && it[0].kind == nParen && inList && !isQuery(it[0].kids):
		return call("eddy_set", it[0], splitTop(it[0].kids), false), true
	}
	return it, false
}
