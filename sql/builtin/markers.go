package builtin

import (
	"github.com/eddysql/eddy/sql"
)

// Markers are the internal functions the SQL dialect layer rewrites
// PostgreSQL-only syntax into (operators, EXTRACT, subscripts); the planner
// binds them like any other call. eddy_extract lives in datetime.go and the
// JSON operators in json.go.

func init() {
	Register(
		fn("eddy_regex", types(sql.Text, sql.Text), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			ok, err := regexMatches(a[0].Text(), a[1].Text(), false)
			return sql.NewBool(ok), err
		}),
		fn("eddy_regex_ci", types(sql.Text, sql.Text), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			ok, err := regexMatches(a[0].Text(), a[1].Text(), true)
			return sql.NewBool(ok), err
		}),
		// eddy_subscript(a, i [, j ...]) is a[i][j]...: 1-based, NULL when out
		// of range, and NULL when fewer subscripts than dimensions are given,
		// as PostgreSQL answers a[1] on a two-dimensional array.
		&Func{Name: "eddy_subscript", Args: types(AnyArray, sql.Int4), Variadic: true, RetFunc: elemRet,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				v := a[0]
				for _, ix := range a[1:] {
					if v.Kind() != sql.KindArray {
						return sql.Null, nil
					}
					arr := v.Array()
					i := ix.Int()
					if i < 1 || i > int64(len(arr)) {
						return sql.Null, nil
					}
					v = arr[i-1]
				}
				if v.Kind() == sql.KindArray {
					return sql.Null, nil
				}
				return v, nil
			}},
		// eddy_slice(a, lo, hi) is a[lo:hi]; a NULL bound is an omitted one.
		&Func{Name: "eddy_slice", Args: types(AnyArray, sql.Int4, sql.Int4), RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				arr := a[0].Array()
				lo, hi := int64(1), int64(len(arr))
				if !a[1].IsNull() {
					lo = max(a[1].Int(), 1)
				}
				if !a[2].IsNull() {
					hi = min(a[2].Int(), int64(len(arr)))
				}
				if lo > hi {
					return sql.NewArray([]sql.Value{}), nil
				}
				out := make([]sql.Value, hi-lo+1)
				copy(out, arr[lo-1:hi])
				return sql.NewArray(out), nil
			}},
	)
}
