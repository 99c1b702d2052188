package builtin

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

// jnode is a parsed JSON value that remembers its source text: json's
// operators return sub-values exactly as they were written, and since jsonb
// values are stored normalized, their slices are normalized too.
type jnode struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 't', 'f', 'z' null
	raw   string
	str   string // decoded string
	keys  []string
	vals  []*jnode // object values (parallel to keys) or array elements
	items []*jnode
}

type jparser struct {
	s string
	i int
}

func badJSON() error {
	return sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid input syntax for type json")
}

func parseJSON(s string) (*jnode, error) {
	p := jparser{s: s}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(s) {
		return nil, badJSON()
	}
	return n, nil
}

func (p *jparser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jparser) value() (*jnode, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, badJSON()
	}
	start := p.i
	n := &jnode{}
	switch c := p.s[p.i]; {
	case c == '{':
		n.kind = 'o'
		p.i++
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			break
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, badJSON()
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, badJSON()
			}
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				break
			}
			return nil, badJSON()
		}
	case c == '[':
		n.kind = 'a'
		p.i++
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			break
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				break
			}
			return nil, badJSON()
		}
	case c == '"':
		n.kind = 's'
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n.str = s
	case c == '-' || (c >= '0' && c <= '9'):
		n.kind = 'n'
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
	case strings.HasPrefix(p.s[p.i:], "true"):
		n.kind = 't'
		p.i += 4
	case strings.HasPrefix(p.s[p.i:], "false"):
		n.kind = 'f'
		p.i += 5
	case strings.HasPrefix(p.s[p.i:], "null"):
		n.kind = 'z'
		p.i += 4
	default:
		return nil, badJSON()
	}
	n.raw = p.s[start:p.i]
	return n, nil
}

func (p *jparser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", badJSON()
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", badJSON()
				}
				if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.i:], `\u`) {
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return "", badJSON()
					}
					r = utf16.DecodeRune(r, r2)
				}
				b.WriteRune(r)
			default:
				return "", badJSON()
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", badJSON()
}

