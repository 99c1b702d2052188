package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// winState collects the window functions of one query level. Their results
// are referenced through winRef until the Window node's input width is known.
type winState struct {
	calls []WindowCall
	srfs  []SRFCall // set-returning functions of the select list
}

// srfRef is a placeholder for select-list SRF j's output column.
type srfRef struct {
	j   int
	typ sql.Type
}

func (r *srfRef) Type() sql.Type { return r.typ }

// projectSet wraps input in a ProjectSet for the select list's SRFs and
// resolves their placeholders in exprs.
func (w *winState) projectSet(input Node, exprs []Expr) Node {
	if levels, deepest := w.srfLevels(); deepest > 1 {
		return w.nestedProjectSet(input, exprs, levels, deepest)
	}
	base := len(input.Columns())
	cols := append([]Column(nil), input.Columns()...)
	for _, c := range w.srfs {
		cols = append(cols, c.Cols[0])
	}
	for i := range exprs {
		exprs[i] = mapExpr(exprs[i], func(x Expr) Expr {
			if r, ok := x.(*srfRef); ok {
				return &ColRef{Idx: base + r.j, Typ: r.typ}
			}
			return x
		})
	}
	return &ProjectSet{Input: input, Calls: w.srfs, Cols: cols}
}

// winRef is a placeholder for window call j's output column.
type winRef struct {
	j   int
	typ sql.Type
}

func (w *winRef) Type() sql.Type { return w.typ }

func (w *winState) empty() bool { return w == nil || len(w.calls) == 0 }

// node wraps input in a Window node; callers then resolve winRefs against it.
func (w *winState) node(input Node) Node {
	cols := append([]Column(nil), input.Columns()...)
	for _, c := range w.calls {
		cols = append(cols, Column{Name: c.Func, Type: c.Type})
	}
	return &Window{Input: input, Calls: w.calls, Cols: cols}
}

// resolveWinRefs replaces placeholders now that the input width is known.
func resolveWinRefs(e Expr, base int) Expr {
	return mapExpr(e, func(x Expr) Expr {
		if r, ok := x.(*winRef); ok {
			return &ColRef{Idx: base + r.j, Typ: r.typ}
		}
		return x
	})
}

var rankingFuncs = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true,
	"cume_dist": true, "ntile": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "nth_value": true,
}

// window binds name(args) OVER (...).
func (eb *exprBinder) window(e *ast.WindowFuncExpr, filter ast.ExprNode) (Expr, error) {
	if eb.win == nil {
		return nil, sql.Errorf(sql.CodeWindowingError, "window functions are not allowed here")
	}
	name := strings.ToLower(e.Name)
	// Window arguments, PARTITION BY and ORDER BY are evaluated over the
	// (possibly grouped) row, where aggregates are allowed.
	inner := &exprBinder{b: eb.b, sc: eb.sc}
	call := WindowCall{Func: name}
	for _, a := range e.Args {
		x, err := inner.bind(a)
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, x)
	}
	spec := e.Spec
	if spec.PartitionBy != nil {
		for _, it := range spec.PartitionBy.Items {
			x, err := inner.bind(it.Expr)
			if err != nil {
				return nil, err
			}
			call.Partition = append(call.Partition, x)
		}
	}
	if spec.OrderBy != nil {
		for _, it := range spec.OrderBy.Items {
			x, nullsFirst, desc := unwrapOrderItem(it)
			b, err := inner.bind(x)
			if err != nil {
				return nil, err
			}
			nf := desc
			if nullsFirst != nil {
				nf = *nullsFirst
			}
			call.Order = append(call.Order, SortKey{Expr: b, Desc: desc, NullsFirst: nf})
		}
	}
	if spec.Frame != nil {
		f, err := inner.bindFrame(spec.Frame, call.Order)
		if err != nil {
			return nil, err
		}
		call.Frame = f
	}
	if filter != nil {
		if !IsAggregate(name) || rankingFuncs[name] {
			return nil, sql.Errorf(sql.CodeWrongObjectType, "FILTER is not implemented for non-aggregate window functions")
		}
		f, err := inner.bind(filter)
		if err != nil {
			return nil, err
		}
		if call.Filter, err = eb.b.asBool(f, "FILTER"); err != nil {
			return nil, err
		}
	}
	switch {
	case rankingFuncs[name]:
		switch name {
		case "row_number", "rank", "dense_rank", "ntile":
			call.Type = sql.Int8
			if name == "ntile" {
				call.Type = sql.Int4
			}
		case "percent_rank", "cume_dist":
			call.Type = sql.Float8
		default:
			if len(call.Args) == 0 {
				return nil, sql.Errorf(sql.CodeUndefinedFunction, "function %s() does not exist", name)
			}
			t := resolveUnknown(call.Args[0].Type())
			call.Args[0] = eb.b.coerce(call.Args[0], t)
			if (name == "lag" || name == "lead") && len(call.Args) >= 2 {
				call.Args[1] = eb.b.coerce(call.Args[1], sql.Int4)
				if len(call.Args) == 3 {
					call.Args[2] = eb.b.coerce(call.Args[2], t)
				}
			}
			call.Type = t
		}
	case IsAggregate(name):
		if e.Distinct {
			return nil, sql.Errorf(sql.CodeFeatureNotSupported, "DISTINCT is not implemented for window functions")
		}
		call.Agg = &AggFunc{Name: name}
		star := name == "count" && len(e.Args) == 1
		if star {
			if _, ok := call.Args[0].(*Const); ok {
				call.Args = nil
			}
		}
		types := make([]sql.Type, len(call.Args))
		for i, a := range call.Args {
			if a.Type().OID == sql.OIDUnknown {
				call.Args[i] = eb.b.coerce(a, sql.Text)
			}
			types[i] = call.Args[i].Type()
		}
		t, err := aggResultType(name, types)
		if err != nil {
			return nil, err
		}
		call.Type = t
	case len(builtin.Lookup(name)) > 0:
		return nil, sql.Errorf(sql.CodeWrongObjectType, "OVER specified, but %s is not a window function nor an aggregate function", name)
	default:
		return nil, sql.Errorf(sql.CodeUndefinedFunction, "function %s does not exist", name)
	}
	eb.win.calls = append(eb.win.calls, call)
	return &winRef{j: len(eb.win.calls) - 1, typ: call.Type}, nil
}

