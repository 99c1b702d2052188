package sql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The dialect rewriter turns PostgreSQL query text into text the TiDB (MySQL)
// grammar accepts. PG-only constructs become calls of eddy_* marker functions
// that the planner binds back (see the list in the package report / tests).

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// pgKeywords are words with a syntactic role in queries: PostgreSQL's reserved
// words plus the non-reserved ones that structure a query. They are never
// taken as identifiers when unquoted (except the context-dependent ones).
var pgKeywords = wordSet(`all analyse analyze and any array as asc asymmetric both case cast check
collate column constraint create current_catalog current_date current_role current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch
for foreign from grant group having in initially intersect into lateral leading limit localtime
localtimestamp not null offset on only or order placing primary references returning select
session_user some symmetric system_user table then to trailing true union unique user using
variadic when where window with authorization binary collation concurrently cross current_schema
freeze full ilike inner is isnull join left like natural notnull outer overlaps right similar
tablesample verbose between exists extract values row by nulls over filter within
recursive materialized escape set update delete insert conflict do straight_join`)

// valueKeywords are keywords that are complete operands.
var valueKeywords = wordSet(`null true false current_date current_time current_timestamp localtime
localtimestamp current_user session_user user current_role current_catalog current_schema
system_user default unknown`)

// bareCallKeywords are value keywords that are function calls without
// parentheses, which the TiDB grammar does not know as such.
var bareCallKeywords = wordSet(`user session_user current_catalog current_schema`)

// callableKeywords may be followed by an argument list and are then calls.
var callableKeywords = wordSet(`left right exists row current_schema coalesce nullif greatest least
grouping position substring trim overlay`)

// tidbQuote are words TiDB rejects as plain identifiers although PostgreSQL
// takes them as names (measured against the parser: select W from t etc.).
var tidbQuote = wordSet(`add call cascade change continue convert cume_dist cursor database databases
day_hour day_microsecond day_minute day_second delayed dense_rank describe distinctrow div double
drop dual elseif enclosed escaped exit explain first_value float4 float8 force fulltext generated
groups high_priority hour_microsecond hour_minute hour_second if ignore index infile inout int1
int2 int3 int4 int8 interval iterate key keys kill lag last_value lead leave linear lines load lock
long longblob longtext low_priority match maxvalue mediumblob mediumint mediumtext middleint
minute_microsecond minute_second mod no_write_to_binlog nth_value ntile of optimize option
optionally out outfile over partition percent_rank procedure range rank read recursive regexp
release rename repeat replace require restrict revoke rlike row_number rows second_microsecond
show spatial sql sql_big_result sql_buffer_result sql_cache sql_calc_found_rows sql_no_cache
sql_small_result sqlexception sqlstate sqlwarning ssl starting stored terminated tinyblob tinyint
tinytext trigger unlock unsigned until usage use varbinary varcharacter virtual while write xor
year_month zerofill blob offset limit schema real int integer bigint smallint numeric decimal dec char
character varchar float`)

// tidbQuoteCall are function names that TiDB's grammar reserves for its own
// call syntax (MariaDB's NEXTVAL(seq), MODE as a keyword); quoted, they are
// ordinary calls.
var tidbQuoteCall = wordSet(`nextval lastval setval mode div cardinality`)

// typeLiteralStart are type names that may start a typed literal (type 'text').
var typeLiteralStart = wordSet(`date time timestamp timestamptz timetz interval int int2 int4 int8
integer bigint smallint bool boolean numeric decimal dec real float float4 float8 double json jsonb
text varchar char character bpchar uuid bytea name oid regclass regtype regproc inet`)

var intervalFields = wordSet(`year month day hour minute second`)

var joinWords = wordSet(`natural left right full inner outer cross join straight_join`)

type rewriter struct {
	src string
}

type seqCtx uint8

const (
	ctxQuery seqCtx = iota // a statement or a parenthesized query/expression
	ctxArgs                // function arguments: no clause-level rules (substring(x from 1))
)

func (r *rewriter) errAt(n *node) *Error {
	if n.kind == nSynth {
		return &Error{Code: CodeSyntaxError, Message: "syntax error", Position: charPos(r.src, n.pos())}
	}
	return syntaxErrAt(r.src, n.tok)
}

func (r *rewriter) errEnd(ns []*node, fallback int) *Error {
	pos := fallback
	if len(ns) > 0 {
		last := ns[len(ns)-1]
		if last.kind == nParen || last.kind == nBracket {
			pos = last.close.end
		} else if last.kind == nLeaf {
			pos = last.tok.end
		}
	}
	return endOfInputErr(r.src, pos)
}