func (p *jparser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// field returns an object's member; with duplicate keys (json only) the
// last one wins, as PostgreSQL's json operators find it.
func (n *jnode) field(k string) *jnode {
	if n.kind != 'o' {
		return nil
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == k {
			return n.vals[i]
		}
	}
	return nil
}

// elem is -> with an integer: jsonb stores a top-level scalar as a
// one-element array, so PostgreSQL's jsonb -> 0 and -> -1 return it.
func (n *jnode) elem(i int64, jsonb bool) *jnode {
	if jsonb && n.kind != 'o' && n.kind != 'a' {
		if i == 0 || i == -1 {
			return n
		}
		return nil
	}
	return n.index(i)
}

func (n *jnode) index(i int64) *jnode {
	if n.kind != 'a' {
		return nil
	}
	if i < 0 {
		i += int64(len(n.items))
	}
	if i < 0 || i >= int64(len(n.items)) {
		return nil
	}
	return n.items[i]
}

// asText is the ->> rendering: strings unquoted, null as SQL NULL.
func (n *jnode) asText() sql.Value {
	switch n.kind {
	case 's':
		return sql.NewText(n.str)
	case 'z':
		return sql.Null
	}
	return sql.NewText(n.raw)
}

func (n *jnode) typeName() string {
	switch n.kind {
	case 'o':
		return "object"
	case 'a':
		return "array"
	case 's':
		return "string"
	case 'n':
		return "number"
	case 't', 'f':
		return "boolean"
	}
	return "null"
}

// appendJSONValue renders a SQL value as to_json does. t may be the zero Type
// when only the value is known.
func appendJSONValue(ctx *Context, b []byte, v sql.Value, t sql.Type) []byte {
	if t.OID == 0 || t.OID == OIDAny || t.OID == OIDAnyElement {
		t = kindType(v)
	}
	switch v.Kind() {
	case sql.KindNull:
		return append(b, "null"...)
	case sql.KindBool:
		if v.Bool() {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case sql.KindInt, sql.KindNumeric:
		s := sql.FormatText(v, t, nil)
		if s == "NaN" || s == "Infinity" || s == "-Infinity" {
			return sql.AppendJSONString(b, s)
		}
		return append(b, s...)
	case sql.KindFloat:
		s := sql.FormatText(v, t, nil)
		if s == "NaN" || s == "Infinity" || s == "-Infinity" {
			return sql.AppendJSONString(b, s)
		}
		return append(b, s...)
	case sql.KindJSON:
		return append(b, v.Text()...)
	case sql.KindArray:
		et := sql.Type{}
		if t.Elem != nil {
			et = *t.Elem
		}
		b = append(b, '[')
		for i, e := range v.Array() {
			if i > 0 {
				b = append(b, ',')
			}
			if e.Kind() == sql.KindArray {
				b = appendJSONValue(ctx, b, e, t)
			} else {
				b = appendJSONValue(ctx, b, e, et)
			}
		}
		return append(b, ']')
	case sql.KindDate:
		return sql.AppendJSONString(b, sql.FormatText(v, sql.Date, nil))
	case sql.KindTimestamp, sql.KindTimestampTZ:
		// ISO 8601 with a T, and a full +hh:mm offset for timestamptz.
		s := sql.FormatText(v, t, loc(ctx))
		if isInfinite(v.Int()) {
			return sql.AppendJSONString(b, s)
		}
		if len(s) > 10 && s[10] == ' ' && s[0] != '-' {
			s = s[:10] + "T" + s[11:]
		}
		if v.Kind() == sql.KindTimestampTZ {
			if j := strings.LastIndexAny(s, "+-"); j > 10 && len(s)-j == 3 {
				s += ":00"
			}
		}
		return sql.AppendJSONString(b, s)
	}
	return sql.AppendJSONString(b, sql.FormatText(v, t, loc(ctx)))
}

func jsonbNormalize(s string) (sql.Value, error) {
	return sql.ParseText(s, sql.JSONB, nil)
}

func argType(ts []sql.Type, i int) sql.Type {
	if i < len(ts) {
		return ts[i]
	}
	return sql.Type{}
}

func toJSON(ctx *Context, a []sql.Value, ts []sql.Type, jsonb bool) (sql.Value, error) {
	s := string(appendJSONValue(ctx, nil, a[0], argType(ts, 0)))
	if jsonb {
		return jsonbNormalize(s)
	}
	return sql.NewJSON(s), nil
}

func buildObject(ctx *Context, a []sql.Value, ts []sql.Type, jsonb bool) (sql.Value, error) {
	name := "json_build_object"
	if jsonb {
		name = "jsonb_build_object"
	}
	if len(a)%2 != 0 {
		e := sql.Errorf(sql.CodeInvalidParameterValue, "argument list must have even number of elements")
		e.Hint = "The arguments of " + name + "() must consist of alternating keys and values."
		return sql.Null, e
	}
	b := []byte{'{'}
	for i := 0; i < len(a); i += 2 {
		if a[i].IsNull() {
			e := sql.Errorf(sql.CodeNullValueNotAllowed, "argument %d cannot be null", i+1)
			e.Hint = "Object keys should be text."
			return sql.Null, e
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = sql.AppendJSONString(b, textOf(ctx, a[i]))
		b = append(b, " : "...)
		b = appendJSONValue(ctx, b, a[i+1], argType(ts, i+1))
	}
	b = append(b, '}')
	if jsonb {
		return jsonbNormalize(string(b))
	}
	return sql.NewJSON(string(b)), nil
}

func buildArray(ctx *Context, a []sql.Value, ts []sql.Type, jsonb bool) (sql.Value, error) {
	b := []byte{'['}
	for i, v := range a {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendJSONValue(ctx, b, v, argType(ts, i))
	}
	b = append(b, ']')
	if jsonb {
		return jsonbNormalize(string(b))
	}
	return sql.NewJSON(string(b)), nil
}

// typed registers a function over Any arguments with both entry points: the
// typed one sees float4 and json vs jsonb, the untyped one guesses from kinds.
func typed(name string, args []sql.Type, variadic bool, ret sql.Type, nonStrict bool,
	f func(*Context, []sql.Value, []sql.Type) (sql.Value, error)) *Func {
	return &Func{Name: name, Args: args, Variadic: variadic, Ret: ret, NonStrict: nonStrict,
		Eval:      func(ctx *Context, a []sql.Value) (sql.Value, error) { return f(ctx, a, nil) },
		EvalTyped: f}
}

func jsonPath(n *jnode, path []sql.Value) *jnode {
	for _, p := range path {
		if n == nil || p.IsNull() {
			return nil
		}
		switch n.kind {
		case 'o':
			n = n.field(p.Text())
		case 'a':
			i, err := strconv.ParseInt(strings.TrimSpace(p.Text()), 10, 64)
			if err != nil {
				return nil
			}
			n = n.index(i)
		default:
			return nil
		}
	}
	return n
}

func jsonNumEqual(a, b string) bool {
	x, _, err1 := apd.NewFromString(a)
	y, _, err2 := apd.NewFromString(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x.Cmp(y) == 0
}

// contains is jsonb's @>: objects contain objects whose every pair they
// contain, arrays contain arrays whose every element matches one of theirs,
// and an array contains a scalar it has as an element (top level only).
func contains(a, b *jnode, top bool) bool {
	switch {
	case a.kind == 'o' && b.kind == 'o':
		for i, k := range b.keys {
			v := a.field(k)
			if v == nil || !contains(v, b.vals[i], false) {
				return false
			}
		}
		return true
	case a.kind == 'a' && b.kind == 'a':
		for _, e := range b.items {
			found := false
			for _, x := range a.items {
				if (x.kind == 'o' || x.kind == 'a') != (e.kind == 'o' || e.kind == 'a') {
					continue
				}
				if contains(x, e, false) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	case a.kind == 'a' && top && b.kind != 'o':
		for _, x := range a.items {
			if scalarEqual(x, b) {
				return true
			}
		}
		return false
	}
	return scalarEqual(a, b)
}

func scalarEqual(a, b *jnode) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case 's':
		return a.str == b.str
	case 'n':
		return jsonNumEqual(a.raw, b.raw)
	case 'o', 'a':
		return false
	}
	return true
}

func appendPretty(b []byte, n *jnode, indent int) []byte {
	pad := func(b []byte, k int) []byte {
		for i := 0; i < k; i++ {
			b = append(b, "    "...)
		}
		return b
	}
	switch n.kind {
	case 'o':
		b = append(b, "{\n"...)
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = pad(b, indent+1)
			b = sql.AppendJSONString(b, k)
			b = append(b, ": "...)
			b = appendPretty(b, n.vals[i], indent+1)
		}
		if len(n.keys) > 0 {
			b = append(b, '\n')
		}
		b = pad(b, indent)
		return append(b, '}')
	case 'a':
		b = append(b, "[\n"...)
		for i, e := range n.items {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = pad(b, indent+1)
			b = appendPretty(b, e, indent+1)
		}
		if len(n.items) > 0 {
			b = append(b, '\n')
		}
		b = pad(b, indent)
		return append(b, ']')
	}
	return append(b, n.raw...)
}

// render writes a jnode back as compact-ish JSON text for jsonb functions
// that rebuild values (strip_nulls, set); the result is then normalized.
func render(b []byte, n *jnode) []byte {
	switch n.kind {
	case 'o':
		b = append(b, '{')
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = sql.AppendJSONString(b, k)
			b = append(b, ':')
			b = render(b, n.vals[i])
		}
		return append(b, '}')
	case 'a':
		b = append(b, '[')
		for i, e := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = render(b, e)
		}
		return append(b, ']')
	}
	return append(b, n.raw...)
}

func stripNulls(n *jnode) *jnode {
	switch n.kind {
	case 'o':
		c := &jnode{kind: 'o'}
		for i, k := range n.keys {
			if n.vals[i].kind == 'z' {
				continue
			}
			c.keys = append(c.keys, k)
			c.vals = append(c.vals, stripNulls(n.vals[i]))
		}
		return c
	case 'a':
		c := &jnode{kind: 'a'}
		for _, e := range n.items {
			c.items = append(c.items, stripNulls(e))
		}
		return c
	}
	return n
}

func jsonArg(v sql.Value) (*jnode, error) { return parseJSON(v.Text()) }

func init() {
	for _, jt := range []sql.Type{sql.JSON, sql.JSONB} {
		jt := jt
		isB := jt.OID == sql.OIDJSONB
		pfx := "json"
		if isB {
			pfx = "jsonb"
		}
		Register(
			fn("eddy_json_get", types(jt, sql.Text), jt, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				if r := n.field(a[1].Text()); r != nil {
					return sql.NewJSON(r.raw), nil
				}
				return sql.Null, nil
			}),
			fn("eddy_json_get", types(jt, sql.Int4), jt, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				if r := n.elem(a[1].Int(), isB); r != nil {
					return sql.NewJSON(r.raw), nil
				}
				return sql.Null, nil
			}),
			fn("eddy_json_get_text", types(jt, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				if r := n.field(a[1].Text()); r != nil {
					return r.asText(), nil
				}
				return sql.Null, nil
			}),
			fn("eddy_json_get_text", types(jt, sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				if r := n.elem(a[1].Int(), isB); r != nil {
					return r.asText(), nil
				}
				return sql.Null, nil
			}),
			fn("eddy_json_path", types(jt, sql.ArrayOf(sql.Text)), jt, func(_ *Context, a []sql.Value) (sql.Value, error) {
				return jsonPathEval(a[0], a[1].Array(), false)
			}),
			fn("eddy_json_path_text", types(jt, sql.ArrayOf(sql.Text)), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
				return jsonPathEval(a[0], a[1].Array(), true)
			}),
			&Func{Name: pfx + "_extract_path", Args: types(jt, sql.Text), Variadic: true, Ret: jt,
				Eval: func(_ *Context, a []sql.Value) (sql.Value, error) { return jsonPathEval(a[0], a[1:], false) }},
			&Func{Name: pfx + "_extract_path_text", Args: types(jt, sql.Text), Variadic: true, Ret: sql.Text,
				Eval: func(_ *Context, a []sql.Value) (sql.Value, error) { return jsonPathEval(a[0], a[1:], true) }},
			fn(pfx+"_typeof", types(jt), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				return sql.NewText(n.typeName()), nil
			}),
			fn(pfx+"_array_length", types(jt), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				switch n.kind {
				case 'a':
					return intOf(len(n.items)), nil
				case 'o':
					return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot get array length of a non-array")
				}
				return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot get array length of a scalar")
			}),
			typed("to_"+pfx, types(AnyElement), false, jt, false, func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				return toJSON(ctx, a, ts, isB)
			}),
			typed("to_"+pfx, types(AnyArray), false, jt, false, func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				return toJSON(ctx, a, ts, isB)
			}),
			typed(pfx+"_build_object", types(Any), true, jt, true, func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				return buildObject(ctx, a, ts, isB)
			}),
			typed(pfx+"_build_array", types(Any), true, jt, true, func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				return buildArray(ctx, a, ts, isB)
			}),
			fn(pfx+"_strip_nulls", types(jt), jt, func(_ *Context, a []sql.Value) (sql.Value, error) {
				n, err := jsonArg(a[0])
				if err != nil {
					return sql.Null, err
				}
				s := string(render(nil, stripNulls(n)))
				if isB {
					return jsonbNormalize(s)
				}
				return sql.NewJSON(s), nil
			}),
		)
	}
	for _, n := range []string{"json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array"} {
		// Zero arguments: the variadic overloads need at least one.
		ret := sql.JSON
		if strings.HasPrefix(n, "jsonb") {
			ret = sql.JSONB
		}
		empty := "{}"
		if strings.HasSuffix(n, "array") {
			empty = "[]"
		}
		Register(fn(n, nil, ret, func(*Context, []sql.Value) (sql.Value, error) { return sql.NewJSON(empty), nil }))
	}
	Register(
		fn("eddy_contains", types(sql.JSONB, sql.JSONB), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return containsEval(a[0], a[1])
		}),
		fn("eddy_contained", types(sql.JSONB, sql.JSONB), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return containsEval(a[1], a[0])
		}),
		fn("jsonb_pretty", types(sql.JSONB), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			n, err := jsonArg(a[0])
			if err != nil {
				return sql.Null, err
			}
			return sql.NewText(string(appendPretty(nil, n, 0))), nil
		}),
		fn("jsonb_set", types(sql.JSONB, sql.ArrayOf(sql.Text), sql.JSONB), sql.JSONB, jsonbSet),
		fn("jsonb_set", types(sql.JSONB, sql.ArrayOf(sql.Text), sql.JSONB, sql.Bool), sql.JSONB, jsonbSet),
	)
}

func jsonPathEval(j sql.Value, path []sql.Value, asText bool) (sql.Value, error) {
	n, err := jsonArg(j)
	if err != nil {
		return sql.Null, err
	}
	r := jsonPath(n, path)
	if r == nil {
		return sql.Null, nil
	}
	if asText {
		return r.asText(), nil
	}
	return sql.NewJSON(r.raw), nil
}

func containsEval(x, y sql.Value) (sql.Value, error) {
	a, err := jsonArg(x)
	if err != nil {
		return sql.Null, err
	}
	b, err := jsonArg(y)
	if err != nil {
		return sql.Null, err
	}
	return sql.NewBool(contains(a, b, true)), nil
}

func jsonbSet(_ *Context, a []sql.Value) (sql.Value, error) {
	op := pathCreate
	if len(a) > 3 && !a[3].Bool() {
		op = pathReplace
	}
	return pathFunc(a[0], a[1].Array(), a[2], op)
}
