package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/eddysql/eddy/sql"
)

// exprBinder binds the expressions of one clause.
type exprBinder struct {
	b   *binder
	sc  *scope
	win *winState // nil where window functions are not allowed
	// inAgg is set while binding an aggregate's arguments.
	inAgg bool
}

func (b *binder) bindExpr(e ast.ExprNode, sc *scope) (Expr, error) {
	return (&exprBinder{b: b, sc: sc}).bind(e)
}

func (b *binder) bindExprWin(e ast.ExprNode, sc *scope, win *winState) (Expr, error) {
	return (&exprBinder{b: b, sc: sc, win: win}).bind(e)
}

// bindBool binds a condition, which must be boolean (or an unknown literal).
func (b *binder) bindBool(e ast.ExprNode, sc *scope, clause string) (Expr, error) {
	x, err := b.bindExpr(e, sc)
	if err != nil {
		return nil, err
	}
	return b.asBool(x, clause)
}

func (b *binder) asBool(x Expr, clause string) (Expr, error) {
	t := x.Type()
	if t.OID == sql.OIDBool {
		return x, nil
	}
	if t.OID == sql.OIDUnknown {
		return b.coerce(x, sql.Bool), nil
	}
	return nil, sql.Errorf(sql.CodeDatatypeMismatch, "argument of %s must be type boolean, not type %s", clause, t)
}

// coerce casts implicitly, fixing the type of an untyped parameter.
func (b *binder) coerce(e Expr, t sql.Type) Expr {
	if p, ok := e.(*Param); ok && (p.Typ.OID == sql.OIDUnknown || p.Typ.OID == 0) && t.OID != sql.OIDUnknown {
		b.params[p.Idx] = t
		return &Param{Idx: p.Idx, Typ: t}
	}
	return coerce(e, t)
}

func (eb *exprBinder) bind(e ast.ExprNode) (Expr, error) {
	if sc := eb.sc; sc.agg != nil && !eb.inAgg {
		if x, ok := sc.agg.matchGroup(e); ok {
			return x, nil
		}
	}
	switch e := e.(type) {
	case *ast.ParenthesesExpr:
		return eb.bind(e.Expr)
	case *driver.ValueExpr:
		return literal(e)
	case *ast.ColumnNameExpr:
		return eb.column(e.Name)
	case *ast.BinaryOperationExpr:
		return eb.binary(e)
	case *ast.UnaryOperationExpr:
		return eb.unary(e)
	case *ast.IsNullExpr:
		x, err := eb.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		if r, ok := x.(*RowLit); ok {
			// A row IS NULL when every field is, IS NOT NULL when none is.
			parts := make([]Expr, len(r.Elems))
			for i, f := range r.Elems {
				parts[i] = &IsNull{Input: f, Not: e.Not}
			}
			return &And{Args: parts}, nil
		}
		return &IsNull{Input: x, Not: e.Not}, nil
	case *ast.IsTruthExpr:
		x, err := eb.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		if x, err = eb.b.asBool(x, "IS TRUE"); err != nil {
			return nil, err
		}
		return &IsBool{Input: x, Val: e.True != 0, Not: e.Not}, nil
	case *ast.BetweenExpr:
		return eb.between(e)
	case *ast.PatternInExpr:
		return eb.in(e)
	case *ast.PatternLikeOrIlikeExpr:
		return eb.like(e)
	case *ast.CaseExpr:
		return eb.caseExpr(e)
	case *ast.FuncCallExpr:
		return eb.call(e)
	case *ast.AggregateFuncExpr:
		return eb.aggregate(e, nil, nil)
	case *ast.WindowFuncExpr:
		return eb.window(e, nil)
	case *ast.SubqueryExpr:
		return eb.subquery(e, SubqueryScalar)
	case *ast.ExistsSubqueryExpr:
		sq, ok := e.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, errUnsupported("EXISTS over a non-subquery")
		}
		x, err := eb.subquery(sq, SubqueryExists)
		if err != nil {
			return nil, err
		}
		x.(*Subquery).Not = e.Not
		return x, nil
	case *ast.CompareSubqueryExpr:
		return eb.compareSubquery(e)
	case *ast.FuncCastExpr:
		return nil, errUnsupported("MySQL CAST")
	case *ast.DefaultExpr:
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "DEFAULT is not allowed in this context")
	case *ast.RowExpr:
		elems := make([]Expr, len(e.Values))
		for i, v := range e.Values {
			x, err := eb.bind(v)
			if err != nil {
				return nil, err
			}
			elems[i] = x
		}
		return &RowLit{Elems: elems}, nil
	case *ast.VariableExpr:
		return nil, sql.Errorf(sql.CodeSyntaxError, "syntax error at or near \"@\"")
	}
	return nil, errUnsupported(fmt.Sprintf("expression %T", e))
}

