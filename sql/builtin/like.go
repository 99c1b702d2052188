package builtin

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
)

// eddy_like_any(x, patterns, mode) is x [NOT] LIKE|ILIKE ANY|ALL (patterns),
// which the dialect layer rewrites because TiDB has no quantified LIKE. mode
// is "[not ]like|ilike any|all". It follows ScalarArrayOpExpr: the element
// test is applied to every pattern and combined with OR (ANY) or AND (ALL)
// under three-valued logic, so an empty array is false for ANY and true for
// ALL even when x is NULL.
func init() {
	Register(&Func{Name: "eddy_like_any", Args: types(sql.Text, sql.ArrayOf(sql.Text), sql.Text), Ret: sql.Bool, NonStrict: true,
		Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
			if a[1].IsNull() || a[2].IsNull() {
				return sql.Null, nil
			}
			f := strings.Fields(a[2].Text())
			neg := len(f) > 0 && f[0] == "not"
			if neg {
				f = f[1:]
			}
			if len(f) != 2 {
				return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "invalid eddy_like_any mode %q", a[2].Text())
			}
			ci, all := f[0] == "ilike", f[1] == "all"
			sawNull := false
			for _, p := range a[1].Array() {
				if a[0].IsNull() || p.IsNull() {
					sawNull = true
					continue
				}
				re, err := likeRegexp(p.Text(), ci)
				if err != nil {
					return sql.Null, err
				}
				if re.MatchString(a[0].Text()) != neg {
					if !all {
						return sql.NewBool(true), nil
					}
				} else if all {
					return sql.NewBool(false), nil
				}
			}
			if sawNull {
				return sql.Null, nil
			}
			return sql.NewBool(all), nil
		}})
}

// likeRegexp translates a LIKE pattern with the default escape, backslash.
func likeRegexp(p string, ci bool) (*regexp.Regexp, error) {
	var sb strings.Builder
	sb.WriteString("(?s)")
	if ci {
		sb.WriteString("(?i)")
	}
	sb.WriteByte('^')
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		i += n
		switch r {
		case '\\':
			if i >= len(p) {
				return nil, sql.Errorf(sql.CodeInvalidEscapeSequence, "LIKE pattern must not end with escape character")
			}
			r2, n2 := utf8.DecodeRuneInString(p[i:])
			i += n2
			sb.WriteString(regexp.QuoteMeta(string(r2)))
		case '%':
			sb.WriteString(".*")
		case '_':
			sb.WriteByte('.')
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	sb.WriteByte('$')
	return regexp.Compile(sb.String())
}
