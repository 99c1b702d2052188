package planner

import (
	"github.com/eddysql/eddy/sql"
)

// binop types a binary operator as PostgreSQL's operator resolution would.
func (b *binder) binop(op Op, l, r Expr) (Expr, error) {
	e, err := b.typeBinop(op, l, r)
	if err != nil {
		return nil, err
	}
	return foldNullOperand(e), nil
}

func (b *binder) typeBinop(op Op, l, r Expr) (Expr, error) {
	if op.IsComparison() {
		return b.compare(op, l, r)
	}
	lt, rt := l.Type(), r.Type()
	if op == OpConcat {
		return b.concat(l, r)
	}
	if op == OpSub && (lt.OID == sql.OIDJSONB || rt.OID == sql.OIDJSONB) {
		// jsonb - text | int | text[] is a function in sql/builtin.
		return b.resolveCall("jsonb_delete", []Expr{l, r})
	}
	// Errors name the operand types as written, before an unknown literal
	// is resolved, as PostgreSQL's do.
	olt, ort := lt, rt
	// An unknown literal takes the other side's type.
	if lt.OID == sql.OIDUnknown && rt.OID != sql.OIDUnknown {
		l, lt = b.coerce(l, rt), rt
	} else if rt.OID == sql.OIDUnknown && lt.OID != sql.OIDUnknown {
		r, rt = b.coerce(r, lt), lt
	} else if lt.OID == sql.OIDUnknown && rt.OID == sql.OIDUnknown {
		return nil, ambiguousOperator(op.String(), "unknown ", " unknown")
	}
	lc, rc := category(lt), category(rt)
	switch {
	case lc == catNumeric && rc == catNumeric:
		t := lt
		if numericRank(rt.OID) > numericRank(lt.OID) {
			t = rt
		}
		t = sql.Type{OID: t.OID, Mod: -1}
		if numericRank(t.OID) == 0 {
			t = sql.Int8
		}
		// float4 meets another numeric type only through float8, the
		// category's preferred type (1::float4 / 3 is double precision).
		if t.OID == sql.OIDFloat4 && (lt.OID != sql.OIDFloat4 || rt.OID != sql.OIDFloat4) {
			t = sql.Float8
		}
		if op >= OpBitAnd && (t.OID == sql.OIDNumeric || t.OID == sql.OIDFloat4 || t.OID == sql.OIDFloat8) {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s %s %s", olt, op, ort)
		}
		if op == OpPow {
			if t.OID != sql.OIDNumeric {
				t = sql.Float8
			}
		}
		if op == OpShiftLeft || op == OpShiftRight {
			return &BinOp{Op: op, L: l, R: b.coerce(r, sql.Int4), Typ: lt}, nil
		}
		return &BinOp{Op: op, L: b.coerce(l, t), R: b.coerce(r, t), Typ: t}, nil
	}
	if op == OpSub && (lt.OID == sql.OIDDate) != (rt.OID == sql.OIDDate) {
		// timestamp[tz] - date: the date is cast up, then timestamps subtract.
		if rt.OID == sql.OIDDate && (lt.OID == sql.OIDTimestamp || lt.OID == sql.OIDTimestampTZ) {
			r, rt = b.coerce(r, lt), lt
		} else if lt.OID == sql.OIDDate && (rt.OID == sql.OIDTimestamp || rt.OID == sql.OIDTimestampTZ) {
			l, lt = b.coerce(l, rt), rt
		}
	}
	if op == OpSub && lt.OID == sql.OIDTimestamp && rt.OID == sql.OIDTimestampTZ {
		// timestamptz is the preferred type of its category, so PostgreSQL
		// resolves timestamp - timestamptz (either way round) to it.
		l, lt = b.coerce(l, rt), rt
	} else if op == OpSub && lt.OID == sql.OIDTimestampTZ && rt.OID == sql.OIDTimestamp {
		r, rt = b.coerce(r, lt), lt
	}
	if t, ok := dateArith(op, lt, rt); ok {
		return &BinOp{Op: op, L: l, R: r, Typ: t}, nil
	}
	return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s %s %s", olt, op, ort)
}