// literal types a constant as PostgreSQL does: integers are int4 or int8,
// anything with a point or exponent is numeric, strings are unknown.
func literal(v *driver.ValueExpr) (Expr, error) {
	switch v.Kind() {
	case driver.KindNull:
		return &Const{Val: sql.Null, Typ: sql.Unknown}, nil
	case driver.KindInt64:
		i := v.GetInt64()
		if mysql.HasIsBooleanFlag(v.Type.GetFlag()) {
			return &Const{Val: sql.NewBool(i != 0), Typ: sql.Bool}, nil
		}
		if i >= -1<<31 && i < 1<<31 {
			return &Const{Val: sql.NewInt(i), Typ: sql.Int4}, nil
		}
		return &Const{Val: sql.NewInt(i), Typ: sql.Int8}, nil
	case driver.KindUint64:
		d, _, err := apd.NewFromString(strconv.FormatUint(v.GetUint64(), 10))
		if err != nil {
			return nil, err
		}
		return &Const{Val: sql.NewNumeric(d), Typ: sql.Numeric}, nil
	case driver.KindMysqlDecimal:
		d, _, err := apd.NewFromString(v.GetMysqlDecimal().String())
		if err != nil {
			return nil, sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid numeric literal: %v", err)
		}
		return &Const{Val: sql.NewNumeric(d), Typ: sql.Numeric}, nil
	case driver.KindFloat64, driver.KindFloat32:
		// 1e3 is numeric in PostgreSQL; keep its exact decimal text.
		d, _, err := apd.NewFromString(strconv.FormatFloat(v.GetFloat64(), 'g', -1, 64))
		if err != nil {
			return nil, err
		}
		return &Const{Val: sql.NewNumeric(d), Typ: sql.Numeric}, nil
	case driver.KindString:
		return &Const{Val: sql.NewText(v.GetString()), Typ: sql.Unknown}, nil
	case driver.KindBytes:
		return &Const{Val: sql.NewText(string(v.GetBytes())), Typ: sql.Unknown}, nil
	}
	return nil, errUnsupported(fmt.Sprintf("literal of kind %d", v.Kind()))
}

