package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
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
		f, err := bindFrame(spec.Frame)
		if err != nil {
			return nil, err
		}
		call.Frame = f
	}
	if filter != nil {
		return nil, errUnsupported("FILTER on a window function")
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
			return nil, errUnsupported("DISTINCT in a window aggregate")
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
	default:
		return nil, sql.Errorf(sql.CodeUndefinedFunction, "function %s does not exist", name)
	}
	eb.win.calls = append(eb.win.calls, call)
	return &winRef{j: len(eb.win.calls) - 1, typ: call.Type}, nil
}

func bindFrame(f *ast.FrameClause) (*Frame, error) {
	out := &Frame{Rows: f.Type == ast.Rows}
	if f.Type == ast.Groups {
		return nil, errUnsupported("GROUPS frames")
	}
	conv := func(b ast.FrameBound) (BoundKind, int64, error) {
		switch b.Type {
		case ast.CurrentRow:
			return CurrentRow, 0, nil
		case ast.Preceding:
			if b.UnBounded {
				return UnboundedPreceding, 0, nil
			}
			n, ok := intLiteral(b.Expr)
			if !ok {
				return 0, 0, errUnsupported("a non-integer frame offset")
			}
			return Preceding, n, nil
		case ast.Following:
			if b.UnBounded {
				return UnboundedFollowing, 0, nil
			}
			n, ok := intLiteral(b.Expr)
			if !ok {
				return 0, 0, errUnsupported("a non-integer frame offset")
			}
			return Following, n, nil
		}
		return 0, 0, errUnsupported("frame bound")
	}
	var err error
	if out.StartKind, out.StartN, err = conv(f.Extent.Start); err != nil {
		return nil, err
	}
	if out.EndKind, out.EndN, err = conv(f.Extent.End); err != nil {
		return nil, err
	}
	if !out.Rows && (out.StartKind == Preceding || out.StartKind == Following || out.EndKind == Preceding || out.EndKind == Following) {
		return nil, errUnsupported("RANGE with an offset")
	}
	return out, nil
}
