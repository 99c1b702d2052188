package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Watermarks and closed windows.
//
// A relation declared with WATERMARK FOR col AS expr (a source, or an
// APPEND ONLY table) has, in each materialized view that reads it, a
// watermark: the greatest expr over the rows the view has read. A row that
// arrives with col below the watermark is late, and the view drops it
// (exec/flow_watermark.go), so every row a view takes from then on has
// col >= watermark. That promise travels up the view's plan: rows of
// TUMBLE(rel, col, size) yield window_start >= tumble_start(watermark), an
// aggregate grouped by window_start emits no change to a group below that,
// and so on. This file derives, for each output column of a plan, such a
// bound: a function of the inputs' watermarks below which the column's
// values are final, in that no later input row can add, change or retract
// an output row whose column holds such a value. The view's executor uses
// the bounds twice: EMIT ON WINDOW CLOSE shows a row once its bound column
// falls below the bound (its window has closed), and a keyed operator drops
// the state of the groups whose key falls below it.
//
// A bound is derived only where it is sure: a column passed through
// Project, Filter and Sort; a GROUP BY key; a PARTITION BY key shared by
// every window function; the first ORDER BY column of a TopN or of window
// functions that see no later row (watermark_order.go); a DISTINCT (ON) column; an equi-join key bounded
// on both sides (the other columns of a join side are not: the other side
// can still join them); a set operation's column bounded in both inputs;
// window_start and window_end computed by TUMBLE or HOP from a bounded
// column. A part of the plan that reads no stored relation (VALUES, a table
// function) never changes after the view's first epoch, so its columns are
// final from the start.

// WatermarkBind binds the WATERMARK expression of rel over its columns and
// returns it with the index of the watermarked column. The expression must
// have the column's type and give the same value whenever it is evaluated.
func (p *Planner) WatermarkBind(rel *catalog.Relation) (int, Expr, error) {
	col := rel.ColumnIndex(rel.WatermarkColumn)
	if col < 0 {
		return 0, nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q named in WATERMARK does not exist", rel.WatermarkColumn)
	}
	ct := rel.Columns[col].Type
	switch ct.OID {
	case sql.OIDTimestamp, sql.OIDTimestampTZ, sql.OIDDate, sql.OIDInt2, sql.OIDInt4, sql.OIDInt8:
	default:
		return 0, nil, sql.Errorf(sql.CodeDatatypeMismatch, "the WATERMARK column %q must be of type timestamp, timestamp with time zone, date or an integer type, not %s", rel.WatermarkColumn, ct)
	}
	x, err := p.BindTableExpr(rel, rel.WatermarkExpr, "")
	if err != nil {
		return 0, nil, err
	}
	if x.Type().OID != ct.OID {
		return 0, nil, sql.Errorf(sql.CodeDatatypeMismatch, "the WATERMARK expression for %q must be of its column's type %s, not %s", rel.WatermarkColumn, ct, x.Type())
	}
	walkExpr(x, func(e Expr) bool {
		switch e := e.(type) {
		case *Subquery:
			err = sql.Errorf(sql.CodeFeatureNotSupported, "a subquery is not supported in a WATERMARK expression")
		case *Call:
			if e.Fn.Volatile || timeDependent[strings.ToLower(e.Fn.Name)] {
				err = sql.Errorf(sql.CodeFeatureNotSupported, "function %s() is not supported in a WATERMARK expression: its value changes between evaluations", e.Fn.Name)
			}
		}
		return err == nil
	})
	if err != nil {
		return 0, nil, err
	}
	return col, x, nil
}

// A Bound says below what value a column is final. Its value is the least
// of its terms' values; a nil *Bound means the column has no bound, and a
// Bound with no terms means the column is final from the start (it comes
// from constant rows).
type Bound struct {
	Terms []BoundTerm
}

// A BoundTerm is the bound that one watermarked input puts on a column:
// the input's watermark with Steps applied in order. Any change that the
// input's future rows cause has, in the column, a value at least the term's
// (or NULL: a NULL is in no window, and is never final).
type BoundTerm struct {
	Input uint32 // the watermarked relation
	Steps []BoundStep
}