// column resolves a column name through this scope and its parents.
func (eb *exprBinder) column(cn *ast.ColumnName) (Expr, error) {
	table, name := cn.Table.O, cn.Name.O
	level := 0
	for sc := eb.sc; sc != nil; sc, level = sc.parent, level+1 {
		if f := eb.b.frame(); f != nil && sc == f.caller {
			// an inlined function's body sees its parameters, not the caller
			if x, ok, err := eb.namedParam(f, table, name); ok || err != nil {
				return x, err
			}
			break
		}
		idx, err := sc.lookup(table, name)
		if err != nil {
			return nil, err
		}
		if idx < 0 {
			continue
		}
		typ := sc.cols[idx].Type
		if sc.agg != nil && !(level == 0 && eb.inAgg) {
			g, ok := sc.agg.groupColumn(idx)
			if !ok {
				// PostgreSQL names the column by its relation, written or not.
				q := name
				if t := sc.cols[idx].Table; t != "" {
					q = t + "." + name
				} else if table != "" {
					q = table + "." + name
				}
				return nil, sql.Errorf(sql.CodeGroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", q)
			}
			idx = g
		}
		if level == 0 {
			return &ColRef{Idx: idx, Typ: typ}, nil
		}
		sc.outerRefs++
		return &OuterRef{Level: level, Idx: idx, Typ: typ}, nil
	}
	if table != "" {
		for sc := eb.sc; sc != nil; sc = sc.parent {
			if sc.hasTable(table) {
				return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %s.%s does not exist", table, name)
			}
		}
		return nil, sql.Errorf(sql.CodeUndefinedTable, "missing FROM-clause entry for table %q", table)
	}
	return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q does not exist", name)
}

var binOps = map[opcode.Op]Op{
	opcode.Plus: OpAdd, opcode.Minus: OpSub, opcode.Mul: OpMul, opcode.Div: OpDiv,
	opcode.Mod: OpMod, opcode.EQ: OpEq, opcode.NE: OpNe, opcode.LT: OpLt, opcode.LE: OpLe,
	opcode.GT: OpGt, opcode.GE: OpGe, opcode.NullEQ: OpNullSafeEq, opcode.And: OpBitAnd,
	opcode.Or: OpBitOr, opcode.Xor: OpBitXor, opcode.LeftShift: OpShiftLeft,
	opcode.RightShift: OpShiftRight, opcode.IntDiv: OpDiv,
}

func (eb *exprBinder) binary(e *ast.BinaryOperationExpr) (Expr, error) {
	switch e.Op {
	case opcode.LogicAnd, opcode.LogicOr:
		l, err := eb.boolOperand(e.L, e.Op)
		if err != nil {
			return nil, err
		}
		r, err := eb.boolOperand(e.R, e.Op)
		if err != nil {
			return nil, err
		}
		if e.Op == opcode.LogicAnd {
			return &And{Args: literalsFirst(flatten[*And](l, r))}, nil
		}
		return &Or{Args: literalsFirst(flatten[*Or](l, r))}, nil
	case opcode.LogicXor:
		return nil, errUnsupported("XOR")
	}
	l, err := eb.bind(e.L)
	if err != nil {
		return nil, err
	}
	r, err := eb.bind(e.R)
	if err != nil {
		return nil, err
	}
	op, ok := binOps[e.Op]
	if !ok {
		return nil, errUnsupported("operator " + e.Op.String())
	}
	return eb.b.binop(op, l, r)
}

func flatten[T interface{ *And | *Or }](l, r Expr) []Expr {
	var out []Expr
	for _, x := range []Expr{l, r} {
		switch v := any(x).(type) {
		case T:
			switch w := any(v).(type) {
			case *And:
				out = append(out, w.Args...)
			case *Or:
				out = append(out, w.Args...)
			}
		default:
			out = append(out, x)
		}
	}
	return out
}

func (eb *exprBinder) boolOperand(e ast.ExprNode, op opcode.Op) (Expr, error) {
	x, err := eb.bind(e)
	if err != nil {
		return nil, err
	}
	name := "AND"
	if op == opcode.LogicOr {
		name = "OR"
	}
	return eb.b.asBool(x, name)
}

func (eb *exprBinder) unary(e *ast.UnaryOperationExpr) (Expr, error) {
	x, err := eb.bind(e.V)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case opcode.Not, opcode.Not2:
		x, err = eb.b.asBool(x, "NOT")
		if err != nil {
			return nil, err
		}
		return &Not{Input: x}, nil
	case opcode.Minus:
		if x.Type().OID == sql.OIDUnknown {
			return nil, ambiguousOperator("-", "", " unknown")
		}
		if c, ok := x.(*Const); ok {
			_, literal := e.V.(*driver.ValueExpr)
			if neg, ok := negateConst(c, literal); ok {
				return neg, nil
			}
		}
		if category(x.Type()) != catNumeric && x.Type().OID != sql.OIDInterval {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: - %s", x.Type())
		}
		return &Neg{Input: x}, nil
	case opcode.Plus:
		return x, nil
	case opcode.BitNeg:
		if x.Type().OID == sql.OIDUnknown {
			return nil, ambiguousOperator("~", "", " unknown")
		}
		return &BitNot{Input: x}, nil
	}
	return nil, errUnsupported("unary operator " + e.Op.String())
}

