package builtin

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
)

func t1(name string, ret sql.Type, f func(s string) (sql.Value, error)) *Func {
	return argsFree(fn(name, types(sql.Text), ret, func(_ *Context, a []sql.Value) (sql.Value, error) { return f(a[0].Text()) }))
}

func textFn(name string, f func(s string) string) *Func {
	return t1(name, sql.Text, func(s string) (sql.Value, error) { return sql.NewText(f(s)), nil })
}

func intOf(n int) sql.Value { return sql.NewInt(int64(n)) }

// substrRunes is PostgreSQL's substr with 1-based start that may be before
// the string: characters [start, start+n) that exist are returned.
func substrRunes(s string, start, n int64, hasLen bool) (string, error) {
	if hasLen && n < 0 {
		return "", sql.Errorf(codeSubstringError, "negative substring length not allowed")
	}
	end := int64(1) << 62
	if hasLen {
		end = start + n
		if end < start { // overflow
			end = int64(1) << 62
		}
	}
	start = max(start, 1)
	if end <= start {
		return "", nil
	}
	// Walk runes without converting the whole string.
	pos := int64(1)
	bs, be := len(s), len(s)
	for i := range s {
		if pos == start {
			bs = i
		}
		if pos == end {
			be = i
			break
		}
		pos++
	}
	if bs > be {
		return "", nil
	}
	return s[bs:be], nil
}

func padText(s string, n int64, fill string, left bool) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if int64(len(r)) >= n {
		return string(r[:n])
	}
	f := []rune(fill)
	if len(f) == 0 {
		return s
	}
	need := int(n) - len(r)
	pad := make([]rune, need)
	for i := range pad {
		pad[i] = f[i%len(f)]
	}
	if left {
		return string(pad) + s
	}
	return s + string(pad)
}

func trimSet(s, chars string, left, right bool) string {
	if left {
		s = strings.TrimLeft(s, chars)
	}
	if right {
		s = strings.TrimRight(s, chars)
	}
	return s
}

func initcap(s string) string {
	var b strings.Builder
	inWord := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if inWord {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			inWord = true
		} else {
			b.WriteRune(r)
			inWord = false
		}
	}
	return b.String()
}

func translate(s, from, to string) string {
	f, t := []rune(from), []rune(to)
	var b strings.Builder
	for _, r := range s {
		idx := -1
		for i, c := range f {
			if c == r {
				idx = i
				break
			}
		}
		switch {
		case idx < 0:
			b.WriteRune(r)
		case idx < len(t):
			b.WriteRune(t[idx])
		}
	}
	return b.String()
}

func splitPart(s, delim string, n int64) (sql.Value, error) {
	if n == 0 {
		return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "field position must not be zero")
	}
	if s == "" {
		return sql.NewText(""), nil
	}
	if delim == "" {
		if n == 1 || n == -1 {
			return sql.NewText(s), nil
		}
		return sql.NewText(""), nil
	}
	if n < 0 {
		n += int64(strings.Count(s, delim)) + 2
		if n < 1 {
			return sql.NewText(""), nil
		}
	}
	// Walk to the field rather than split them all: no slice of parts.
	for ; n > 1; n-- {
		i := strings.Index(s, delim)
		if i < 0 {
			return sql.NewText(""), nil
		}
		s = s[i+len(delim):]
	}
	if i := strings.Index(s, delim); i >= 0 {
		s = s[:i]
	}
	return sql.NewText(s), nil
}