// seq rewrites one sequence of sibling nodes.
func (r *rewriter) seq(in []*node, ctx seqCtx) ([]*node, *Error) {
	if ctx == ctxQuery {
		var err *Error
		if in, err = r.corresponding(in); err != nil {
			return nil, err
		}
		in = r.groupingSets(in)
	}
	in = updateSubscripts(in)
	out, err := r.primaries(in)
	if err != nil {
		return nil, err
	}
	if out, err = r.operators(out); err != nil {
		return nil, err
	}
	if out, err = r.betweenSymmetric(out); err != nil {
		return nil, err
	}
	if ctx == ctxArgs {
		return out, nil
	}
	if out, err = r.values(out); err != nil {
		return nil, err
	}
	out = distinctOn(out)
	out = cteMaterialized(out)
	out = quoteKeywordLabels(out)
	out = r.orderBy(out)
	if out, err = r.from(out); err != nil {
		return nil, err
	}
	return r.limit(out)
}

func isQuery(ns []*node) bool {
	if len(ns) == 0 {
		return false
	}
	if ns[0].kind == nParen {
		return isQuery(ns[0].kids)
	}
	return ns[0].isWord("select") || ns[0].isWord("with") || ns[0].isWord("values") || ns[0].isWord("table")
}

func (r *rewriter) group(n *node, ctx seqCtx) (*node, *Error) {
	kids, err := r.seq(n.kids, ctx)
	if err != nil {
		return nil, err
	}
	return &node{kind: nParen, tok: n.tok, close: n.close, kids: kids, prim: true, tight: n.tight}, nil
}

func last(ns []*node) *node {
	if len(ns) == 0 {
		return nil
	}
	return ns[len(ns)-1]
}

func at(ns []*node, i int) *node {
	if i < 0 || i >= len(ns) {
		return nil
	}
	return ns[i]
}

func isWordNode(n *node, w string) bool { return n != nil && n.isWord(w) }

// afterIs reports whether out ends in IS or IS NOT, after which TRUE and
// FALSE are part of the predicate, not operands.
func afterIs(out []*node) bool {
	n := len(out)
	if n > 0 && isWordNode(out[n-1], "is") {
		return true
	}
	return n > 1 && isWordNode(out[n-1], "not") && isWordNode(out[n-2], "is")
}

func isStringLeaf(n *node) bool { return n != nil && n.kind == nLeaf && n.tok.kind == tkString }

func isNameTok(n *node) bool {
	return n != nil && n.kind == nLeaf && (n.tok.kind == tkIdent || n.tok.kind == tkQIdent)
}