// negateConst folds -literal so that -2147483648 is an int4 as in PostgreSQL.
func negateConst(c *Const, literal bool) (Expr, bool) {
	if c.Val.IsNull() {
		return nil, false
	}
	switch c.Typ.OID {
	case sql.OIDInt4, sql.OIDInt8:
		i := c.Val.Int()
		if i == -1<<63 {
			return nil, false
		}
		// PostgreSQL's lexer sees -2147483648 as one integer literal, so a
		// literal's type follows the negated value.
		if literal && -i >= -1<<31 && -i < 1<<31 {
			return &Const{Val: sql.NewInt(-i), Typ: sql.Int4}, true
		}
		return &Const{Val: sql.NewInt(-i), Typ: c.Typ}, true
	case sql.OIDNumeric:
		d := new(apd.Decimal).Neg(c.Val.Numeric())
		if literal && d.Cmp(minInt8) == 0 {
			return &Const{Val: sql.NewInt(-1 << 63), Typ: sql.Int8}, true
		}
		if d.Exponent == 0 && d.Coeff.IsInt64() {
			i := d.Coeff.Int64()
			if d.Negative {
				i = -i
			}
			if i >= -1<<31 && i < 1<<31 {
				return &Const{Val: sql.NewInt(i), Typ: sql.Int4}, true
			}
			return &Const{Val: sql.NewInt(i), Typ: sql.Int8}, true
		}
		return &Const{Val: sql.NewNumeric(d), Typ: sql.Numeric}, true
	}
	return nil, false
}

func (eb *exprBinder) between(e *ast.BetweenExpr) (Expr, error) {
	x, err := eb.bind(e.Expr)
	if err != nil {
		return nil, err
	}
	lo, err := eb.bind(e.Left)
	if err != nil {
		return nil, err
	}
	// PostgreSQL rewrites x NOT BETWEEN lo AND hi as x < lo OR x > hi
	// (the same truth table as NOT (x >= lo AND x <= hi)), and its errors
	// name those operators. It resolves the first comparison before it
	// reads hi, so that comparison's error comes first.
	loOp, hiOp := OpGe, OpLe
	if e.Not {
		loOp, hiOp = OpLt, OpGt
	}
	lc, err := eb.b.compare(loOp, x, lo)
	if err != nil {
		return nil, err
	}
	hi, err := eb.bind(e.Right)
	if err != nil {
		return nil, err
	}
	hc, err := eb.b.compare(hiOp, x, hi)
	if err != nil {
		return nil, err
	}
	if e.Not {
		return &Or{Args: []Expr{lc, hc}}, nil
	}
	return &And{Args: []Expr{lc, hc}}, nil
}

