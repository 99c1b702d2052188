package builtin

import (
	"strings"

	"github.com/eddysql/eddy/sql"
)

// parse_ident splits a qualified identifier into its names, as Grafana's
// column picker does with the table it was given (parse_ident('public.t')).
// Unquoted names fold to lower case; with strict false, text after the
// last name (a function's argument list, say) is ignored.
func init() {
	Register(
		&Func{Name: "parse_ident", Args: types(sql.Text), Ret: sql.ArrayOf(sql.Text), Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
			return parseIdent(a[0].Text(), true)
		}},
		&Func{Name: "parse_ident", Args: types(sql.Text, sql.Bool), Ret: sql.ArrayOf(sql.Text), Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
			return parseIdent(a[0].Text(), a[1].Bool())
		}},
	)
}

func parseIdent(s string, strict bool) (sql.Value, error) {
	bad := func(detail string) error {
		return &sql.Error{Code: sql.CodeInvalidParameterValue, Message: "string is not a valid identifier: \"" + s + "\"", Detail: detail}
	}
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }
	isStart := func(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }
	isCont := func(c byte) bool { return isStart(c) || c >= '0' && c <= '9' || c == '$' }
	var names []sql.Value
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		switch {
		case i < len(s) && s[i] == '"':
			var b strings.Builder
			i++
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return sql.Null, bad("String has unclosed double quotes.")
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			if b.Len() == 0 {
				return sql.Null, bad("Quoted identifier must not be empty.")
			}
			names = append(names, sql.NewText(b.String()))
		case i < len(s) && isStart(s[i]):
			j := i
			for j < len(s) && isCont(s[j]) {
				j++
			}
			names = append(names, sql.NewText(strings.ToLower(s[i:j])))
			i = j
		default:
			if i < len(s) && s[i] == '.' {
				return sql.Null, bad("No valid identifier before \".\".")
			}
			if len(names) > 0 {
				return sql.Null, bad("No valid identifier after \".\".")
			}
			return sql.Null, bad("")
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		if i < len(s) && strict {
			return sql.Null, bad("")
		}
		return sql.NewArray(names), nil
	}
}
