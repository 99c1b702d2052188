package builtin

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

// A subset of SQL/JSON path for jsonb_path_exists, _query_first,
// _query_array and @?: $, .key, ."key", .*, [n], [n to m], [last], [*],
// filters ?(...) over @ with comparisons, &&, ||, !, exists(...), and
// literals; lax mode (the default) unwraps arrays for member access and
// comparisons and turns structural errors into empty results. The path is
// parsed on every call: eddy has no jsonpath type to keep it in.

type jpStep struct {
	kind   byte // '.' member, '*' any member, '[' subscripts, 'w' [*], '?' filter
	key    string
	ranges [][2]jpIndex
	filter *jpExpr
}

type jpIndex struct {
	n    int64
	last bool // last, or last - n with n negative
}

type jpExpr struct {
	op   string // "path", "lit", "&&", "||", "!", "exists", "==", "!=", "<", "<=", ">", ">="
	root byte   // path: '$' or '@'
	path []jpStep
	lit  *jnode
	l, r *jpExpr
}

type jpParser struct {
	s string
	i int
}

func jpError(s string) error {
	return sql.Errorf("42601", "syntax error at or near \"%s\" of jsonpath input", s)
}

func (p *jpParser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *jpParser) eat(t string) bool {
	p.ws()
	if strings.HasPrefix(p.s[p.i:], t) {
		p.i += len(t)
		return true
	}
	return false
}

func (p *jpParser) ident() string {
	p.ws()
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z' || p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] >= 0x80) {
		j++
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

func (p *jpParser) str() (string, error) {
	jp := jparser{s: p.s, i: p.i}
	s, err := jp.str()
	if err != nil {
		return "", jpError(p.s[p.i:])
	}
	p.i = jp.i
	return s, nil
}

func parseJSONPath(s string) (*jpExpr, bool, error) {
	p := &jpParser{s: s}
	strict := false
	if p.eat("strict ") {
		strict = true
	} else {
		p.eat("lax ")
	}
	e, err := p.or()
	if err != nil {
		return nil, false, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, false, jpError(p.s[p.i:])
	}
	return e, strict, nil
}

func (p *jpParser) or() (*jpExpr, error) {
	l, err := p.and()
	for err == nil && p.eat("||") {
		var r *jpExpr
		if r, err = p.and(); err == nil {
			l = &jpExpr{op: "||", l: l, r: r}
		}
	}
	return l, err
}

func (p *jpParser) and() (*jpExpr, error) {
	l, err := p.not()
	for err == nil && p.eat("&&") {
		var r *jpExpr
		if r, err = p.not(); err == nil {
			l = &jpExpr{op: "&&", l: l, r: r}
		}
	}
	return l, err
}

func (p *jpParser) not() (*jpExpr, error) {
	if p.eat("!") {
		x, err := p.not()
		return &jpExpr{op: "!", l: x}, err
	}
	return p.cmp()
}

func (p *jpParser) cmp() (*jpExpr, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"==", "!=", "<>", "<=", ">=", "<", ">"} {
		if p.eat(op) {
			r, err := p.primary()
			if op == "<>" {
				op = "!="
			}
			return &jpExpr{op: op, l: l, r: r}, err
		}
	}
	return l, nil
}

func (p *jpParser) primary() (*jpExpr, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, jpError("end")
	}
	switch c := p.s[p.i]; {
	case c == '(':
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, jpError(p.s[p.i:])
		}
		return e, nil
	case c == '$' || c == '@':
		p.i++
		steps, err := p.steps()
		return &jpExpr{op: "path", root: c, path: steps}, err
	case c == '"':
		s, err := p.str()
		return &jpExpr{op: "lit", lit: &jnode{kind: 's', str: s, raw: string(sql.AppendJSONString(nil, s))}}, err
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.s) && strings.IndexByte("0123456789.eE", p.s[j]) >= 0 {
			j++
		}
		num := strings.TrimPrefix(p.s[p.i:j], "+")
		if _, _, err := apd.NewFromString(num); err != nil {
			return nil, jpError(num)
		}
		p.i = j
		return &jpExpr{op: "lit", lit: &jnode{kind: 'n', raw: num}}, nil
	}
	switch id := p.ident(); id {
	case "true":
		return &jpExpr{op: "lit", lit: &jnode{kind: 't', raw: "true"}}, nil
	case "false":
		return &jpExpr{op: "lit", lit: &jnode{kind: 'f', raw: "false"}}, nil
	case "null":
		return &jpExpr{op: "lit", lit: &jnode{kind: 'z', raw: "null"}}, nil
	case "exists":
		if !p.eat("(") {
			return nil, jpError(p.s[p.i:])
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, jpError(p.s[p.i:])
		}
		return &jpExpr{op: "exists", l: e}, nil
	default:
		return nil, jpError(id)
	}
}