// unparen strips the parentheses around an expression.
func unparen(e ast.ExprNode) ast.ExprNode {
	for {
		p, ok := e.(*ast.ParenthesesExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

func (eb *exprBinder) in(e *ast.PatternInExpr) (Expr, error) {
	x, err := eb.bind(e.Expr)
	if err != nil {
		return nil, err
	}
	if e.Sel == nil && len(e.List) == 1 {
		// PostgreSQL's grammar reads "x IN ((SELECT ...))" as IN over the
		// subquery (a select in extra parentheses), not as a one-element
		// list holding a scalar subquery.
		if sq, ok := unparen(e.List[0]).(*ast.SubqueryExpr); ok {
			e = &ast.PatternInExpr{Expr: e.Expr, Not: e.Not, Sel: sq}
		}
	}
	if e.Sel != nil {
		sq, ok := e.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, errUnsupported("IN over a non-subquery")
		}
		if r, ok := x.(*RowLit); ok {
			return eb.rowInSubquery(r, sq, e.Not)
		}
		s, err := eb.subquery(sq, SubqueryAny)
		if err != nil {
			return nil, err
		}
		return eb.b.anySubquery(s.(*Subquery), x, OpEq, e.Not, false)
	}
	if r, ok := x.(*RowLit); ok {
		var ors []Expr
		for _, le := range e.List {
			y, err := eb.bind(le)
			if err != nil {
				return nil, err
			}
			c, err := eb.b.compare(OpEq, r, y)
			if err != nil {
				return nil, err
			}
			ors = append(ors, c)
		}
		var out Expr = &Or{Args: ors}
		if e.Not {
			out = &Not{Input: out}
		}
		return out, nil
	}
	list := make([]Expr, len(e.List))
	types := []sql.Type{x.Type()}
	for i, le := range e.List {
		if list[i], err = eb.bind(le); err != nil {
			return nil, err
		}
		types = append(types, list[i].Type())
	}
	t, ok := commonType(types)
	if !ok {
		// Fall back to pairwise comparisons, which may still resolve. As in
		// PostgreSQL, NOT IN is the conjunction of <> comparisons (so its
		// errors name <>), and IN the disjunction of = comparisons.
		op := OpEq
		if e.Not {
			op = OpNe
		}
		cmps := make([]Expr, len(list))
		for i, l := range list {
			if cmps[i], err = eb.b.compare(op, x, l); err != nil {
				return nil, err
			}
		}
		if e.Not {
			return &And{Args: cmps}, nil
		}
		return &Or{Args: cmps}, nil
	}
	t = resolveUnknown(t)
	for i := range list {
		list[i] = eb.b.coerce(list[i], t)
	}
	return &InList{Input: eb.b.coerce(x, t), List: list, Not: e.Not}, nil
}

func (eb *exprBinder) like(e *ast.PatternLikeOrIlikeExpr) (Expr, error) {
	x, err := eb.bind(e.Expr)
	if err != nil {
		return nil, err
	}
	p, err := eb.bind(e.Pattern)
	if err != nil {
		return nil, err
	}
	x, p = eb.b.coerce(x, sql.Text), eb.b.coerce(p, sql.Text)
	if category(x.Type()) != catString || category(p.Type()) != catString {
		return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s ~~ %s", x.Type(), p.Type())
	}
	l := &Like{Input: x, Pattern: p, CaseInsensitive: !e.IsLike, Not: e.Not}
	if e.Escape != '\\' {
		l.Escape = &Const{Val: sql.NewText(string(rune(e.Escape))), Typ: sql.Text}
	}
	return l, nil
}

func (eb *exprBinder) caseExpr(e *ast.CaseExpr) (Expr, error) {
	var operand Expr
	var err error
	if e.Value != nil {
		if operand, err = eb.bind(e.Value); err != nil {
			return nil, err
		}
		// PostgreSQL types an untyped CASE operand as text before comparing
		// it with each WHEN, so CASE NULL WHEN 1 has no text = integer.
		if operand.Type().OID == sql.OIDUnknown {
			operand = eb.b.coerce(operand, sql.Text)
		}
	}
	c := &Case{}
	var results []Expr
	for _, w := range e.WhenClauses {
		cond, err := eb.bind(w.Expr)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = eb.b.compare(OpEq, operand, cond); err != nil {
				return nil, err
			}
		} else if cond, err = eb.b.asBool(cond, "CASE/WHEN"); err != nil {
			return nil, err
		}
		r, err := eb.bind(w.Result)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond})
		results = append(results, r)
	}
	if e.ElseClause != nil {
		r, err := eb.bind(e.ElseClause)
		if err != nil {
			return nil, err
		}
		c.Else = r
		results = append(results, r)
	}
	types := make([]sql.Type, len(results))
	for i, r := range results {
		types[i] = r.Type()
	}
	t, ok := commonType(types)
	if !ok {
		// PostgreSQL resolves the ELSE result first, then the WHENs.
		order := types
		if c.Else != nil {
			order = append([]sql.Type{types[len(types)-1]}, types[:len(types)-1]...)
		}
		a, b := typeMismatch(order)
		return nil, sql.Errorf(sql.CodeDatatypeMismatch, "CASE types %s and %s cannot be matched", a, b)
	}
	t = resolveUnknown(t)
	for i := range c.Whens {
		c.Whens[i].Result = eb.b.coerce(results[i], t)
	}
	if c.Else != nil {
		c.Else = eb.b.coerce(c.Else, t)
	}
	c.Typ = t
	return c, nil
}

