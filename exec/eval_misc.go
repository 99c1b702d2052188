package exec

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

func (rt *runtime) compileCall(e *planner.Call) (evalFn, error) {
	if f, ok, err := rt.compileMatchGroup(e); ok {
		return f, err
	}
	args, err := rt.compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	fn := e.Fn
	fctx := rt.fctx
	strict := !fn.NonStrict
	if ev := prepareCall(e, args); ev != nil {
		// The prepared evaluation keeps no reference to its arguments, so
		// one slice serves every row.
		vals := make([]sql.Value, len(args))
		return func(row sql.Row) (sql.Value, error) {
			for i, a := range args {
				v, err := a(row)
				if err != nil {
					return v, err
				}
				if strict && v.IsNull() {
					return sql.Null, nil
				}
				vals[i] = v
			}
			return ev(fctx, vals)
		}, nil
	}
	types := make([]sql.Type, len(e.Args))
	for i, a := range e.Args {
		types[i] = a.Type()
	}
	return func(row sql.Row) (sql.Value, error) {
		vals := make([]sql.Value, len(args))
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return v, err
			}
			if strict && v.IsNull() {
				return sql.Null, nil
			}
			vals[i] = v
		}
		return fn.Call(fctx, vals, types)
	}, nil
}

// compileMatchGroup compiles (regexp_match(src, pat [, flags]))[k], for
// constant pat, flags and k, as one evaluation that builds no array (q21's
// channel id). ok is false for any other call.
func (rt *runtime) compileMatchGroup(e *planner.Call) (evalFn, bool, error) {
	if e.Fn.Name != "eddy_subscript" || len(e.Args) != 2 {
		return nil, false, nil
	}
	inner, isCall := e.Args[0].(*planner.Call)
	if !isCall || inner.Fn.Name != "regexp_match" {
		return nil, false, nil
	}
	idx, isConst := constArg(e.Args[1])
	if !isConst {
		return nil, false, nil
	}
	k, err := rt.compile(idx)
	if err != nil {
		return nil, false, nil
	}
	kv, err := k(nil)
	if err != nil || kv.IsNull() || kv.Kind() != sql.KindInt {
		return nil, false, nil
	}
	args, err := rt.compileAll(inner.Args)
	if err != nil {
		return nil, true, err
	}
	consts := make([]sql.Value, len(args))
	isConsts := make([]bool, len(args))
	for i, a := range inner.Args {
		if _, ok := constArg(a); !ok {
			continue
		}
		v, err := args[i](nil)
		if err != nil {
			continue
		}
		consts[i], isConsts[i] = v, true
	}
	group := builtin.RegexpMatchGroup(inner.Fn, consts, isConsts, kv.Int())
	if group == nil {
		return nil, false, nil
	}
	src := args[0]
	return func(row sql.Row) (sql.Value, error) {
		v, err := src(row)
		if err != nil || v.IsNull() {
			return sql.Null, err
		}
		return group(v.Text()), nil
	}, true, nil
}

// constArg is a call's argument when it is a literal or a cast of one
// (which compileCast folds).
func constArg(a planner.Expr) (planner.Expr, bool) {
	x := a
	if c, ok := x.(*planner.Cast); ok {
		x = c.Input
	}
	_, ok := x.(*planner.Const)
	return a, ok
}

// prepareCall specializes a call to its constant arguments (a literal, or
// a cast of one, which compileCast has folded), when its function can.
func prepareCall(e *planner.Call, args []evalFn) builtin.EvalFunc {
	fn := e.Fn
	if fn.Prepare == nil || fn.EvalTyped != nil {
		return nil
	}
	consts := make([]sql.Value, len(args))
	isConst := make([]bool, len(args))
	for i, a := range e.Args {
		if c, ok := a.(*planner.Cast); ok {
			a = c.Input
		}
		if _, ok := a.(*planner.Const); !ok {
			continue
		}
		v, err := args[i](nil)
		if err != nil {
			continue
		}
		consts[i], isConst[i] = v, true
	}
	return fn.Prepare(consts, isConst)
}

// compileLike compiles LIKE/ILIKE; a constant pattern compiles once.
func (rt *runtime) compileLike(e *planner.Like) (evalFn, error) {
	in, err := rt.compile(e.Input)
	if err != nil {
		return nil, err
	}
	pat, err := rt.compile(e.Pattern)
	if err != nil {
		return nil, err
	}
	esc := "\\"
	if e.Escape != nil {
		c, ok := e.Escape.(*planner.Const)
		if !ok {
			return nil, errUnsupported("a non-constant ESCAPE")
		}
		esc = c.Val.Text()
	}
	ci, not := e.CaseInsensitive, e.Not
	var cached *regexp.Regexp
	if c, ok := e.Pattern.(*planner.Const); ok && !c.Val.IsNull() {
		re, err := likeRegexp(c.Val.Text(), esc, ci)
		if err != nil {
			return nil, err
		}
		cached = re
	}
	return func(row sql.Row) (sql.Value, error) {
		v, err := in(row)
		if err != nil || v.IsNull() {
			return sql.Null, err
		}
		re := cached
		if re == nil {
			p, err := pat(row)
			if err != nil || p.IsNull() {
				return sql.Null, err
			}
			if re, err = likeRegexp(p.Text(), esc, ci); err != nil {
				return sql.Null, err
			}
		}
		return sql.NewBool(re.MatchString(v.Text()) != not), nil
	}, nil
}