// primaries collapses operands into single nodes: literals, casts, calls,
// identifier chains, subscripts, ARRAY[...], CASE ... END.
func (r *rewriter) primaries(in []*node) ([]*node, *Error) {
	var out []*node
	for i := 0; i < len(in); i++ {
		n := in[i]
		prev := last(out)
		switch n.kind {
		case nSynth:
			out = append(out, n)
			continue
		case nParen:
			var g *node
			var err *Error
			if windowDef(out) && !isQuery(n.kids) {
				g, err = r.windowSpec(n)
			} else {
				g, err = r.group(n, ctxQuery)
			}
			if err != nil {
				return nil, err
			}
			var res *node = g
			// (expr).field: composite field selection
			for at(in, i+1) != nil && in[i+1].isPunct(".") && isNameTok(at(in, i+2)) {
				fld := in[i+2].tok
				inner := res
				res = synth(func(w *writer) {
					w.add("eddy_field", inner.pos())
					w.tight("(", inner.pos())
					w.node(inner)
					w.tight(", ", fld.pos)
					w.raw(quoteString(fld.val), fld.pos)
					w.tight(")", fld.pos)
				})
				i += 2
			}
			out = append(out, res)
			continue
		case nBracket:
			if prev == nil || !prev.prim {
				return nil, r.errAt(n)
			}
			s, err := r.subscript(prev, n)
			if err != nil {
				return nil, err
			}
			out[len(out)-1] = s
			continue
		}
		t := n.tok
		switch t.kind {
		case tkParam:
			out = append(out, synth(func(w *writer) { w.add("eddy_param("+t.val+")", t.pos) }))
			continue
		case tkString, tkNumber:
			out = append(out, &node{kind: nLeaf, tok: t, prim: true})
			continue
		case tkOp:
			if t.val == "::" {
				if prev == nil || !prev.prim {
					return nil, r.errAt(n)
				}
				typ, next, ok := parseTypeNodes(in, i+1)
				if !ok {
					if i+1 >= len(in) {
						return nil, endOfInputErr(r.src, t.end)
					}
					return nil, r.errAt(in[i+1])
				}
				out[len(out)-1] = castNode(prev, typ, t.pos)
				i = next - 1
				continue
			}
			out = append(out, n)
			continue
		case tkPunct:
			out = append(out, n)
			continue
		case tkQIdent:
			c, next, err := r.chain(in, i)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			i = next - 1
			continue
		}
		// an unquoted word
		w := t.val
		nx := at(in, i+1)
		nextParen := nx != nil && nx.kind == nParen
		switch {
		case w == "array" && nx != nil && nx.kind == nBracket:
			a, err := r.arrayLit(nx, t.pos)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
			i++
			continue
		case w == "array" && nextParen:
			g, err := r.group(nx, ctxQuery)
			if err != nil {
				return nil, err
			}
			out = append(out, synth(func(w *writer) {
				w.add("eddy_array_subquery(", t.pos)
				w.node(g)
				w.tight(")", g.close.pos)
			}))
			i++
			continue
		case typeLiteralStart[w] && !(prev != nil && prev.isPunct(".")):
			if typ, next, ok := parseTypeNodes(in, i); ok && next < len(in) && in[next].kind == nLeaf && in[next].tok.kind == tkString {
				lit := in[next]
				if f := at(in, next+1); f != nil && f.kind == nLeaf && f.tok.kind == tkIdent && intervalFields[f.tok.val] && typ == "interval" {
					c, end, err := r.qualifiedInterval(in, next)
					if err != nil {
						return nil, err
					}
					out = append(out, castNode(c, typ, t.pos))
					i = end
					continue
				}
				out = append(out, castNode(&node{kind: nLeaf, tok: lit.tok, prim: true}, typ, t.pos))
				i = next
				continue
			}
		case w == "cast" && nextParen:
			c, err := r.cast(nx, t.pos)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			i++
			continue
		case w == "extract" && nextParen:
			c, err := r.extract(nx, t.pos)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			i++
			continue
		case w == "operator" && nextParen:
			var op *node
			for _, k := range nx.kids {
				if k.kind == nLeaf && k.tok.kind == tkOp {
					op = k
				}
			}
			if op == nil {
				return nil, r.errAt(nx)
			}
			out = append(out, &node{kind: nLeaf, tok: token{kind: tkOp, val: op.tok.val, pos: t.pos, end: nx.close.end}})
			i++
			continue
		case w == "collate" && prev != nil:
			j := i + 1
			if !isNameTok(at(in, j)) {
				return nil, r.errAt(n)
			}
			j++
			for at(in, j) != nil && in[j].isPunct(".") && isNameTok(at(in, j+1)) {
				j += 2
			}
			i = j - 1
			continue
		case w == "escape" && isStringLeaf(nx) && utf8.RuneCountInString(nx.tok.val) > 1:
			return nil, &Error{Code: CodeInvalidEscapeSequence, Message: "invalid escape string",
				Hint: "Escape string must be empty or one character."}
		case w == "like" || w == "ilike" || (w == "not" && (isWordNode(nx, "like") || isWordNode(nx, "ilike"))):
			// x [NOT] LIKE ANY|ALL (array): TiDB has no quantified LIKE, so
			// it becomes an operator that the operand scanner turns into a
			// call of eddy_like_any.
			j := i
			if w == "not" {
				j++
			}
			q, g := at(in, j+1), at(in, j+2)
			if !(isWordNode(q, "any") || isWordNode(q, "some") || isWordNode(q, "all")) || g == nil || g.kind != nParen || isQuery(g.kids) {
				break
			}
			grp, err := r.group(g, ctxQuery)
			if err != nil {
				return nil, err
			}
			mode := in[j].tok.val
			if w == "not" {
				mode = "not " + mode
			}
			if q.tok.val == "all" {
				mode += " all"
			} else {
				mode += " any"
			}
			out = append(out, &node{kind: nLeaf, tok: token{kind: tkOp, val: "@like:" + mode, pos: t.pos, end: q.tok.end}}, grp)
			i = j + 2
			continue
		case (w == "any" || w == "some" || w == "all") && nextParen && prev != nil && prev.kind == nLeaf && prev.tok.kind == tkOp:
			g, err := r.group(nx, ctxQuery)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
			if isQuery(nx.kids) {
				out = append(out, g)
			} else {
				out = append(out, synth(func(w *writer) {
					w.add("(select eddy_unnest(", nx.tok.pos)
					w.seq(g.kids)
					w.tight("))", nx.close.pos)
				}))
			}
			i++
			continue
		case w == "case":
			depth, j := 0, i+1
			for ; j < len(in); j++ {
				if in[j].isWord("case") {
					depth++
				} else if in[j].isWord("end") {
					if depth == 0 {
						break
					}
					depth--
				}
			}
			if j >= len(in) {
				return nil, r.errEnd(in, t.end)
			}
			body, err := r.seq(in[i+1:j], ctxArgs)
			if err != nil {
				return nil, err
			}
			endTok := in[j].tok
			out = append(out, synth(func(w *writer) {
				w.add("case", t.pos)
				w.seq(body)
				w.add("end", endTok.pos)
			}))
			i = j
			continue
		case w == "is":
			// IS [NOT] DISTINCT FROM becomes one operator for the operand scanner.
			j := i + 1
			neg := false
			if isWordNode(at(in, j), "not") {
				neg = true
				j++
			}
			if isWordNode(at(in, j), "distinct") && isWordNode(at(in, j+1), "from") {
				v := "@isdf"
				if neg {
					v = "@isndf"
				}
				out = append(out, &node{kind: nLeaf, tok: token{kind: tkOp, val: v, pos: t.pos, end: in[j+1].tok.end}})
				i = j + 1
				continue
			}
		case w == "similar":
			if o, next, ok := similarOp(in, i, out); ok {
				out, i = o, next
				continue
			}
		case w == "at" && isWordNode(nx, "time") && isWordNode(at(in, i+2), "zone"):
			out = append(out, &node{kind: nLeaf, tok: token{kind: tkOp, val: "@tz", pos: t.pos, end: in[i+2].tok.end}})
			i += 2
			continue
		}
		if r.isKeywordHere(in, i, prev) {
			if (w == "true" || w == "false") && !afterIs(out) {
				// The parser makes TRUE the integer 1 (MySQL has no
				// booleans): spell it as a boolean cast. IS [NOT] TRUE stays.
				lit := "'t'"
				if w == "false" {
					lit = "'f'"
				}
				out = append(out, synth(func(wr *writer) {
					wr.add("eddy_cast(", t.pos)
					wr.raw(lit, t.pos)
					wr.tight(", ", t.pos)
					wr.raw("'boolean'", t.pos)
					wr.tight(")", t.pos)
				}))
			} else if bareCallKeywords[w] && !nextParen {
				// TiDB reads these as column names: spell them as the
				// calls they are (Grafana's table picker says user).
				out = append(out, synth(func(wr *writer) {
					wr.add(w, t.pos)
					wr.tight("()", t.pos)
				}))
			} else if valueKeywords[w] && !(nextParen && callableKeywords[w]) {
				out = append(out, &node{kind: nLeaf, tok: t, prim: true})
			} else if nextParen && callableKeywords[w] {
				c, next, err := r.chain(in, i)
				if err != nil {
					return nil, err
				}
				out = append(out, c)
				i = next - 1
			} else {
				out = append(out, n)
			}
			continue
		}
		c, next, err := r.chain(in, i)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		i = next - 1
	}
	return out, nil
}