// FrameExclude is a frame's EXCLUDE clause.
type FrameExclude uint8

const (
	ExcludeNoOthers FrameExclude = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

var excludeNames = map[string]FrameExclude{
	"no others": ExcludeNoOthers, "current row": ExcludeCurrentRow, "group": ExcludeGroup, "ties": ExcludeTies,
}

var boundNames = map[string]BoundKind{
	"unbounded preceding": UnboundedPreceding, "preceding": Preceding, "current row": CurrentRow,
	"following": Following, "unbounded following": UnboundedFollowing,
}

// frameBound reads one bound. The dialect layer passes offsets the TiDB
// grammar cannot take as INTERVAL eddy_frame_offset(expr) SECOND, and the
// end bound of a frame with EXCLUDE as INTERVAL eddy_frame_end(kind,
// exclude[, expr]) SECOND FOLLOWING.
func frameBound(b ast.FrameBound) (kind BoundKind, off ast.ExprNode, exclude string, err error) {
	if fc, ok := b.Expr.(*ast.FuncCallExpr); ok && b.Unit == ast.TimeUnitSecond {
		switch fc.FnName.L {
		case "eddy_frame_offset":
			if len(fc.Args) == 1 {
				if b.Type == ast.Preceding {
					return Preceding, fc.Args[0], "", nil
				}
				return Following, fc.Args[0], "", nil
			}
		case "eddy_frame_end":
			if len(fc.Args) >= 2 {
				k, _ := fc.Args[0].(*driver.ValueExpr)
				x, _ := fc.Args[1].(*driver.ValueExpr)
				if k != nil && x != nil {
					kind, ok := boundNames[k.GetString()]
					if ok && (len(fc.Args) == 3) == (kind == Preceding || kind == Following) {
						if len(fc.Args) == 3 {
							off = fc.Args[2]
						}
						return kind, off, x.GetString(), nil
					}
				}
			}
		}
		return 0, nil, "", sql.Errorf(sql.CodeSyntaxError, "malformed window frame")
	}
	switch b.Type {
	case ast.CurrentRow:
		return CurrentRow, nil, "", nil
	case ast.Preceding:
		if b.UnBounded {
			return UnboundedPreceding, nil, "", nil
		}
		kind = Preceding
	case ast.Following:
		if b.UnBounded {
			return UnboundedFollowing, nil, "", nil
		}
		kind = Following
	}
	if b.Unit != ast.TimeUnitInvalid || b.Expr == nil {
		return 0, nil, "", errUnsupported("this frame bound")
	}
	return kind, b.Expr, "", nil
}

// bindFrame binds a frame clause, with PostgreSQL's checks.
func (eb *exprBinder) bindFrame(f *ast.FrameClause, order []SortKey) (*Frame, error) {
	out := &Frame{Rows: f.Type == ast.Rows, Groups: f.Type == ast.Groups}
	unit := "RANGE"
	switch {
	case out.Rows:
		unit = "ROWS"
	case out.Groups:
		unit = "GROUPS"
		if len(order) == 0 {
			return nil, sql.Errorf(sql.CodeWindowingError, "GROUPS mode requires an ORDER BY clause")
		}
	}
	sk, so, _, err := frameBound(f.Extent.Start)
	if err != nil {
		return nil, err
	}
	ek, eo, excl, err := frameBound(f.Extent.End)
	if err != nil {
		return nil, err
	}
	if excl != "" {
		x, ok := excludeNames[excl]
		if !ok {
			return nil, sql.Errorf(sql.CodeSyntaxError, "malformed window frame")
		}
		out.Exclude = x
	}
	switch {
	case sk == UnboundedFollowing:
		return nil, sql.Errorf(sql.CodeWindowingError, "frame start cannot be UNBOUNDED FOLLOWING")
	case ek == UnboundedPreceding:
		return nil, sql.Errorf(sql.CodeWindowingError, "frame end cannot be UNBOUNDED PRECEDING")
	case sk == CurrentRow && ek == Preceding:
		return nil, sql.Errorf(sql.CodeWindowingError, "frame starting from current row cannot have preceding rows")
	case sk == Following && (ek == Preceding || ek == CurrentRow):
		return nil, sql.Errorf(sql.CodeWindowingError, "frame starting from following row cannot have preceding rows")
	}
	out.StartKind, out.EndKind = sk, ek
	if !out.Rows && !out.Groups && (so != nil || eo != nil) && len(order) != 1 {
		return nil, sql.Errorf(sql.CodeWindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	bindOff := func(a ast.ExprNode, kind BoundKind) (off, val Expr, err error) {
		if a == nil {
			return nil, nil, nil
		}
		if off, err = eb.bind(a); err != nil {
			return nil, nil, err
		}
		vars := false
		walkExpr(off, func(x Expr) bool {
			if _, ok := x.(*ColRef); ok {
				vars = true
			}
			return !vars
		})
		if vars {
			return nil, nil, sql.Errorf(sql.CodeInvalidColumnReference, "argument of %s must not contain variables", unit)
		}
		if out.Rows || out.Groups {
			t := off.Type()
			if t.OID != sql.OIDUnknown && category(t) != catNumeric {
				return nil, nil, sql.Errorf(sql.CodeDatatypeMismatch, "argument of %s must be type bigint, not type %s", unit, t)
			}
			return eb.b.coerce(off, sql.Int8), nil, nil
		}
		key := order[0].Expr
		kt := key.Type()
		ot := off.Type()
		switch category(kt) {
		case catNumeric:
			if ot.OID == sql.OIDUnknown {
				off = eb.b.coerce(off, kt)
			} else if category(ot) != catNumeric {
				return nil, nil, sql.Errorf(sql.CodeFeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", kt, ot)
			}
		case catDate, catSpan:
			if ot.OID == sql.OIDUnknown {
				off = eb.b.coerce(off, sql.Interval)
			} else if ot.OID != sql.OIDInterval {
				return nil, nil, sql.Errorf(sql.CodeFeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", kt, ot)
			}
		default:
			return nil, nil, sql.Errorf(sql.CodeFeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", kt)
		}
		// Preceding moves against the sort direction.
		op := OpSub
		if (kind == Preceding) == order[0].Desc {
			op = OpAdd
		}
		if val, err = eb.b.binop(op, key, off); err != nil {
			return nil, nil, err
		}
		return off, val, nil
	}
	if out.StartOff, out.StartVal, err = bindOff(so, sk); err != nil {
		return nil, err
	}
	if out.EndOff, out.EndVal, err = bindOff(eo, ek); err != nil {
		return nil, err
	}
	for _, v := range []Expr{out.StartVal, out.EndVal} {
		if v != nil {
			out.RangeKey = eb.b.coerce(order[0].Expr, v.Type())
		}
	}
	if c, ok := out.StartOff.(*Const); ok && c.Val.Kind() == sql.KindInt {
		out.StartN = c.Val.Int()
	}
	if c, ok := out.EndOff.(*Const); ok && c.Val.Kind() == sql.KindInt {
		out.EndN = c.Val.Int()
	}
	return out, nil
}
