package exec

import (
	"context"
	"fmt"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Filter pushdown into a view's source decoders. When a view's plan scans
// a source once, right under a filter (q2's WHERE auction % 123 = 0), the
// decoding workers evaluate that filter on each record they decode, and a
// record it rejects goes no further: it is not copied into the batch, not
// admitted, not filtered again. The filter in the dataflow stays, and sees
// the rows kept as before.
//
// The filter decides exactly as it would in the dataflow: views refuse
// volatile and time-dependent functions (planner.CheckContinuous), the
// expression is compiled with the view's settings, and a record on which
// the filter fails is kept, so that the dataflow's filter reports the
// error where it did (or not at all, when the record is late).
//
// What a rejected record still counts for is the source's watermark: every
// record that is not late raises it, and a late one counts as late
// (flow_watermark.go). The workers keep of each rejected record its
// watermark column and expression (wmTally), and admit folds them in
// as it would the rows. Offsets are unaffected: a feed commits the offsets
// past every record it read, kept or not.

// sourcePushdown is a view's filter over one of its sources, ready for the
// decoders, and the source's watermark if the view has one for it: the
// decoders also take the watermark values of the rows they keep, which
// spares admit a pass over them.
type sourcePushdown struct {
	pred planner.Expr
	// wmCol and wmExpr are the source's WATERMARK column and expression
	// (wmExpr nil: no watermark).
	wmCol  int
	wmExpr planner.Expr
	// perRow keeps each rejected record's watermark values, for a feed,
	// whose epochs judge lateness; a load (whose rows are never late)
	// keeps only their extremes.
	perRow bool
	// newRuntime gives each worker a runtime with the view's settings.
	newRuntime func() (*runtime, error)
}

// sourcePushdown finds the filter a view applies right over its only scan
// of src (pred nil: none, or the view reads src otherwise) and the
// source's watermark; nil when there is neither.
func (f *dataflow) sourcePushdown(ctx context.Context, src *catalog.Relation, perRow bool) (*sourcePushdown, error) {
	pred, _ := pushableFilter(f.plan, src.OID)
	p := &sourcePushdown{pred: pred, wmCol: -1, perRow: perRow}
	if src.WatermarkColumn != "" {
		col, x, err := f.e.planner.WatermarkBind(src)
		if err != nil {
			// The view's epochs report it; the decoders keep everything.
			return nil, nil
		}
		p.wmCol, p.wmExpr = col, x
	}
	if p.pred == nil && p.wmExpr == nil {
		return nil, nil
	}
	rel := f.rel
	p.newRuntime = func() (*runtime, error) {
		s := newSession(f.e, rel.Owner, "eddy", nil)
		// As buildOperators: the view's expressions run with its
		// creator's settings.
		for k, v := range rel.Options {
			if layoutOption(k) {
				continue
			}
			if err := s.set(k, v); err != nil {
				return nil, err
			}
		}
		return s.newRuntime(ctx, nil, nil), nil
	}
	return p, nil
}

// pushableFilter finds the predicate of the filter right over the plan's
// only scan of the source oid, with nothing else between them.
func pushableFilter(plan planner.Node, oid uint32) (planner.Expr, bool) {
	scans := 0
	var pred planner.Expr
	var walk func(n planner.Node, parent planner.Node)
	walk = func(n, parent planner.Node) {
		switch n := n.(type) {
		case *planner.Scan:
			if n.Rel.OID != oid {
				return
			}
			scans++
			if flt, ok := parent.(*planner.Filter); ok && n.Index == nil && n.Key == nil {
				// A temporal filter's conjuncts follow the clock
				// (temporal_filter.go): the decoders apply the rest.
				_, rest := planner.SplitTemporal(flt.Pred)
				pred = planner.Conjoin(rest)
			} else {
				pred = nil
			}
		case *planner.CTERef:
			// Each reference builds its own copy of the CTE.
			walk(n.CTE.Plan, n)
		}
		for _, c := range n.Children() {
			walk(c, n)
		}
	}
	walk(plan, nil)
	if scans != 1 || pred == nil || !pushableExpr(pred) {
		return nil, false
	}
	return pred, true
}

// pushableExpr tells whether e is a function of the row alone, evaluated
// the same in a decoder as in the dataflow.
func pushableExpr(e planner.Expr) bool {
	ok := true
	planner.Walk(e, func(x planner.Expr) {
		switch x := x.(type) {
		case *planner.Subquery, *planner.OuterRef, *planner.Param:
			ok = false
		case *planner.Call:
			if x.Fn.Volatile {
				ok = false
			}
		}
	})
	return ok
}

// pushEval is one decoding worker's evaluation of a sourcePushdown.
type pushEval struct {
	pred evalFn // nil: no filter
	cse  *cseScope
	wm   evalFn // nil: no watermark
	col  int
	// row is where a record is decoded before the filter has seen it.
	row sql.Row
	// seen and kept size the batches' row allocations.
	seen, kept int64
	tally      *sourceTally
	perRow     bool
	// sampled and dropped count the records of the current sample, and
	// pause the records left to pass unfiltered (pushSample).
	sampled, dropped, pause int
}

// A filter that keeps most records costs more in the decoders than it
// saves: the dataflow evaluates it again on each row kept (q21 keeps 95%
// of bids, through a regular expression). So a worker filters in samples
// of pushSample records, and after one in which the filter dropped fewer
// than half, passes the next pushPause records unfiltered; keeping a
// record is always right, the dataflow's filter decides.
const (
	pushSample = 4096
	pushPause  = 16 * pushSample
)

// filtering tells whether the filter runs on the next n records; if not,
// they count as kept.
func (e *pushEval) filtering(n int) bool {
	if e.pred == nil || e.pause >= n {
		if e.pred != nil {
			e.pause -= n
		}
		e.seen += int64(n)
		e.kept += int64(n)
		return false
	}
	return true
}

// evaluator compiles the pushdown for one worker decoding rows of width
// columns; nil (decode everything) when p is nil or does not compile.
func (p *sourcePushdown) evaluator(width int) *pushEval {
	if p == nil {
		return nil
	}
	rt, err := p.newRuntime()
	if err != nil {
		return nil
	}
	e := &pushEval{col: p.wmCol, perRow: p.perRow}
	if p.pred != nil {
		e.row = make(sql.Row, width)
		e.cse = newCSEScope(p.pred)
		if _, e.pred, err = rt.compileShared(e.cse, nil, p.pred); err != nil {
			return nil
		}
	}
	if p.wmExpr != nil {
		if e.wm, err = compileWatermark(rt, p.wmExpr, p.wmCol); err != nil {
			return nil
		}
	}
	return e
}

// keep evaluates the filter on a decoded row; false means the filter
// rejected it, and the row's watermark values went to the tally.
func (e *pushEval) keep(row sql.Row, partition int32, offset int64) bool {
	e.seen++
	if e.pause > 0 {
		e.pause--
		e.kept++
		return true
	}
	if e.sampled++; e.sampled == pushSample {
		if e.dropped*2 < e.sampled {
			e.pause = pushPause
		}
		e.sampled, e.dropped = 0, 0
	}
	if e.cse != nil {
		e.cse.row++
	}
	v, err := e.pred(row)
	if err != nil || (!v.IsNull() && v.Bool()) {
		e.kept++
		return true
	}
	e.dropped++
	if e.wm == nil {
		return false
	}
	x, err := e.wm(row)
	if err != nil {
		// Kept, so that admit reports the error unless the row is late.
		e.kept++
		return true
	}
	t := e.tallied()
	if t.dropped == nil {
		t.dropped = &wmTally{perRow: e.perRow}
	}
	t.dropped.add(row[e.col], x, partition, offset)
	return false
}

// keptRow adds a row the batch keeps to the tally.
func (e *pushEval) keptRow(row sql.Row) {
	if e.wm == nil {
		return
	}
	x, err := e.wm(row)
	if err != nil {
		return // uncounted: admit reads the rows, and reports it
	}
	e.tallied().kept.add(row[e.col], x, 0, 0)
}

func (e *pushEval) tallied() *sourceTally {
	if e.tally == nil {
		e.tally = &sourceTally{}
	}
	return e.tally
}

// take hands over the tally of the records since the last call.
func (e *pushEval) take() *sourceTally {
	t := e.tally
	e.tally = nil
	return t
}

// rowsFor is how many rows to allocate for the kept rows of the remaining
// records, by the share kept so far.
func (e *pushEval) rowsFor(remaining int) int {
	n := int64(remaining)*e.kept/max(e.seen, 1) + 8
	return int(min(n, int64(remaining)))
}

// sourceTally is what a source's batch carries for the view's watermark
// from the decoders: the watermark values of its rows, and of the records
// the filter dropped.
type sourceTally struct {
	// kept covers the batch's rows when kept.n is their number: a row
	// whose watermark the decoder could not compute is not counted, nor
	// are rows that came without a tally, and admit then reads the rows.
	kept    wmTally
	dropped *wmTally
}

// merge adds o, the tally of rows appended after r's (either may be nil).
func (r *sourceTally) merge(o *sourceTally) *sourceTally {
	if o == nil {
		return r
	}
	if r == nil {
		return o
	}
	r.kept.merge(&o.kept)
	r.dropped = r.dropped.merge(o.dropped)
	return r
}

// keptInTime tells whether the tally covers the batch's rows (rows of
// them) and none is late; then kept.maxX is the greatest watermark they
// give.
func (r *sourceTally) keptInTime(hold bool, wm sql.Value, rows int) bool {
	return r != nil && r.kept.n == int64(rows) && r.kept.inTime(hold, wm)
}

// admitDropped is wmTally.admit for the dropped records, if any.
func (r *sourceTally) admitDropped(hold bool, wm sql.Value, late int64, next sql.Value) (int64, sql.Value, error) {
	if r == nil || r.dropped == nil {
		return late, next, nil
	}
	return r.dropped.admit(hold, wm, late, next)
}

// wmTally is the watermark column and expression values of a set of
// records: the rows of a batch, or the records a filter dropped.
type wmTally struct {
	n int64
	// minT is the least non-NULL watermark column value, maxX the
	// greatest non-NULL watermark expression value (NULL: none).
	minT, maxX sql.Value
	// rows are each record's values, when perRow.
	perRow bool
	rows   []rejectedRow
}

type rejectedRow struct {
	t, x      sql.Value
	partition int32
	offset    int64
}

func (r *wmTally) add(t, x sql.Value, partition int32, offset int64) {
	r.n++
	if !t.IsNull() && (r.minT.IsNull() || sql.Compare(t, r.minT) < 0) {
		r.minT = t
	}
	if !x.IsNull() && (r.maxX.IsNull() || sql.Compare(x, r.maxX) > 0) {
		r.maxX = x
	}
	if r.perRow {
		r.rows = append(r.rows, rejectedRow{t, x, partition, offset})
	}
}

// merge adds o's records to r's (either may be nil).
func (r *wmTally) merge(o *wmTally) *wmTally {
	if o == nil {
		return r
	}
	if r == nil {
		return o
	}
	r.n += o.n
	if !o.minT.IsNull() && (r.minT.IsNull() || sql.Compare(o.minT, r.minT) < 0) {
		r.minT = o.minT
	}
	if !o.maxX.IsNull() && (r.maxX.IsNull() || sql.Compare(o.maxX, r.maxX) > 0) {
		r.maxX = o.maxX
	}
	r.perRow = r.perRow && o.perRow
	if r.perRow {
		r.rows = append(r.rows, o.rows...)
	} else {
		r.rows = nil
	}
	return r
}

// admit does for the rejected records what dataflow.admit does for rows:
// the late ones (below wm, unless the view is loading) add to late, the
// others raise next.
func (r *wmTally) admit(hold bool, wm sql.Value, late int64, next sql.Value) (int64, sql.Value, error) {
	if r.inTime(hold, wm) {
		return late, r.raise(next), nil
	}
	if !r.perRow {
		return 0, sql.Null, fmt.Errorf("%d records dropped by the filter pushed into the source's decoders may be late, and their watermark values were not kept", r.n)
	}
	for _, x := range r.rows {
		if !x.t.IsNull() && sql.Compare(x.t, wm) < 0 {
			late++
			continue
		}
		if !x.x.IsNull() && (next.IsNull() || sql.Compare(x.x, next) > 0) {
			next = x.x
		}
	}
	return late, next, nil
}

// inTime tells whether none of the records is late.
func (r *wmTally) inTime(hold bool, wm sql.Value) bool {
	return hold || wm.IsNull() || r.minT.IsNull() || sql.Compare(r.minT, wm) >= 0
}

// raise is next raised to the records' greatest watermark.
func (r *wmTally) raise(next sql.Value) sql.Value {
	if !r.maxX.IsNull() && (next.IsNull() || sql.Compare(r.maxX, next) > 0) {
		return r.maxX
	}
	return next
}

// split parts the rejects of a feed's epoch as feedBatch parts its rows:
// those before first's next offsets, and the rest.
func (r *wmTally) split(firstNext map[int32]int64) (first, rest *wmTally, err error) {
	if r == nil {
		return nil, nil, nil
	}
	if !r.perRow {
		return nil, nil, fmt.Errorf("cannot split %d records dropped by the filter pushed into the source's decoders", r.n)
	}
	first, rest = &wmTally{perRow: true}, &wmTally{perRow: true}
	for _, x := range r.rows {
		to := rest
		if next, ok := firstNext[x.partition]; ok && x.offset < next {
			to = first
		}
		to.add(x.t, x.x, x.partition, x.offset)
	}
	return first, rest, nil
}

// compileWatermark compiles a source's WATERMARK expression for the
// decoders. The usual one, col - INTERVAL 'n seconds', runs as one step
// that computes what dateOp does for an interval of microseconds alone
// (the decoders evaluate it on every record, where the general
// evaluation took a good part of the time); any other goes through
// compile.
func compileWatermark(rt *runtime, x planner.Expr, col int) (evalFn, error) {
	if b, ok := x.(*planner.BinOp); ok && (b.Op == planner.OpSub || b.Op == planner.OpAdd) {
		ref, isRef := b.L.(*planner.ColRef)
		ts := b.Typ.OID == sql.OIDTimestamp || b.Typ.OID == sql.OIDTimestampTZ
		c, isConst := constantValue(rt, b.R)
		if isRef && isConst && ts && ref.Idx == col && ref.Typ.OID == b.Typ.OID &&
			b.R.Type().OID == sql.OIDInterval && !c.IsNull() {
			iv := c.Interval()
			if iv.Months == 0 && iv.Days == 0 {
				d := iv.Micros
				if b.Op == planner.OpSub {
					d = -d
				}
				if b.Typ.OID == sql.OIDTimestampTZ {
					return func(row sql.Row) (sql.Value, error) {
						if v := &row[col]; !v.IsNull() {
							return sql.NewTimestampTZ(v.Int() + d), nil
						}
						return sql.Null, nil
					}, nil
				}
				return func(row sql.Row) (sql.Value, error) {
					if v := &row[col]; !v.IsNull() {
						return sql.NewTimestamp(v.Int() + d), nil
					}
					return sql.Null, nil
				}, nil
			}
		}
	}
	return rt.compile(x)
}

// constantValue evaluates an expression that reads no row (INTERVAL
// '4 seconds' is a cast of a text constant); false when it reads one, or
// fails.
func constantValue(rt *runtime, e planner.Expr) (sql.Value, bool) {
	constant := true
	planner.Walk(e, func(x planner.Expr) {
		switch x := x.(type) {
		case *planner.Const, *planner.Cast:
		case *planner.Call:
			constant = constant && !x.Fn.Volatile
		default:
			constant = false
		}
	})
	if !constant {
		return sql.Null, false
	}
	f, err := rt.compile(e)
	if err != nil {
		return sql.Null, false
	}
	v, err := f(nil)
	return v, err == nil
}