// qualifiedInterval reads interval 'text' FIELD [TO FIELD] [(p)] starting at
// the literal in[lit]. The value is computed here, under the qualifier's
// rules, and becomes a plain literal: the qualifier changes how the text is
// read, which the TiDB grammar cannot carry. It returns the literal node and
// the index of the last node consumed.
func (r *rewriter) qualifiedInterval(in []*node, lit int) (*node, int, *Error) {
	j := lit + 1
	rng := in[j].tok.val
	if isWordNode(at(in, j+1), "to") && at(in, j+2) != nil && intervalFields[at(in, j+2).tok.val] {
		rng += " to " + in[j+2].tok.val
		j += 2
	}
	if _, ok := intervalRanges[rng]; !ok {
		return nil, 0, r.errAt(in[j])
	}
	prec := -1
	if p := at(in, j+1); strings.HasSuffix(rng, "second") && p != nil && p.kind == nParen && len(p.kids) == 1 && p.kids[0].kind == nLeaf && p.kids[0].tok.kind == tkNumber {
		n, err := strconv.Atoi(p.kids[0].tok.val)
		if err != nil {
			return nil, 0, r.errAt(p.kids[0])
		}
		prec = min(n, 6)
		j++
	}
	text, err := qualifiedIntervalText(in[lit].tok.val, rng, prec)
	if err != nil {
		e := err.(*Error)
		e.Position = charPos(r.src, in[lit].tok.pos)
		return nil, 0, e
	}
	tok := in[lit].tok
	tok.val = text
	return &node{kind: nLeaf, tok: tok, prim: true}, j, nil
}

// isKeywordHere decides whether the unquoted word at in[i] is syntax.
func (r *rewriter) isKeywordHere(in []*node, i int, prev *node) bool {
	w := in[i].tok.val
	nx := at(in, i+1)
	switch w {
	case "offset", "limit":
		// Kafka sources have a column named offset: it is the clause only after
		// a complete operand or the end of an ORDER BY item.
		return prev != nil && (prev.prim || prev.isWord("asc") || prev.isWord("desc") || prev.isWord("first") || prev.isWord("last"))
	case "partition":
		return isWordNode(nx, "by")
	case "rows", "range", "groups":
		if nx == nil {
			return prev != nil && prev.prim && prev.kind == nLeaf && prev.tok.kind == tkNumber
		}
		if isWordNode(nx, "between") || isWordNode(nx, "unbounded") || isWordNode(nx, "current") || isWordNode(nx, "only") {
			return true
		}
		if nx.kind == nLeaf && nx.tok.kind == tkNumber {
			return true
		}
		return prev != nil && prev.kind == nLeaf && (prev.tok.kind == tkNumber || prev.tok.kind == tkParam)
	case "recursive":
		return prev != nil && prev.isWord("with")
	case "over":
		return false
	}
	return pgKeywords[w]
}