// dateArith gives the result type of date/time arithmetic.
func dateArith(op Op, l, r sql.Type) (sql.Type, bool) {
	lo, ro := l.OID, r.OID
	isInt := func(o uint32) bool { return o == sql.OIDInt4 || o == sql.OIDInt2 || o == sql.OIDInt8 }
	isNum := func(o uint32) bool { return category(sql.Type{OID: o}) == catNumeric }
	switch op {
	case OpAdd:
		switch {
		case lo == sql.OIDDate && isInt(ro), isInt(lo) && ro == sql.OIDDate:
			return sql.Date, true
		case lo == sql.OIDDate && ro == sql.OIDInterval, lo == sql.OIDInterval && ro == sql.OIDDate:
			return sql.Timestamp, true
		case lo == sql.OIDDate && ro == sql.OIDTime, lo == sql.OIDTime && ro == sql.OIDDate:
			return sql.Timestamp, true
		case (lo == sql.OIDTimestamp || lo == sql.OIDTimestampTZ) && ro == sql.OIDInterval:
			return l, true
		case lo == sql.OIDInterval && (ro == sql.OIDTimestamp || ro == sql.OIDTimestampTZ):
			return r, true
		case lo == sql.OIDInterval && ro == sql.OIDInterval:
			return sql.Interval, true
		case lo == sql.OIDTime && ro == sql.OIDInterval, lo == sql.OIDInterval && ro == sql.OIDTime:
			return sql.Time, true
		}
	case OpSub:
		switch {
		case lo == sql.OIDDate && ro == sql.OIDDate:
			return sql.Int4, true
		case lo == sql.OIDDate && isInt(ro):
			return sql.Date, true
		case lo == sql.OIDDate && ro == sql.OIDInterval:
			return sql.Timestamp, true
		case (lo == sql.OIDTimestamp || lo == sql.OIDTimestampTZ) && ro == sql.OIDInterval:
			return l, true
		case lo == sql.OIDTimestamp && ro == sql.OIDTimestamp, lo == sql.OIDTimestampTZ && ro == sql.OIDTimestampTZ:
			return sql.Interval, true
		case lo == sql.OIDInterval && ro == sql.OIDInterval:
			return sql.Interval, true
		case lo == sql.OIDTime && ro == sql.OIDTime:
			return sql.Interval, true
		case lo == sql.OIDTime && ro == sql.OIDInterval:
			return sql.Time, true
		}
	case OpMul:
		if lo == sql.OIDInterval && isNum(ro) || isNum(lo) && ro == sql.OIDInterval {
			return sql.Interval, true
		}
	case OpDiv:
		if lo == sql.OIDInterval && isNum(ro) {
			return sql.Interval, true
		}
	}
	return sql.Type{}, false
}

// concat types ||: text concatenation (any non-array operand is cast to
// text) or array concatenation.
func (b *binder) concat(l, r Expr) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	if lt.IsArray() || rt.IsArray() {
		return b.arrayConcat(l, r)
	}
	if (lt.OID == sql.OIDJSONB || rt.OID == sql.OIDJSONB) && lt.OID != sql.OIDText && rt.OID != sql.OIDText {
		return b.resolveCall("jsonb_concat", []Expr{l, r})
	}
	if category(lt) != catString && category(rt) != catString && lt.OID != sql.OIDUnknown && rt.OID != sql.OIDUnknown {
		return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s || %s", lt, rt)
	}
	return &BinOp{Op: OpConcat, L: toText(l), R: toText(r), Typ: sql.Text}, nil
}

func toText(e Expr) Expr {
	if e.Type().OID == sql.OIDText {
		return e
	}
	if c, ok := e.(*Const); ok && c.Typ.OID == sql.OIDUnknown {
		return &Const{Val: c.Val, Typ: sql.Text}
	}
	return &Cast{Input: e, Typ: sql.Text}
}

// compare types a comparison, casting both sides to their common type.
func (b *binder) compare(op Op, l, r Expr) (Expr, error) {
	e, err := b.typeCompare(op, l, r)
	if err != nil {
		return nil, err
	}
	return foldNullOperand(e), nil
}

func (b *binder) typeCompare(op Op, l, r Expr) (Expr, error) {
	if lr, ok := l.(*RowLit); ok {
		if rr, ok := r.(*RowLit); ok {
			return b.compareRows(op, lr, rr)
		}
	}
	lt, rt := l.Type(), r.Type()
	var t sql.Type
	switch {
	case lt.OID == sql.OIDUnknown && rt.OID == sql.OIDUnknown:
		t = sql.Text
	case lt.OID == sql.OIDUnknown:
		t = rt
	case rt.OID == sql.OIDUnknown:
		t = lt
	default:
		var ok bool
		t, ok = commonType([]sql.Type{lt, rt})
		if !ok {
			// Strings compare with anything castable from text only when
			// one side is a literal; otherwise there is no operator.
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s %s %s", lt, op, rt)
		}
	}
	if t.OID == sql.OIDVarchar || t.OID == sql.OIDBpchar || t.OID == sql.OIDName {
		t = sql.Text
	}
	if t.OID != sql.OIDNumeric && !t.IsArray() {
		t.Mod = -1
	} else if t.OID == sql.OIDNumeric {
		t = sql.Numeric
	}
	return &BinOp{Op: op, L: b.coerce(l, t), R: b.coerce(r, t), Typ: sql.Bool}, nil
}