// A BoundStep maps a bound on a time to the bound on a window column
// computed from it; each is monotonic, which is what lets the bound through.
type BoundStep struct {
	Kind BoundStepKind
	// Size, Slide and Offset are the window's, in microseconds.
	Size, Slide, Offset int64
}

// BoundStepKind names a BoundStep.
type BoundStepKind uint8

const (
	// StepTumbleStart: the start of the Size-long window holding the time.
	StepTumbleStart BoundStepKind = iota
	// StepTumbleEnd: the end of that window.
	StepTumbleEnd
	// StepHopStart: the first start of the Size-long windows, one every
	// Slide, that hold the time.
	StepHopStart
	// StepDateToTimestamp: a date as the timestamp of its midnight.
	StepDateToTimestamp
)

// Eval computes the term's value from its input's watermark w (not NULL).
func (t BoundTerm) Eval(w sql.Value) (sql.Value, error) {
	for _, s := range t.Steps {
		var err error
		if w, err = s.eval(w); err != nil {
			return sql.Null, err
		}
	}
	return w, nil
}

func (s BoundStep) eval(w sql.Value) (sql.Value, error) {
	if s.Kind == StepDateToTimestamp {
		return sql.Cast(w, sql.Date, sql.Timestamp, false, time.UTC)
	}
	tz := w.Kind() == sql.KindTimestampTZ
	if !tz && w.Kind() != sql.KindTimestamp {
		return sql.Null, fmt.Errorf("planner: window bound over a %v", w.Kind())
	}
	var us int64
	var err error
	switch s.Kind {
	case StepTumbleStart:
		us, err = builtin.TumbleStart(w.Int(), s.Size, s.Offset)
	case StepTumbleEnd:
		us, err = builtin.TumbleEnd(w.Int(), s.Size, s.Offset)
	case StepHopStart:
		// The earliest window holding t starts size/slide-1 slides before
		// the latest, which is t's tumbling window of length slide.
		us, err = builtin.TumbleStart(w.Int(), s.Slide, s.Offset)
		us -= s.Size - s.Slide
	}
	if err != nil {
		return sql.Null, err
	}
	if tz {
		return sql.NewTimestampTZ(us), nil
	}
	return sql.NewTimestamp(us), nil
}

func (b *Bound) then(s BoundStep) *Bound {
	if b == nil {
		return nil
	}
	out := &Bound{Terms: make([]BoundTerm, len(b.Terms))}
	for i, t := range b.Terms {
		out.Terms[i] = BoundTerm{Input: t.Input, Steps: append(append([]BoundStep(nil), t.Steps...), s)}
	}
	return out
}

// both is the bound of a column whose changes come from two parts of a
// plan, each bounding it: the lesser of the two. nil if either is nil.
func both(a, b *Bound) *Bound {
	if a == nil || b == nil {
		return nil
	}
	return &Bound{Terms: append(append([]BoundTerm(nil), a.Terms...), b.Terms...)}
}