func (p *jpParser) index() (jpIndex, error) {
	if p.eat("last") {
		ix := jpIndex{last: true}
		if p.eat("-") {
			p.ws()
			j := p.i
			for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
				j++
			}
			n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
			if err != nil {
				return ix, jpError(p.s[p.i:])
			}
			p.i, ix.n = j, -n
		}
		return ix, nil
	}
	p.ws()
	j := p.i
	if j < len(p.s) && p.s[j] == '-' {
		j++
	}
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if err != nil {
		return jpIndex{}, jpError(p.s[p.i:])
	}
	p.i = j
	return jpIndex{n: n}, nil
}

func (p *jpParser) steps() ([]jpStep, error) {
	var out []jpStep
	for {
		p.ws()
		switch {
		case p.eat(".*"):
			out = append(out, jpStep{kind: '*'})
		case p.eat("."):
			p.ws()
			var k string
			if p.i < len(p.s) && p.s[p.i] == '"' {
				var err error
				if k, err = p.str(); err != nil {
					return nil, err
				}
			} else if k = p.ident(); k == "" {
				return nil, jpError(p.s[p.i:])
			}
			out = append(out, jpStep{kind: '.', key: k})
		case p.eat("[*]"):
			out = append(out, jpStep{kind: 'w'})
		case p.eat("["):
			st := jpStep{kind: '['}
			for {
				lo, err := p.index()
				if err != nil {
					return nil, err
				}
				hi := lo
				if p.eat("to") {
					if hi, err = p.index(); err != nil {
						return nil, err
					}
				}
				st.ranges = append(st.ranges, [2]jpIndex{lo, hi})
				if p.eat(",") {
					continue
				}
				if !p.eat("]") {
					return nil, jpError(p.s[p.i:])
				}
				break
			}
			out = append(out, st)
		case p.eat("?"):
			if !p.eat("(") {
				return nil, jpError(p.s[p.i:])
			}
			f, err := p.or()
			if err != nil {
				return nil, err
			}
			if !p.eat(")") {
				return nil, jpError(p.s[p.i:])
			}
			out = append(out, jpStep{kind: '?', filter: f})
		default:
			return out, nil
		}
	}
}

type jpEval struct {
	root   *jnode
	strict bool
}

func (ev *jpEval) steps(items []*jnode, steps []jpStep) ([]*jnode, error) {
	for _, st := range steps {
		var next []*jnode
		for _, n := range items {
			r, err := ev.step(n, st)
			if err != nil {
				return nil, err
			}
			next = append(next, r...)
		}
		items = next
	}
	return items, nil
}

func (ev *jpEval) step(n *jnode, st jpStep) ([]*jnode, error) {
	switch st.kind {
	case '.':
		if n.kind == 'a' && !ev.strict {
			var out []*jnode
			for _, e := range n.items {
				r, err := ev.step(e, st)
				if err != nil {
					return nil, err
				}
				out = append(out, r...)
			}
			return out, nil
		}
		if v := n.field(st.key); v != nil {
			return []*jnode{v}, nil
		}
		if ev.strict {
			return nil, sql.Errorf("2203A", "JSON object does not contain key \"%s\"", st.key)
		}
		return nil, nil
	case '*':
		if n.kind == 'a' && !ev.strict {
			var out []*jnode
			for _, e := range n.items {
				r, _ := ev.step(e, st)
				out = append(out, r...)
			}
			return out, nil
		}
		return n.vals, nil
	case 'w':
		if n.kind == 'a' {
			return n.items, nil
		}
		if ev.strict {
			return nil, sql.Errorf("22039", "jsonpath wildcard array accessor can only be applied to an array")
		}
		return []*jnode{n}, nil
	case '[':
		items := n.items
		if n.kind != 'a' {
			if ev.strict {
				return nil, sql.Errorf("2203B", "jsonpath array accessor can only be applied to an array")
			}
			items = []*jnode{n}
		}
		var out []*jnode
		resolve := func(ix jpIndex) int64 {
			if ix.last {
				return int64(len(items)) - 1 + ix.n
			}
			return ix.n
		}
		for _, r := range st.ranges {
			lo, hi := resolve(r[0]), resolve(r[1])
			if ev.strict && (lo < 0 || hi >= int64(len(items)) || lo > hi) {
				return nil, sql.Errorf("22033", "jsonpath array subscript is out of bounds")
			}
			for i := max(lo, 0); i <= hi && i < int64(len(items)); i++ {
				out = append(out, items[i])
			}
		}
		return out, nil
	case '?':
		t, err := ev.pred(st.filter, n)
		if err != nil {
			return nil, err
		}
		if t == 1 {
			return []*jnode{n}, nil
		}
		return nil, nil
	}
	return nil, nil
}

// value evaluates a path or literal to its sequence of items.
func (ev *jpEval) value(e *jpExpr, cur *jnode) ([]*jnode, error) {
	switch e.op {
	case "lit":
		return []*jnode{e.lit}, nil
	case "path":
		start := ev.root
		if e.root == '@' {
			start = cur
		}
		return ev.steps([]*jnode{start}, e.path)
	}
	t, err := ev.pred(e, cur)
	if err != nil {
		return nil, err
	}
	switch t {
	case 1:
		return []*jnode{{kind: 't', raw: "true"}}, nil
	case 0:
		return []*jnode{{kind: 'f', raw: "false"}}, nil
	}
	return []*jnode{{kind: 'z', raw: "null"}}, nil
}