func (eb *exprBinder) subquery(e *ast.SubqueryExpr, kind SubqueryKind) (Expr, error) {
	// Names resolve inside the subquery first, then in our scope and its
	// parents as outer references; any such reference makes it correlated.
	before := outerRefCount(eb.sc)
	n, err := eb.b.bindQuery(e.Query, eb.sc)
	if err != nil {
		return nil, err
	}
	s := &Subquery{Kind: kind, Plan: finalizeOutput(n), Correlated: outerRefCount(eb.sc) > before}
	cols := s.Plan.Columns()
	switch kind {
	case SubqueryScalar:
		if len(cols) != 1 {
			return nil, sql.Errorf(sql.CodeSyntaxError, "subquery must return only one column")
		}
		s.Typ = cols[0].Type
	case SubqueryExists:
		s.Typ = sql.Bool
	default:
		if len(cols) != 1 {
			return nil, sql.Errorf(sql.CodeSyntaxError, "subquery has too many columns")
		}
		s.Typ = sql.Bool
	}
	return s, nil
}

// anySubquery completes x op ANY/ALL (subquery), coercing both sides.
func (b *binder) anySubquery(s *Subquery, x Expr, op Op, not, all bool) (Expr, error) {
	col := s.Plan.Columns()[0]
	t, ok := commonType([]sql.Type{x.Type(), col.Type})
	if !ok {
		return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s %s %s", x.Type(), op, col.Type)
	}
	t = resolveUnknown(t)
	if !col.Type.Equal(t) {
		s.Plan = &Project{Input: s.Plan, Exprs: []Expr{coerce(&ColRef{Idx: 0, Typ: col.Type}, t)}, Cols: []Column{{Name: col.Name, Type: t}}}
	}
	s.Left = b.coerce(x, t)
	s.Op = op
	if all {
		s.Kind = SubqueryAll
	}
	if not {
		return &Not{Input: s}, nil
	}
	return s, nil
}

func (eb *exprBinder) compareSubquery(e *ast.CompareSubqueryExpr) (Expr, error) {
	x, err := eb.bind(e.L)
	if err != nil {
		return nil, err
	}
	op, ok := binOps[e.Op]
	if !ok || !op.IsComparison() {
		return nil, errUnsupported("operator " + e.Op.String() + " with ANY/ALL")
	}
	sq, ok := e.R.(*ast.SubqueryExpr)
	if !ok {
		return nil, errUnsupported("ANY/ALL over a non-subquery")
	}
	// The dialect layer turns x op ANY(array) into ANY (SELECT eddy_unnest(array)).
	if sel, ok := sq.Query.(*ast.SelectStmt); ok && sel.From == nil && len(sel.Fields.Fields) == 1 {
		if fc, ok := sel.Fields.Fields[0].Expr.(*ast.FuncCallExpr); ok && fc.FnName.L == "eddy_unnest" && len(fc.Args) == 1 {
			arr, err := eb.bind(fc.Args[0])
			if err != nil {
				return nil, err
			}
			return eb.b.arrayCompare(x, op, e.All, arr)
		}
	}
	s, err := eb.subquery(sq, SubqueryAny)
	if err != nil {
		return nil, err
	}
	return eb.b.anySubquery(s.(*Subquery), x, op, false, e.All)
}

