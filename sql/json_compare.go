package sql

import (
	"bytes"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// jsonb's btree ordering and equality, as PostgreSQL's
// compareJsonbContainers defines them: by type first (null < string <
// number < boolean < array < object), arrays by length then elements,
// objects by pair count then keys and values in storage order (keys by
// length, then bytes), numbers by numeric value (1 = 1.0). A top-level
// scalar is a one-element "raw scalar" array: it sorts below a one-element
// array and, by the length rule, above an empty one.

type jv struct {
	kind  byte // rank: 0 null, 1 string, 2 number, 3 boolean, 4 array, 5 object
	s     string
	num   *apd.Decimal
	b     bool
	raw   bool // a top-level scalar wrapped as an array
	keys  []string
	elems []*jv // array elements, or object values parallel to keys
}

const (
	jvNull = iota
	jvString
	jvNumber
	jvBool
	jvArray
	jvObject
)

func parseJV(s string) (*jv, bool) {
	p := jsonParser{s: s}
	p.ws()
	v, ok := p.jv(0)
	if !ok {
		return nil, false
	}
	p.ws()
	if p.i != len(s) {
		return nil, false
	}
	if v.kind < jvArray {
		v = &jv{kind: jvArray, raw: true, elems: []*jv{v}}
	}
	return v, true
}

func (p *jsonParser) jv(depth int) (*jv, bool) {
	if p.i >= len(p.s) || depth > 1000 {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		type member struct {
			k string
			v *jv
		}
		var ms []member
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return &jv{kind: jvObject}, true
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, false
			}
			k, err := p.str()
			if err != nil {
				return nil, false
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, false
			}
			p.i++
			p.ws()
			v, ok := p.jv(depth + 1)
			if !ok {
				return nil, false
			}
			ms = append(ms, member{k, v})
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				break
			}
			return nil, false
		}
		slices.SortStableFunc(ms, func(a, b member) int {
			if len(a.k) != len(b.k) {
				return len(a.k) - len(b.k)
			}
			return strings.Compare(a.k, b.k)
		})
		o := &jv{kind: jvObject}
		for i, m := range ms {
			if i+1 < len(ms) && ms[i+1].k == m.k {
				continue // the last duplicate wins
			}
			o.keys = append(o.keys, m.k)
			o.elems = append(o.elems, m.v)
		}
		return o, true
	case c == '[':
		p.i++
		a := &jv{kind: jvArray}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return a, true
		}
		for {
			p.ws()
			v, ok := p.jv(depth + 1)
			if !ok {
				return nil, false
			}
			a.elems = append(a.elems, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return a, true
			}
			return nil, false
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, false
		}
		return &jv{kind: jvString, s: s}, true
	case c == '-' || isDigit(c):
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		d, err := parseNumeric(p.s[start:p.i])
		if err != nil {
			return nil, false
		}
		return &jv{kind: jvNumber, num: d}, true
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return &jv{kind: jvBool, b: true}, true
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return &jv{kind: jvBool}, true
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return &jv{kind: jvNull}, true
	}
	return nil, false
}

func cmpJV(a, b *jv) int {
	if a.kind != b.kind {
		return cmp64(int64(a.kind), int64(b.kind))
	}
	switch a.kind {
	case jvString:
		return strings.Compare(a.s, b.s)
	case jvNumber:
		return cmpDecimal(a.num, b.num)
	case jvBool:
		switch {
		case a.b == b.b:
			return 0
		case b.b:
			return -1
		}
		return 1
	case jvArray:
		res := 0
		if a.raw != b.raw {
			res = 1
			if a.raw {
				res = -1
			}
		}
		if len(a.elems) != len(b.elems) {
			res = cmp64(int64(len(a.elems)), int64(len(b.elems)))
		}
		if res != 0 {
			return res
		}
		for i := range a.elems {
			if c := cmpJV(a.elems[i], b.elems[i]); c != 0 {
				return c
			}
		}
	case jvObject:
		if len(a.keys) != len(b.keys) {
			return cmp64(int64(len(a.keys)), int64(len(b.keys)))
		}
		for i := range a.keys {
			if c := strings.Compare(a.keys[i], b.keys[i]); c != 0 {
				return c
			}
			if c := cmpJV(a.elems[i], b.elems[i]); c != 0 {
				return c
			}
		}
	}
	return 0
}

// compareJSON orders two json/jsonb texts as jsonb; text that does not
// parse (never stored) falls back to byte order.
func compareJSON(a, b string) int {
	if a == b {
		return 0
	}
	x, ok1 := parseJV(a)
	y, ok2 := parseJV(b)
	if !ok1 || !ok2 {
		return strings.Compare(a, b)
	}
	return cmpJV(x, y)
}

// canonicalJSON is a jsonb text that values equal under compareJSON share,
// for hashing and key encoding: numbers lose trailing fractional zeros. Normalized jsonb has
// no exponents, so text without a '.' is already canonical.
func canonicalJSON(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	v, ok := parseJV(s)
	if !ok {
		return s
	}
	var b bytes.Buffer
	v.appendCanonical(&b)
	return b.String()
}

func (v *jv) appendCanonical(b *bytes.Buffer) {
	switch v.kind {
	case jvNull:
		b.WriteString("null")
	case jvString:
		b.Write(AppendJSONString(nil, v.s))
	case jvNumber:
		d := new(apd.Decimal).Set(v.num)
		if d.Form == apd.Finite && d.Exponent < 0 {
			d.Reduce(d)
			if d.Exponent > 0 {
				c := *DecimalCtx
				c.Precision = uint32(d.NumDigits() + int64(d.Exponent) + 1)
				c.Quantize(d, d, 0)
			}
		}
		b.Write(appendNumeric(nil, d))
	case jvBool:
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case jvArray:
		if v.raw {
			v.elems[0].appendCanonical(b)
			return
		}
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteString(", ")
			}
			e.appendCanonical(b)
		}
		b.WriteByte(']')
	case jvObject:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.Write(AppendJSONString(nil, k))
			b.WriteString(": ")
			v.elems[i].appendCanonical(b)
		}
		b.WriteByte('}')
	}
}