// chain reads an identifier chain a.b."C".* and, when an argument list
// follows, a function call with its FILTER / WITHIN GROUP / OVER.
func (r *rewriter) chain(in []*node, i int) (*node, int, *Error) {
	var parts []token
	parts = append(parts, in[i].tok)
	j := i + 1
	for at(in, j) != nil && in[j].isPunct(".") {
		nx := at(in, j+1)
		if isNameTok(nx) || (nx != nil && nx.isOp("*")) {
			parts = append(parts, nx.tok)
			j += 2
			continue
		}
		if nx == nil {
			return nil, 0, endOfInputErr(r.src, in[j].tok.end)
		}
		return nil, 0, r.errAt(nx)
	}
	nx := at(in, j)
	isCall := nx != nil && nx.kind == nParen && parts[len(parts)-1].kind != tkOp
	var names []string
	for k, p := range parts {
		switch {
		case p.kind == tkQIdent:
			names = append(names, quoteIdent(p.val))
		case p.kind == tkOp:
			names = append(names, "*")
		case isCall && k == len(parts)-1 && tidbQuoteCall[p.val]:
			names = append(names, quoteIdent(p.val))
		case isCall && k == len(parts)-1:
			names = append(names, p.val)
		case tidbQuote[p.val]:
			names = append(names, quoteIdent(p.val))
		default:
			names = append(names, p.val)
		}
	}
	text := strings.Join(names, ".")
	start := parts[0].pos
	if !isCall {
		nd := synth(func(w *writer) { w.add(text, start) })
		nd.ident = true
		nd.name = parts[len(parts)-1].val
		if len(parts) > 1 {
			nd.name = ""
		} else if parts[0].kind == tkIdent && text == parts[0].val {
			nd.word = text
		}
		if parts[len(parts)-1].kind == tkOp {
			nd.prim = true
		}
		return nd, j, nil
	}
	c, next, err := r.call(in, j, text, start)
	return c, next, err
}