func (b *binder) arrayCompare(x Expr, op Op, all bool, arr Expr) (Expr, error) {
	at := arr.Type()
	if at.OID == sql.OIDUnknown {
		et := x.Type()
		if et.OID == sql.OIDUnknown {
			et = sql.Text
		}
		arr = b.coerce(arr, sql.ArrayOf(et))
		at = arr.Type()
	}
	if !at.IsArray() {
		return nil, sql.Errorf(sql.CodeWrongObjectType, "op ANY/ALL (array) requires array on right side")
	}
	t, ok := commonType([]sql.Type{x.Type(), *at.Elem})
	if !ok {
		return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s %s %s", x.Type(), op, *at.Elem)
	}
	t = resolveUnknown(t)
	return &ArrayCmp{Left: b.coerce(x, t), Op: op, All: all, Array: b.coerce(arr, sql.ArrayOf(t))}, nil
}

func outerRefCount(sc *scope) int {
	n := 0
	for ; sc != nil; sc = sc.parent {
		n += sc.outerRefs
	}
	return n
}

// columnName is the output name PostgreSQL gives an unaliased expression.
func columnName(e ast.ExprNode) string {
	name, _ := figureColname(e)
	return name
}

// figureColname follows PostgreSQL's FigureColname: a name and its strength
// (2: a column or function name, 1: a type name from a cast or a keyword,
// 0: none). An outer cast overrides only weak names: 't'::regclass::oid is
// "oid", but a::int is "a".
func figureColname(e ast.ExprNode) (string, int) {
	switch e := e.(type) {
	case *ast.ColumnNameExpr:
		return e.Name.Name.O, 2
	case *ast.ParenthesesExpr:
		return figureColname(e.Expr)
	case *ast.FuncCallExpr:
		switch e.FnName.L {
		case "eddy_cast":
			if len(e.Args) == 2 {
				if name, strength := figureColname(e.Args[0]); strength == 2 {
					return name, 2
				}
				if v, ok := e.Args[1].(*driver.ValueExpr); ok {
					return typeColumnName(v.GetString()), 1
				}
			}
		case "eddy_filter", "eddy_agg_order", "eddy_within_group", "eddy_agg_distinct":
			if len(e.Args) > 0 {
				return figureColname(e.Args[0])
			}
		case "eddy_subscript", "eddy_slice":
			if len(e.Args) > 0 {
				return figureColname(e.Args[0])
			}
		case "eddy_param", "eddy_json_get", "eddy_json_get_text", "eddy_json_path",
			"eddy_json_path_text", "eddy_regex", "eddy_regex_ci", "eddy_contains", "eddy_contained",
			"eddy_overlaps":
			return "?column?", 0
		case "eddy_field":
			if len(e.Args) == 2 {
				if v, ok := e.Args[1].(*driver.ValueExpr); ok {
					return v.GetString(), 2
				}
			}
		case "eddy_array", "eddy_array_subquery":
			return "array", 2
		case "eddy_concat_fn":
			return "concat", 2
		case "eddy_at_time_zone":
			return "timezone", 2
		case "concat": // a || b
			return "?column?", 0
		case "eddy_extract":
			return "extract", 2
		}
		return e.FnName.L, 2
	case *ast.AggregateFuncExpr:
		return strings.ToLower(e.F), 2
	case *ast.WindowFuncExpr:
		return strings.ToLower(e.Name), 2
	case *ast.CaseExpr:
		return "case", 1
	case *ast.RowExpr:
		return "row", 2
	case *ast.ExistsSubqueryExpr:
		return "exists", 2
	case *ast.SubqueryExpr:
		if sel, ok := e.Query.(*ast.SelectStmt); ok && sel.Fields != nil && len(sel.Fields.Fields) == 1 {
			f := sel.Fields.Fields[0]
			if f.AsName.O != "" {
				return f.AsName.O, 2
			}
			if f.Expr != nil {
				return figureColname(f.Expr)
			}
		}
	case *driver.ValueExpr:
		if mysql.HasIsBooleanFlag(e.Type.GetFlag()) {
			return "bool", 1
		}
	}
	return "?column?", 0
}