// pred evaluates a predicate in SQL/JSON's three-valued logic: 1 true,
// 0 false, -1 unknown.
func (ev *jpEval) pred(e *jpExpr, cur *jnode) (int, error) {
	switch e.op {
	case "&&", "||":
		l, err := ev.pred(e.l, cur)
		if err != nil {
			return 0, err
		}
		if e.op == "&&" && l == 0 || e.op == "||" && l == 1 {
			return l, nil
		}
		r, err := ev.pred(e.r, cur)
		if err != nil {
			return 0, err
		}
		if e.op == "&&" {
			switch {
			case r == 0:
				return 0, nil
			case l == -1 || r == -1:
				return -1, nil
			}
			return 1, nil
		}
		if l == 1 || r == 1 {
			return 1, nil
		}
		if l == -1 || r == -1 {
			return -1, nil
		}
		return 0, nil
	case "!":
		l, err := ev.pred(e.l, cur)
		if l == -1 {
			return -1, err
		}
		return 1 - l, err
	case "exists":
		items, err := ev.value(e.l, cur)
		if err != nil {
			return -1, nil
		}
		if len(items) > 0 {
			return 1, nil
		}
		return 0, nil
	case "path", "lit":
		items, err := ev.value(e, cur)
		if err != nil || len(items) != 1 || (items[0].kind != 't' && items[0].kind != 'f') {
			return -1, nil
		}
		if items[0].kind == 't' {
			return 1, nil
		}
		return 0, nil
	}
	ls, err := ev.value(e.l, cur)
	if err != nil {
		return -1, nil
	}
	rs, err := ev.value(e.r, cur)
	if err != nil {
		return -1, nil
	}
	unwrap := func(xs []*jnode) []*jnode {
		if ev.strict {
			return xs
		}
		var out []*jnode
		for _, x := range xs {
			if x.kind == 'a' {
				out = append(out, x.items...)
			} else {
				out = append(out, x)
			}
		}
		return out
	}
	found, unknown := false, false
	for _, a := range unwrap(ls) {
		for _, b := range unwrap(rs) {
			switch c := jpCompare(e.op, a, b); c {
			case 1:
				found = true
			case -1:
				unknown = true
			}
		}
	}
	switch {
	case found:
		return 1, nil
	case unknown:
		return -1, nil
	}
	return 0, nil
}

func jpCompare(op string, a, b *jnode) int {
	var c int
	switch {
	case a.kind == 'z' || b.kind == 'z':
		if a.kind != b.kind {
			if op == "!=" {
				return 1
			}
			return 0
		}
		c = 0
	case a.kind == 'n' && b.kind == 'n':
		x, _, err1 := apd.NewFromString(a.raw)
		y, _, err2 := apd.NewFromString(b.raw)
		if err1 != nil || err2 != nil {
			return -1
		}
		c = x.Cmp(y)
	case a.kind == 's' && b.kind == 's':
		c = strings.Compare(a.str, b.str)
	case (a.kind == 't' || a.kind == 'f') && (b.kind == 't' || b.kind == 'f'):
		c = cmpBool(a.kind == 't', b.kind == 't')
	default:
		return -1
	}
	ok := false
	switch op {
	case "==":
		ok = c == 0
	case "!=":
		ok = c != 0
	case "<":
		ok = c < 0
	case "<=":
		ok = c <= 0
	case ">":
		ok = c > 0
	case ">=":
		ok = c >= 0
	}
	if ok {
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

func jsonPathQuery(doc, path sql.Value) ([]*jnode, error) {
	n, err := jsonArg(doc)
	if err != nil {
		return nil, err
	}
	e, strict, err := parseJSONPath(path.Text())
	if err != nil {
		return nil, err
	}
	return (&jpEval{root: n, strict: strict}).value(e, n)
}

func init() {
	Register(
		fn("jsonb_path_exists", types(sql.JSONB, sql.Text), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r, err := jsonPathQuery(a[0], a[1])
			if err != nil {
				return sql.Null, err
			}
			return sql.NewBool(len(r) > 0), nil
		}),
		fn("jsonb_path_query_first", types(sql.JSONB, sql.Text), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r, err := jsonPathQuery(a[0], a[1])
			if err != nil || len(r) == 0 {
				return sql.Null, err
			}
			return jsonbNormalize(string(render(nil, r[0])))
		}),
		fn("jsonb_path_query_array", types(sql.JSONB, sql.Text), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r, err := jsonPathQuery(a[0], a[1])
			if err != nil {
				return sql.Null, err
			}
			return renderJSONB(&jnode{kind: 'a', items: r})
		}),
	)
}