// call builds a function call whose argument list is in[j].
func (r *rewriter) call(in []*node, j int, name string, start int) (*node, int, *Error) {
	g, nerr := r.namedArgs(name, in[j])
	if nerr != nil {
		return nil, 0, nerr
	}
	if res, ok, err := r.sqlSyntaxCall(name, g, start); ok {
		return res, j + 1, err
	}
	args := g.kids
	var order []*node
	for k := 0; k+1 < len(args); k++ {
		if args[k].isWord("order") && args[k+1].isWord("by") {
			order = args[k+2:]
			args = args[:k]
			break
		}
	}
	rargs, err := r.seq(args, ctxArgs)
	if err != nil {
		return nil, 0, err
	}
	items, err := r.aggOrder(order)
	if err != nil {
		return nil, 0, err
	}
	if k := strings.ToLower(strings.TrimPrefix(name, "pg_catalog.")); (k == "first_value" || k == "last_value") && !callHasOver(in, j) {
		// The TiDB grammar has these only as window functions; RisingWave
		// also has them as aggregates (with ORDER BY in the call), which
		// the planner binds from a plain call.
		name = quoteIdent(k)
	}
	if k := strings.ToLower(strings.TrimPrefix(name, "pg_catalog.")); k == "stddev" || k == "variance" {
		// The TiDB grammar reads stddev and variance as MySQL's population
		// versions; PostgreSQL's are the sample ones. Quoted, the name is a
		// plain call the planner binds itself; a window call keeps the plain
		// name, which the window rewrite carries through as a string.
		over := j + 1
		if isWordNode(at(in, over), "filter") {
			over += 2
		}
		if isWordNode(at(in, over), "over") {
			name = k
		} else {
			name = quoteIdent(k)
		}
	}
	distinct := false
	if len(rargs) > 0 && rargs[0].isWord("distinct") && !tidbDistinctAgg[strings.ToLower(strings.TrimPrefix(name, "pg_catalog."))] {
		// agg(DISTINCT x) for aggregates the TiDB grammar does not know
		// (string_agg, array_agg, bool_and ...): the planner reads the marker.
		rargs, distinct = rargs[1:], true
	}
	if strings.EqualFold(name, "concat") || strings.EqualFold(name, "pg_catalog.concat") {
		// The TiDB grammar turns a || b into concat(a, b); a call the user
		// wrote gets its own name so the planner can tell the two apart
		// (concat skips NULLs, || does not).
		name = "eddy_concat_fn"
	}
	base := synth(func(w *writer) {
		w.add(name, start)
		w.tight("(", g.tok.pos)
		w.seq(rargs)
		w.tight(")", g.close.pos)
	})
	if distinct {
		inner := base
		base = synth(func(w *writer) {
			w.add("eddy_agg_distinct(", start)
			w.node(inner)
			w.tight(")", g.close.pos)
		})
	}
	if order != nil {
		inner := base
		base = synth(func(w *writer) {
			w.add("eddy_agg_order(", start)
			w.node(inner)
			for _, it := range items {
				w.tight(",", start)
				w.node(it)
			}
			w.tight(")", g.close.pos)
		})
	}
	j++
	// WITHIN GROUP (ORDER BY ...): ordered-set aggregates
	if isWordNode(at(in, j), "within") && isWordNode(at(in, j+1), "group") && at(in, j+2) != nil && in[j+2].kind == nParen {
		wg := in[j+2]
		if len(wg.kids) < 2 || !wg.kids[0].isWord("order") || !wg.kids[1].isWord("by") {
			return nil, 0, r.errAt(wg)
		}
		items, err := r.aggOrder(wg.kids[2:])
		if err != nil {
			return nil, 0, err
		}
		inner := base
		base = synth(func(w *writer) {
			w.add("eddy_within_group(", start)
			w.node(inner)
			for _, it := range items {
				w.tight(",", start)
				w.node(it)
			}
			w.tight(")", wg.close.pos)
		})
		j += 3
	}
	var filter []*node
	var filterNode *node
	if isWordNode(at(in, j), "filter") && at(in, j+1) != nil && in[j+1].kind == nParen {
		fg := in[j+1]
		if len(fg.kids) == 0 || !fg.kids[0].isWord("where") {
			return nil, 0, r.errAt(fg)
		}
		filter, err = r.seq(fg.kids[1:], ctxArgs)
		if err != nil {
			return nil, 0, err
		}
		filterNode = fg
		j += 2
	}
	var over []*node
	if isWordNode(at(in, j), "over") && at(in, j+1) != nil {
		wn := in[j+1]
		switch {
		case wn.kind == nParen:
			g2, err := r.windowSpec(wn)
			if err != nil {
				return nil, 0, err
			}
			over = []*node{in[j], g2}
		case isNameTok(wn):
			over = []*node{in[j], wn}
		default:
			return nil, 0, r.errAt(wn)
		}
		j += 2
		if wc := windowCall(name, rargs, distinct, order != nil, start, g); wc != nil {
			base = wc
		}
	}
	res := base
	if over != nil || filterNode != nil {
		res = synth(func(w *writer) {
			if filterNode != nil {
				w.add("eddy_filter(", start)
			}
			w.node(base)
			w.seq(over)
			if filterNode != nil {
				w.tight(",", filterNode.tok.pos)
				w.seq(filter)
				w.tight(")", filterNode.close.pos)
			}
		})
	}
	res.call = true
	res.name = name
	if over == nil && filterNode == nil && order == nil {
		res.args = rargs
	}
	return res, j, nil
}

// callHasOver reports whether the call whose argument list is in[j] has an
// OVER clause (after a FILTER clause, if any).
func callHasOver(in []*node, j int) bool {
	over := j + 1
	if isWordNode(at(in, over), "filter") {
		over += 2
	}
	return isWordNode(at(in, over), "over")
}

// aggOrder rewrites the items of an aggregate's ORDER BY into expressions:
// DESC becomes eddy_desc(x), NULLS FIRST/LAST eddy_nulls_first/last(x).
func (r *rewriter) aggOrder(order []*node) ([]*node, *Error) {
	if order == nil {
		return nil, nil
	}
	var items []*node
	for _, it := range splitTop(order) {
		if len(it) == 0 {
			return nil, r.errEnd(order, 0)
		}
		expr, dir, nulls := splitOrderItem(it)
		e, err := r.seq(expr, ctxArgs)
		if err != nil {
			return nil, err
		}
		if len(e) == 0 {
			return nil, r.errAt(it[0])
		}
		pos := it[0].pos()
		item := synth(func(w *writer) { w.seq(e) })
		if nulls != "" {
			inner := item
			item = synth(func(w *writer) {
				w.add("eddy_nulls_"+nulls+"(", pos)
				w.node(inner)
				w.tight(")", pos)
			})
		}
		if dir == "desc" {
			inner := item
			item = synth(func(w *writer) {
				w.add("eddy_desc(", pos)
				w.node(inner)
				w.tight(")", pos)
			})
		}
		items = append(items, item)
	}
	return items, nil
}