// OutputBounds returns the bound of each output column of n (nil where
// there is none).
func OutputBounds(n Node) []*Bound {
	out := make([]*Bound, len(n.Columns()))
	if !readsInputs(n) {
		for i := range out {
			out[i] = &Bound{}
		}
		return out
	}
	// A subquery in an expression reads relations this analysis does not
	// see (continuous queries refuse it, CheckContinuous).
	for _, e := range NodeExprs(n) {
		if hasSubquery(e) {
			return out
		}
	}
	switch n := n.(type) {
	case *Scan:
		if n.Rel.WatermarkColumn != "" {
			if i := n.Rel.ColumnIndex(n.Rel.WatermarkColumn); i >= 0 && i < len(out) {
				out[i] = &Bound{Terms: []BoundTerm{{Input: n.Rel.OID}}}
			}
		}
	case *Filter:
		return OutputBounds(n.Input)
	case *Sort:
		return OutputBounds(n.Input)
	case *CTERef:
		return OutputBounds(n.CTE.Plan)
	case *Project:
		in := OutputBounds(n.Input)
		for i, e := range n.Exprs {
			out[i] = ExprBound(e, in)
		}
	case *Aggregate:
		// A group's row changes only with the group's input rows. A key
		// left out of some grouping sets is NULL in their rows, which are
		// never final.
		in := OutputBounds(n.Input)
		for i, g := range n.Group {
			out[i] = ExprBound(g, in)
		}
	case *Distinct:
		in := OutputBounds(n.Input)
		if n.On == nil {
			return in
		}
		for _, e := range n.On {
			if c, ok := e.(*ColRef); ok {
				out[c.Idx] = in[c.Idx]
			}
		}
	case *Window:
		// A row's window values change only with its partition's rows.
		in := OutputBounds(n.Input)
		for _, e := range WindowKey(n) {
			if c, ok := e.(*ColRef); ok {
				out[c.Idx] = in[c.Idx]
			}
		}
		if i := windowOrderBound(n); i >= 0 {
			out[i] = in[i]
		}
		if i, c := closingLead(n); c >= 0 {
			out[len(in)+i] = in[c]
		}
	case *Limit:
		// TopN: see topNOrderBound.
		in := OutputBounds(n.Input)
		if i := topNOrderBound(n); i >= 0 {
			out[i] = in[i]
		}
	case *SetOp:
		l, r := OutputBounds(n.Left), OutputBounds(n.Right)
		for i := range out {
			out[i] = both(l[i], r[i])
		}
	case *Join:
		joinBounds(n, out)
	case *FuncJoin:
		// Each left row yields its rows by itself.
		in := OutputBounds(n.Left)
		copy(out, in)
		if n.Call.Name == "eddy_hop" && len(n.Call.Args) == 4 && !n.Ordinality {
			slide, ok1 := constMicros(n.Call.Args[1])
			size, ok2 := constMicros(n.Call.Args[2])
			offset, ok3 := constMicros(n.Call.Args[3])
			t := ExprBound(n.Call.Args[0], in)
			if ok1 && ok2 && ok3 && len(out) == len(in)+2 {
				out[len(in)] = t.then(BoundStep{Kind: StepHopStart, Size: size, Slide: slide, Offset: offset})
				out[len(in)+1] = t.then(BoundStep{Kind: StepTumbleEnd, Size: slide, Offset: offset})
			}
		}
	case *ProjectSet:
		in := OutputBounds(n.Input)
		copy(out, in)
	}
	return out
}

// joinBounds bounds a join's columns. A change from one side reaches the
// output rows that its key joins, so a column of one side is bounded when
// its values are bounded on that side and, through an equi-join key, on
// the other (or the other side is constant). The NULLs of an outer join's
// padded side are never final, so outer joins bound as inner ones do.
func joinBounds(n *Join, out []*Bound) {
	l, r := OutputBounds(n.Left), OutputBounds(n.Right)
	lc, rc := readsInputs(n.Left), readsInputs(n.Right)
	side := func(mine []*Bound, myKeys, otherKeys []Expr, other []*Bound, otherReads bool, i int) *Bound {
		if mine[i] == nil || !otherReads {
			return mine[i]
		}
		for k, e := range myKeys {
			if c, ok := e.(*ColRef); ok && c.Idx == i {
				if b := both(mine[i], ExprBound(otherKeys[k], other)); b != nil {
					return b
				}
			}
		}
		return nil
	}
	for i := range l {
		if i < len(out) {
			out[i] = side(l, n.LeftKeys, n.RightKeys, r, rc, i)
		}
	}
	if n.Kind == JoinSemi || n.Kind == JoinAnti {
		return
	}
	for i := range r {
		if len(l)+i < len(out) {
			out[len(l)+i] = side(r, n.RightKeys, n.LeftKeys, l, lc, i)
		}
	}
}

// ExprBound returns the bound of an expression over a row whose columns
// have the bounds in: a bounded column, or TUMBLE's window arithmetic over
// one.
func ExprBound(e Expr, in []*Bound) *Bound {
	switch e := e.(type) {
	case *ColRef:
		if e.Idx < len(in) {
			return in[e.Idx]
		}
	case *Cast:
		if e.Input.Type().OID == sql.OIDDate && e.Typ.OID == sql.OIDTimestamp {
			return ExprBound(e.Input, in).then(BoundStep{Kind: StepDateToTimestamp})
		}
	case *Call:
		kind := StepTumbleStart
		switch e.Fn.Name {
		case "eddy_tumble_start":
		case "eddy_tumble_end":
			kind = StepTumbleEnd
		default:
			return nil
		}
		if len(e.Args) != 3 {
			return nil
		}
		size, ok1 := constMicros(e.Args[1])
		offset, ok2 := constMicros(e.Args[2])
		if !ok1 || !ok2 || size <= 0 {
			return nil
		}
		return ExprBound(e.Args[0], in).then(BoundStep{Kind: kind, Size: size, Offset: offset})
	}
	return nil
}

