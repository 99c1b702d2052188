package exec

import (
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// evalFn computes an expression over one row.
type evalFn func(row sql.Row) (sql.Value, error)

// compile turns a bound expression into a closure. Constant subtrees are
// folded here, once per plan, so rows pay only for what varies.
func (rt *runtime) compile(e planner.Expr) (evalFn, error) {
	if rt.cse != nil {
		if f, ok, err := rt.cse.compile(rt, e); ok {
			return f, err
		}
	}
	switch e := e.(type) {
	case *planner.ColRef:
		idx := e.Idx
		return func(row sql.Row) (sql.Value, error) { return row[idx], nil }, nil
	case *planner.OuterRef:
		level, idx := e.Level, e.Idx
		return func(sql.Row) (sql.Value, error) {
			st := rt.outer
			if level > len(st) {
				return sql.Null, fmt.Errorf("outer reference to level %d beyond %d", level, len(st))
			}
			return st[len(st)-level][idx], nil
		}, nil
	case *planner.Const:
		v := e.Val
		return func(sql.Row) (sql.Value, error) { return v, nil }, nil
	case *planner.Param:
		idx := e.Idx
		return func(sql.Row) (sql.Value, error) {
			if idx >= len(rt.params) {
				return sql.Null, sql.Errorf(sql.CodeUndefinedParameter, "there is no parameter $%d", idx+1)
			}
			return rt.params[idx], nil
		}, nil
	case *planner.Cast:
		return rt.compileCast(e)
	case *planner.BinOp:
		return rt.compileBinOp(e)
	case *planner.Neg:
		t := e.Input.Type()
		return rt.compileStrictUnary(e.Input, func(v sql.Value) (sql.Value, error) { return negate(v, t) })
	case *planner.BitNot:
		return rt.compileStrictUnary(e.Input, func(v sql.Value) (sql.Value, error) { return sql.NewInt(^v.Int()), nil })
	case *planner.And:
		return rt.compileAndOr(e.Args, true)
	case *planner.Or:
		return rt.compileAndOr(e.Args, false)
	case *planner.Not:
		return rt.compileStrictUnary(e.Input, func(v sql.Value) (sql.Value, error) { return sql.NewBool(!v.Bool()), nil })
	case *planner.IsNull:
		f, err := rt.compile(e.Input)
		if err != nil {
			return nil, err
		}
		not := e.Not
		return func(row sql.Row) (sql.Value, error) {
			v, err := f(row)
			if err != nil {
				return v, err
			}
			return sql.NewBool(v.IsNull() != not), nil
		}, nil
	case *planner.IsBool:
		f, err := rt.compile(e.Input)
		if err != nil {
			return nil, err
		}
		want, not := e.Val, e.Not
		return func(row sql.Row) (sql.Value, error) {
			v, err := f(row)
			if err != nil {
				return v, err
			}
			is := !v.IsNull() && v.Bool() == want
			return sql.NewBool(is != not), nil
		}, nil
	case *planner.Case:
		return rt.compileCase(e)
	case *planner.Coalesce:
		fs, err := rt.compileAll(e.Args)
		if err != nil {
			return nil, err
		}
		return func(row sql.Row) (sql.Value, error) {
			for _, f := range fs {
				v, err := f(row)
				if err != nil || !v.IsNull() {
					return v, err
				}
			}
			return sql.Null, nil
		}, nil
	case *planner.MinMax:
		fs, err := rt.compileAll(e.Args)
		if err != nil {
			return nil, err
		}
		greatest := e.Greatest
		return func(row sql.Row) (sql.Value, error) {
			res := sql.Null
			for _, f := range fs {
				v, err := f(row)
				if err != nil {
					return v, err
				}
				if v.IsNull() {
					continue
				}
				if res.IsNull() || (greatest && sql.Compare(v, res) > 0) || (!greatest && sql.Compare(v, res) < 0) {
					res = v
				}
			}
			return res, nil
		}, nil
	case *planner.InList:
		return rt.compileIn(e)
	case *planner.Like:
		return rt.compileLike(e)
	case *planner.Call:
		return rt.compileCall(e)
	case *planner.Subquery:
		return rt.compileSubquery(e)
	case *planner.ArrayCmp:
		return rt.compileArrayCmp(e)
	case *planner.FieldSelect:
		f, err := rt.compile(e.Input)
		if err != nil {
			return nil, err
		}
		idx := e.Idx
		return func(row sql.Row) (sql.Value, error) {
			v, err := f(row)
			if err != nil || v.IsNull() {
				return sql.Null, err
			}
			if a := v.Array(); idx < len(a) {
				return a[idx], nil
			}
			return sql.Null, nil
		}, nil
	case *planner.RowLit:
		return rt.compile(&planner.ArrayLit{Elems: e.Elems, Typ: sql.Record})
	case *planner.ArrayLit:
		fs, err := rt.compileAll(e.Elems)
		if err != nil {
			return nil, err
		}
		return func(row sql.Row) (sql.Value, error) {
			out := make([]sql.Value, len(fs))
			for i, f := range fs {
				v, err := f(row)
				if err != nil {
					return v, err
				}
				out[i] = v
			}
			if len(e.Elems) > 0 && e.Elems[0].Type().IsArray() {
				if err := builtin.CheckArrayDims(out); err != nil {
					return sql.Null, err
				}
			}
			return sql.NewArray(out), nil
		}, nil
	}
	return nil, fmt.Errorf("exec: cannot evaluate %T", e)
}

func (rt *runtime) compileAll(es []planner.Expr) ([]evalFn, error) {
	fs := make([]evalFn, len(es))
	for i, e := range es {
		f, err := rt.compile(e)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	return fs, nil
}

// compileQual compiles a condition that only decides whether a row is kept
// (WHERE, a join's ON). Its conjuncts run in order and the first that is
// not true ends the evaluation, NULL included, as PostgreSQL evaluates a
// qual list: NULL AND 1/0 = 0 keeps no row and never divides. The result is
// true or false, never NULL.
func (rt *runtime) compileQual(e planner.Expr) (evalFn, error) {
	and, ok := e.(*planner.And)
	if !ok {
		return rt.compile(e)
	}
	fs, err := rt.compileAll(and.Args)
	if err != nil {
		return nil, err
	}
	return func(row sql.Row) (sql.Value, error) {
		for _, f := range fs {
			v, err := f(row)
			if err != nil {
				return v, err
			}
			if v.IsNull() || !v.Bool() {
				return sql.NewBool(false), nil
			}
		}
		return sql.NewBool(true), nil
	}, nil
}

// compileAndOr implements three-valued AND (and=true) and OR.
func (rt *runtime) compileAndOr(args []planner.Expr, and bool) (evalFn, error) {
	fs, err := rt.compileAll(args)
	if err != nil {
		return nil, err
	}
	return func(row sql.Row) (sql.Value, error) {
		sawNull := false
		for _, f := range fs {
			v, err := f(row)
			if err != nil {
				return v, err
			}
			if v.IsNull() {
				sawNull = true
				continue
			}
			if v.Bool() != and {
				return v, nil
			}
		}
		if sawNull {
			return sql.Null, nil
		}
		return sql.NewBool(and), nil
	}, nil
}

func (rt *runtime) compileCase(e *planner.Case) (evalFn, error) {
	if f, ok, err := rt.compileCaseSwitch(e); ok {
		return f, err
	}
	conds := make([]evalFn, len(e.Whens))
	results := make([]evalFn, len(e.Whens))
	for i, w := range e.Whens {
		var err error
		if conds[i], err = rt.compile(w.Cond); err != nil {
			return nil, err
		}
		if results[i], err = rt.compile(w.Result); err != nil {
			return nil, err
		}
	}
	var els evalFn
	if e.Else != nil {
		var err error
		if els, err = rt.compile(e.Else); err != nil {
			return nil, err
		}
	}
	return func(row sql.Row) (sql.Value, error) {
		for i, c := range conds {
			v, err := c(row)
			if err != nil {
				return v, err
			}
			if !v.IsNull() && v.Bool() {
				return results[i](row)
			}
		}
		if els != nil {
			return els(row)
		}
		return sql.Null, nil
	}, nil
}

func (rt *runtime) compileIn(e *planner.InList) (evalFn, error) {
	if f, ok, err := rt.compileInSet(e); ok {
		return f, err
	}
	f, err := rt.compile(e.Input)
	if err != nil {
		return nil, err
	}
	list, err := rt.compileAll(e.List)
	if err != nil {
		return nil, err
	}
	not := e.Not
	return func(row sql.Row) (sql.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return sql.Null, err
		}
		sawNull := false
		for _, l := range list {
			x, err := l(row)
			if err != nil {
				return x, err
			}
			if x.IsNull() {
				sawNull = true
				continue
			}
			if sql.Compare(v, x) == 0 {
				return sql.NewBool(!not), nil
			}
		}
		if sawNull {
			return sql.Null, nil
		}
		return sql.NewBool(not), nil
	}, nil
}

func (rt *runtime) compileCast(e *planner.Cast) (evalFn, error) {
	f, err := rt.compile(e.Input)
	if err != nil {
		return nil, err
	}
	from, to, explicit := e.Input.Type(), e.Typ, e.Explicit
	// Integer widening is free: ints share one representation.
	if (from.OID == sql.OIDInt2 || from.OID == sql.OIDInt4) && (to.OID == sql.OIDInt4 || to.OID == sql.OIDInt8) {
		return f, nil
	}
	cast := func(row sql.Row) (sql.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return v, err
		}
		return rt.cast(v, from, to, explicit)
	}
	if c, ok := e.Input.(*planner.Const); ok {
		// Fold literal casts ('2024-01-01'::date) once.
		v, err := cast(nil)
		if err != nil {
			return nil, err
		}
		_ = c
		return func(sql.Row) (sql.Value, error) { return v, nil }, nil
	}
	return cast, nil
}