// splitOrderItem strips [ASC|DESC] [NULLS FIRST|LAST] from an ORDER BY item.
func splitOrderItem(it []*node) (expr []*node, dir, nulls string) {
	expr = it
	if n := len(expr); n >= 2 && expr[n-2].isWord("nulls") && (expr[n-1].isWord("first") || expr[n-1].isWord("last")) {
		nulls = "last"
		if expr[n-1].isWord("first") {
			nulls = "first"
		}
		expr = expr[:n-2]
	}
	if n := len(expr); n >= 1 && (expr[n-1].isWord("asc") || expr[n-1].isWord("desc")) {
		dir = expr[n-1].tok.val
		expr = expr[:n-1]
	}
	return expr, dir, nulls
}

func castNode(x *node, typ string, pos int) *node {
	return synth(func(w *writer) {
		w.add("eddy_cast(", x.pos())
		w.node(x)
		w.tight(", ", pos)
		w.raw(quoteString(typ), pos)
		w.tight(")", pos)
	})
}

func (r *rewriter) cast(g *node, pos int) (*node, *Error) {
	k := -1
	for i, n := range g.kids {
		if n.isWord("as") {
			k = i
		}
	}
	if k < 0 {
		return nil, r.errEnd(g.kids, g.close.pos)
	}
	typ, next, ok := parseTypeNodes(g.kids, k+1)
	if !ok || next != len(g.kids) {
		if next < len(g.kids) && ok {
			return nil, r.errAt(g.kids[next])
		}
		if k+1 < len(g.kids) {
			return nil, r.errAt(g.kids[k+1])
		}
		return nil, syntaxErrAt(r.src, g.close)
	}
	e, err := r.seq(g.kids[:k], ctxArgs)
	if err != nil {
		return nil, err
	}
	if len(e) == 0 {
		return nil, r.errAt(g.kids[k])
	}
	return castNode(synth(func(w *writer) { w.seq(e) }), typ, pos), nil
}

func (r *rewriter) extract(g *node, pos int) (*node, *Error) {
	ks := g.kids
	if len(ks) < 3 || ks[0].kind != nLeaf || (ks[0].tok.kind != tkIdent && ks[0].tok.kind != tkString) || !ks[1].isWord("from") {
		if len(ks) == 0 {
			return nil, syntaxErrAt(r.src, g.close)
		}
		if len(ks) < 3 {
			return nil, syntaxErrAt(r.src, g.close)
		}
		return nil, r.errAt(ks[1])
	}
	field := strings.ToLower(ks[0].tok.val)
	e, err := r.seq(ks[2:], ctxArgs)
	if err != nil {
		return nil, err
	}
	return synth(func(w *writer) {
		w.add("eddy_extract(", pos)
		w.raw(quoteString(field), ks[0].tok.pos)
		w.tight(", ", ks[1].tok.pos)
		w.seq(e)
		w.tight(")", g.close.pos)
	}), nil
}

func (r *rewriter) arrayLit(b *node, pos int) (*node, *Error) {
	var elems []*node
	if len(b.kids) > 0 {
		for _, el := range splitTop(b.kids) {
			if len(el) == 0 {
				return nil, r.errAt(b)
			}
			if len(el) == 1 && el[0].kind == nBracket {
				a, err := r.arrayLit(el[0], el[0].tok.pos)
				if err != nil {
					return nil, err
				}
				elems = append(elems, a)
				continue
			}
			e, err := r.seq(el, ctxArgs)
			if err != nil {
				return nil, err
			}
			elems = append(elems, synth(func(w *writer) { w.seq(e) }))
		}
	}
	return synth(func(w *writer) {
		w.add("eddy_array(", pos)
		for i, e := range elems {
			if i > 0 {
				w.tight(",", e.pos())
			}
			w.node(e)
		}
		w.tight(")", b.close.pos)
	}), nil
}

func (r *rewriter) subscript(x *node, b *node) (*node, *Error) {
	return r.subscriptChain(x, b)
}