// constMicros is the length of a constant interval of fixed length.
func constMicros(e Expr) (int64, bool) {
	c, ok := e.(*Const)
	if !ok || c.Val.IsNull() || c.Typ.OID != sql.OIDInterval {
		return 0, false
	}
	us, err := builtin.WindowLength("interval", c.Val.Interval(), false)
	return us, err == nil
}

// readsInputs reports whether n reads a stored relation or source, so that
// its output can change after the view's first epoch.
func readsInputs(n Node) bool {
	found := false
	walkPlan(n, func(n Node) bool {
		if _, ok := n.(*Scan); ok {
			found = true
		}
		return !found
	})
	return found
}

func hasSubquery(e Expr) bool {
	found := false
	walkExpr(e, func(e Expr) bool {
		if _, ok := e.(*Subquery); ok {
			found = true
		}
		return !found
	})
	return found
}

// WindowCloseColumn returns the output column by which a view with EMIT ON
// WINDOW CLOSE decides that a row's window has closed, and its bound: the
// first output column bounded by a watermark. It fails with 0A000 when
// there is none.
func WindowCloseColumn(n Node) (int, *Bound, error) {
	for i, b := range OutputBounds(n) {
		if b != nil && len(b.Terms) > 0 {
			return i, b, nil
		}
	}
	return 0, nil, &sql.Error{Code: sql.CodeFeatureNotSupported,
		// The message starts as RisingWave's does.
		Message: "the query cannot be executed in Emit-On-Window-Close mode: EMIT ON WINDOW CLOSE needs an output column that a watermark closes, and the view has none",
		Hint: "Select window_start or window_end of TUMBLE or HOP over a column with a WATERMARK (or that column itself), " +
			"and keep it through GROUP BY, PARTITION BY and join keys, or as the first ORDER BY key (ascending) " +
			"of a LIMIT or of window functions that look no further than the current row."}
}

// ClosingKey returns the position in a keyed operator's key by which its
// groups close, and the bound there, or -1. The operator's inputs are
// arranged by key (keys[i] over inputs[i]) and each group's output depends
// only on its rows, so a group whose key holds, at that position, a value
// below the bound on every input will not change again and its state can
// go. The earliest position is preferred: the state is ordered by it.
func ClosingKey(inputs []Node, keys [][]Expr) (int, *Bound) {
	bounds := make([][]*Bound, len(inputs))
	for i, in := range inputs {
		bounds[i] = OutputBounds(in)
	}
	for j := range keys[0] {
		acc := &Bound{}
		for i := range inputs {
			if j >= len(keys[i]) {
				return -1, nil
			}
			acc = both(acc, ExprBound(keys[i][j], bounds[i]))
		}
		if acc != nil && len(acc.Terms) > 0 {
			return j, acc
		}
	}
	return -1, nil
}

// GroupKey is what an aggregate's groups share: its GROUP BY, or with
// grouping sets the columns in every set.
func GroupKey(n *Aggregate) []Expr {
	if n.GroupingSets == nil {
		return n.Group
	}
	var out []Expr
	for i, g := range n.Group {
		inAll := true
		for _, set := range n.GroupingSets {
			found := false
			for _, j := range set {
				found = found || j == i
			}
			inAll = inAll && found
		}
		if inAll {
			out = append(out, g)
		}
	}
	return out
}

// WindowKey is the partition every window call of n shares.
func WindowKey(n *Window) []Expr {
	var out []Expr
	for _, e := range n.Calls[0].Partition {
		shared := true
		for _, c := range n.Calls[1:] {
			found := false
			for _, p := range c.Partition {
				found = found || exprEqual(p, e)
			}
			shared = shared && found
		}
		if shared {
			out = append(out, e)
		}
	}
	return out
}