// likeRegexp translates a LIKE pattern (% and _, with an escape character).
func likeRegexp(p, esc string, ci bool) (*regexp.Regexp, error) {
	var sb strings.Builder
	sb.WriteString("(?s)")
	if ci {
		sb.WriteString("(?i)")
	}
	sb.WriteByte('^')
	escR, _ := utf8.DecodeRuneInString(esc)
	if esc == "" {
		escR = -1
	}
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		i += n
		switch {
		case r == escR:
			if i >= len(p) {
				return nil, sql.Errorf(sql.CodeInvalidEscapeSequence, "LIKE pattern must not end with escape character")
			}
			r2, n2 := utf8.DecodeRuneInString(p[i:])
			i += n2
			sb.WriteString(regexp.QuoteMeta(string(r2)))
		case r == '%':
			sb.WriteString(".*")
		case r == '_':
			sb.WriteByte('.')
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	sb.WriteByte('$')
	return regexp.Compile(sb.String())
}

// compileSubquery evaluates a nested query. An uncorrelated one runs once
// per statement and its answer is reused; a correlated one runs per row with
// the row pushed as the outer reference.
func (rt *runtime) compileSubquery(e *planner.Subquery) (evalFn, error) {
	var left evalFn
	if e.Left != nil {
		var err error
		if left, err = rt.compile(e.Left); err != nil {
			return nil, err
		}
	}
	kind, op, not := e.Kind, e.Op, e.Not
	plan := e.Plan
	var cached []sql.Row
	cachedOK := false
	var set *sortedSet // the uncorrelated answer, prepared for ANY/ALL probes
	rows := func(row sql.Row) ([]sql.Row, error) {
		if !e.Correlated && cachedOK {
			return cached, nil
		}
		rt.outer = append(rt.outer, row)
		used := rt.mem.used
		defer func() {
			rt.outer = rt.outer[:len(rt.outer)-1]
			if e.Correlated {
				rt.mem.used = used // the evaluation's rows are gone with it
			}
		}()
		limit := -1
		switch kind {
		case planner.SubqueryExists:
			limit = 1
		case planner.SubqueryScalar:
			limit = 2
		}
		res, err := rt.collect(context.Background(), plan, limit)
		if err != nil {
			return nil, err
		}
		if !e.Correlated {
			cached, cachedOK = res, true
		}
		return res, nil
	}
	return func(row sql.Row) (sql.Value, error) {
		rs, err := rows(row)
		if err != nil {
			return sql.Null, err
		}
		switch kind {
		case planner.SubqueryExists:
			return sql.NewBool((len(rs) > 0) != not), nil
		case planner.SubqueryScalar:
			if len(rs) > 1 {
				return sql.Null, sql.Errorf(sql.CodeCardinalityViolation, "more than one row returned by a subquery used as an expression")
			}
			if len(rs) == 0 {
				return sql.Null, nil
			}
			return rs[0][0], nil
		case planner.SubqueryArray:
			out := make([]sql.Value, len(rs))
			for i, r := range rs {
				out[i] = r[0]
			}
			return sql.NewArray(out), nil
		}
		l, err := left(row)
		if err != nil {
			return sql.Null, err
		}
		if !e.Correlated && quantifiable(op) {
			if set == nil {
				set = newSortedSet(rs)
			}
			return set.quantified(l, op, kind == planner.SubqueryAll), nil
		}
		vals := make([]sql.Value, len(rs))
		for i, r := range rs {
			vals[i] = r[0]
		}
		return quantified(l, op, kind == planner.SubqueryAll, vals), nil
	}, nil
}

// quantified evaluates l op ANY|ALL (vals) with SQL's NULL rules.
func quantified(l sql.Value, op planner.Op, all bool, vals []sql.Value) sql.Value {
	if len(vals) == 0 {
		return sql.NewBool(all)
	}
	if l.IsNull() {
		return sql.Null
	}
	sawNull := false
	for _, v := range vals {
		if v.IsNull() {
			sawNull = true
			continue
		}
		if cmpOp(op, sql.Compare(l, v)) != all {
			return sql.NewBool(!all)
		}
	}
	if sawNull {
		return sql.Null
	}
	return sql.NewBool(all)
}

func cmpOp(op planner.Op, c int) bool {
	switch op {
	case planner.OpEq:
		return c == 0
	case planner.OpNe:
		return c != 0
	case planner.OpLt:
		return c < 0
	case planner.OpLe:
		return c <= 0
	case planner.OpGt:
		return c > 0
	case planner.OpGe:
		return c >= 0
	}
	return false
}

func (rt *runtime) compileArrayCmp(e *planner.ArrayCmp) (evalFn, error) {
	l, err := rt.compile(e.Left)
	if err != nil {
		return nil, err
	}
	a, err := rt.compile(e.Array)
	if err != nil {
		return nil, err
	}
	op, all := e.Op, e.All
	return func(row sql.Row) (sql.Value, error) {
		lv, err := l(row)
		if err != nil {
			return sql.Null, err
		}
		av, err := a(row)
		if err != nil || av.IsNull() {
			return sql.Null, err
		}
		return quantified(lv, op, all, av.Array()), nil
	}, nil
}