// parseTypeNodes reads a PostgreSQL type name at ns[i] and returns its
// normalized text (lowercase, single spaces) and the index after it.
func parseTypeNodes(ns []*node, i int) (string, int, bool) {
	j := i
	prefix := ""
	if isNameTok(at(ns, j)) && isPunctNode(at(ns, j+1), ".") && isNameTok(at(ns, j+2)) {
		prefix = typeWord(ns[j].tok) + "."
		j += 2
	}
	n := at(ns, j)
	if !isNameTok(n) {
		return "", i, false
	}
	base := typeWord(n.tok)
	j++
	word := func(w string) bool {
		if isWordNode(at(ns, j), w) {
			j++
			return true
		}
		return false
	}
	typmod := func() string {
		g := at(ns, j)
		if g == nil || g.kind != nParen {
			return ""
		}
		var parts []string
		for k, c := range g.kids {
			if k%2 == 1 {
				if !c.isPunct(",") {
					return ""
				}
				continue
			}
			if c.kind != nLeaf || c.tok.kind != tkNumber {
				return ""
			}
			parts = append(parts, c.tok.val)
		}
		if len(parts) == 0 || len(g.kids)%2 == 0 {
			return ""
		}
		j++
		return "(" + strings.Join(parts, ",") + ")"
	}
	if n.tok.kind == tkIdent {
		switch base {
		case "double":
			if word("precision") {
				base = "double precision"
			}
		case "character", "char", "nchar":
			if word("varying") {
				base += " varying"
			}
		case "national":
			if word("character") || word("char") {
				base = "character"
				if word("varying") {
					base += " varying"
				}
			}
		case "bit":
			if word("varying") {
				base = "bit varying"
			}
		case "time", "timestamp":
			base += typmod()
			save := j
			if word("with") || word("without") {
				kind := ns[j-1].tok.val
				if word("time") && word("zone") {
					base += " " + kind + " time zone"
				} else {
					j = save
				}
			}
			goto arrays
		}
	}
	base += typmod()
arrays:
	for {
		b := at(ns, j)
		if b == nil || b.kind != nBracket || len(b.kids) > 1 || (len(b.kids) == 1 && (b.kids[0].kind != nLeaf || b.kids[0].tok.kind != tkNumber)) {
			break
		}
		base += "[]"
		j++
	}
	return prefix + base, j, true
}

func isPunctNode(n *node, p string) bool { return n != nil && n.isPunct(p) }

func typeWord(t token) string {
	if t.kind == tkQIdent {
		if t.val == "char" {
			return `"char"`
		}
		return t.val
	}
	return t.val
}

// tidbDistinctAgg are the aggregates whose DISTINCT the TiDB grammar parses.
var tidbDistinctAgg = wordSet(`count sum avg min max group_concat bit_and bit_or bit_xor std stddev stddev_pop
stddev_samp var_pop var_samp variance json_arrayagg json_objectagg approx_count_distinct`)

// distinctOn turns SELECT DISTINCT ON (exprs) into a marker the planner reads
// and removes: SELECT eddy_distinct_on(exprs) AS eddy_distinct_on, ....
func distinctOn(out []*node) []*node {
	for i := 0; i+3 < len(out); i++ {
		if !out[i].isWord("select") || !out[i+1].isWord("distinct") || !out[i+2].isWord("on") || out[i+3].kind != nParen {
			continue
		}
		p, pos := out[i+3], out[i+1].tok.pos
		marker := synth(func(w *writer) {
			w.add("eddy_distinct_on", pos)
			w.tight("(", p.tok.pos)
			w.seq(p.kids)
			w.tight(")", p.close.pos)
			w.add("as eddy_distinct_on", p.close.pos)
			w.tight(",", p.close.pos)
		})
		out = append(out[:i+1], append([]*node{marker}, out[i+4:]...)...)
	}
	return out
}

// cteMaterialized drops the AS [NOT] MATERIALIZED hint of a CTE: eddy
// computes every CTE once, which is what MATERIALIZED asks for, and NOT
// MATERIALIZED changes no result.
func cteMaterialized(out []*node) []*node {
	for i := 0; i+1 < len(out); i++ {
		if !out[i].isWord("as") {
			continue
		}
		switch {
		case out[i+1].isWord("materialized") && at(out, i+2) != nil && out[i+2].kind == nParen:
			out = append(out[:i+1], out[i+2:]...)
		case out[i+1].isWord("not") && isWordNode(at(out, i+2), "materialized") && at(out, i+3) != nil && out[i+3].kind == nParen:
			out = append(out[:i+1], out[i+3:]...)
		}
	}
	return out
}

// quoteKeywordLabels quotes a keyword used as a column label after AS
// (SELECT ... AS default, ...): PostgreSQL accepts any keyword there,
// the TiDB grammar only plain identifiers.
func quoteKeywordLabels(out []*node) []*node {
	for i := 1; i < len(out); i++ {
		n := out[i]
		if !out[i-1].isWord("as") || n.kind != nLeaf || n.tok.kind != tkIdent {
			continue
		}
		next := at(out, i+1)
		if next != nil && !next.isPunct(",") && !next.isWord("from") && !next.isWord("into") {
			continue
		}
		if !pgKeywords[n.tok.val] && !tidbQuote[n.tok.val] {
			continue
		}
		w := n.tok.val
		pos := n.tok.pos
		out[i] = synth(func(wr *writer) { wr.add(quoteIdent(w), pos) })
	}
	return out
}
