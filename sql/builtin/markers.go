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
		&Func{Name: "eddy_regex", Args: types(sql.Text, sql.Text), Ret: sql.Bool,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				ok, err := regexMatches(a[0].Text(), a[1].Text(), false)
				return sql.NewBool(ok), err
			},
			Prepare: prepareREMatch(false)},
		&Func{Name: "eddy_regex_ci", Args: types(sql.Text, sql.Text), Ret: sql.Bool,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				ok, err := regexMatches(a[0].Text(), a[1].Text(), true)
				return sql.NewBool(ok), err
			},
			Prepare: prepareREMatch(true)},
		// eddy_subscript(a, i [, j ...]) is a[i][j]...: 1-based, NULL when out
		// of range, and NULL when fewer subscripts than dimensions are given,
		// as PostgreSQL answers a[1] on a two-dimensional array.
		argsFree(&Func{Name: "eddy_subscript", Args: types(AnyArray, sql.Int4), Variadic: true, RetFunc: elemRet,
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
			}}),
	)
}