func (rt *runtime) cast(v sql.Value, from, to sql.Type, explicit bool) (sql.Value, error) {
	if from.OID == sql.OIDUnknown {
		from = sql.Text
	}
	if isRegType(to.OID) && category(from) == 'S' {
		return rt.s.regOID(v.Text(), to.OID)
	}
	if isRegType(from.OID) && category(to) == 'S' {
		return sql.NewText(rt.s.regName(v.Int(), from.OID)), nil
	}
	return sql.Cast(v, from, to, explicit, rt.loc())
}

func category(t sql.Type) byte {
	switch t.OID {
	case sql.OIDText, sql.OIDVarchar, sql.OIDBpchar, sql.OIDName, sql.OIDUnknown:
		return 'S'
	}
	return 0
}

func negate(v sql.Value, t sql.Type) (sql.Value, error) {
	switch v.Kind() {
	case sql.KindInt:
		i := v.Int()
		if i == math.MinInt64 || (t.OID == sql.OIDInt4 && i == math.MinInt32) || (t.OID == sql.OIDInt2 && i == math.MinInt16) {
			return sql.Null, errOutOfRange(t)
		}
		return sql.NewInt(-i), nil
	case sql.KindFloat:
		return sql.NewFloat(-v.Float()), nil
	case sql.KindNumeric:
		return sql.NewNumeric(new(apd.Decimal).Neg(v.Numeric())), nil
	case sql.KindInterval:
		iv := v.Interval()
		return sql.NewInterval(sql.IntervalValue{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}), nil
	}
	return sql.Null, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: - %s", t)
}

func errOutOfRange(t sql.Type) error {
	switch t.OID {
	case sql.OIDInt2:
		return sql.Errorf(sql.CodeNumericValueOutOfRange, "smallint out of range")
	case sql.OIDInt4:
		return sql.Errorf(sql.CodeNumericValueOutOfRange, "integer out of range")
	}
	return sql.Errorf(sql.CodeNumericValueOutOfRange, "bigint out of range")
}

// compileStrictUnary compiles an operator of one operand that maps NULL to
// NULL and applies op to anything else.
func (rt *runtime) compileStrictUnary(input planner.Expr, op func(sql.Value) (sql.Value, error)) (evalFn, error) {
	f, err := rt.compile(input)
	if err != nil {
		return nil, err
	}
	return func(row sql.Row) (sql.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return v, err
		}
		return op(v)
	}, nil
}