// arrayConcat types array || array, array || element and element || array.
func (b *binder) arrayConcat(l, r Expr) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	var elem sql.Type
	switch {
	case lt.IsArray() && (rt.IsArray() || rt.OID == sql.OIDUnknown):
		elem = *lt.Elem
		if rt.IsArray() {
			t, ok := commonType([]sql.Type{*lt.Elem, *rt.Elem})
			if !ok {
				return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s || %s", lt, rt)
			}
			elem = t
		}
		at := sql.ArrayOf(elem)
		return &BinOp{Op: OpConcat, L: b.coerce(l, at), R: b.coerce(r, at), Typ: at}, nil
	case lt.IsArray():
		at := sql.ArrayOf(*lt.Elem)
		return &BinOp{Op: OpConcat, L: l, R: b.coerce(r, *lt.Elem), Typ: at}, nil
	default:
		if rt.Elem == nil {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s || %s", lt, rt)
		}
		at := sql.ArrayOf(*rt.Elem)
		if lt.OID == sql.OIDUnknown {
			return &BinOp{Op: OpConcat, L: b.coerce(l, at), R: r, Typ: at}, nil
		}
		return &BinOp{Op: OpConcat, L: b.coerce(l, *rt.Elem), R: r, Typ: at}, nil
	}
}

// compareRows expands a row comparison field by field, as PostgreSQL does:
// = and <> over all fields, ordering operators lexicographically.
func (b *binder) compareRows(op Op, l, r *RowLit) (Expr, error) {
	if len(l.Elems) != len(r.Elems) {
		return nil, sql.Errorf(sql.CodeSyntaxError, "unequal number of entries in row expressions")
	}
	n := len(l.Elems)
	cmp := func(o Op, i int) (Expr, error) { return b.compare(o, l.Elems[i], r.Elems[i]) }
	switch op {
	case OpEq, OpNullSafeEq:
		parts := make([]Expr, n)
		for i := range parts {
			c, err := cmp(op, i)
			if err != nil {
				return nil, err
			}
			parts[i] = c
		}
		return &And{Args: parts}, nil
	case OpNe:
		parts := make([]Expr, n)
		for i := range parts {
			c, err := cmp(OpNe, i)
			if err != nil {
				return nil, err
			}
			parts[i] = c
		}
		return &Or{Args: parts}, nil
	}
	// (a, b) < (c, d)  =  a < c OR (a = c AND b < d), and so on; the last
	// field takes the operator itself (<= or >= included).
	strict := op
	switch op {
	case OpLe:
		strict = OpLt
	case OpGe:
		strict = OpGt
	}
	var build func(i int) (Expr, error)
	build = func(i int) (Expr, error) {
		if i == n-1 {
			return cmp(op, i)
		}
		s, err := cmp(strict, i)
		if err != nil {
			return nil, err
		}
		eq, err := cmp(OpEq, i)
		if err != nil {
			return nil, err
		}
		rest, err := build(i + 1)
		if err != nil {
			return nil, err
		}
		return &Or{Args: []Expr{s, &And{Args: []Expr{eq, rest}}}}, nil
	}
	return build(0)
}

// ambiguousOperator is PostgreSQL's error for an operator whose operands
// are all untyped literals, which no candidate is preferred for.
func ambiguousOperator(op, left, right string) error {
	return &sql.Error{Code: sql.CodeAmbiguousFunction,
		Message: "operator is not unique: " + left + op + right,
		Hint:    "Could not choose a best candidate operator. You might need to add explicit type casts."}
}

// foldNullOperand is PostgreSQL's plan-time simplification of a strict
// operator with a NULL constant operand: the result is a NULL constant and
// the other operand is never evaluated, so NULL * (SELECT x FROM t) does not
// fail when t has many rows. (At run time both operands are evaluated.)
// IS NOT DISTINCT FROM and array concatenation are not strict.
//
// PostgreSQL folds bottom-up, so an all-constant operand is computed first
// and its error (NULL - 1/0) is raised; the planner cannot compute, so it
// leaves such operators to run time, where both operands are evaluated and
// the same error follows.
func foldNullOperand(e Expr) Expr {
	bo, ok := e.(*BinOp)
	if !ok || bo.Op == OpNullSafeEq || (bo.Op == OpConcat && bo.Typ.IsArray()) {
		return e
	}
	if (isNullConst(bo.L) && skippable(bo.R)) || (isNullConst(bo.R) && skippable(bo.L)) {
		return &Const{Val: sql.Null, Typ: bo.Typ}
	}
	return e
}

// isNullConst reports whether e is a NULL literal, possibly cast.
func isNullConst(e Expr) bool {
	for {
		switch x := e.(type) {
		case *Const:
			return x.Val.IsNull()
		case *Cast:
			e = x.Input
		default:
			return false
		}
	}
}

// skippable reports whether the operand beside a NULL constant may go
// unevaluated: it reads a row (so PostgreSQL could not have computed it at
// plan time), or it is a literal, which cannot fail.
func skippable(e Expr) bool {
	if _, ok := e.(*Const); ok || isNullConst(e) {
		return true
	}
	return !constOnly(e)
}

// constOnly reports whether e is computed from literals alone: no column,
// outer reference, parameter or subquery.
func constOnly(e Expr) bool {
	only := true
	walkExpr(e, func(x Expr) bool {
		switch x.(type) {
		case *ColRef, *OuterRef, *Param, *Subquery:
			only = false
		}
		return only
	})
	return only
}