// typeColumnName is the column name of a bare cast: PostgreSQL names it after
// the type's internal name (int4, varchar, timestamptz ...).
func typeColumnName(typeText string) string {
	t, err := sql.ParseTypeName(typeText)
	if err != nil {
		return "?column?"
	}
	if t.IsArray() {
		return "?column?"
	}
	return internalTypeName(t.OID)
}

func internalTypeName(oid uint32) string {
	switch oid {
	case sql.OIDBool:
		return "bool"
	case sql.OIDInt2:
		return "int2"
	case sql.OIDInt4:
		return "int4"
	case sql.OIDInt8:
		return "int8"
	case sql.OIDFloat4:
		return "float4"
	case sql.OIDFloat8:
		return "float8"
	case sql.OIDVarchar:
		return "varchar"
	case sql.OIDBpchar:
		return "bpchar"
	case sql.OIDTimestampTZ:
		return "timestamptz"
	case sql.OIDTime:
		return "time"
	}
	return sql.FormatType(sql.Type{OID: oid, Mod: -1})
}

func intLiteral(e ast.ExprNode) (int64, bool) {
	if p, ok := e.(*ast.PositionExpr); ok && p.P == nil {
		return int64(p.N), true
	}
	v, ok := e.(*driver.ValueExpr)
	if !ok || v.Kind() != driver.KindInt64 || mysql.HasIsBooleanFlag(v.Type.GetFlag()) {
		return 0, false
	}
	return v.GetInt64(), true
}

// rowInSubquery binds (a, b) IN (SELECT x, y ...): the subquery's columns
// are packed into one record so that rows compare as wholes.
func (eb *exprBinder) rowInSubquery(r *RowLit, sq *ast.SubqueryExpr, not bool) (Expr, error) {
	before := outerRefCount(eb.sc)
	n, err := eb.b.bindQuery(sq.Query, eb.sc)
	if err != nil {
		return nil, err
	}
	cols := finalizeOutput(n).Columns()
	if len(cols) != len(r.Elems) {
		return nil, sql.Errorf(sql.CodeSyntaxError, "subquery has too %s columns", map[bool]string{true: "many", false: "few"}[len(cols) > len(r.Elems)])
	}
	fields := make([]Expr, len(cols))
	left := make([]Expr, len(cols))
	for i, c := range cols {
		t, ok := commonType([]sql.Type{r.Elems[i].Type(), c.Type})
		if !ok {
			return nil, sql.Errorf(sql.CodeUndefinedFunction, "operator does not exist: %s = %s", r.Elems[i].Type(), c.Type)
		}
		t = resolveUnknown(t)
		fields[i] = coerce(&ColRef{Idx: i, Typ: c.Type}, t)
		left[i] = eb.b.coerce(r.Elems[i], t)
	}
	plan := &Project{Input: finalizeOutput(n), Exprs: []Expr{&RowLit{Elems: fields}}, Cols: []Column{{Name: "row", Type: sql.Record}}}
	s := &Subquery{Kind: SubqueryAny, Plan: plan, Left: &RowLit{Elems: left}, Op: OpEq, Typ: sql.Bool, Correlated: outerRefCount(eb.sc) > before}
	if not {
		return &Not{Input: s}, nil
	}
	return s, nil
}

var minInt8 = apd.New(-1<<63, 0)
