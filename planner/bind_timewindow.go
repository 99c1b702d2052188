package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Time window functions in FROM, as in RisingWave and Flink:
//
//	TUMBLE(rel, time_col, size [, offset])
//	HOP(rel, time_col, slide, size [, offset])
//
// Both return every column of rel followed by window_start and window_end,
// of time_col's type (timestamp or timestamptz; a date counts as a
// timestamp). TUMBLE gives each row its one window: a Project appending
// eddy_tumble_start and eddy_tumble_end, NULL for a NULL time. HOP gives
// each row once per window that holds it (size/slide of them): a FuncJoin
// with the set-returning eddy_hop, which yields no row for a NULL time.
// Both are stateless, so a continuous query runs them as it runs any
// projection or lateral function. sql/builtin/timewindow.go has the
// arithmetic and the alignment rules.
//
// rel is a table, source, view or WITH query by name, or a parenthesized
// subquery. The columns are qualified by the alias when there is one, else
// by rel's name. Sizes, slides and offsets are constant intervals.

func isTimeWindow(name string) bool { return name == "tumble" || name == "hop" }

// bindTimeWindow binds TUMBLE or HOP given the FROM item's alias, which the
// dialect layer sets to the function's name when the query gives none. It
// returns the name that qualifies the columns: the alias the query gave,
// else rel's name, else (for a subquery) the function's.
func (b *binder) bindTimeWindow(fc *ast.FuncCallExpr, alias string, sc *scope) (n Node, qualifier string, err error) {
	name := tableFunctionName(fc)
	what := strings.ToUpper(name)
	args := fc.Args[1:]
	intervals := 1 // size
	usage := what + "(relation, time column, size [, offset])"
	if name == "hop" {
		intervals = 2 // slide, size
		usage = what + "(relation, time column, slide, size [, offset])"
	}
	if len(args) != 2+intervals && len(args) != 3+intervals {
		return nil, "", &sql.Error{Code: sql.CodeUndefinedFunction,
			Message: "function " + name + " with " + plural(len(args), "argument") + " does not exist",
			Hint:    "The arguments are " + usage + "."}
	}
	if fc.FnName.L == "eddy_table_function_ordinality" {
		return nil, "", errUnsupported("WITH ORDINALITY on " + what)
	}
	input, rel, err := b.bindWindowInput(what, args[0], sc)
	if err != nil {
		return nil, "", err
	}
	qualifier = alias
	if alias == "" || alias == name {
		qualifier = firstNonEmpty(rel, name)
	}
	input = qualifyScan(input, qualifier)
	cols := input.Columns()
	for _, c := range cols {
		if c.Name == "window_start" || c.Name == "window_end" {
			return nil, "", sql.Errorf(sql.CodeDuplicateColumn, "the relation of %s has a column named %q, which %s would add again", what, c.Name, what)
		}
	}

	// The time column: an expression over rel's columns.
	named := make([]Column, len(cols))
	for i, c := range cols {
		named[i] = c
		named[i].Table = qualifier
	}
	cols = named
	ts, err := b.bindExpr(args[1], &scope{cols: cols, parent: sc.parent})
	if err != nil {
		return nil, "", err
	}
	switch ts.Type().OID {
	case sql.OIDTimestamp, sql.OIDTimestampTZ:
	case sql.OIDDate:
		ts = b.coerce(ts, sql.Timestamp)
	default:
		return nil, "", sql.Errorf(sql.CodeDatatypeMismatch, "the time column of %s must be of type timestamp, timestamp with time zone or date, not %s", what, ts.Type())
	}
	wt := ts.Type()

	names := []string{"window size"}
	if name == "hop" {
		names = []string{"window slide", "window size"}
	}
	names = append(names, "window offset")
	consts := make([]Expr, len(names))
	lengths := make([]int64, len(names))
	for i := range names {
		if 2+i >= len(args) {
			consts[i] = &Const{Val: sql.NewInterval(sql.IntervalValue{}), Typ: sql.Interval}
			continue
		}
		if consts[i], lengths[i], err = b.windowInterval(what, names[i], args[2+i], sc); err != nil {
			return nil, "", err
		}
	}

	windowCols := []Column{{Name: "window_start", Type: wt, Table: qualifier}, {Name: "window_end", Type: wt, Table: qualifier}}
	out := append(append([]Column(nil), cols...), windowCols...)
	if name == "tumble" {
		exprs := make([]Expr, 0, len(out))
		for i, c := range cols {
			exprs = append(exprs, &ColRef{Idx: i, Typ: c.Type})
		}
		for _, fn := range []string{"eddy_tumble_start", "eddy_tumble_end"} {
			call, err := b.resolveCall(fn, []Expr{ts, consts[0], consts[1]})
			if err != nil {
				return nil, "", err
			}
			exprs = append(exprs, call)
		}
		return &Project{Input: input, Exprs: exprs, Cols: out}, qualifier, nil
	}
	slide, size := lengths[0], lengths[1]
	if size%slide != 0 {
		return nil, "", sql.Errorf(sql.CodeInvalidParameterValue, "HOP window size %s is not a multiple of its slide %s",
			sql.FormatText(consts[1].(*Const).Val, sql.Interval, nil), sql.FormatText(consts[0].(*Const).Val, sql.Interval, nil))
	}
	if size/slide > builtin.MaxHopWindows {
		return nil, "", sql.Errorf(sql.CodeProgramLimitExceeded, "HOP window size may be at most %d times its slide", builtin.MaxHopWindows)
	}
	call := SRFCall{Name: "eddy_hop", Args: []Expr{ts, consts[0], consts[1], consts[2]}, Cols: windowCols}
	return &FuncJoin{Left: input, Call: call, Cols: out}, qualifier, nil
}

