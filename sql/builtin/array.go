package builtin

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// Arrays are nested []Value, each dimension's lower bound 1 (eddy does not
// keep other lower bounds).

func dims(arr []sql.Value) []int {
	var d []int
	for {
		if len(arr) == 0 {
			return d
		}
		d = append(d, len(arr))
		if arr[0].Kind() != sql.KindArray {
			return d
		}
		arr = arr[0].Array()
	}
}

func dimLen(a []sql.Value, dim int64) (int, bool) {
	d := dims(a)
	if dim < 1 || dim > int64(len(d)) {
		return 0, false
	}
	return d[dim-1], true
}

func init() {
	Register(
		fn("array_length", types(AnyArray, sql.Int4), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			if n, ok := dimLen(a[0].Array(), a[1].Int()); ok {
				return intOf(n), nil
			}
			return sql.Null, nil
		}),
		fn("array_upper", types(AnyArray, sql.Int4), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			if n, ok := dimLen(a[0].Array(), a[1].Int()); ok {
				return intOf(n), nil
			}
			return sql.Null, nil
		}),
		fn("array_lower", types(AnyArray, sql.Int4), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			if _, ok := dimLen(a[0].Array(), a[1].Int()); ok {
				return sql.NewInt(1), nil
			}
			return sql.Null, nil
		}),
		fn("array_ndims", types(AnyArray), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			if d := dims(a[0].Array()); len(d) > 0 {
				return intOf(len(d)), nil
			}
			return sql.Null, nil
		}),
		fn("array_dims", types(AnyArray), sql.Text, func(_ *Context, a []sql.Value) (sql.Value, error) {
			d := dims(a[0].Array())
			if len(d) == 0 {
				return sql.Null, nil
			}
			var b strings.Builder
			for _, n := range d {
				b.WriteString("[1:" + strconv.Itoa(n) + "]")
			}
			return sql.NewText(b.String()), nil
		}),
		fn("cardinality", types(AnyArray), sql.Int4, func(_ *Context, a []sql.Value) (sql.Value, error) {
			n := 1
			d := dims(a[0].Array())
			if len(d) == 0 {
				return sql.NewInt(0), nil
			}
			for _, x := range d {
				n *= x
			}
			return intOf(n), nil
		}),
		&Func{Name: "array_position", Args: types(AnyArray, AnyElement), Ret: sql.Int4, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				for i, e := range a[0].Array() {
					if (a[1].IsNull() && e.IsNull()) || (!a[1].IsNull() && !e.IsNull() && sql.Compare(e, a[1]) == 0) {
						return intOf(i + 1), nil
					}
				}
				return sql.Null, nil
			}},
		&Func{Name: "array_append", Args: types(AnyArray, AnyElement), RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				old := a[0].Array()
				out := make([]sql.Value, len(old), len(old)+1)
				copy(out, old)
				return sql.NewArray(append(out, a[1])), nil
			}},
		&Func{Name: "array_prepend", Args: types(AnyElement, AnyArray), RetFunc: func(ts []sql.Type) sql.Type { return ts[1] }, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				return sql.NewArray(append([]sql.Value{a[0]}, a[1].Array()...)), nil
			}},
		&Func{Name: "array_cat", Args: types(AnyArray, AnyArray), RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() && a[1].IsNull() {
					return sql.Null, nil
				}
				out := append([]sql.Value{}, a[0].Array()...)
				return sql.NewArray(append(out, a[1].Array()...)), nil
			}},
		&Func{Name: "array_remove", Args: types(AnyArray, AnyElement), RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				out := []sql.Value{}
				for _, e := range a[0].Array() {
					if !sameElem(e, a[1]) {
						out = append(out, e)
					}
				}
				return sql.NewArray(out), nil
			}},
		&Func{Name: "array_replace", Args: types(AnyArray, AnyElement, AnyElement), RetFunc: sameAsFirst, NonStrict: true,
			Eval: func(_ *Context, a []sql.Value) (sql.Value, error) {
				if a[0].IsNull() {
					return sql.Null, nil
				}
				out := make([]sql.Value, len(a[0].Array()))
				for i, e := range a[0].Array() {
					if sameElem(e, a[1]) {
						e = a[2]
					}
					out[i] = e
				}
				return sql.NewArray(out), nil
			}},
	)
}

// sameElem is IS NOT DISTINCT FROM, as array_remove and friends compare.
func sameElem(x, y sql.Value) bool {
	if x.IsNull() || y.IsNull() {
		return x.IsNull() && y.IsNull()
	}
	return sql.Compare(x, y) == 0
}