// keywords are the SQL keywords quote_ident must quote: PostgreSQL's
// reserved, column-name and type/function-name keywords.
var keywords = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check
		collate column constraint create current_catalog current_date current_role current_time
		current_timestamp current_user default deferrable desc distinct do else end except false fetch
		for foreign from grant group having in initially intersect into lateral leading limit localtime
		localtimestamp not null offset on only or order placing primary references returning select
		session_user some symmetric table then to trailing true union unique user using variadic when
		where window with
		between bigint bit boolean char character coalesce dec decimal exists extract float greatest
		grouping inout int integer interval least national nchar none normalize nullif numeric out
		overlay position precision real row setof smallint substring time timestamp treat trim values
		varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi
		xmlroot xmlserialize xmltable
		authorization binary collation concurrently cross current_schema freeze full ilike inner is
		isnull join left like natural notnull outer overlaps right similar tablesample verbose`) {
		m[k] = true
	}
	return m
}()

func quoteIdent(s string) string {
	safe := s != "" && !keywords[s]
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9':
			safe = i > 0
		default:
			safe = false
		}
	}
	if safe {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

func toHex(v int64, bits int) string {
	if bits == 32 {
		return strconv.FormatUint(uint64(uint32(v)), 16)
	}
	return strconv.FormatUint(uint64(v), 16)
}

func encode(b []byte, format string) (sql.Value, error) {
	switch strings.ToLower(format) {
	case "hex":
		return sql.NewText(hex.EncodeToString(b)), nil
	case "base64":
		// PostgreSQL breaks base64 lines at 76 characters.
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76])
			out.WriteByte('\n')
			s = s[76:]
		}
		out.WriteString(s)
		return sql.NewText(out.String()), nil
	case "escape":
		var out strings.Builder
		for _, c := range b {
			switch {
			case c == '\\':
				out.WriteString(`\\`)
			case c == 0 || c >= 0x80:
				out.WriteByte('\\')
				out.WriteString(strconv.FormatInt(int64(c)>>6, 8))
				out.WriteString(strconv.FormatInt(int64(c)>>3&7, 8))
				out.WriteString(strconv.FormatInt(int64(c)&7, 8))
			default:
				out.WriteByte(c)
			}
		}
		return sql.NewText(out.String()), nil
	}
	return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized encoding: %q", format)
}

func decode(s, format string) (sql.Value, error) {
	switch strings.ToLower(format) {
	case "hex":
		out := make([]byte, 0, len(s)/2)
		for i := 0; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "invalid hexadecimal digit: \"%s\"", s[i:i+1])
			}
			if i+1 >= len(s) {
				return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(s[i+1])
			if !ok {
				return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "invalid hexadecimal digit: \"%s\"", s[i+1:i+2])
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return sql.NewBytes(out), nil
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
		b, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			e := sql.Errorf(sql.CodeInvalidParameterValue, "invalid base64 end sequence")
			e.Hint = "Input data is missing padding, is truncated, or is otherwise corrupted."
			return sql.Null, e
		}
		return sql.NewBytes(b), nil
	case "escape":
		b, err := sql.ParseByteaEscape(s)
		if err != nil {
			return sql.Null, err
		}
		return sql.NewBytes(b), nil
	}
	return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized encoding: %q", format)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// format implements format(): %[position$][flags][width]type with types s, I
// and L; width may be * or *n$.
func format(ctx *Context, f string, args []sql.Value, ts []sql.Type) (sql.Value, error) {
	var b strings.Builder
	next := 0
	argAt := func(i int) (sql.Value, error) {
		if i >= len(args) {
			return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "too few arguments for format()")
		}
		return args[i], nil
	}
	readNum := func(i int) (int, int, bool) {
		j := i
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		if j == i {
			return 0, i, false
		}
		n, _ := strconv.Atoi(f[i:j])
		return n, j, true
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "unterminated format() type specifier")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// Optional n$ argument position.
		if n, j, ok := readNum(i); ok && j < len(f) && f[j] == '$' {
			if n == 0 {
				return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1")
			}
			next = n - 1
			i = j + 1
		}
		left := false
		for i < len(f) && f[i] == '-' {
			left = true
			i++
		}
		width := 0
		if i < len(f) && f[i] == '*' {
			i++
			wi := next
			if n, j, ok := readNum(i); ok && j < len(f) && f[j] == '$' {
				wi = n - 1
				i = j + 1
			} else {
				next++
			}
			wv, err := argAt(wi)
			if err != nil {
				return sql.Null, err
			}
			if !wv.IsNull() {
				w, _ := strconv.Atoi(textOf(ctx, wv))
				if w < 0 {
					left, w = true, -w
				}
				width = w
			}
		} else if n, j, ok := readNum(i); ok {
			width = n
			i = j
		}
		if i >= len(f) {
			return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "unterminated format() type specifier")
		}
		v, err := argAt(next)
		if err != nil {
			return sql.Null, err
		}
		vt := argType(ts, next)
		next++
		var s string
		switch f[i] {
		case 's':
			if !v.IsNull() {
				s = textOfT(ctx, v, vt)
			}
		case 'I':
			if v.IsNull() {
				return sql.Null, sql.Errorf(sql.CodeNullValueNotAllowed, "null values cannot be formatted as an SQL identifier")
			}
			s = quoteIdent(textOfT(ctx, v, vt))
		case 'L':
			if v.IsNull() {
				s = "NULL"
			} else {
				s = quoteLiteral(textOfT(ctx, v, vt))
			}
		default:
			e := sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized format() type specifier \"%c\"", f[i])
			e.Hint = `For a single "%" use "%%".`
			return sql.Null, e
		}
		if pad := width - utf8.RuneCountInString(s); pad > 0 {
			if left {
				s += strings.Repeat(" ", pad)
			} else {
				s = strings.Repeat(" ", pad) + s
			}
		}
		b.WriteString(s)
	}
	return sql.NewText(b.String()), nil
}

func elemRet(args []sql.Type) sql.Type {
	if len(args) > 0 && args[0].Elem != nil {
		return *args[0].Elem
	}
	return sql.Text
}

// elemOf is the element type of the first argument, or the zero Type when
// the types are not known.
func elemOf(ts []sql.Type) sql.Type {
	if len(ts) > 0 && ts[0].Elem != nil {
		return *ts[0].Elem
	}
	return sql.Type{}
}

func sameAsFirst(args []sql.Type) sql.Type {
	if len(args) > 0 {
		return args[0]
	}
	return sql.Text
}

func arrayToString(ctx *Context, arr []sql.Value, delim string, nullStr *string, et sql.Type) string {
	var b strings.Builder
	first := true
	var walk func([]sql.Value)
	walk = func(vs []sql.Value) {
		for _, v := range vs {
			if v.Kind() == sql.KindArray {
				walk(v.Array())
				continue
			}
			var s string
			if v.IsNull() {
				if nullStr == nil {
					continue
				}
				s = *nullStr
			} else {
				s = textOfT(ctx, v, et)
			}
			if !first {
				b.WriteString(delim)
			}
			first = false
			b.WriteString(s)
		}
	}
	walk(arr)
	return b.String()
}

func init() {
	textArray := sql.ArrayOf(sql.Text)
	// arrayToStringFns is array_to_string under a name: RisingWave's
	// scripts call it array_join too.
	arrayToStringFns := func(name string) []*Func {
		return []*Func{
			typed(name, types(AnyArray, sql.Text), false, sql.Text, false, func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				return sql.NewText(arrayToString(ctx, a[0].Array(), a[1].Text(), nil, elemOf(ts))), nil
			}),
			typed(name, types(AnyArray, sql.Text, sql.Text), false, sql.Text, true,
				func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
					if a[0].IsNull() || a[1].IsNull() {
						return sql.Null, nil
					}
					var ns *string
					if !a[2].IsNull() {
						s := a[2].Text()
						ns = &s
					}
					return sql.NewText(arrayToString(ctx, a[0].Array(), a[1].Text(), ns, elemOf(ts))), nil
				}),
		}
	}
	Register(arrayToStringFns("array_to_string")...)
	Register(arrayToStringFns("array_join")...)
	lengthFn := func(name string) *Func {
		return t1(name, sql.Int4, func(s string) (sql.Value, error) { return intOf(utf8.RuneCountInString(s)), nil })
	}
	Register(
		lengthFn("length"), lengthFn("char_length"), lengthFn("character_length"),
		fn("length", types(sql.Bytea), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return intOf(len(a[0].BytesString())), nil
		}),
		t1("octet_length", sql.Int4, func(s string) (sql.Value, error) { return intOf(len(s)), nil }),
		fn("octet_length", types(sql.Bytea), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return intOf(len(a[0].BytesString())), nil
		}),
		t1("bit_length", sql.Int4, func(s string) (sql.Value, error) { return intOf(8 * len(s)), nil }),
		textFn("lower", strings.ToLower),
		textFn("upper", strings.ToUpper),
		textFn("initcap", initcap),
		textFn("reverse", func(s string) string {
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r)
		}),
		textFn("md5", func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }),
		fn("md5", types(sql.Bytea), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			h := md5.Sum(a[0].Bytes())
			return sql.NewText(hex.EncodeToString(h[:])), nil
		}),
		t1("ascii", sql.Int4, func(s string) (sql.Value, error) {
			if s == "" {
				return sql.NewInt(0), nil
			}
			r, _ := utf8.DecodeRuneInString(s)
			return intOf(int(r)), nil
		}),
		fn("chr", types(sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			c := a[0].Int()
			switch {
			case c == 0:
				return sql.Null, sql.Errorf(sql.CodeProgramLimitExceeded, "null character not permitted")
			case c < 0:
				return sql.Null, sql.Errorf(sql.CodeProgramLimitExceeded, "character number must be positive")
			case c > utf8.MaxRune || (c >= 0xD800 && c <= 0xDFFF):
				return sql.Null, sql.Errorf(sql.CodeProgramLimitExceeded, "requested character not valid for encoding: %d", c)
			}
			return sql.NewText(string(rune(c))), nil
		}),
		argsFree(fn("substr", types(sql.Text, sql.Int4), sql.Text, substrEval)),
		argsFree(fn("substr", types(sql.Text, sql.Int4, sql.Int4), sql.Text, substrEval)),
		argsFree(fn("substring", types(sql.Text, sql.Int4), sql.Text, substrEval)),
		argsFree(fn("substring", types(sql.Text, sql.Int4, sql.Int4), sql.Text, substrEval)),
		&Func{Name: "substring", Args: types(sql.Text, sql.Text), Ret: sql.Text,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				re, err := compileRE(a[1].Text(), reFlags{dotNL: true})
				if err != nil {
					return sql.Null, err
				}
				return re.substring(a[0].Text()), nil
			},
			Prepare: prepareRE(1, -1, reFlags{dotNL: true}, false, "", func(p *pgRE, _ bool, src string, _ []sql.Value) sql.Value {
				return p.substring(src)
			})},
		fn("overlay", types(sql.Text, sql.Text, sql.Int4), sql.Text, overlayEval),
		fn("overlay", types(sql.Text, sql.Text, sql.Int4, sql.Int4), sql.Text, overlayEval),
		fn("strpos", types(sql.Text, sql.Text), sql.Int4, positionEval),
		// PostgreSQL's grammar turns position(sub IN s) into position(s, sub),
		// the same argument order as strpos; the dialect layer must too.
		fn("position", types(sql.Text, sql.Text), sql.Int4, positionEval),
		argsFree(fn("replace", types(sql.Text, sql.Text, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			if a[1].Text() == "" {
				return a[0], nil
			}
			return sql.NewText(strings.ReplaceAll(a[0].Text(), a[1].Text(), a[2].Text())), nil
		})),
		fn("translate", types(sql.Text, sql.Text, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(translate(a[0].Text(), a[1].Text(), a[2].Text())), nil
		}),
		textFn("btrim", func(s string) string { return trimSet(s, " ", true, true) }),
		textFn("trim", func(s string) string { return trimSet(s, " ", true, true) }),
		textFn("ltrim", func(s string) string { return trimSet(s, " ", true, false) }),
		textFn("rtrim", func(s string) string { return trimSet(s, " ", false, true) }),
		trim2("btrim", true, true), trim2("trim", true, true),
		trim2("ltrim", true, false), trim2("rtrim", false, true),
		fn("lpad", types(sql.Text, sql.Int4), sql.Text, padEval(true)),
		fn("lpad", types(sql.Text, sql.Int4, sql.Text), sql.Text, padEval(true)),
		fn("rpad", types(sql.Text, sql.Int4), sql.Text, padEval(false)),
		fn("rpad", types(sql.Text, sql.Int4, sql.Text), sql.Text, padEval(false)),
		fn("left", types(sql.Text, sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r := []rune(a[0].Text())
			n := a[1].Int()
			if n < 0 {
				n = max(int64(len(r))+n, 0)
			}
			return sql.NewText(string(r[:min(n, int64(len(r)))])), nil
		}),
		fn("right", types(sql.Text, sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			r := []rune(a[0].Text())
			n := a[1].Int()
			if n < 0 {
				n = max(int64(len(r))+n, 0)
			}
			n = min(n, int64(len(r)))
			return sql.NewText(string(r[int64(len(r))-n:])), nil
		}),
		fn("repeat", types(sql.Text, sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			n := a[1].Int()
			if n <= 0 {
				return sql.NewText(""), nil
			}
			if int64(len(a[0].Text()))*n > 1<<30-1 {
				return sql.Null, sql.Errorf(sql.CodeProgramLimitExceeded, "requested length too large")
			}
			return sql.NewText(strings.Repeat(a[0].Text(), int(n))), nil
		}),
		argsFree(fn("split_part", types(sql.Text, sql.Text, sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return splitPart(a[0].Text(), a[1].Text(), a[2].Int())
		})),
		fn("starts_with", types(sql.Text, sql.Text), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewBool(strings.HasPrefix(a[0].Text(), a[1].Text())), nil
		}),
		typed("concat", types(Any), true, sql.Text, true,
			func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				var b strings.Builder
				for i, v := range a {
					if !v.IsNull() {
						b.WriteString(textOfT(ctx, v, argType(ts, i)))
					}
				}
				return sql.NewText(b.String()), nil
			}),
		typed("concat_ws", types(sql.Text, Any), true, sql.Text, true,
			func(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				var b strings.Builder
				first := true
				for i, v := range a[1:] {
					if v.IsNull() {
						continue
					}
					if !first {
						b.WriteString(a[0].Text())
					}
					first = false
					b.WriteString(textOfT(ctx, v, argType(ts, i+1)))
				}
				return sql.NewText(b.String()), nil
			}),
		fn("to_hex", types(sql.Int4), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(toHex(a[0].Int(), 32)), nil
		}),
		fn("to_hex", types(sql.Int8), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(toHex(a[0].Int(), 64)), nil
		}),
		textFn("quote_ident", quoteIdent),
		textFn("quote_literal", quoteLiteral),
		&Func{Name: "quote_literal", Args: types(AnyElement), Ret: sql.Text, Eval: func(ctx *Context, a []sql.Value) (sql.Value, error) {
			return sql.NewText(quoteLiteral(textOf(ctx, a[0]))), nil
		}},
		&Func{Name: "quote_nullable", Args: types(sql.Text), Ret: sql.Text, NonStrict: true, Eval: quoteNullable},
		&Func{Name: "quote_nullable", Args: types(AnyElement), Ret: sql.Text, NonStrict: true, Eval: quoteNullable},
		typed("format", types(sql.Text), false, sql.Text, true, formatEval),
		typed("format", types(sql.Text, Any), true, sql.Text, true, formatEval),
		&Func{Name: "regexp_replace", Args: types(sql.Text, sql.Text, sql.Text), Ret: sql.Text,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return regexpReplace(a[0].Text(), a[1].Text(), a[2].Text(), "")
			},
			Prepare: prepareRE(1, -1, reFlags{dotNL: true}, true, "regexp_replace", func(p *pgRE, global bool, src string, a []sql.Value) sql.Value {
				return p.replace(src, a[2].Text(), global)
			})},
		&Func{Name: "regexp_replace", Args: types(sql.Text, sql.Text, sql.Text, sql.Text), Ret: sql.Text,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return regexpReplace(a[0].Text(), a[1].Text(), a[2].Text(), a[3].Text())
			},
			Prepare: prepareRE(1, 3, reFlags{}, true, "regexp_replace", func(p *pgRE, global bool, src string, a []sql.Value) sql.Value {
				return p.replace(src, a[2].Text(), global)
			})},
		&Func{Name: "regexp_match", Args: types(sql.Text, sql.Text), Ret: textArray,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return regexpMatch(a[0].Text(), a[1].Text(), "")
			},
			Prepare: prepareRE(1, -1, reFlags{dotNL: true}, false, "regexp_match", func(p *pgRE, _ bool, src string, _ []sql.Value) sql.Value {
				return p.firstMatch(src)
			})},
		&Func{Name: "regexp_match", Args: types(sql.Text, sql.Text, sql.Text), Ret: textArray,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return regexpMatch(a[0].Text(), a[1].Text(), a[2].Text())
			},
			Prepare: prepareRE(1, 2, reFlags{}, false, "regexp_match", func(p *pgRE, _ bool, src string, _ []sql.Value) sql.Value {
				return p.firstMatch(src)
			})},
		&Func{Name: "regexp_like", Args: types(sql.Text, sql.Text), Ret: sql.Bool,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				ok, err := regexMatches(a[0].Text(), a[1].Text(), false)
				return sql.NewBool(ok), err
			},
			Prepare: prepareREMatch(false)},
		&Func{Name: "regexp_count", Args: types(sql.Text, sql.Text), Ret: sql.Int4,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				re, err := compileRE(a[1].Text(), reFlags{dotNL: true})
				if err != nil {
					return sql.Null, err
				}
				return re.count(a[0].Text()), nil
			},
			Prepare: prepareRE(1, -1, reFlags{dotNL: true}, false, "", func(p *pgRE, _ bool, src string, _ []sql.Value) sql.Value {
				return p.count(src)
			})},
		&Func{Name: "string_to_array", Args: types(sql.Text, sql.Text), Ret: textArray, NonStrict: true, Eval: stringToArray},
		&Func{Name: "string_to_array", Args: types(sql.Text, sql.Text, sql.Text), Ret: textArray, NonStrict: true, Eval: stringToArray},
		fn("encode", types(sql.Bytea, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return encode(a[0].Bytes(), a[1].Text())
		}),
		fn("decode", types(sql.Text, sql.Text), sql.Bytea, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return decode(a[0].Text(), a[1].Text())
		}),
	)
}

func substrEval(_ *Context, a []sql.Value) (sql.Value, error) {
	var n int64
	if len(a) > 2 {
		n = a[2].Int()
	}
	s, err := substrRunes(a[0].Text(), a[1].Int(), n, len(a) > 2)
	if err != nil {
		return sql.Null, err
	}
	return sql.NewText(s), nil
}

func overlayEval(_ *Context, a []sql.Value) (sql.Value, error) {
	s, r := a[0].Text(), a[1].Text()
	from := a[2].Int()
	n := int64(utf8.RuneCountInString(r))
	if len(a) > 3 {
		n = a[3].Int()
	}
	if from < 1 || n < 0 {
		return sql.Null, sql.Errorf(codeSubstringError, "negative substring length not allowed")
	}
	head, _ := substrRunes(s, 1, from-1, true)
	tail, _ := substrRunes(s, from+n, 0, false)
	return sql.NewText(head + r + tail), nil
}

func positionEval(_ *Context, a []sql.Value) (sql.Value, error) {
	i := strings.Index(a[0].Text(), a[1].Text())
	if i < 0 {
		return sql.NewInt(0), nil
	}
	return intOf(utf8.RuneCountInString(a[0].Text()[:i]) + 1), nil
}

func trim2(name string, left, right bool) *Func {
	return fn(name, types(sql.Text, sql.Text), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
		return sql.NewText(trimSet(a[0].Text(), a[1].Text(), left, right)), nil
	})
}

func padEval(left bool) func(*Context, []sql.Value) (sql.Value, error) {
	return func(_ *Context, a []sql.Value) (sql.Value, error) {
		fill := " "
		if len(a) > 2 {
			fill = a[2].Text()
		}
		if a[1].Int() > 1<<28 {
			return sql.Null, sql.Errorf(sql.CodeProgramLimitExceeded, "requested length too large")
		}
		return sql.NewText(padText(a[0].Text(), a[1].Int(), fill, left)), nil
	}
}

func quoteNullable(ctx *Context, a []sql.Value) (sql.Value, error) {
	if a[0].IsNull() {
		return sql.NewText("NULL"), nil
	}
	return sql.NewText(quoteLiteral(textOf(ctx, a[0]))), nil
}

func formatEval(ctx *Context, a []sql.Value, ts []sql.Type) (sql.Value, error) {
	if a[0].IsNull() {
		return sql.Null, nil
	}
	if len(ts) > 0 {
		ts = ts[1:]
	}
	return format(ctx, a[0].Text(), a[1:], ts)
}

func stringToArray(_ *Context, a []sql.Value) (sql.Value, error) {
	if a[0].IsNull() {
		return sql.Null, nil
	}
	s := a[0].Text()
	if s == "" {
		return sql.NewArray([]sql.Value{}), nil
	}
	var parts []string
	switch {
	case a[1].IsNull():
		for _, r := range s {
			parts = append(parts, string(r))
		}
	case a[1].Text() == "":
		parts = []string{s}
	default:
		parts = strings.Split(s, a[1].Text())
	}
	out := make([]sql.Value, len(parts))
	for i, p := range parts {
		if len(a) > 2 && !a[2].IsNull() && p == a[2].Text() {
			out[i] = sql.Null
		} else {
			out[i] = sql.NewText(p)
		}
	}
	return sql.NewArray(out), nil
}