// bindWindowInput binds the relation argument of TUMBLE or HOP.
func (b *binder) bindWindowInput(what string, arg ast.ExprNode, sc *scope) (Node, string, error) {
	switch a := arg.(type) {
	case *ast.ColumnNameExpr:
		cn := a.Name
		if cn.Schema.O != "" {
			return nil, "", sql.Errorf(sql.CodeFeatureNotSupported, "cross-database references are not implemented: %s.%s.%s", cn.Schema.O, cn.Table.O, cn.Name.O)
		}
		n, err := b.bindTableName(&ast.TableName{Schema: cn.Table, Name: cn.Name})
		return n, cn.Name.O, err
	case *ast.SubqueryExpr:
		n, err := b.bindQuery(a.Query, sc.parent)
		if err != nil {
			return nil, "", err
		}
		return finalizeOutput(n), "", nil
	}
	return nil, "", sql.Errorf(sql.CodeWrongObjectType, "the first argument of %s must name a table, source, view or WITH query, or be a subquery", what)
}

// windowInterval binds a size, slide or offset: a constant interval, of
// fixed length (no months), positive unless it is the offset.
func (b *binder) windowInterval(fn, what string, arg ast.ExprNode, sc *scope) (Expr, int64, error) {
	x, err := b.bindExpr(arg, &scope{parent: sc.parent})
	if err != nil {
		return nil, 0, err
	}
	switch x.Type().OID {
	case sql.OIDInterval:
	case sql.OIDUnknown:
		x = b.coerce(x, sql.Interval)
	default:
		return nil, 0, sql.Errorf(sql.CodeDatatypeMismatch, "%s %s must be an interval, not %s", fn, what, x.Type())
	}
	v, ok, err := constValue(x)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, sql.Errorf(sql.CodeFeatureNotSupported, "%s %s must be a constant interval", fn, what)
	}
	if v.IsNull() {
		return nil, 0, sql.Errorf(sql.CodeNullValueNotAllowed, "%s %s must not be null", fn, what)
	}
	us, err := builtin.WindowLength(fn+" "+what, v.Interval(), what != "window offset")
	if err != nil {
		return nil, 0, err
	}
	return &Const{Val: v, Typ: sql.Interval}, us, nil
}

// constValue evaluates a literal, or a cast of one whose result does not
// depend on the session, at plan time. ok is false for anything else.
func constValue(x Expr) (sql.Value, bool, error) {
	switch x := x.(type) {
	case *Const:
		return x.Val, true, nil
	case *Cast:
		c, ok := x.Input.(*Const)
		if !ok || !foldable(c.Typ, x.Typ) {
			return sql.Null, false, nil
		}
		v, err := sql.Cast(c.Val, textIfUnknown(c.Typ), x.Typ, x.Explicit, time.UTC)
		return v, err == nil, err
	}
	return sql.Null, false, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
